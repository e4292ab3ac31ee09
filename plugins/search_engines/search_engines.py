"""What the site tells search engines: a sitemap of its posts and pages, robots.txt, and "noindex".

The sitemap lists only what a reader may be sent to from a search: published posts and pages.
Drafts, hidden posts and pages (the 404 page among them), the preferences and trigger pages
and the importers' redirect pages are never listed, as they are not Pelican's published
articles or pages. It holds addresses and dates only, never a title or a word of a post.

Some writers want readers to arrive only through links they share: ``index: False`` makes
robots.txt disallow everything, the theme puts ``<meta name="robots" content="noindex">`` on
every page, and no sitemap is written.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from pelican import signals
from pelican.generators import Generator

from harbour.errors import HarbourError
from harbour.files import write_site_file
from harbour.plugins import when_enabled
from harbour.settings import Option, boolean, optional, plugin_settings

logger = logging.getLogger(__name__)

ROBOTS_TXT = "robots.txt"
SITEMAP_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _sitemap_path(value: Any) -> str | None:
    if not isinstance(value, str) or not value.endswith(".xml"):
        return "expected a file name ending in .xml, e.g. 'sitemap.xml'"
    if value.startswith("/") or ".." in value.split("/") or "\\" in value:
        return "expected a path inside the output folder, without a leading '/' or '..'"
    return None


SCHEMA = {
    "index": Option(
        True,
        "False asks search engines not to index the site: robots.txt disallows everything, every page "
        "says noindex and no sitemap is written",
        boolean,
    ),
    "sitemap": Option(
        None,
        "where the sitemap is written in the output, e.g. 'sitemap.xml' (needs SITEURL to be the site's "
        "full address, so publishconf.py turns it on); None writes none",
        optional(_sitemap_path),
    ),
}


def search_engine_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The ``SEARCH_ENGINES`` settings merged over the defaults, or a HarbourError listing every problem."""
    options = plugin_settings(settings, "SEARCH_ENGINES", SCHEMA)
    site_url = settings.get("SITEURL") or ""
    parts = urlsplit(site_url)
    if options["sitemap"] and not (parts.scheme in ("http", "https") and parts.netloc):
        # A sitemap holds full addresses only; a relative one is ignored by every search engine.
        raise HarbourError(
            f"SEARCH_ENGINES['sitemap'] = {options['sitemap']!r} needs SITEURL to be the site's full address "
            f"(e.g. 'https://still-here.example.org'), but SITEURL is {site_url!r}; set SITEURL, or set the "
            "sitemap in publishconf.py only"
        )
    return options


# --- Plain functions ------------------------------------------------------------------

@dataclass(frozen=True)
class SitemapEntry:
    url: str  # the full address
    lastmod: datetime | None


def _is_published(content: Any) -> bool:
    return getattr(content, "status", "published") == "published" and bool(content.save_as) and bool(content.url)


def sitemap_entries(site_url: str, contents: Iterable[Any]) -> list[SitemapEntry]:
    """One entry per published post or page, by address; anything else in ``contents`` is left out."""
    entries = {}
    for content in contents:
        if not _is_published(content):
            continue
        url = f"{site_url.rstrip('/')}/{content.url.lstrip('/')}"
        lastmod = getattr(content, "modified", None) or getattr(content, "date", None)
        entries[url] = SitemapEntry(url, lastmod if isinstance(lastmod, datetime) else None)
    return [entries[url] for url in sorted(entries)]


def sitemap_xml(entries: Iterable[SitemapEntry]) -> str:
    lines = ['<?xml version="1.0" encoding="utf-8"?>', f'<urlset xmlns="{SITEMAP_NAMESPACE}">']
    for entry in entries:
        lastmod = f"<lastmod>{entry.lastmod.isoformat()}</lastmod>" if entry.lastmod else ""
        lines.append(f"  <url><loc>{escape(entry.url)}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots_txt(*, index: bool, sitemap_url: str | None) -> str:
    if not index:
        return "# This site asks search engines not to index it.\nUser-agent: *\nDisallow: /\n"
    text = "User-agent: *\nDisallow:\n"
    return text + (f"\nSitemap: {sitemap_url}\n" if sitemap_url else "")


# --- Pelican side -----------------------------------------------------------------------

class SearchEngineFilesGenerator(Generator):
    """Writes robots.txt and the sitemap once every post and page is known."""

    def generate_context(self) -> None:
        pass

    def generate_output(self, writer: Any) -> None:
        options = self.settings["SEARCH_ENGINES"]
        output = Path(self.output_path)
        site_url = self.settings["SITEURL"]
        sitemap = options["sitemap"] if options["index"] else None
        sitemap_url = f"{site_url.rstrip('/')}/{sitemap}" if sitemap else None
        write_site_file(output / ROBOTS_TXT, robots_txt(index=options["index"], sitemap_url=sitemap_url))
        if sitemap:
            contents = [
                *self.context.get("articles", []), *self._translations("articles"),
                *self.context.get("pages", []), *self._translations("pages"),
            ]
            entries = sitemap_entries(site_url, contents)
            target = output / posixpath.normpath(sitemap)
            target.parent.mkdir(parents=True, exist_ok=True)
            write_site_file(target, sitemap_xml(entries))
            logger.info("Wrote %s (%d addresses)", sitemap, len(entries))

    def _translations(self, kind: str) -> list[Any]:
        # Pelican keeps translations beside their originals, not in the context's lists.
        originals = self.context.get(kind, [])
        return [t for content in originals for t in getattr(content, "translations", [])]


@when_enabled("search_engines")
def validate_settings(pelican: Any) -> None:
    """At ``initialized``: replace the writer's SEARCH_ENGINES dict by the checked, complete one."""
    pelican.settings["SEARCH_ENGINES"] = search_engine_settings(pelican.settings)


@when_enabled("search_engines")
def provide_generator(pelican: Any) -> type[Generator]:
    return SearchEngineFilesGenerator


def register() -> None:
    signals.initialized.connect(validate_settings)
    signals.get_generators.connect(provide_generator)
