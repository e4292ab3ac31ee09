"""dev.py, the bootstrap: signals reach the task it runs, and Chromium comes without recommended packages."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT, free_port, writer_project

GOOD = "Title: Good\nDate: 2024-01-01\nCategory: Notes\n\nA good post.\n"


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_until(condition: object, seconds: float = 60) -> None:
    """Poll ``condition`` (a callable) until it holds; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        time.sleep(0.05)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`python3 dev.py serve` running in a copy of the project, on a port of its own."""
    port = free_port()
    project = writer_project(tmp_path / "blog", {"good.md": GOOD}, PORT=port)
    # Its own session: whatever the test leaves, the group is ended below, never this pytest.
    process = subprocess.Popen(
        [sys.executable, "dev.py", "serve"], cwd=project, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: listening(port))
        yield process, port
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=30)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_dev_py_stops_the_server_it_started(
    serving: tuple[subprocess.Popen[bytes], int], signum: int
) -> None:
    process, port = serving
    children = children_of(process.pid)
    assert children, "dev.py runs its task in a child process"

    process.send_signal(signum)
    code = process.wait(timeout=60)

    assert code in (0, 128 + signum)  # a clean stop, or the signal's own code
    wait_until(lambda: not any(alive(child) for child in children), seconds=30)
    assert not listening(port)


def test_chromium_is_installed_without_recommended_packages_and_with_its_fonts() -> None:
    sys.path.insert(0, str(ROOT))
    try:
        import dev
    finally:
        sys.path.remove(str(ROOT))
    assert dev.CHROMIUM_PACKAGES[0] == "chromium" and "fonts-liberation" in dev.CHROMIUM_PACKAGES
    calls: list[list[str]] = []
    original_run, original_which, original_as_root = dev.subprocess.run, dev.shutil.which, dev.as_root
    dev.subprocess.run = lambda command, **kwargs: calls.append(command)  # type: ignore[assignment]
    dev.shutil.which = lambda name: f"/usr/bin/{name}"  # type: ignore[assignment]
    dev.as_root = lambda *command: list(command)  # type: ignore[assignment]
    try:
        assert dev.apt_install(*dev.CHROMIUM_PACKAGES)
    finally:
        dev.subprocess.run, dev.shutil.which, dev.as_root = original_run, original_which, original_as_root
    assert calls[-1] == ["apt-get", "install", "-y", "--no-install-recommends", *dev.CHROMIUM_PACKAGES]
    # CI installs through dev.py too, so both install the same packages the same way.
    assert "apt-get" not in (ROOT / ".ci" / "run").read_text(encoding="utf-8").split("#")[0]


@pytest.mark.parametrize(("task", "chromium", "java", "installed"), [
    ("test", False, False, ["chromium", "fonts-liberation", "fonts-dejavu-core", "default-jre-headless"]),
    ("test", True, False, ["default-jre-headless"]),
    ("test", True, True, None),
    ("screenshots", False, False, ["chromium", "fonts-liberation", "fonts-dejavu-core"]),
    ("audit", True, False, None),
])
def test_what_a_task_needs_from_debian_is_installed_in_one_apt_get_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, task: str, chromium: bool, java: bool,
    installed: list[str] | None,
) -> None:
    sys.path.insert(0, str(ROOT))
    try:
        import dev
    finally:
        sys.path.remove(str(ROOT))
    browser = tmp_path / "chromium"
    if chromium:
        browser.write_text("")
    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(dev, "CHROMIUM", browser)
    monkeypatch.setattr(dev.shutil, "which", lambda name: "/usr/bin/java" if java and name == "java" else None)
    monkeypatch.setattr(dev, "apt_install", lambda *packages: calls.append(packages) or True)

    dev.ensure_debian_packages(task)

    assert calls == ([tuple(installed)] if installed else [])
