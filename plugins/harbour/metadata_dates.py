"""Dates in a post's or page's metadata that Pelican reads but cannot use, refused with their file and line.

Pelican (through dateutil) accepts ``Date: 2024-04-02 22:30-25:00``, but Python refuses any UTC
offset of a day or more the moment two dates are compared: the build then stops while sorting
the posts, with a ValueError that names no file. Checked as each post is read, the same mistake
is one line naming the file, the line and the form a date takes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from harbour.errors import HarbourError, where
from harbour.sources import metadata_line, project_path, read_lines

EXPECTED = (
    "write it as YYYY-MM-DD HH:MM, with a UTC offset from -23:59 to +23:59 if any "
    "(e.g. 2024-04-02 22:30 or 2024-04-02 22:30+01:00)"
)
DATE_FIELDS = (("Date", "date"), ("Modified", "modified"))


def has_usable_offset(date: datetime) -> bool:
    """Whether Python can compare and convert ``date``: its UTC offset is less than a day."""
    try:
        date.utcoffset()
    except ValueError:
        return False
    return True


def refuse_unusable_dates(content: Any) -> None:
    """At ``content_object_init``: raise a HarbourError for a Date or Modified Python cannot compare.

    Pelican's reader catches it and reports "Could not process <file>" with this message.
    """
    for key, attribute in DATE_FIELDS:
        date = getattr(content, attribute, None)
        if not isinstance(date, datetime) or has_usable_offset(date):
            continue
        lines = read_lines(content.source_path)
        line = metadata_line(lines, key)
        # Not str(date): formatting the date asks for its offset, and fails the same way.
        written = f" {lines[line - 1].split(':', 1)[1].strip()!r}" if line else ""
        place = where(project_path(content.settings, content.source_path), line)
        raise HarbourError(f"{place}: {key}{written} has a UTC offset of a day or more; {EXPECTED}")
