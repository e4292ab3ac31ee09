"""Lighthouse and pa11y over the built site (`invoke audit`), in Debian's Chromium on loopback.

Lighthouse scores each page in its four categories (performance, accessibility, best
practices, SEO) and the audit fails below 100 in any of them; pa11y checks WCAG 2 AA with
HTML_CodeSniffer and the audit fails on any error it reports that is not a known mistake of
its own (``PA11Y_FALSE_POSITIVES``). Both are npm packages pinned in tools/audit/, installed
there with `npm ci` on first use; neither downloads a browser.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from harbour.chromium import CHROMIUM, CHROMIUM_ARGS, INSTALL_HINT
from harbour.errors import HarbourError
from harbour.screenshots import site_shots
from harbour.serve import serving

# Its package.json pins both exactly, and pins third-party-web (which a Lighthouse dependency asks
# for as "latest", a tag `npm ci` cannot hold to the lock once a newer one is out) to Lighthouse's own.
TOOLS = Path(__file__).resolve().parents[2] / "tools" / "audit"
NODE_MAJOR = 20  # pa11y 9 needs Node.js 20 or newer, Lighthouse 12 18.16
NODE_HINT = "install Node.js 20 or newer with npm (on Debian 13: sudo apt-get install -y nodejs npm)"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# One page's Lighthouse run (a Chromium start, a load, a throttled trace) takes about 30 s here.
TIMEOUT_SECONDS = 300
# Performance is timed on this machine, so a busy machine costs points the page did not lose:
# a page below 100 is run this many times in all and scored by the median, as Lighthouse's
# own guidance on variability advises.
RUNS_BELOW_100 = 3
# What pa11y reports wrongly, by code and the start of its message, with why.
PA11Y_FALSE_POSITIVES = {
    ("WCAG2AA.Principle1.Guideline1_3.1_3_5.H98", "Invalid autocomplete value: url."): (
        "HTML_CodeSniffer leaves <input type=url> out of the URL control group (its issue #325); the HTML "
        "standard allows autocomplete=\"url\" there, and axe's autocomplete-valid rule checks it in the suite"
    ),
}


@dataclass(frozen=True)
class Pa11yIssue:
    """One pa11y finding: its rule code, its message and where on the page."""

    code: str
    message: str
    selector: str
    kind: str = "error"

    def __str__(self) -> str:
        return f"{self.kind}: {self.message} [{self.code}] at {self.selector}"

    @property
    def false_positive(self) -> str:
        """Why this finding is pa11y's mistake, or '' when it is real."""
        return next((why for (code, start), why in PA11Y_FALSE_POSITIVES.items()
                     if self.code == code and self.message.startswith(start)), "")


def audit_pages(output: Path) -> list[tuple[str, str]]:
    """The pages audited, as (name, path): home, a post, a gated post, preferences, search."""
    shots = {shot.name: shot.path for shot in site_shots(output)[0]}
    wanted = (("home", "index"), ("article", "article"), ("gated article", "gated-article-closed"),
              ("preferences", "preferences"), ("search", "search"))
    return [(name, shots[key]) for name, key in wanted if key in shots]


def lighthouse_scores(report: Mapping) -> dict[str, int]:
    """Each category's score out of 100, as Lighthouse shows it, from its JSON report."""
    categories = report.get("categories") or {}
    scores = {}
    for name in CATEGORIES:
        score = (categories.get(name) or {}).get("score")
        scores[name] = round(score * 100) if isinstance(score, (int, float)) else 0
    return scores


def lighthouse_shortfalls(report: Mapping) -> list[str]:
    """The audits that cost points: "category: audit title (its value)", for the scores below 100."""
    audits = report.get("audits") or {}
    found = []
    for name, category in (report.get("categories") or {}).items():
        for ref in category.get("auditRefs", []):
            audit = audits.get(ref.get("id"), {})
            score = audit.get("score")
            if ref.get("weight", 0) > 0 and isinstance(score, (int, float)) and score < 1:
                value = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
                found.append(f"{name}: {audit.get('title', ref.get('id'))}{value}")
    return found


