"""Run a Pelican build the way tasks and tests need it: strict, whole, and clear when it fails."""

from __future__ import annotations

import itertools
import logging
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

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

    if isinstance(error, HarbourError):  # already written for the writer (raised while reading a post)
        return str(error)
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

    The site is built into a staging folder of its own beside the output folder and swapped
    in only when the whole build succeeded: a failed build leaves the previous site as it
    was, never half of a new one. The output folder's lock (:func:`output_locked`) is held
    from start to swap, so two builds at once (a writer's `invoke build` while `livereload`
    rebuilds) take turns instead of mixing their files. Pelican itself logs a file it cannot
    read and carries on without it (for a writer, a post silently missing); here any ERROR
    logged fails the build. Problems come back as one :class:`HarbourError`, never as a
    traceback.
    """
    from pelican import Pelican, signals

    from harbour.metadata_dates import refuse_unusable_dates

    # Connected here rather than by a plugin: every build needs it, whatever PLUGINS lists.
    signals.content_object_init.connect(refuse_unusable_dates)
    settings = load_settings(settings_file, **overrides)
    output = Path(settings["OUTPUT_PATH"])
    with output_locked(output):
        _remove_leftovers(output)
        staging = _new_staging_folder(output)
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


def remove_site(output: str | Path) -> bool:
    """Remove a built site (``invoke clean``), waiting for a build of it to finish first.

    Returns whether there was a site to remove.
    """
    output = Path(output)
    with output_locked(output):
        _remove_leftovers(output)
        if not output.is_dir():
            return False
        shutil.rmtree(output)
        return True


def rebuild_on_changes(
    settings_file: str | Path,
    changes: Iterable[object],
    *,
    built: Callable[[Mapping[str, Any]], None],
    failed: Callable[[HarbourError], None],
    **overrides: Any,
) -> None:
    """Build the site, then build it again after each batch of ``changes`` (``invoke regenerate``).

    Each build is a whole :func:`build_site`: staged, locked, swapped in only when it
    succeeded. A failed build goes to ``failed`` and the loop goes on, so that a writer can
    fix the mistake and save again.
    """
    for _ in itertools.chain([None], changes):
        try:
            settings = build_site(settings_file, **overrides)
        except HarbourError as error:
            failed(error)
        else:
            built(settings)


# --- One build of an output folder at a time -----------------------------------------------

def output_lock_path(output: str | Path) -> Path:
    """The lock file of an output folder: beside it, since the folder itself is swapped out."""
    output = Path(output).absolute()
    return output.with_name(f".{output.name}.lock")


@contextmanager
def output_locked(output: str | Path) -> Iterator[None]:
    """Hold the lock on ``output`` while building, removing or uploading it.

    The lock is the operating system's (``flock``): it ends with the process that holds it,
    even one that crashed or was killed, so there is never a stale lock to delete by hand.
    Re-entrant within one thread (``invoke publish`` holds it across its build and its
    upload); other threads and processes wait, and say so once.
    """
    lock = _lock_for(output)
    try:
        try:
            lock.acquire(blocking=False)
        except Timeout:
            logger.warning(
                "Waiting for another build of %s to finish (it holds %s)...", output, lock.lock_file
            )
            lock.acquire()
    except OSError as error:  # Timeout is one too, but the second acquire waits as long as it takes
        raise HarbourError(
            f"cannot lock {lock.lock_file}: {error.strerror or error}; builds take turns through this "
            "file, so its folder must be writable and on a file system with file locks (a local disk)"
        ) from None
    try:
        yield
    finally:
        lock.release()


def _lock_for(output: str | Path) -> FileLock:
    lock_path = output_lock_path(output)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    # One FileLock object per path in this process (is_singleton), so that a thread holding
    # it can take it again; a second object for the same path would wait for itself. No soft
    # fallback: a lock file that outlives a crashed build would stop every later build.
    return FileLock(lock_path, is_singleton=True, fallback_to_soft=False)


def _staging_name(output: Path) -> str:
    return f".{output.name}.building-"


def _new_staging_folder(output: Path) -> Path:
    """A fresh, empty staging folder for one build (mode as a plain mkdir gives, for the web server)."""
    staging = output.with_name(_staging_name(output) + uuid.uuid4().hex[:12])
    staging.parent.mkdir(parents=True, exist_ok=True)
    staging.mkdir()
    return staging


def _remove_leftovers(output: Path) -> None:
    """Remove the staging and old folders of a build that was killed.

    Called with the lock held only, when no other build can be using them.
    """
    if not output.parent.is_dir():
        return
    for leftover in output.parent.iterdir():
        if leftover.is_dir() and (
            leftover.name.startswith(_staging_name(output)) or leftover.name == f".{output.name}.old"
        ):
            shutil.rmtree(leftover, ignore_errors=True)


def _swap_in(staging: Path, output: Path) -> None:
    old = output.with_name(f".{output.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if output.exists():
        output.rename(old)
    staging.rename(output)
    shutil.rmtree(old, ignore_errors=True)
