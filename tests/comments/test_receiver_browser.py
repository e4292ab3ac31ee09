"""The receiver's own pages in Chromium, without JavaScript as a reader without it meets them: the
reply page, the check page, a page of errors and the thank-you page, each free of WCAG 2.2 AA
violations (axe) in light and dark mode, loading nothing from anywhere but the receiver."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from receiver_helpers import MIN_FILL, PARENT_ID, RunningReceiver, running_receiver

pytestmark = pytest.mark.browser

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningReceiver]:
    with running_receiver(tmp_path_factory.mktemp("browser"), rate_limit=1000) as running:
        yield running


@pytest.fixture(scope="module")
def axe() -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def violations(browser: Any, axe: Any, html: str, scheme: str) -> list[str]:
    """axe's findings on a page the flow reached (axe needs JavaScript; the pages have none)."""
    context = browser.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        page.set_content(html)
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    finally:
        context.close()
    return [f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes'][:3]]}" for v in results.response["violations"]]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_replying_without_javascript_in_a_browser(
    browser: Any, receiver: RunningReceiver, axe: Any, scheme: str
) -> None:
    context = browser.new_context(java_script_enabled=False, color_scheme=scheme)
    elsewhere: list[str] = []
    context.on("request", lambda request: elsewhere.append(request.url)
               if urlsplit(request.url).hostname != "127.0.0.1" else None)
    page = context.new_page()
    page.set_default_timeout(20_000)
    base = f"http://127.0.0.1:{receiver.port}"
    pages: dict[str, str] = {}
    try:
        page.goto(f"{base}/comments/reply?post=first-post&to={PARENT_ID}")
        assert page.locator("h1").inner_text() == "Reply to Mina <b>"
        pages["reply"] = page.content()

        page.fill("#f-author", f"Reader in {scheme}")
        page.fill("#f-url", "ftp://not-a-website.example/")
        page.fill("#f-body", "A reply from a browser *without* JavaScript.")
        page.click("button[type=submit]")
        assert page.locator("h1").inner_text() == "Your comment was not sent yet"
        assert page.locator("#f-url").get_attribute("aria-invalid") == "true"
        pages["errors"] = page.content()

        page.fill("#f-url", "")
        page.click("button[type=submit]")  # sooner than min_fill_seconds after the form's token
        assert page.locator("h1").inner_text() == "Check your comment"
        assert page.locator(".preview em").inner_text() == "without"
        pages["check"] = page.content()

        receiver.clock.advance(MIN_FILL)
        page.click("button[type=submit]")
        assert page.locator("h1").inner_text() == "Thank you"
        pages["thanks"] = page.content()
    finally:
        context.close()
    assert elsewhere == [], "the receiver's pages load nothing from any other host"
    sent = [r for r in receiver.records() if r.comment.author == f"Reader in {scheme}"]
    assert len(sent) == 1 and sent[0].comment.reply_to == PARENT_ID
    found = {name: violations(browser, axe, html, scheme) for name, html in pages.items()}
    assert not {name: v for name, v in found.items() if v}, found
