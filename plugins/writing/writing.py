"""Pelican side of the writer's conventions: each post's category, its images' alt text, its links.

Pelican builds a post filed under a misspelt category (a new shelf appears beside the others),
an image without alt text, and a link to a post that does not exist (a literal
``href="{filename}..."`` on the page) without a word. Here the first and last stop the build
with the file, the line and the fix; a missing alt text is a warning, counted by the build
and refused by `preview` and `publish`.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from pelican import signals

from harbour.build import supersede_pelican_warning
from harbour.errors import HarbourError, did_you_mean, where
from harbour.plugins import enabled_plugins, when_enabled
from harbour.settings import Option, optional, plugin_settings, text_list
from harbour.sources import metadata_line, project_path, read_lines

logger = logging.getLogger(__name__)

SCHEMA = {
    "categories": Option(
        None,
        "the categories a post may be filed under, e.g. ['Therapy', 'Notes']; None allows any",
        optional(text_list),
    ),
}

# Pelican's own warnings for the same mistakes, without the line: left out where ours are made.
PELICAN_EMPTY_ALT = ("Empty alt attribute for image %s in %s", "Other images have empty alt attributes")
PELICAN_LINK_NOT_FOUND = ("Unable to find '%s', skipping url replacement.",)

ALT_EXAMPLE = "![What the picture shows]({static}/images/name.svg)"
# An HTML parser makes an img element only from a start tag spelled "<img", in any case: where
# that is absent, as in most posts, there is no image to look at, and parsing is skipped.
IMAGE_TAG = re.compile(r"<img", re.IGNORECASE)


def writing_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The ``WRITING`` settings merged over the defaults, or a HarbourError listing every problem."""
    return plugin_settings(settings, "WRITING", SCHEMA)


def _is_post_or_page(content: Any) -> bool:
    from pelican.contents import Article, Page

    return isinstance(content, (Article, Page))


def _shown(content: Any) -> str:
    return project_path(content.settings, content.source_path)


# --- Categories -----------------------------------------------------------------------------------

def category_problem(content: Any, allowed: list[str]) -> str | None:
    """Why ``content`` (a post) is filed under a category outside ``allowed``, or None."""
    category = getattr(content, "category", None)
    name = str(getattr(category, "name", category) or "")
    if name in allowed:
        return None
    lines = read_lines(content.source_path)
    line = metadata_line(lines, "Category")
    choices = ", ".join(allowed)
    if line is None:
        return (
            f"{_shown(content)}: no 'Category:' line, so Pelican files it under {name!r}, which is not one of "
            f"WRITING['categories']; add one, e.g. 'Category: {allowed[0]}' (allowed: {choices})"
        )
    same_but_case = [c for c in allowed if c.casefold() == name.casefold()]
    hint = f"; write it as {same_but_case[0]!r}" if same_but_case else did_you_mean(name, allowed)
    return (
        f"{where(_shown(content), line)}: Category {name!r} is not one of this blog's categories{hint} "
        f"(allowed: {choices}; a new one goes into WRITING['categories'] in pelicanconf.py first)"
    )


# --- Alt text -------------------------------------------------------------------------------------

