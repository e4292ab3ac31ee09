"""Two builds of one output folder at once take turns: output/ is always one whole site."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import DEV_SETTINGS, ROOT, build_into, write_site
from harbour.build import output_locked, rebuild_on_changes, remove_site
from harbour.errors import HarbourError

WAITING = "Waiting for another build of"
POSTS = {
    "first.md": "Title: First\nDate: 2024-01-01\nTags: coping\n\nThe first post.\n",
    "second.md": "Title: Second\nDate: 2024-02-01\nTriggers: grief\n\nThe second post.\n",
}

# One build in a fresh interpreter, as `invoke build` runs it. With "pause", it stops once the
# whole site is in its staging folder (the lock held, nothing swapped in yet), says "paused"
# and goes on when a line arrives on its stdin: the test decides when, no sleeping.
BUILDER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from harbour.build import build_site
settings, output, content, pause = sys.argv[2], Path(sys.argv[3]), sys.argv[4], sys.argv[5] == "pause"
if pause:
    from pelican import signals
    def hold(pelican):
        print("paused", flush=True)
        sys.stdin.readline()
    signals.finalized.connect(hold)
build_site(settings, OUTPUT_PATH=str(output), CACHE_PATH=str(output.parent / "cache"), PATH=content)
print("built", flush=True)
"""


def start_build(output: Path, content: Path, *, pause: bool, stderr: int | Path) -> subprocess.Popen[str]:
    err = stderr if isinstance(stderr, int) else stderr.open("w", encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-c", BUILDER, str(ROOT / "plugins"), str(DEV_SETTINGS), str(output), str(content),
         "pause" if pause else "go"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True, cwd=output.parent,
    )


def read_until(stream: object, wanted: str) -> list[str]:
    """Lines of ``stream`` up to the first one containing ``wanted`` (all of them if it never comes)."""
    lines = []
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        lines.append(line)
        if wanted in line:
            break
    return lines


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts; killed if still running at the end, and after two minutes whatever
    happens, so that a blocked read ends (at EOF) instead of hanging the suite."""
    started: list[subprocess.Popen[str]] = []

    def kill_all() -> None:
        for process in started:
            if process.poll() is None:
                process.kill()

    watchdog = threading.Timer(120, kill_all)
    watchdog.start()
    yield started
    watchdog.cancel()
    kill_all()
    for process in started:
        process.wait()


def site_files(output: Path) -> list[str]:
    """The site's files; of the search index, its entry point only (Pagefind names its other
    files by a hash of contents it writes in a different order on every run)."""
    assert (output / "pagefind" / "pagefind.js").is_file(), f"no search index in {output}"
    return sorted(str(p.relative_to(output)) for p in output.rglob("*") if p.parts[len(output.parts)] != "pagefind")


def leftovers(output: Path) -> list[str]:
    return sorted(p.name for p in output.parent.glob(f".{output.name}.*") if p.is_dir())


def test_a_second_build_waits_for_the_first_and_output_is_one_whole_site(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    content = write_site(tmp_path, POSTS)
    expected = site_files(build_into(tmp_path / "reference" / "output", PATH=str(content)))
    output = tmp_path / "site" / "output"
    output.parent.mkdir()

    first = start_build(output, content, pause=True, stderr=tmp_path / "first.err")
    processes.append(first)
    assert read_until(first.stdout, "paused")[-1:] == ["paused\n"], (tmp_path / "first.err").read_text()

    # The first build holds the lock with its whole site staged: the second must wait, and say so.
    second = start_build(output, content, pause=False, stderr=subprocess.PIPE)
    processes.append(second)
    said = read_until(second.stderr, WAITING)
    assert said and WAITING in said[-1], f"the second build did not wait: {''.join(said)}"

    first.stdin.write("go\n")  # type: ignore[union-attr]
    first.stdin.flush()  # type: ignore[union-attr]
    first_out, _ = first.communicate()
    second_out, second_err = second.communicate()
    assert first.returncode == 0, (tmp_path / "first.err").read_text()
    assert second.returncode == 0, second_err
    assert first_out.endswith("built\n") and second_out.endswith("built\n")
    assert "".join(said + [second_err]).count(WAITING) == 1
    assert site_files(output) == expected
    assert (output / "index.html").is_file()
    assert leftovers(output) == []


def test_a_killed_build_leaves_no_lock_and_its_leftovers_are_cleared(
    tmp_path: Path, processes: list[subprocess.Popen[str]], caplog: pytest.LogCaptureFixture
) -> None:
    content = write_site(tmp_path, POSTS)
    output = tmp_path / "output"
    killed = start_build(output, content, pause=True, stderr=subprocess.DEVNULL)
    processes.append(killed)
    assert read_until(killed.stdout, "paused")[-1:] == ["paused\n"]
    assert any(name.startswith(".output.building-") for name in leftovers(output))
    killed.send_signal(signal.SIGKILL)
    killed.wait()

    with caplog.at_level(logging.WARNING, logger="harbour.build"):
        build_into(output, PATH=str(content))
    assert WAITING not in caplog.text  # the operating system released the dead build's lock
    assert (output / "posts" / "2024" / "02" / "second" / "index.html").is_file()
    assert leftovers(output) == []


class _Announced(logging.Handler):
    """Sets ``waiting`` when a thread logs that it waits for the lock."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.waiting = threading.Event()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        if record.getMessage().startswith(WAITING):
            self.waiting.set()


