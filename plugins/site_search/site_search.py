"""Site search: a search page, and an index of the published posts and pages that Pagefind builds.

The search runs in the reader's browser on files of this site; nothing typed is sent anywhere.
Warned text is never indexed: every gate's body tells Pagefind to leave it out
(content_warnings/gate.py), and once the index is written the leak guard reads each of its
entries, so warned text found there stops the build as a leak on a page would. Each post's
trigger tags, with their broader topics, are a filter of its entry: the search page leaves out
the posts about a topic the reader chose to hide, as listings do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.generators import Generator

from harbour.errors import HarbourError
from harbour.plugins import enabled_plugins, when_enabled
from harbour.settings import Option, boolean, integer, plugin_settings
from site_search.pagefind import Fragment, page_url, read_fragments, unexpected_pages
from site_search.parts import index_parts, plan_parts

logger = logging.getLogger(__name__)


def _folder_url(value: Any) -> str | None:
    if isinstance(value, str) and value.endswith("/") and not value.startswith("/") and "//" not in value:
        return None
    return "expected a folder path like 'search/' (no leading slash, with a trailing one)"


SCHEMA = {
    "url": Option("search/", "where the search page lives", _folder_url),
    "comments": Option(
        True,
        "True lets readers find a post by the words of its open comments (warned comments and the "
        "comments under a gated post are never indexed)",
        boolean,
    ),
    "part_pages": Option(
        500,
        "pages in each part of the search index: a large site is indexed a part at a time, and a rebuild "
        "indexes again only the parts whose pages changed (readers' browsers search all parts together)",
        integer(minimum=1),
    ),
}
SEARCHABLE = "_SITE_SEARCH_PAGES"  # where a build keeps the addresses its index may hold, in its settings


def search_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The ``SEARCH`` settings merged over the defaults, or a HarbourError listing every problem."""
    return plugin_settings(settings, "SEARCH", SCHEMA)


def searchable_pages(contents: Iterable[Any]) -> dict[str, str]:
    """The published posts and pages among ``contents``: each one's address (as Pagefind writes it)
    and the file it is written to."""
    return {
        page_url(content.save_as): content.save_as
        for content in contents
        if getattr(content, "status", "published") == "published" and content.save_as
    }


def index_problems(
    settings: Mapping[str, Any], fragments: list[Fragment], searchable: Mapping[str, str]
) -> list[str]:
    """What is wrong with the written index: pages it must not hold, and warned text in any entry."""
    problems = unexpected_pages(fragments, searchable)
    if "content_warnings" in enabled_plugins(settings):
        from content_warnings.content_warnings import leaks_in_written_texts
        from content_warnings.leak_guard import json_text

        entries = {f"{f.file} (the search index's entry for {f.url})": json_text(f.data) for f in fragments}
        problems += leaks_in_written_texts(settings, entries)
    return problems


# --- Pelican side -----------------------------------------------------------------------

class SearchPageGenerator(Generator):
    """Writes the search page (theme/templates/search.html)."""

    def generate_context(self) -> None:
        pass

    def generate_output(self, writer: Any) -> None:
        search = self.settings["SEARCH"]
        # The index's parts are known before any page is written: they follow from the addresses.
        parts = plan_parts(self.settings.get(SEARCHABLE, {}), search["part_pages"])
        writer.write_file(
            search["url"] + "index.html", self.get_template("search"), self.context, page_name="search",
            search_bundles=[part.bundle for part in parts],
        )


@when_enabled("site_search")
def validate_settings(pelican: Any) -> None:
    """At ``initialized``: replace the writer's SEARCH dict by the checked, complete one."""
    pelican.settings["SEARCH"] = search_settings(pelican.settings)


@when_enabled("site_search")
def provide_generator(pelican: Any) -> type[Generator]:
    return SearchPageGenerator


def note_searchable_pages(generators: list[Any]) -> None:
    """At ``all_generators_finalized``: remember which addresses the index may hold."""
    settings = generators[0].settings if generators else {}
    if "site_search" not in enabled_plugins(settings):
        return
    # Both generators keep their published posts or pages, and those pages' translations, here.
    kinds = ("articles", "pages", "translations")
    contents = [content for g in generators for kind in kinds for content in getattr(g, kind, [])]
    settings[SEARCHABLE] = searchable_pages(contents)


@when_enabled("site_search")
def build_search_index(pelican: Any) -> None:
    """At ``finalized``, once every page is written: index the site, then check the index."""
    searchable = pelican.settings.get(SEARCHABLE, {})
    if not searchable:
        logger.info("site search: no published post or page to index yet")
        return
    output = Path(pelican.output_path)
    started = time.perf_counter()
    run = index_parts(output, plan_parts(searchable, pelican.settings["SEARCH"]["part_pages"]))
    indexed = time.perf_counter()
    fragments = list(read_fragments(output))
    problems = index_problems(pelican.settings, fragments, searchable)
    logger.info("site search: %d pages in %d parts, %d indexed anew in %.2f s; checked the index in %.2f s",
                run.pages, run.parts, run.indexed, indexed - started, time.perf_counter() - indexed)
    if problems:
        raise HarbourError(problems)


def register() -> None:
    signals.initialized.connect(validate_settings)
    signals.get_generators.connect(provide_generator)
    signals.all_generators_finalized.connect(note_searchable_pages)
    signals.finalized.connect(build_search_index)
