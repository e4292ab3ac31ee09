"""Start a new post: `content/posts/<slug>.md` with the metadata a post of this site can carry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from harbour.arguments import refuse_control_characters
from harbour.errors import HarbourError
from harbour.files import atomic_write_text

BODY_HINT = """Write your post here, in Markdown.

A passage that should stay hidden until the reader chooses to see it:

!!! cw "grief"
    The warned passage, indented by four spaces.
"""


def post_slug(title: str) -> str:
    """The slug Pelican itself would make of ``title``, so file name and URL agree."""
    from pelican.settings import DEFAULT_CONFIG
    from pelican.utils import slugify

    return slugify(title, regex_subs=DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"])


def post_template(
    title: str,
    *,
    date: datetime,
    category: str = "Notes",
    tags: Sequence[str] = (),
    summary: str = "",
    triggers: Sequence[str] = (),
    warnings: Sequence[str] = (),
    note: str = "",
) -> str:
    """The text of a new draft post. Warnings and their note appear only when given."""
    lines = [
        f"Title: {title}",
        f"Date: {date:%Y-%m-%d %H:%M}",
        f"Category: {category}",
        f"Tags: {', '.join(tags)}",
        f"Slug: {post_slug(title)}",
        f"Summary: {summary or 'One or two sentences for listings, feeds and link previews.'}",
        # Trigger tags the post touches without hiding it; empty means none.
        f"Triggers: {', '.join(triggers)}",
    ]
    if warnings:
        lines.append(f"Content-Warnings: {', '.join(warnings)}")
        if note:
            lines.append(f"Content-Note: {note}")
    lines.append("Status: draft")
    return "\n".join(line.rstrip() for line in lines) + "\n\n" + BODY_HINT


def new_post(content_dir: str | Path, title: str, *, date: datetime | None = None, **fields: object) -> Path:
    """Write a draft post into ``content_dir/posts`` and return its path.

    Never overwrites: an existing post with the same slug is somebody's writing. Every field
    becomes a metadata line, so a field with a line break in it is refused: it would write
    lines of its own (``Status: published`` in a post announced as a draft).
    """
    refuse_control_characters(
        {"--title": title, **{f"--{name}": _as_written(value) for name, value in fields.items()}}
    )
    if not title.strip():
        raise HarbourError("new-post needs a title, e.g. --title \"A harder week\"")
    slug = post_slug(title)
    if not slug:
        raise HarbourError(f"the title {title!r} gives an empty slug; use some letters or digits")
    path = Path(content_dir) / "posts" / f"{slug}.md"
    if path.exists():
        raise HarbourError(f"{path} already exists; choose another title or edit that post")
    text = post_template(title, date=date or datetime.now(), **fields)  # type: ignore[arg-type]
    atomic_write_text(path, text)
    return path


def _as_written(value: object) -> str | list[str]:
    """A field as the template writes it: text, or each item of a list (tags, triggers, warnings)."""
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return str(value)
