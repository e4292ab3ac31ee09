"""`python3 dev.py livereload` as a writer uses it, in Chromium: a failed build replaces the page with
an error page naming the file, the line and the fix, until the next good build; unknown pages get
the theme's own 404 page.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import free_port, writer_project
from test_dev import listening, wait_until

pytestmark = pytest.mark.browser

GOOD = "Title: Good\nDate: 2024-01-01\nCategory: Notes\n\nA good post.\n"
# livereload.js has connected and said hello: the server will tell this page to reload.
CONNECTED = "() => Boolean(window.LiveReload && window.LiveReload.connector && window.LiveReload.connector.protocol)"


@pytest.fixture
def livereload(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    port = free_port()
    project = writer_project(tmp_path / "blog", {"good.md": GOOD}, PORT=port)
    log = (tmp_path / "livereload.log").open("wb")
    # Its own session, so that the whole group can be ended below whatever the test did.
    process = subprocess.Popen(
        [sys.executable, "dev.py", "livereload"], cwd=project, start_new_session=True, stdout=log, stderr=log,
    )
    try:
        wait_until(lambda: listening(port) or process.poll() is not None)
        assert process.poll() is None, (tmp_path / "livereload.log").read_text()
        yield project, f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        log.close()


def test_a_failed_build_shows_in_the_browser_until_the_next_good_one(
    browser: Any, livereload: tuple[Path, str]
) -> None:
    project, base = livereload
    context = browser.new_context()
    page = context.new_page()
    try:
        assert page.goto(base + "/posts/2024/01/good/").status == 200
        page.wait_for_function(CONNECTED, timeout=60_000)

        bad = project / "content" / "posts" / "bad.md"
        bad.write_text("Title:\nDate: 2026-11-30 19:30\nCategory: Notes\n\nText.\n", encoding="utf-8")
        page.wait_for_selector("#build-failed", timeout=60_000)
        problems = page.locator(".build-problems li").all_inner_texts()
        assert problems == [
            "content/posts/bad.md:1: Title is empty; write the title after 'Title:', e.g. 'Title: A slower "
            "Sunday' (it also gives the post its address)"
        ]
        # Every page says so while the build fails; files (styles, images) are still served.
        assert page.request.get(base + "/").status == 500
        assert page.request.get(base + "/theme/css/site.css").status == 200

        page.wait_for_function(CONNECTED, timeout=60_000)
        bad.write_text("Title: Better\nDate: 2026-11-30 19:30\nCategory: Notes\n\nText.\n", encoding="utf-8")
        page.wait_for_function("() => !document.getElementById('build-failed')", timeout=60_000)
        page.wait_for_load_state("load")
        assert "A good\xa0post." in page.inner_text("main")  # typogrify keeps the last two words together
        assert page.request.get(base + "/posts/2026/11/better/").status == 200
    finally:
        context.close()


def test_an_unknown_page_gets_the_themes_404_page(browser: Any, livereload: tuple[Path, str]) -> None:
    _, base = livereload
    context = browser.new_context()
    page = context.new_page()
    try:
        response = page.goto(base + "/no-such-page/")
        assert response.status == 404
        assert page.title().startswith("Page not\xa0found")
        assert page.locator(".support-link").count() == 1  # the theme's page, with its safety chrome
    finally:
        context.close()