@pytest.fixture
def announced() -> Iterator[_Announced]:
    handler = _Announced()
    logger = logging.getLogger("harbour.build")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_clean_waits_for_a_build_and_the_lock_is_reentrant_in_one_thread(
    tmp_path: Path, announced: _Announced
) -> None:
    content = write_site(tmp_path, POSTS)
    output = tmp_path / "output"
    removed: list[bool] = []
    cleaner = threading.Thread(target=lambda: removed.append(remove_site(output)))
    # As `invoke publish` does: hold the lock, build inside it (no deadlock), then upload.
    with output_locked(output):
        build_into(output, PATH=str(content))
        cleaner.start()
        assert announced.waiting.wait(timeout=60), announced.messages
        assert (output / "index.html").is_file() and removed == []  # still waiting: the "upload" sees the site
    cleaner.join(timeout=60)
    assert removed == [True] and not output.exists()
    assert [m for m in announced.messages if m.startswith(WAITING)] == [
        f"{WAITING} {output} to finish (it holds {output.parent / '.output.lock'})..."
    ]


def test_regenerate_rebuilds_whole_sites_and_keeps_the_last_good_one_after_a_mistake(tmp_path: Path) -> None:
    content = write_site(tmp_path, POSTS)
    output = tmp_path / "output"
    events: list[str] = []
    seen_after_failure: list[list[str]] = []
    third = content / "posts" / "third.md"

    def changes() -> Iterator[str]:
        third.write_text("Title: Third\nDate: 2024-03-01\nTriggers: self-ham\n\nx\n", encoding="utf-8")
        yield "a post with an unknown trigger tag"
        seen_after_failure.append(site_files(output))
        third.write_text("Title: Third\nDate: 2024-03-01\nTriggers: self-harm\n\nx\n", encoding="utf-8")
        yield "fixed"

    rebuild_on_changes(
        DEV_SETTINGS, changes(),
        built=lambda built: events.append(f"built {built.settings['OUTPUT_PATH']}"),
        failed=lambda error: events.append(f"failed {error}"),
        OUTPUT_PATH=str(output), CACHE_PATH=str(tmp_path / "cache"), PATH=str(content),
    )
    assert events[0] == events[2] == f"built {output}"
    assert events[1].startswith("failed unknown trigger tag 'self-ham'")
    assert not any("third" in name for name in seen_after_failure[0])  # the first site, whole
    assert "index.html" in seen_after_failure[0]
    assert (output / "posts" / "2024" / "03" / "third" / "index.html").is_file()
    assert leftovers(output) == []


def test_an_output_folder_on_a_file_system_without_locks_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import filelock._unix as unix_lock

    def no_flock(fd: int) -> bool:
        raise OSError(errno.ENOSYS, os.strerror(errno.ENOSYS))

    monkeypatch.setattr(unix_lock, "lock_fd_nonblocking", no_flock)
    with pytest.raises(HarbourError, match=r"cannot lock .*/\.output\.lock: .*; builds take turns .*file locks"):
        with output_locked(tmp_path / "output"):
            pass


@pytest.mark.parametrize("task_name", ["publish", "gh_pages"])
def test_publish_uploads_with_the_lock_held_so_no_rebuild_swaps_the_site_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, task_name: str
) -> None:
    import tasks
    from filelock import FileLock, Timeout
    from invoke import Context

    content = write_site(tmp_path, POSTS)
    output = tmp_path / "output"
    settings = tmp_path / "publish_into_tmp.py"  # not publishconf.py: Pelican imports it by that name
    settings.write_text(
        "from publishconf import *\n"
        f"PATH = {str(content)!r}\nOUTPUT_PATH = {str(output)!r}\nCACHE_PATH = {str(tmp_path / 'cache')!r}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(tasks, "PUBLISH_SETTINGS", settings)
    uploads: list[tuple[bool, bool]] = []

    class Uploader(Context):
        def run(self, command: str, **kwargs: object) -> None:  # type: ignore[override]
            # Another process's view of the lock: a second flock on the file, from another thread.
            held: list[bool] = []

            def try_lock() -> None:
                other = FileLock(output.parent / ".output.lock")
                try:
                    other.acquire(blocking=False)
                except Timeout:
                    held.append(True)
                else:
                    other.release()
                    held.append(False)

            probe = threading.Thread(target=try_lock)
            probe.start()
            probe.join()
            uploads.append((held == [True], (output / "feeds" / "all.atom.xml").is_file()))

    getattr(tasks, task_name).body(Uploader())
    assert uploads == [(True, True)]  # one upload, of the published site, with the lock held
