"""Screenshots of a built site (`invoke screenshots`): each kind of page at a desktop and a phone
width, light and dark, so that anyone can judge the theme by eye after a change.

The site is served on loopback and drawn by Debian's Chromium through Playwright; nothing is
loaded from another host (such requests are refused and reported).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harbour.chromium import CHROMIUM, CHROMIUM_ARGS, INSTALL_HINT
from harbour.errors import HarbourError
from harbour.files import atomic_write_bytes
from harbour.serve import serving

WIDTHS = (1280, 375)
SCHEMES = ("light", "dark")
# Tall enough for a phone's first screen; a full-page screenshot then takes the whole page.
VIEWPORT_HEIGHT = 800
# Below this width Chromium lays the page out as a phone does (meta viewport, touch).
PHONE_WIDTH = 600
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def parse_sizes(widths: str, schemes: str) -> tuple[list[int], list[str]]:
    """The task's ``--widths 1280,375`` and ``--schemes light,dark``, checked."""
    sizes = []
    for word in filter(None, (w.strip() for w in widths.split(","))):
        if not word.isdigit() or not 200 <= int(word) <= 4000:
            raise HarbourError(
                f"--widths: {word!r} is not a width in pixels from 200 to 4000 (e.g. --widths 1280,375)")
        sizes.append(int(word))
    chosen = [w.strip() for w in schemes.split(",") if w.strip()]
    for scheme in chosen:
        if scheme not in SCHEMES:
            raise HarbourError(f"--schemes: {scheme!r} is not a colour scheme; use light, dark or light,dark")
    if not sizes or not chosen:
        raise HarbourError(
            "--widths and --schemes need at least one value each (e.g. --widths 375 --schemes dark)")
    return sizes, chosen


@dataclass(frozen=True)
class Shot:
    """One page to take: ``name`` for its files, ``path`` on the site.

    ``open_gate`` presses the post's "Show" button first; ``element`` takes that element
    only, whole, instead of the page.
    """

    name: str
    path: str
    open_gate: bool = False
    element: str = ""


@dataclass(frozen=True)
class _Post:
    path: str
    published: str
    gated: bool
    comments: int


def site_shots(output: Path) -> tuple[list[Shot], list[str]]:
    """The pages worth a look in the built site at ``output``, and a note for each kind it lacks.

    Posts are found by their ``article:published_time``: the newest post without a gate, the
    newest gated post (closed and opened) and the post with the most comments (its comments).
    """
    shots: list[Shot] = [Shot("index", "/")]
    notes: list[str] = []
    posts = sorted(_posts(output), key=lambda post: post.published, reverse=True)
    plain = next((post for post in posts if not post.gated), None)
    gated = next((post for post in posts if post.gated), None)
    discussed = max(posts, key=lambda post: post.comments, default=None)
    if plain:
        shots.append(Shot("article", plain.path))
    else:
        notes.append("no post without a content warning: no 'article' screenshot")
    if gated:
        shots.append(Shot("gated-article-closed", gated.path))
        shots.append(Shot("gated-article-open", gated.path, open_gate=True))
    else:
        notes.append("no post with a content warning on the whole post: no 'gated-article' screenshots")
    if discussed and discussed.comments:
        shots.append(Shot("comments", discussed.path, element="#comments"))
    else:
        notes.append("no post with comments: no 'comments' screenshot")
    for name, path in (("search", "/search/"), ("preferences", "/preferences/"), ("topics", "/tags/")):
        if (output / path.strip("/") / "index.html").is_file():
            shots.append(Shot(name, path))
        else:
            notes.append(f"the site has no {path} page: no '{name}' screenshot")
    return shots, notes


def _posts(output: Path) -> Iterable[_Post]:
    from selectolax.lexbor import LexborHTMLParser

    for page in output.rglob("index.html"):
        relative = page.relative_to(output)
        if relative.parts[0] == "drafts":
            continue
        tree = LexborHTMLParser(page.read_bytes())
        published = tree.css_first('meta[property="article:published_time"]')
        if published is None:
            continue
        yield _Post(
            path="/" + relative.parent.as_posix() + "/",
            published=published.attributes.get("content") or "",
            gated=tree.css_first("#cw-post") is not None,
            comments=len(tree.css("article.comment")),
        )


