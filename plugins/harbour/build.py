"""Run a Pelican build the way tasks and tests need it: strict, whole, and clear when it fails."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harbour.errors import HarbourError

logger = logging.getLogger(__name__)

# Set HARBOUR_DEBUG=1 to see the full traceback of an unexpected failure.
DEBUG = os.environ.get("HARBOUR_DEBUG", "") not in ("", "0")


class _ErrorCounter(logging.Handler):
    """Remembers every ERROR record logged while a build runs, with the reason behind it."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().strip()
        # Pelican logs "Could not process x.md" from inside its except block, without the reason.
        error = record.exc_info[1] if record.exc_info else sys.exc_info()[1]
        if error is not None and str(error) not in message:
            message = f"{message}: {_describe(error)}"
        self.messages.append(message)


@contextmanager
def _counting_errors() -> Iterator[_ErrorCounter]:
    counter = _ErrorCounter()
    root = logging.getLogger()
    root.addHandler(counter)
    try:
        yield counter
    finally:
        root.removeHandler(counter)


def _describe(error: BaseException) -> str:
    """One line a writer can act on, for an error that is not a HarbourError."""
    from jinja2 import TemplateError, TemplateSyntaxError

    if isinstance(error, SyntaxError):
        return f"{error.filename}:{error.lineno}: {error.msg} (a Python syntax error)"
    if isinstance(error, TemplateSyntaxError):
        return f"{error.filename}:{error.lineno}: {error.message} (a template syntax error)"
    if isinstance(error, TemplateError):
        return f"a template failed: {error}"
    if type(error).__name__ == "FileOverwriteFailedError":
        return f"{error}: two posts or pages have the same slug or save_as; give one of them another Slug:"
    return f"{type(error).__name__}: {error}"


def load_settings(settings_file: str | Path, **overrides: Any) -> dict[str, Any]:
    """Read a settings file (``pelicanconf.py`` or ``publishconf.py``) with overrides on top."""
    from pelican.settings import read_settings

    try:
        return read_settings(str(settings_file), override=dict(overrides) or None)
    except HarbourError:
        raise
    except Exception as error:
        if DEBUG:
            raise
        raise HarbourError(f"{settings_file} could not be read: {_describe(error)}") from None


def build_site(settings_file: str | Path, **overrides: Any) -> Mapping[str, Any]:
    """Build the site and return the settings it was built with.

    The site is built into a staging folder beside the output folder and swapped in only
    when the whole build succeeded: a failed build leaves the previous site as it was,
    never half of a new one. Pelican itself logs a file it cannot read and carries on
    without it (for a writer, a post silently missing); here any ERROR logged fails the
    build. Problems come back as one :class:`HarbourError`, never as a traceback.
    """
    from pelican import Pelican

    settings = load_settings(settings_file, **overrides)
    output = Path(settings["OUTPUT_PATH"])
    staging = output.with_name(f".{output.name}.building")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        with _counting_errors() as counter:
            try:
                Pelican({**settings, "OUTPUT_PATH": str(staging)}).run()
            except HarbourError:
                raise
            except Exception as error:
                if DEBUG:
                    raise
                raise HarbourError(f"the build stopped: {_describe(error)}") from None
        if counter.messages:
            raise HarbourError(counter.messages)
        _swap_in(staging, output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return settings


def _swap_in(staging: Path, output: Path) -> None:
    old = output.with_name(f".{output.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if output.exists():
        output.rename(old)
    staging.rename(output)
    shutil.rmtree(old, ignore_errors=True)
