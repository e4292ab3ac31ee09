#!/usr/bin/env python3
"""Bootstrap and run a task: `python3 dev.py livereload`, `python3 dev.py test`, ...

Needs only Python 3.11+. On first use it creates `.venv/` and installs the pinned
dependencies (requirements.txt, constraints.txt) into it; later runs reuse it and
reinstall only when those files change. Then it runs `invoke <your arguments>` inside
it. For `test` it also makes sure Debian's Chromium is there for the browser tests.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
REQUIREMENT_FILES = [ROOT / "requirements.txt", ROOT / "constraints.txt"]
STAMP = VENV / ".requirements.sha256"
CHROMIUM = Path(os.environ.get("HARBOUR_CHROMIUM", "/usr/bin/chromium"))
# Chromium without its recommended packages (a print system, a network discovery daemon and
# about 130 more), plus the fonts pages are drawn with: fonts-liberation is the one font
# Debian's chromium-common recommends (metric-compatible Arial, Times and Courier), and
# fonts-dejavu-core covers the rest of Unicode that the tests' pages use. .ci/run uses this list.
CHROMIUM_PACKAGES = ("chromium", "fonts-liberation", "fonts-dejavu-core")
# The suite's HTML check runs the W3C Nu HTML Checker (vnu.jar) on Java: the headless runtime
# is enough. .ci/run installs it through this list too.
JAVA_PACKAGES = ("default-jre-headless",)
# The tasks that drive Chromium besides the tests.
BROWSER_TASKS = ("screenshots", "audit")


def say(message: str) -> None:
    print(f"dev.py: {message}", flush=True)


def run(*command: str | Path) -> None:
    subprocess.run([str(c) for c in command], check=True)


def as_root(*command: str) -> list[str] | None:
    """The command run as root (directly, or with sudo that needs no password), or None."""
    if os.geteuid() == 0:
        return list(command)
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        return ["sudo", "-n", *command]
    return None


def apt_install(*packages: str) -> bool:
    """Install Debian packages when we may; False when we can't (not Debian, or no root)."""
    if not shutil.which("apt-get"):
        return False
    update = as_root("apt-get", "update")
    install = as_root("apt-get", "install", "-y", "--no-install-recommends", *packages)
    if update is None or install is None:
        return False
    say(f"installing {' '.join(packages)} with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(update, check=True, env=env)
    subprocess.run(install, check=True, env=env)
    return True


def ensure_venv() -> None:
    if (BIN / "python").exists():
        return
    try:
        import ensurepip  # noqa: F401  (Debian splits it out into python3-venv)
    except ImportError:
        package = f"python3.{sys.version_info.minor}-venv"
        if not apt_install(package):
            sys.exit(f"dev.py: Python's venv module is missing. Install it, then run this again:\n"
                     f"    sudo apt-get install -y {package}")
    say("creating .venv (first run only)")
    venv.EnvBuilder(with_pip=True, clear=True).create(VENV)


def ensure_requirements() -> None:
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in REQUIREMENT_FILES if p.exists())).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    say("installing the pinned dependencies into .venv")
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "-r", ROOT / "requirements.txt", "-c", ROOT / "constraints.txt")
    STAMP.write_text(digest)


def ensure_debian_packages(task: str) -> None:
    """Install what ``task`` needs from Debian when we are allowed to, in one apt-get run.

    The browser tests, `screenshots` and `audit` drive Debian's Chromium; the test suite's
    HTML check runs on Java.
    """
    missing = [] if CHROMIUM.exists() else list(CHROMIUM_PACKAGES)
    if task == "test" and not shutil.which("java"):
        missing += JAVA_PACKAGES
    if not missing or apt_install(*missing):
        return
    if task == "test":
        needs = ("the browser tests need Chromium and the HTML check Java: "
                 "without them they are skipped (in CI they fail)")
    else:
        needs = f"`{task}` needs Chromium"
    say(f"{needs}. Install with: sudo apt-get install -y --no-install-recommends {' '.join(missing)}")


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):
        sys.exit("dev.py: this project needs Python 3.11 or newer")
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        argv = ["--list"]
    ensure_venv()
    ensure_requirements()
    if argv[0] in ("test", *BROWSER_TASKS):
        ensure_debian_packages(argv[0])
    return run_forwarding_signals([str(BIN / "invoke"), *argv])


def run_forwarding_signals(command: list[str]) -> int:
    """Run ``command`` and pass on the signals that should stop it; its exit code, shell-style.

    Without this, a SIGTERM (from a process manager, an editor's task runner, `kill`) ends
    dev.py alone and leaves its child, a server say, running with the port taken. Ctrl+C in
    a terminal already reaches the child, which is in the same process group: a SIGINT is
    passed on only when dev.py is not the terminal's foreground process group.
    """
    child = subprocess.Popen(command, cwd=ROOT)

    def forward(signum: int, frame: object) -> None:
        if signum == signal.SIGINT and in_terminal_foreground():
            return
        if child.poll() is None:
            child.send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, forward)
    code = child.wait()
    return 128 - code if code < 0 else code


def in_terminal_foreground() -> bool:
    try:
        return os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except (OSError, ValueError):  # no terminal: nobody but dev.py received the signal
        return False


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as error:
        sys.exit(f"dev.py: {' '.join(map(str, error.cmd))} failed with exit code {error.returncode}")
    except KeyboardInterrupt:
        sys.exit(130)
