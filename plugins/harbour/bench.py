"""The build benchmark (`invoke bench`): this project's build against plain Pelican, whole processes.

Each stage runs as its own process on one synthetic blog (:mod:`harbour.bench_blog`), the
stages alternating round after round (a b c d e, a b c d e, ...) so that a machine that slows
down part-way slows every stage alike. Wall time and the child's own peak memory (``os.wait4``)
are taken from outside, as a writer would feel them.
"""

from __future__ import annotations

import gzip
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from harbour.bench_blog import BenchBlog, BenchPost, write_bench_blog
from harbour.errors import HarbourError
from harbour.files import atomic_write_text

PROJECT = Path(__file__).resolve().parents[2]
STAGES = {
    "a": "plain Pelican (no plugins, no typogrify)",
    "b": "plain Pelican with typogrify",
    "c": "full build (our settings, theme, plugins)",
    "d": "rebuild after editing one post",
    "e": "rebuild after approving one comment",
}
RATIOS = [("c", "a"), ("c", "b"), ("d", "a"), ("e", "a")]

# Pelican's quickstart settings, trimmed to what the posts need: the default theme, no
# plugins (PLUGINS = None would load every installed namespace plugin), no feeds (ours has
# none while writing either), no cache. The posts only: the example pages ask for templates
# of our theme (404) that Pelican's default theme does not have.
PLAIN_SETTINGS = """\
AUTHOR = "Robin"
SITENAME = "Benchmark"
SITEURL = ""
PATH = {content!r}
ARTICLE_PATHS = ["posts"]
PAGE_PATHS = []
STATIC_PATHS = ["images"]
TIMEZONE = "Europe/London"
DEFAULT_LANG = "en"
PLUGINS = []
TYPOGRIFY = {typogrify}
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
"""

# The child of stages c, d, e: the build `python3 dev.py build` runs, in a fresh interpreter.
FULL_BUILD = """\
import sys
sys.path.insert(0, sys.argv[1])
from harbour.build import build_site
from harbour.errors import HarbourError
try:
    build_site(sys.argv[2], PATH=sys.argv[3], OUTPUT_PATH=sys.argv[4], CACHE_PATH=sys.argv[5])
except HarbourError as error:
    sys.exit(f"Build failed: {error}")
"""


@dataclass(frozen=True)
class Timing:
    seconds: float
    peak_rss_kb: int


@dataclass
class StageResults:
    timings: list[Timing] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(t.seconds for t in self.timings)

    @property
    def peak_rss_kb(self) -> int:
        return max(t.peak_rss_kb for t in self.timings)


@dataclass(frozen=True)
class PageWeight:
    page: str
    html: int
    css: int
    js: int
    gzipped: int

    @property
    def total(self) -> int:
        return self.html + self.css + self.js


def run_timed(command: list[str], *, stage: str, cwd: Path) -> Timing:
    """Run ``command``; its wall time and its own peak resident memory (not its siblings')."""
    # os.wait4 gives this child's rusage alone, where getrusage(RUSAGE_CHILDREN) keeps the
    # largest of every child so far and would hide a smaller stage behind a larger one.
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            log.seek(0)
            tail = log.read().decode("utf-8", "replace").strip().splitlines()[-5:]
            raise HarbourError(
                f"stage ({stage}) {STAGES[stage]} failed with exit code {process.returncode}: "
                + " | ".join(tail)
            )
    return Timing(seconds, usage.ru_maxrss)  # kilobytes on Linux


class _Assets(HTMLParser):
    """The stylesheets and scripts a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.css: list[str] = []
        self.js: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and "stylesheet" in (found.get("rel") or "").split() and found.get("href"):
            self.css.append(found["href"] or "")
        elif tag == "script" and found.get("src"):
            self.js.append(found["src"] or "")


def _local_file(output: Path, page: Path, address: str) -> Path | None:
    parts = urlsplit(address)
    if parts.scheme or parts.netloc:
        return None  # the theme loads nothing from elsewhere; were it to, it is not ours to weigh
    base = output if parts.path.startswith("/") else page.parent
    return base / parts.path.lstrip("/")


def page_weight(output: Path, page: Path) -> PageWeight:
    """The bytes a reader downloads for ``page``: its HTML, stylesheets and scripts (no images)."""
    html = page.read_bytes()
    assets = _Assets()
    assets.feed(html.decode("utf-8"))
    files = {kind: [_local_file(output, page, a) for a in addresses]
             for kind, addresses in (("css", assets.css), ("js", assets.js))}
    read = {kind: [p.read_bytes() for p in paths if p and p.is_file()] for kind, paths in files.items()}
    gzipped = sum(len(gzip.compress(data)) for data in [html, *read["css"], *read["js"]])
    return PageWeight(
        str(page.relative_to(output)), len(html), sum(map(len, read["css"])), sum(map(len, read["js"])), gzipped
    )


@dataclass
class Bench:
    """One benchmark's folders and commands: the blog, two plain settings files, the outputs."""

    folder: Path
    blog: BenchBlog
    python: str = sys.executable
    settings_file: Path = PROJECT / "pelicanconf.py"

    def plain_settings(self, typogrify: bool) -> Path:
        path = self.folder / f"plain{'-typogrify' if typogrify else ''}.py"
        if not path.exists():
            path.write_text(PLAIN_SETTINGS.format(content=str(self.blog.content), typogrify=typogrify))
        return path

    def output(self, stage: str) -> Path:
        # c, d and e share one output: d and e are rebuilds of the site c built.
        return self.folder / ("out-full" if stage in "cde" else f"out-{stage}")

    def command(self, stage: str) -> list[str]:
        if stage in "ab":
            pelican = Path(self.python).with_name("pelican")
            cli = [str(pelican)] if pelican.exists() else [self.python, "-m", "pelican"]
            return [*cli, str(self.blog.content), "-s", str(self.plain_settings(stage == "b")),
                    "-o", str(self.output(stage)), "-q"]
        return [self.python, "-c", FULL_BUILD, str(PROJECT / "plugins"), str(self.settings_file),
                str(self.blog.content), str(self.output(stage)), str(self.folder / "cache")]

    def prepare(self, stage: str, round_number: int) -> None:
        """What happens before a stage, outside its timing."""
        if stage in "abc":  # a cold, whole build: no output, no cache
            shutil.rmtree(self.output(stage), ignore_errors=True)
            shutil.rmtree(self.folder / "cache", ignore_errors=True)
        elif stage == "d":
            edit_post(self.blog.posts[0], round_number)
        elif stage == "e":
            approve_comment(self.blog, round_number)