class _Images(HTMLParser):
    """The ``src`` of every ``<img>`` whose alt text is missing or blank."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.without_alt: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img" and not (dict(attrs).get("alt") or "").strip():
            self.without_alt.append(dict(attrs).get("src") or "")

    handle_startendtag = handle_starttag


def images_without_alt(content_html: str) -> list[str]:
    if not IMAGE_TAG.search(content_html):
        return []
    parser = _Images()
    parser.feed(content_html)
    parser.close()
    return parser.without_alt


def _line_of(lines: list[str], *needles: str) -> int | None:
    """The first line holding any of ``needles`` (in that order of preference), or None."""
    for needle in needles:
        if needle:
            for number, line in enumerate(lines, 1):
                if needle in line:
                    return number
    return None


def alt_text_warnings(content: Any) -> list[str]:
    """One warning per image without alt text, with its line."""
    missing = images_without_alt(content._content or "")
    if not missing:
        return []
    lines = read_lines(content.source_path)
    return [
        f"{where(_shown(content), _line_of(lines, src, '![]'))}: the image {os.path.basename(src) or src!r} "
        f"has no alt text; say what it shows for readers who cannot see it, e.g. {ALT_EXAMPLE}"
        for src in missing
    ]


# --- Links between posts --------------------------------------------------------------------------

def broken_links(content: Any, context: Mapping[str, Any]) -> list[str]:
    """One problem per ``{filename}``, ``{static}`` or ``{attach}`` link that leads to no file."""
    problems = []
    lines = read_lines(content.source_path)
    root = Path(content.settings["PATH"])
    for match in content._get_intrasite_link_regex().finditer(content._content or ""):
        what, value = match.group("what"), match.group("value")
        if what not in ("filename", "static", "attach"):
            continue
        candidates = _candidate_paths(content, value)
        # Pelican lists every file a {static} link names as static content, found or not.
        files = {path for path in context.get("static_content", {}) if (root / path).is_file()}
        known = files | (set(context.get("generated_content", {})) if what == "filename" else set())
        if any(path in known for path in candidates):
            continue
        wanted = candidates[0]
        elsewhere = sorted(known - {content.relative_source_path})  # a link to itself is no suggestion
        hint = _as_written(did_you_mean(wanted, elsewhere), content, relative=not value.startswith("/")) or (
            "; link to a post by its file, e.g. {filename}other-post.md (next to this one) or "
            "{filename}/posts/other-post.md, and to an image with {static}/images/name.svg"
        )
        shown_target = project_path(content.settings, root / wanted)
        line = _line_of(lines, match.group("path"), value)
        problems.append(
            f"{where(_shown(content), line)}: the link {match.group('path')!r} leads nowhere: there is no "
            f"{shown_target}{hint}"
        )
    return problems


def _as_written(hint: str, content: Any, *, relative: bool) -> str:
    """A did-you-mean of content paths ('posts/good.md') as the link would write them ('good.md')."""

    def written(match: re.Match[str]) -> str:
        path = match.group(1)
        return repr(os.path.relpath(path, content.relative_dir or ".") if relative else "/" + path)

    return re.sub(r"'([^']+)'", written, hint)


def _candidate_paths(content: Any, value: str) -> list[str]:
    """The content-relative paths Pelican tries for a link's value, in its order."""
    from html import unescape

    paths = []
    for path in (urlparse(value).path, unquote(urlparse(value).path), urlparse(unescape(value)).path):
        if path.startswith("/"):
            key = path[1:]
        else:
            key = content.get_relative_source_path(os.path.join(content.relative_dir, path))
        if key not in paths:
            paths.append(key)
    return paths


def _every_content(generators: Iterable[Any]) -> Iterator[Any]:
    seen: set[int] = set()
    for generator in generators:
        for name in ("articles", "translations", "hidden_articles", "hidden_translations", "drafts",
                     "drafts_translations", "pages", "hidden_pages", "draft_pages", "draft_translations"):
            for content in getattr(generator, name, None) or []:
                if _is_post_or_page(content) and id(content) not in seen:
                    seen.add(id(content))
                    yield content


# --- Signal handlers ------------------------------------------------------------------------------

@when_enabled("writing")
def configure(pelican: Any) -> None:
    """At ``initialized``: check WRITING, and that a post without a Category line lands on an allowed shelf."""
    settings = pelican.settings
    conf = writing_settings(settings)
    allowed = conf["categories"]
    default = settings.get("DEFAULT_CATEGORY")
    if allowed is not None and not settings.get("USE_FOLDER_AS_CATEGORY") and default not in allowed:
        raise HarbourError(
            f"DEFAULT_CATEGORY = {default!r} (the category of a post without a 'Category:' line) is not one "
            f"of WRITING['categories'] ({', '.join(allowed)}); set DEFAULT_CATEGORY to one of them"
        )
    settings["WRITING"] = conf


@when_enabled("writing")
def check_post(content: Any) -> None:
    """At ``content_object_init``: a post's category (an error) and its images' alt text (warnings)."""
    from pelican.contents import Article

    if not _is_post_or_page(content):
        return
    for warning in alt_text_warnings(content):
        logger.warning("%s", warning)
    allowed = content.settings["WRITING"]["categories"]
    if allowed is not None and isinstance(content, Article):
        problem = category_problem(content, allowed)
        if problem:
            raise HarbourError(problem)  # Pelican's reader reports it, with the other posts' problems


def check_links(generators: list[Any]) -> None:
    """At ``all_generators_finalized``, when every post and file is known: no link leads nowhere."""
    # Not @when_enabled: this signal's sender is the list of generators, not one with settings.
    if not generators or "writing" not in enabled_plugins(generators[0].settings):
        return
    problems = [
        problem
        for content in _every_content(generators)
        for problem in broken_links(content, content._context)
    ]
    if problems:
        raise HarbourError(problems)


def register() -> None:
    for message in (*PELICAN_EMPTY_ALT, *PELICAN_LINK_NOT_FOUND):
        supersede_pelican_warning("writing", message)
    signals.initialized.connect(configure)
    signals.content_object_init.connect(check_post)
    signals.all_generators_finalized.connect(check_links)
