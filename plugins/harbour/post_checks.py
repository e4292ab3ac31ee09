"""Posts and pages Pelican reads without complaint but publishes broken, refused with file and line.

An empty ``Title:`` gives an empty slug, and the post is written over its month's folder
page and listed as a blank line; two posts with one slug overwrite each other (or one
becomes the other's "translation"). Both are caught before anything is written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from harbour.errors import HarbourError, where
from harbour.sources import metadata_line, project_path, read_lines

TITLE_EXAMPLE = "Title: A slower Sunday"

# Every list of content a generator keeps: published, hidden and drafts, with translations.
_CONTENT_LISTS = (
    "articles", "translations", "hidden_articles", "hidden_translations", "drafts", "drafts_translations",
    "pages", "hidden_pages", "draft_pages", "draft_translations",
)


def _is_post_or_page(content: Any) -> bool:
    from pelican.contents import Article, Page

    return isinstance(content, (Article, Page))


def _place(content: Any, *keys: str) -> str:
    """``content/posts/x.md:3``: the file as the writer knows it, at the first of ``keys`` found."""
    lines = read_lines(content.source_path)
    line = next((n for n in (metadata_line(lines, key) for key in keys) if n), None)
    return where(project_path(content.settings, content.source_path), line)


def refuse_empty_titles(content: Any) -> None:
    """At ``content_object_init``: a post or page needs a title that gives it an address.

    Pelican's reader catches the error and the build reports it with the others.
    """
    if not _is_post_or_page(content) or not hasattr(content, "title"):
        return
    title = str(content.title or "").strip()
    if not title:
        raise HarbourError(
            f"{_place(content, 'Title')}: Title is empty; write the title after 'Title:', "
            f"e.g. '{TITLE_EXAMPLE}' (it also gives the post its address)"
        )
    if not str(getattr(content, "slug", "") or "").strip():
        raise HarbourError(
            f"{_place(content, 'Slug', 'Title')}: the post's address (slug) is empty, so it would be "
            "written over another page; give it a 'Slug:' line with words, e.g. 'Slug: a-slower-sunday'"
        )


def refuse_colliding_pages(generators: Iterable[Any]) -> None:
    """At ``all_generators_finalized``: two posts or pages with one address stop the build, both named."""
    contents = list(_every_content(generators))
    problems: list[str] = []
    by_address: dict[tuple[str, ...], list[Any]] = defaultdict(list)
    for content in contents:
        kind = "page" if type(content).__name__ == "Page" else "post"
        # Pelican pairs posts of one slug as translations within each status (published,
        # hidden, draft); two in one language there means one post is lost.
        by_address[(kind, str(content.status), "slug", str(content.slug), str(content.lang))].append(content)
        if content.save_as:
            by_address[("file", content.save_as)].append(content)
    reported: set[frozenset[int]] = set()
    for key, sharing in by_address.items():
        unique = list({id(c): c for c in sharing}.values())
        if len(unique) < 2 or frozenset(map(id, unique)) in reported:
            continue
        reported.add(frozenset(map(id, unique)))
        first, *others = sorted(unique, key=lambda c: c.source_path)
        names = " and ".join(project_path(c.settings, c.source_path) for c in others)
        same = f"the slug {first.slug!r}" if "slug" in key else f"the file {key[1]}"
        problems.append(
            f"{_place(first, 'Slug', 'Title')}: this and {names} have {same}, so one would replace the "
            f"other; give one of them its own 'Slug:' line, e.g. 'Slug: {first.slug}-2'"
        )
    if problems:
        raise HarbourError(problems)


def _every_content(generators: Iterable[Any]) -> Iterator[Any]:
    for generator in generators:
        for name in _CONTENT_LISTS:
            yield from (c for c in getattr(generator, name, []) or [] if _is_post_or_page(c))
