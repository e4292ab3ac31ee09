"""Run a Pelican build the way tasks and tests need it: strict, whole, and clear when it fails."""

from __future__ import annotations

import itertools
import logging
import os
import re
import shutil
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from filelock import FileLock, Timeout

from harbour.errors import HarbourError
from harbour.memo import finish_memo

logger = logging.getLogger(__name__)

# Set HARBOUR_DEBUG=1 to see the full traceback of an unexpected failure.
DEBUG = os.environ.get("HARBOUR_DEBUG", "") not in ("", "0")


class _BuildLog(logging.Handler):
    """Every error and warning the build logs, each as one line a writer can act on.

    Only records of the thread that builds are kept: tests (and a writer's tools) may run
    two builds of different sites at once, and each must report its own.
    """

    def __init__(self, settings: Mapping[str, Any]) -> None:
        super().__init__(level=logging.WARNING)
        self.settings = settings
        self.thread = threading.get_ident()
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return
        if record.levelno >= logging.ERROR:
            self.errors += [e for e in _error_lines(record, self.settings) if e not in self.errors]
        elif not _superseded(record, self.settings):
            self.warnings.append(record.getMessage().strip())


@contextmanager
def _logging_problems(settings: Mapping[str, Any]) -> Iterator[_BuildLog]:
    from pelican.log import LimitFilter

    # Pelican shows a warning once per process; each build (livereload's second, say) must
    # show and count its own.
    LimitFilter._raised_messages.clear()
    LimitFilter._group_count.clear()
    log = _BuildLog(settings)
    root = logging.getLogger()
    root.addHandler(log)
    try:
        yield log
    finally:
        root.removeHandler(log)


# Pelican warnings that a plugin reports itself, better (with the line): plugin -> messages.
_SUPERSEDED: dict[str, set[str]] = {}


def supersede_pelican_warning(plugin: str, message: str) -> None:
    """Leave out Pelican's warning ``message`` (its template) in builds that enable ``plugin``."""
    _SUPERSEDED.setdefault(plugin, set()).add(message)


def _superseded(record: logging.LogRecord, settings: Mapping[str, Any]) -> bool:
    from harbour.plugins import enabled_plugins

    return any(record.msg in _SUPERSEDED.get(name, ()) for name in enabled_plugins(settings))


# Pelican's messages about a post it could not read, with the file as their first argument.
_UNREADABLE = ("Could not process %s", "Skipping %s: could not find information about '%s'")


def _error_lines(record: logging.LogRecord, settings: Mapping[str, Any]) -> list[str]:
    """What an ERROR record means for the writer: the file and line at fault where known."""
    # Pelican logs "Could not process x.md" from inside its except block, without the reason.
    error = record.exc_info[1] if record.exc_info else sys.exc_info()[1]
    if isinstance(error, HarbourError):  # raised while reading a post: names its file and line
        return error.problems
    if record.msg in _UNREADABLE and record.args:
        source = getattr(record.args[0], "source_path", record.args[0])
        found = _diagnose_source(Path(settings["PATH"]) / str(source), settings)
        if found:
            return found
    message = record.getMessage().strip()
    if error is not None and str(error) not in message:
        message = f"{message}: {_describe(error)}"
    return [message]


def _diagnose_source(path: Path, settings: Mapping[str, Any]) -> list[str]:
    """Why Pelican could not read the post at ``path``, with the line, or [] when unsure."""
    from harbour.post_header import MARKDOWN_SUFFIXES, header_problems, undecodable_line
    from harbour.sources import project_path, read_lines

    if path.suffix.lower() not in MARKDOWN_SUFFIXES or not path.is_file():
        return []
    shown = project_path(settings, path)
    bad_byte = undecodable_line(path)
    if bad_byte:
        line, column, data = bad_byte
        return [
            f"{shown}:{line}: the file is not UTF-8 (byte {data} at column {column}); "
            "save it as UTF-8 (in your editor: Save As, encoding UTF-8) and check that line"
        ]
    articles = [Path(settings["PATH"]) / folder for folder in settings.get("ARTICLE_PATHS", [])]
    is_article = any(path.is_relative_to(folder) for folder in articles)
    needs_date = is_article and not settings.get("DEFAULT_DATE")
    return [f"{shown}:{line}: {problem}" for line, problem in header_problems(read_lines(path), needs_date=needs_date)]


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
        # Pelican names the file inside the staging folder, which means nothing to the writer.
        written = re.search(r'\.building-[0-9a-f]+/([^"]+)"', str(error))
        page = written.group(1) if written else str(error)
        return (
            f"two pages of the site would both be written to {page}: a post or page has the same "
            "slug or save_as as another page (a tag, a category, a listing); give it another 'Slug:'"
        )
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


@dataclass(frozen=True)
class BuildReport:
    """What a build made: its settings, the warnings a writer must see, what Pelican read."""

    settings: Mapping[str, Any]
    warnings: list[str] = field(default_factory=list)
    processed: str = ""  # "17 articles, 0 drafts, ... in 2.27 seconds", from Pelican

    def outcome(self) -> str:
        """The build's one last line: where the site is, and how many warnings to read above."""
        count = len(self.warnings)
        done = "Built" if not count else f"Built with {count} warning{'s' if count > 1 else ''} (above)"
        return f"{done}: the site is in {self.settings['OUTPUT_PATH']}" + (
            f" ({self.processed})" if self.processed else ""
        )