def median_scores(runs: Sequence[Mapping[str, int]]) -> dict[str, int]:
    """Each category's median score over several runs of one page."""
    return {name: sorted(run[name] for run in runs)[len(runs) // 2] for name in CATEGORIES}


def pa11y_issues(report: Sequence[Mapping]) -> list[Pa11yIssue]:
    """The findings in pa11y's JSON report."""
    return [Pa11yIssue(code=item.get("code", ""), message=item.get("message", ""),
                       selector=item.get("selector", ""), kind=item.get("type", "error"))
            for item in report]


def install_node_tools(folder: Path = TOOLS, say: Callable[[str], None] = print) -> Path:
    """The folder of Lighthouse's and pa11y's commands, after `npm ci` when they are not installed yet."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise HarbourError(f"the audit runs Lighthouse and pa11y on Node.js, and there is no node or npm: "
                           f"{NODE_HINT}")
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    major = re.match(r"v(\d+)\.", version)
    if not major or int(major.group(1)) < NODE_MAJOR:
        raise HarbourError(f"the audit needs Node.js {NODE_MAJOR} or newer, and this is "
                           f"{version or 'unknown'}: {NODE_HINT}")
    installed = folder / "node_modules" / ".package-lock.json"
    if not installed.is_file() or installed.stat().st_mtime < (folder / "package-lock.json").stat().st_mtime:
        say(f"installing Lighthouse and pa11y into {folder / 'node_modules'} (npm ci, first use only)")
        run = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=folder, capture_output=True,
                             text=True, env=_node_env(), timeout=TIMEOUT_SECONDS)
        if run.returncode != 0:
            raise HarbourError(f"npm ci in {folder} failed: {_last_line(run)}")
    return folder / "node_modules" / ".bin"


def run_audit(output: Path, *, say: Callable[[str], None] = print, tools: Path = TOOLS) -> bool:
    """Audit the built site at ``output``; print each page's scores and issues. True when all is clean."""
    if not (output / "index.html").is_file():
        raise HarbourError(f"no built site in {output} (no index.html): build it first")
    if not CHROMIUM.exists():
        raise HarbourError(f"the audit needs Chromium, which is not at {CHROMIUM}: {INSTALL_HINT}")
    commands = install_node_tools(tools, say)
    pages = audit_pages(output)
    if not any(name == "search" for name, _ in pages):
        say("note: the site has no /search/ page; it is left out")
    clean = True
    explained: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="audit-") as scratch, serving(output) as base:
        config = Path(scratch) / "pa11y.json"
        launch = {"executablePath": str(CHROMIUM), "args": CHROMIUM_ARGS}
        config.write_text(json.dumps({"chromeLaunchConfig": launch}), encoding="utf-8")
        for name, path in pages:
            clean &= _lighthouse_page(commands, base, name, path, Path(scratch) / "lighthouse.json", say)
            clean &= _pa11y_page(commands, base + path, config, say, explained)
    return clean


def _lighthouse_page(commands: Path, base: str, name: str, path: str, report: Path,
                     say: Callable[[str], None]) -> bool:
    """Print one page's four scores (a median when below 100) and what cost points; True when all 100."""
    reports = [_lighthouse(commands, base + path, report)]
    if any(score < 100 for score in lighthouse_scores(reports[0]).values()):
        reports += [_lighthouse(commands, base + path, report) for _ in range(RUNS_BELOW_100 - 1)]
    scores = median_scores([lighthouse_scores(one) for one in reports])
    runs = f" (median of {len(reports)} runs)" if len(reports) > 1 else ""
    say(f"{name} ({path}): " + ", ".join(f"{category} {score}" for category, score in scores.items()) + runs)
    below = [category for category, score in scores.items() if score < 100]
    # Each audit that cost points in a category below 100, once (its value from its first run).
    shortfalls: dict[str, str] = {}
    for line in (line for one in reports for line in lighthouse_shortfalls(one)):
        if line.split(":", 1)[0] in below:
            shortfalls.setdefault(line.rsplit(" (", 1)[0], line)
    for line in shortfalls.values():
        say(f"  Lighthouse: {line}")
    return not below


def _pa11y_page(commands: Path, url: str, config: Path, say: Callable[[str], None],
                explained: set[str]) -> bool:
    """Print pa11y's findings on one page; True when none is an error (its known mistakes aside)."""
    clean = True
    for issue in pa11y_issues(_pa11y(commands, url, config)):
        if issue.false_positive:
            why = "as above" if issue.false_positive in explained else issue.false_positive
            explained.add(issue.false_positive)
            say(f"  pa11y, ignored ({why}): {issue}")
        else:
            clean = clean and issue.kind != "error"
            say(f"  pa11y: {issue}")
    return clean


def _lighthouse(commands: Path, url: str, report: Path) -> dict:
    report.unlink(missing_ok=True)
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    run = subprocess.run(
        [str(commands / "lighthouse"), url, "--output=json", f"--output-path={report}", "--quiet",
         f"--chrome-flags={flags}"],
        capture_output=True, text=True, env=_node_env(), timeout=TIMEOUT_SECONDS,
    )
    if run.returncode != 0 or not report.is_file():
        raise HarbourError(f"Lighthouse failed on {url}: {_last_line(run)}")
    return json.loads(report.read_text(encoding="utf-8"))


def _pa11y(commands: Path, url: str, config: Path) -> list:
    run = subprocess.run(
        [str(commands / "pa11y"), "--standard", "WCAG2AA", "--reporter", "json", "--config", str(config),
         url],
        capture_output=True, text=True, env=_node_env(), timeout=TIMEOUT_SECONDS,
    )
    # pa11y exits with 2 when it found issues: the report is still there.
    try:
        return json.loads(run.stdout or "[]")
    except json.JSONDecodeError:
        raise HarbourError(f"pa11y failed on {url}: {_last_line(run)}") from None


def _node_env() -> dict[str, str]:
    # Lighthouse starts the browser CHROME_PATH names; Puppeteer (pa11y) must never fetch one.
    return dict(os.environ, CHROME_PATH=str(CHROMIUM), PUPPETEER_SKIP_DOWNLOAD="1")


def _last_line(run: subprocess.CompletedProcess[str]) -> str:
    lines = (run.stderr or run.stdout or "").strip().splitlines()
    return lines[-1] if lines else f"exit code {run.returncode}, no output"
