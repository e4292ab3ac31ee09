"""Shared fixtures: real builds of the example site, a real HTTP server, a real browser."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from harbour.build import build_site
from harbour.chromium import CHROMIUM, CHROMIUM_ARGS
from harbour.serve import serving

ROOT = Path(__file__).resolve().parent.parent
DEV_SETTINGS = ROOT / "pelicanconf.py"
PUBLISH_SETTINGS = ROOT / "publishconf.py"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Real exports written by other projects (WordPress, Pelican), kept beside the repository.
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked shared_fixtures skip without ../shared/fixtures, except in CI where they fail."""
    if item.get_closest_marker("shared_fixtures") and not SHARED_FIXTURES.is_dir():
        message = f"the shared fixtures are not at {SHARED_FIXTURES}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def build_into(output: Path, settings_file: Path = DEV_SETTINGS, **overrides: Any) -> Path:
    """Build a site into ``output`` (never into the project's own output/)."""
    build_site(settings_file, OUTPUT_PATH=str(output), CACHE_PATH=str(output.parent / "cache"), **overrides)
    return output


@pytest.fixture(scope="session")
def dev_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example site built with pelicanconf.py."""
    return build_into(tmp_path_factory.mktemp("dev") / "output")


@pytest.fixture(scope="session")
def publish_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example site built with publishconf.py (feeds on, absolute URLs)."""
    return build_into(tmp_path_factory.mktemp("publish") / "output", PUBLISH_SETTINGS)


@pytest.fixture(scope="session")
def site_url(dev_site: Path) -> Iterator[str]:
    """The dev build served over HTTP on loopback, as `invoke serve` serves it."""
    with serving(dev_site) as url:
        yield url


# --- Browser ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright. Skips when missing, except in CI where it fails."""
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM} (install it: apt-get install -y chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@dataclass
class Visit:
    """A browser page plus what it did: console errors, page errors and off-site requests."""

    page: Any
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    offsite_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def open(self, path: str) -> Any:
        response = self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("load")
        return response


LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture
def open_browser_page(browser: Any, site_url: str) -> Iterator[Callable[..., Visit]]:
    """Open a page in a fresh browser context; every request to another host is recorded and blocked.

    ``stub_hosts`` lists hosts whose requests are answered by a small local stub instead (the
    quick exit's neutral site), so a test can follow a link there without leaving the machine.
    """
    contexts = []

    def make(*, stub_hosts: tuple[str, ...] = (), **context_options: Any) -> Visit:
        context = browser.new_context(**context_options)
        contexts.append(context)
        page = context.new_page()
        visit = Visit(page=page, base_url=site_url)

        def route(route: Any) -> None:
            host = urlsplit(route.request.url).hostname or ""
            if host in LOCAL_HOSTS or route.request.url.startswith(("data:", "blob:")):
                route.continue_()
            elif host in stub_hosts:
                route.fulfill(status=200, content_type="text/html",
                              body="<!doctype html><title>Weather</title><h1>Weather</h1>")
            else:
                visit.offsite_requests.append(route.request.url)
                route.abort()

        context.route("**/*", route)
        page.on("console", lambda msg: visit.console_errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda error: visit.console_errors.append(str(error)))
        # A request the browser itself abandoned (the page moved on before the favicon came, say)
        # is not a broken link; one that failed or came back 4xx/5xx is.
        page.on(
            "requestfailed",
            lambda request: visit.failed_requests.append(request.url)
            if request.failure != "net::ERR_ABORTED" else None,
        )
        page.on(
            "response",
            lambda response: visit.failed_requests.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.request.resource_type != "document" else None,
        )

        def on_dialog(dialog: Any) -> None:
            visit.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        return visit

    yield make
    for context in contexts:
        context.close()


# --- Small sites written by a test ------------------------------------------------------

def write_site(root: Path, posts: dict[str, str], *, vocabulary: str | None = None) -> Path:
    """A content folder with the given posts (name -> Markdown) and a trigger vocabulary.

    Without ``vocabulary``, the example site's own vocabulary is used.
    """
    content = root / "content"
    (content / "posts").mkdir(parents=True, exist_ok=True)
    (content / "pages").mkdir(exist_ok=True)
    for name, text in posts.items():
        (content / "posts" / name).write_text(text, encoding="utf-8")
    (content / "triggers.yml").write_text(
        vocabulary if vocabulary is not None else (ROOT / "content" / "triggers.yml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    return content


# --- The project as a writer has it, in tmp_path -------------------------------------------

def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def writer_project(root: Path, posts: dict[str, str], **settings: Any) -> Path:
    """A copy of this project under ``root``, with ``posts`` as its only posts, for running
    `python3 dev.py TASK` in it exactly as a writer does.

    The files a writer edits (settings, tasks, dev.py) are copies; plugins, theme and .venv
    are links to this checkout's (dev.py finds the requirements unchanged and installs
    nothing). ``settings`` are appended to its pelicanconf.py (``PORT=8123``, say).
    """
    root.mkdir(parents=True, exist_ok=True)
    for name in ("tasks.py", "pelicanconf.py", "publishconf.py", "dev.py", "requirements.txt", "constraints.txt"):
        (root / name).write_bytes((ROOT / name).read_bytes())
    for name in ("plugins", "theme", ".venv"):
        (root / name).symlink_to(ROOT / name, target_is_directory=True)
    content = write_site(root, posts)
    (content / "pages" / "404.md").write_bytes((ROOT / "content" / "pages" / "404.md").read_bytes())
    if settings:
        with (root / "pelicanconf.py").open("a", encoding="utf-8") as conf:
            conf.write("\n# Set by the test\n" + "".join(f"{k} = {v!r}\n" for k, v in settings.items()))
    return root
