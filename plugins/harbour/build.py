"""Run a Pelican build the way tasks and tests need it: strict, quiet on success, clear on failure."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harbour.errors import HarbourError

logger = logging.getLogger(__name__)


class _ErrorCounter(logging.Handler):
    """Remembers every ERROR record logged while a build runs."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage().splitlines()[0])


@contextmanager
def _counting_errors() -> Iterator[_ErrorCounter]:
    counter = _ErrorCounter()
    root = logging.getLogger()
    root.addHandler(counter)
    try:
        yield counter
    finally:
        root.removeHandler(counter)


def load_settings(settings_file: str | Path, **overrides: Any) -> dict[str, Any]:
    """Read a settings file (``pelicanconf.py`` or ``publishconf.py``) with overrides on top."""
    from pelican.settings import read_settings

    return read_settings(str(settings_file), override=dict(overrides) or None)


def build_site(settings_file: str | Path, **overrides: Any) -> Mapping[str, Any]:
    """Build the site once and return the settings it was built with.

    Pelican itself logs a file it cannot read and carries on without it; for a writer that
    means a post silently missing from the site. Here any ERROR logged during the build
    fails it, and a :class:`HarbourError` raised by a plugin surfaces unchanged.
    """
    from pelican import Pelican

    settings = load_settings(settings_file, **overrides)
    with _counting_errors() as counter:
        Pelican(settings).run()
    if counter.messages:
        raise HarbourError(
            ["the build logged errors, so its output is incomplete:"] + counter.messages
        )
    return settings
