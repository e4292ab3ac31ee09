"""What a reader sees, in a real browser: Debian's Chromium driven by Playwright."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

NEUTRAL_HOST = "www.bbc.co.uk"


def first_article_path(dev_site: Path) -> str:
    article = sorted(dev_site.glob("posts/*/*/*/index.html"))[-1]
    return "/" + str(article.parent.relative_to(dev_site)) + "/"


@pytest.mark.parametrize("page_kind", ["index", "article"])
def test_pages_load_without_errors_or_offsite_requests(open_browser_page: Any, dev_site: Path, page_kind: str) -> None:
    visit = open_browser_page()
    path = "/" if page_kind == "index" else first_article_path(dev_site)
    response = visit.open(path)
    assert response.status == 200
    assert visit.page.locator("h1").count() == 1
    assert visit.console_errors == []
    assert visit.failed_requests == []
    assert visit.offsite_requests == []


def test_keyboard_reaches_skip_link_then_quick_exit(open_browser_page: Any, dev_site: Path) -> None:
    visit = open_browser_page()
    visit.open(first_article_path(dev_site))
    page = visit.page
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    assert page.locator(".skip-link").is_visible()  # visible when focused
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "support-link"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "quick-exit"


def test_skip_link_moves_focus_to_main(open_browser_page: Any, dev_site: Path) -> None:
    visit = open_browser_page()
    visit.open(first_article_path(dev_site))
    visit.page.keyboard.press("Tab")
    visit.page.keyboard.press("Enter")
    assert visit.page.evaluate("document.activeElement.id") == "main"


def test_quick_exit_button_replaces_the_page(open_browser_page: Any, dev_site: Path) -> None:
    visit = open_browser_page(stub_hosts=(NEUTRAL_HOST,))
    page = visit.page
    visit.open("/")
    visit.open(first_article_path(dev_site))
    length_before = page.evaluate("history.length")
    page.click("#quick-exit")
    page.wait_for_url(f"https://{NEUTRAL_HOST}/**")
    # The article's history entry was replaced, not pushed: Back does not lead to it.
    assert page.evaluate("history.length") == length_before
    page.go_back()
    assert not page.url.endswith(first_article_path(dev_site))
    assert visit.offsite_requests == []


def test_pressing_shift_three_times_leaves(open_browser_page: Any, dev_site: Path) -> None:
    visit = open_browser_page(stub_hosts=(NEUTRAL_HOST,))
    visit.open(first_article_path(dev_site))
    for _ in range(3):
        visit.page.keyboard.press("Shift")
    visit.page.wait_for_url(f"https://{NEUTRAL_HOST}/**")


def test_typing_capitals_does_not_leave(open_browser_page: Any, dev_site: Path) -> None:
    visit = open_browser_page(stub_hosts=(NEUTRAL_HOST,))
    path = first_article_path(dev_site)
    visit.open(path)
    visit.page.keyboard.type("I Am Typing Some Capitals")
    visit.page.evaluate("() => new Promise(r => requestAnimationFrame(() => r(null)))")
    assert visit.page.url.endswith(path)


def test_quick_exit_works_without_javascript(open_browser_page: Any, dev_site: Path) -> None:
    visit = open_browser_page(stub_hosts=(NEUTRAL_HOST,), java_script_enabled=False)
    visit.open(first_article_path(dev_site))
    assert visit.page.locator("#quick-exit").is_visible()
    visit.page.click("#quick-exit")
    visit.page.wait_for_url(f"https://{NEUTRAL_HOST}/**")


@pytest.mark.parametrize("width", [320, 1280])
def test_pages_reflow_without_horizontal_scrolling(open_browser_page: Any, dev_site: Path, width: int) -> None:
    visit = open_browser_page(viewport={"width": width, "height": 800})
    for path in ["/", first_article_path(dev_site), "/archives/", "/tags/"]:
        visit.open(path)
        overflow = visit.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px"


def test_not_found_is_served_with_the_404_page(open_browser_page: Any) -> None:
    visit = open_browser_page()
    response = visit.open("/no/such/page/")
    assert response.status == 404
    assert "Page not found" in visit.page.locator("h1").inner_text().replace("\xa0", " ")
    # Its stylesheet and script still load from a deep URL.
    assert visit.failed_requests == []
    assert visit.page.evaluate("getComputedStyle(document.querySelector('.quick-exit')).fontWeight") == "700"


def test_focus_is_visible_on_the_quick_exit(open_browser_page: Any, dev_site: Path) -> None:
    visit = open_browser_page()
    visit.open("/")
    visit.page.focus("#quick-exit")
    visit.page.keyboard.press("Shift+Tab")
    visit.page.keyboard.press("Tab")  # focus by keyboard, so :focus-visible applies
    style = visit.page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; })()"
    )
    assert style[0] != "none" and style[1] != "0px" or style[2] != "none", style


@pytest.mark.parametrize(("motion", "expected"), [("reduce", "auto"), ("no-preference", "smooth")])
def test_reduced_motion_is_respected(open_browser_page: Any, motion: str, expected: str) -> None:
    visit = open_browser_page(reduced_motion=motion)
    visit.open("/")
    assert visit.page.evaluate("getComputedStyle(document.documentElement).scrollBehavior") == expected