def take_screenshots(
    output: Path,
    folder: Path,
    *,
    shots: Sequence[Shot] | None = None,
    widths: Sequence[int] = WIDTHS,
    schemes: Sequence[str] = SCHEMES,
    say: Callable[[str], None] = print,
    browser: Any | None = None,
) -> list[Path]:
    """Screenshots of the built site at ``output`` into ``folder``: ``<name>-<width>-<scheme>.png``.

    Each is a full-page screenshot (or the whole ``element`` of its shot). Returns the files
    written. Debian's Chromium is started for them, unless a Playwright ``browser`` is given
    (the tests' own). Without Chromium, or with an off-site request, a HarbourError says what
    to do.
    """
    if not (output / "index.html").is_file():
        raise HarbourError(f"no built site in {output} (no index.html): build it first")
    if shots is None:
        shots, notes = site_shots(output)
        for note in notes:
            say(f"note: {note}")
    _remove_earlier(folder, widths, schemes)
    written: list[Path] = []
    offsite: list[str] = []
    with serving(output) as base, _chromium(browser) as chromium:
        for width in widths:
            for scheme in schemes:
                context = _context(chromium, width, scheme, offsite)
                try:
                    for shot in shots:
                        path = folder / f"{shot.name}-{width}-{scheme}.png"
                        atomic_write_bytes(path, _screenshot(context, base, shot))
                        written.append(path)
                        say(f"wrote {path}")
                finally:
                    context.close()
    if offsite:
        hosts = ", ".join(sorted(set(offsite)))
        raise HarbourError(f"the site asked for files from another host (refused): {hosts}")
    return written


@contextmanager
def _chromium(browser: Any | None) -> Iterator[Any]:
    """``browser`` itself, or Debian's Chromium started for the time being."""
    if browser is not None:
        yield browser
        return
    if not CHROMIUM.exists():
        raise HarbourError(f"screenshots need Chromium, which is not at {CHROMIUM}: {INSTALL_HINT}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        started = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield started
        finally:
            started.close()


def _remove_earlier(folder: Path, widths: Sequence[int], schemes: Sequence[str]) -> None:
    """Remove an earlier run's screenshots of these sizes: a page gone since must not look current."""
    for width in widths:
        for scheme in schemes:
            for old in folder.glob(f"*-{width}-{scheme}.png"):
                old.unlink()


def _context(browser: Any, width: int, scheme: str, offsite: list[str]) -> Any:
    phone = width < PHONE_WIDTH
    context = browser.new_context(
        viewport={"width": width, "height": VIEWPORT_HEIGHT}, color_scheme=scheme,
        is_mobile=phone, has_touch=phone, device_scale_factor=1, reduced_motion="reduce",
    )

    def refuse_offsite(route: Any) -> None:
        url = route.request.url
        if (urlsplit(url).hostname or "") in LOOPBACK or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            offsite.append(url)
            route.abort()

    context.route("**/*", refuse_offsite)
    return context


UNSTICK = """() => {
  for (const element of document.querySelectorAll("body *")) {
    if (getComputedStyle(element).position === "sticky") element.style.position = "static";
  }
}"""


def _screenshot(context: Any, base: str, shot: Shot) -> bytes:
    page = context.new_page()
    try:
        response = page.goto(base + shot.path, wait_until="load")
        if response is None or response.status >= 400:
            raise HarbourError(f"{shot.path} answered {response.status if response else 'nothing'}: "
                               f"no '{shot.name}' screenshot")
        if shot.open_gate:
            page.locator("#cw-post > .cw-notice .cw-button").click()
        page.evaluate("document.fonts.ready")
        if shot.element:
            return page.locator(shot.element).screenshot(animations="disabled")
        # A full-page shot is one tall viewport: a bar that sticks to the bottom of the screen (the
        # preferences' Save bar) would be drawn over the middle of the page, where no reader sees it.
        page.evaluate(UNSTICK)
        return page.screenshot(full_page=True, animations="disabled")
    finally:
        page.close()
