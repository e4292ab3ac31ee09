"""Where things are in the writer's files, for messages that name a file and a line."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def project_path(settings: Mapping[str, Any], path: str | Path) -> str:
    """A path as the writer knows it: relative to the project folder (content/posts/x.md)."""
    return os.path.relpath(path, os.path.dirname(settings["PATH"]))


def read_lines(path: str | Path) -> list[str]:
    """A source file's lines, or none when it cannot be read as UTF-8 (Pelican reports that)."""
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []


def metadata_line(lines: Sequence[str], key: str) -> int | None:
    """The line of ``Key:`` in a Markdown file's metadata header, or None."""
    wanted = key.lower() + ":"
    for number, line in enumerate(lines, 1):
        if not line.strip():
            return None
        if line.lower().startswith(wanted):
            return number
    return None
