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
    update, install = as_root("apt-get", "update"), as_root("apt-get", "install", "-y", *packages)
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


def ensure_chromium() -> None:
    """The browser tests drive Debian's Chromium; install it when we are allowed to."""
    if CHROMIUM.exists() or apt_install("chromium", "fonts-dejavu-core"):
        return
    say(f"Chromium is not at {CHROMIUM}; the browser tests will be skipped "
        f"(in CI they fail). Install it with: sudo apt-get install -y chromium")


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):
        sys.exit("dev.py: this project needs Python 3.11 or newer")
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        argv = ["--list"]
    ensure_venv()
    ensure_requirements()
    if argv[0] == "test":
        ensure_chromium()
    return subprocess.run([str(BIN / "invoke"), *argv], cwd=ROOT).returncode


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as error:
        sys.exit(f"dev.py: {' '.join(map(str, error.cmd))} failed with exit code {error.returncode}")
    except KeyboardInterrupt:
        sys.exit(130)