def edit_post(post: BenchPost, round_number: int) -> None:
    """A writer's edit: one more paragraph at the end of the post."""
    text = post.path.read_text(encoding="utf-8")
    atomic_write_text(post.path, f"{text}\nEdited in round {round_number}: one more thought, added later.\n")


def approve_comment(blog: BenchBlog, round_number: int) -> None:
    """What comments-approve does to the content: one more comment file under a post."""
    post = blog.posts[-1]
    atomic_write_text(
        blog.content / "comments" / post.slug / f"bench-approved-{round_number}.md",
        f"Author: Sam\nDate: 2025-01-0{1 + round_number % 9} 10:00:00+00:00\n\n"
        f"Thank you for writing this; it helped (round {round_number}).\n",
    )


def typical_post(blog: BenchBlog) -> BenchPost:
    """The post with the median number of comments: a page a reader usually lands on."""
    ranked = sorted(blog.posts, key=lambda post: (post.comments, post.slug))
    return ranked[len(ranked) // 2]


def article_page(output: Path, post: BenchPost) -> Path:
    pages = sorted(output.glob(f"posts/*/*/{post.slug}/index.html"))
    if not pages:
        raise HarbourError(f"the full build wrote no page for {post.slug} under {output}/posts/")
    return pages[0]


def run_bench(
    *, posts: int, comments: int, runs: int, seed: int = 1, folder: Path | None = None,
    say: Callable[[str], None] = print,
) -> tuple[dict[str, StageResults], PageWeight]:
    """Generate the blog, time every stage ``runs`` times, alternating; print and return the figures."""
    if posts < 1 or comments < 0 or runs < 1:
        raise HarbourError("bench needs --posts 1 or more, --comments 0 or more and --runs 1 or more, "
                           "e.g. --posts 300 --comments 3000 --runs 3")
    with tempfile.TemporaryDirectory(prefix="harbour-bench-", dir=folder) as scratch:
        bench = Bench(Path(scratch), write_bench_blog(
            Path(scratch), examples=PROJECT / "content", posts=posts, comments=comments, seed=seed
        ))
        say(describe_blog(bench.blog, runs))
        results = {stage: StageResults() for stage in STAGES}
        for round_number in range(1, runs + 1):
            for stage in STAGES:
                bench.prepare(stage, round_number)
                timing = run_timed(bench.command(stage), stage=stage, cwd=PROJECT)
                results[stage].timings.append(timing)
                say(f"  round {round_number}/{runs} ({stage}) {timing.seconds:6.2f} s")
        output = bench.output("c")
        weight = page_weight(output, article_page(output, typical_post(bench.blog)))
    say(report(results, weight))
    return results, weight


def describe_blog(blog: BenchBlog, runs: int) -> str:
    counts = sorted(post.comments for post in blog.posts)
    return (
        f"Benchmark: {len(blog.posts)} generated posts + {blog.example_posts} example posts, "
        f"{blog.comments} generated comments (per post: median {statistics.median(counts):g}, "
        f"most {counts[-1]}), {runs} run{'s' if runs != 1 else ''} of each stage, alternating, "
        f"on {os.cpu_count()} cores"
    )


def report(results: dict[str, StageResults], weight: PageWeight) -> str:
    """The table of medians, min, max and peak memory, the ratios, the page weight."""
    lines = [
        f"{'stage':<48} {'median':>8} {'min':>7} {'max':>7} {'peak RSS':>9}",
    ]
    for stage, label in STAGES.items():
        seconds = [t.seconds for t in results[stage].timings]
        lines.append(
            f"({stage}) {label:<44} {results[stage].median:>7.2f}s {min(seconds):>6.2f}s {max(seconds):>6.2f}s "
            f"{results[stage].peak_rss_kb / 1024:>6.0f} MB"
        )
    lines.append("(c) starts with no output and no cache; (d) and (e) rebuild c's site with the build memo it left.")
    lines.append("ratios of medians: " + "  ".join(
        f"{top}/{bottom}={results[top].median / results[bottom].median:.2f}" for top, bottom in RATIOS
    ))
    lines.append("peak memory: " + "  ".join(
        f"{stage}/a={results[stage].peak_rss_kb / results['a'].peak_rss_kb:.2f}" for stage in "bcde"
    ))
    lines.append(
        f"article page ({weight.page}): HTML {weight.html / 1024:.1f} KB + CSS {weight.css / 1024:.1f} KB "
        f"+ JS {weight.js / 1024:.1f} KB = {weight.total / 1024:.1f} KB uncompressed, "
        f"{weight.gzipped / 1024:.1f} KB gzipped (each file on its own)"
    )
    return "\n".join(lines)
