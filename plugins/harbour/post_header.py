"""What is wrong with a post's metadata header, said with the line and the form it should take.

Pelican reports a post it cannot read as "could not find information about 'date'" or
"'31/02/2026' is not a valid date", naming neither the line nor the fix. These plain
functions read the file the way Python-Markdown's meta extension does and say which line
stopped the header, which field is missing or which value cannot be read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

# The meta extension's own patterns (markdown/extensions/meta.py): a header line, a
# continuation line, and the optional YAML-style fences.
META_LINE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)")
CONTINUATION = re.compile(r"^[ ]{4,}")
YAML_FENCE = re.compile(r"^(-{3}|\.{3})(\s.*)?")

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mkd", ".mdown")

EXAMPLES = {
    "title": "Title: A slower Sunday",
    "date": "Date: 2026-11-30 19:30",
    "modified": "Modified: 2026-12-01 09:00",
    "category": "Category: Self-care",
    "tags": "Tags: coping, self-care",
    "slug": "Slug: a-slower-sunday",
    "summary": "Summary: One or two sentences for listings, feeds and link previews.",
    "triggers": "Triggers: grief",
    "content-warnings": "Content-Warnings: self-harm",
    "content-note": "Content-Note: Brief mention in the second section, no detail.",
    "status": "Status: draft",
    "comments": "Comments: closed",
}


def example(field: str) -> str:
    """The form a header line takes, e.g. ``Date: 2026-11-30 19:30``."""
    return EXAMPLES.get(field.lower(), f"{field.capitalize()}: value")


def header_lines(lines: Sequence[str]) -> tuple[dict[str, int], int | None]:
    """The header's fields (lower-case name -> line), and the line that ended it early, if any.

    A line that is neither ``Name: value``, a continuation nor blank ends the header there,
    as the meta extension does; everything from it on is the post's text.
    """
    fields: dict[str, int] = {}
    start = 1 if lines and re.match(r"^-{3}(\s.*)?$", lines[0]) else 0
    for number, line in enumerate(lines[start:], start + 1):
        if not line.strip() or YAML_FENCE.match(line):
            return fields, None
        match = META_LINE.match(line)
        if match:
            fields.setdefault(match.group("key").lower(), number)
        elif not (CONTINUATION.match(line) and fields):
            return fields, number
    return fields, None


def header_problems(lines: Sequence[str], *, needs_date: bool) -> list[tuple[int, str]]:
    """(line, what is wrong and how to write it) for each reason Pelican could not read the header.

    ``needs_date``: posts need a Date, pages do not. Empty when nothing is found wrong.
    """
    from pelican.utils import get_date

    if not lines or not any(line.strip() for line in lines):
        return [(1, f"the file is empty; a post starts with its header, e.g. '{example('title')}'")]
    if not lines[0].strip():
        return [(1, "the file starts with an empty line, so nothing above the text is read as its header; "
                    f"start the file with the header on line 1, e.g. '{example('title')}'")]
    fields, stopped = header_lines(lines)
    problems: list[tuple[int, str]] = []
    if stopped is not None and _looks_like_a_header_line(lines, stopped, fields):
        written = lines[stopped - 1].strip()
        word = re.split(r"[\s:=]", written, maxsplit=1)[0]
        problems.append((stopped, (
            f"{written!r} is not a header line (a name, a colon, a value), so the header ends here; "
            f"write it as '{example(word)}'"
        )))
    wanted = ("title", "date") if needs_date else ("title",)
    for field in wanted:
        if field not in fields and not problems:
            problems.append((1, f"no '{field.capitalize()}:' line in the header; add one, e.g. '{example(field)}'"))
    for field in ("date", "modified"):
        if field in fields:
            number = fields[field]
            value = META_LINE.match(lines[number - 1]).group("value").strip()  # type: ignore[union-attr]
            try:
                get_date(value)
            except ValueError:
                problems.append((number, (
                    f"{field.capitalize()} {value!r} is not a date; write it as year-month-day and "
                    f"24-hour time, e.g. '{example(field)}'"
                )))
    return problems


def _looks_like_a_header_line(lines: Sequence[str], number: int, fields: dict[str, int]) -> bool:
    """Whether the line that ended the header was meant to be part of it.

    It was when it starts with a field's name ('Date 2026-...'), or when header lines follow
    it before the first empty line; otherwise it is the post's first line of text.
    """
    line = lines[number - 1].strip()
    word = re.split(r"[\s:=]", line, maxsplit=1)[0].lower()
    if word in EXAMPLES or word in fields:
        return True
    for later in lines[number:]:
        if not later.strip():
            return False
        if META_LINE.match(later):
            return True
    return False


def undecodable_line(path: str | Path) -> tuple[int, int, str] | None:
    """(line, column, the bytes there) of the first byte that is not UTF-8, or None."""
    data = Path(path).read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        return line, column, data[error.start : error.end].hex(" ")
    return None
