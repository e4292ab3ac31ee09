"""Rebuilding and publishing the site from the desk, as `python3 dev.py build` and `publish` do.

The build runs here, in the desk's process, through harbour.build (staged, and locked against
a livereload rebuild of the same folder). Publishing runs the project's own `publish` task in
a process of its own, so that it is exactly the command line's, upload included.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harbour.build import build_report
from harbour.errors import HarbourError

PUBLISH_TIMEOUT = 30 * 60
OUTPUT_LINES = 40
# Addresses reserved for examples (RFC 2606): a target on one of them is the template's, not the writer's.
EXAMPLE_DOMAINS = ("example", "example.org", "example.com", "example.net", "invalid", "test")


@dataclass(frozen=True)
class SiteRun:
    """The outcome of a build or a publish, for the page: one line, then the lines to read."""

    ok: bool
    summary: str
    lines: list[str] = field(default_factory=list)


def publish_target(settings: Mapping[str, Any]) -> str | None:
    """Where `publish` uploads to, or None while PUBLISH_RSYNC_TARGET is unset or still the example's."""
    target = str(settings.get("PUBLISH_RSYNC_TARGET") or "").strip()
    if not target:
        return None
    host, colon, _ = target.partition(":")
    host = host.rpartition("@")[2].lower().rstrip(".") if colon else ""
    if any(host == d or host.endswith("." + d) for d in EXAMPLE_DOMAINS):
        return None
    return target


@dataclass
class SiteActions:
    """Build (and, where configured, publish) the site the desk moderates."""

    settings_file: Path
    overrides: Mapping[str, Any] = field(default_factory=dict)
    # The command that publishes (the project's `publish` task), and where it uploads; None: not set up.
    publish_command: Sequence[str] | None = None
    publish_target: str | None = None
    project_root: Path | None = None
    last: SiteRun | None = None
    _turn: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def build(self) -> SiteRun:
        """Build with the writer's settings; every problem comes back with its file and line."""
        with self._turn:
            try:
                report = build_report(self.settings_file, **self.overrides)
            except HarbourError as error:
                count = len(error.problems)
                run = SiteRun(False, f"The build failed with {count} problem{'s' if count > 1 else ''}; "
                                     "the site in the output folder is the one built before.", error.problems)
            else:
                run = SiteRun(True, report.outcome(), [f"warning: {w}" for w in report.warnings])
            self.last = run
            return run

    def publish(self) -> SiteRun:
        """Run the publish task; its last lines of output say what happened."""
        if self.publish_command is None:
            raise HarbourError("publishing is not set up: set PUBLISH_RSYNC_TARGET in publishconf.py to "
                               "your server, then run the desk again")
        with self._turn:
            try:
                done = subprocess.run(
                    list(self.publish_command), cwd=self.project_root, capture_output=True, text=True,
                    errors="replace", timeout=PUBLISH_TIMEOUT, stdin=subprocess.DEVNULL,
                    # No terminal: an ssh that would ask for a password fails at once instead of
                    # waiting for an answer nobody sees.
                    start_new_session=True,
                )
            except (OSError, subprocess.TimeoutExpired) as error:
                run = SiteRun(False, f"Publishing could not run: {error}")
            else:
                output = (done.stdout + done.stderr).splitlines()[-OUTPUT_LINES:]
                if done.returncode == 0:
                    run = SiteRun(True, f"Published to {self.publish_target}.", output)
                else:
                    summary = f"Publishing failed (exit code {done.returncode}). Its last lines:"
                    run = SiteRun(False, summary, output)
            self.last = run
            return run