def build_site(settings_file: str | Path, **overrides: Any) -> Mapping[str, Any]:
    """Build the site and return the settings it was built with (see :func:`build_report`)."""
    return build_report(settings_file, **overrides).settings


def build_report(
    settings_file: str | Path, *, warnings_are_errors: bool = False, **overrides: Any
) -> BuildReport:
    """Build the site; return its settings and the warnings the writer must see.

    The site is built into a staging folder of its own beside the output folder and swapped
    in only when the whole build succeeded: a failed build leaves the previous site as it
    was, never half of a new one. The output folder's lock (:func:`output_locked`) is held
    from start to swap, so two builds at once (a writer's `python3 dev.py build` while
    `livereload` rebuilds) take turns instead of mixing their files. Pelican itself logs a
    file it cannot read and carries on without it (for a writer, a post silently missing);
    here any ERROR logged fails the build, and so does any WARNING when
    ``warnings_are_errors`` (the published site). Problems come back as one
    :class:`HarbourError` listing all of them, never as a traceback.
    """
    from pelican import signals

    from harbour.metadata_dates import refuse_unusable_dates
    from harbour.post_checks import refuse_colliding_pages, refuse_empty_titles

    # Connected here rather than by a plugin: every build needs them, whatever PLUGINS lists.
    signals.content_object_init.connect(refuse_unusable_dates)
    signals.content_object_init.connect(refuse_empty_titles)
    signals.all_generators_finalized.connect(refuse_colliding_pages)
    settings = load_settings(settings_file, **overrides)
    output = Path(settings["OUTPUT_PATH"])
    with output_locked(output):
        _remove_leftovers(output)
        staging = _new_staging_folder(output)
        try:
            with _logging_problems(settings) as log, _pelican_console_captured() as console:
                try:
                    _start_pelican({**settings, "OUTPUT_PATH": str(staging)}).run()
                    # After every plugin's last step (Pelican's ``finalized`` handlers run in no
                    # fixed order): what this build made is kept for the next (build_memo).
                    finish_memo(save=True)
                except HarbourError as error:
                    raise HarbourError([*log.errors, *(p for p in error.problems if p not in log.errors)]) from None
                except Exception as error:
                    if DEBUG:
                        raise
                    raise HarbourError([*log.errors, f"the build stopped: {_describe(error)}"]) from None
            if log.errors:
                raise HarbourError(log.errors)
            if warnings_are_errors and log.warnings:
                raise HarbourError([f"warning: {w}" for w in log.warnings])
            _swap_in(staging, output)
        finally:
            finish_memo(save=False)  # a run that stopped part-way keeps the last whole memo
            _forget_pelican_memos()
            shutil.rmtree(staging, ignore_errors=True)
    processed = re.search(r"Processed (.*?)\.?\s*$", " ".join(console.text.split()))
    return BuildReport(settings, log.warnings, processed.group(1) if processed else "")


def _forget_pelican_memos() -> None:
    """Empty what Pelican memoises of every post and page (its content and summary, by post).

    Pelican keeps those in one dict on its Content class, never emptied: in a process that
    builds again and again (livereload on every save, the test suite), each build's posts,
    with their comments and everything they hold, stayed in memory for good.
    """
    from pelican.contents import Content

    for name in ("get_content", "get_summary"):
        cache = getattr(Content.__dict__.get(name), "cache", None)
        if isinstance(cache, dict):
            cache.clear()


@contextmanager
def _pelican_console_captured() -> Iterator[Any]:
    """Keep Pelican's own "Done: Processed ..." off the terminal: the build says one outcome.

    A build that fails after Pelican's run would otherwise print "Done" and then "failed".
    The text is kept for the outcome line. Rich's capture buffer is per thread.
    """
    from pelican.log import console

    captured = SimpleNamespace(text="")
    console.begin_capture()
    try:
        yield captured
    finally:
        captured.text = console.end_capture()


def _start_pelican(settings: dict[str, Any]) -> Any:
    """Pelican with its plugins started; a mistake in any plugin's settings lists every one.

    Each plugin checks its settings when Pelican starts (the ``initialized`` signal), and the
    first to raise would hide the others. So after a failure every start-up check runs again
    on a copy of the settings, and the writer gets all their problems in one message.
    """
    from pelican import Pelican

    try:
        return Pelican(settings)
    except HarbourError as first:
        raise HarbourError(_every_startup_problem(settings) or first.problems) from None


def _every_startup_problem(settings: Mapping[str, Any]) -> list[str]:
    from pelican import signals

    problems: list[str] = []
    stand_in = SimpleNamespace(settings=dict(settings))
    for receiver in list(signals.initialized.receivers_for(stand_in)):
        try:
            receiver(stand_in)
        except HarbourError as error:
            problems += [p for p in error.problems if p not in problems]
        except Exception:  # noqa: BLE001 (the first failure is already known; this pass only adds)
            continue
    return problems


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
    built: Callable[[BuildReport], None],
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
            report = build_report(settings_file, **overrides)
        except HarbourError as error:
            failed(error)
        else:
            built(report)


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
