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


def is_leaving(page: Any) -> bool:
    return page.evaluate("document.documentElement.classList.contains('is-leaving')")


def announcement(page: Any) -> str:
    """What the quick exit's live region says now."""
    return page.locator('.safety-bar [aria-live="polite"]').text_content()


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


def test_shift_presses_may_be_up_to_five_seconds_apart(open_browser_page: Any, dev_site: Path) -> None:
    visit = open_browser_page(stub_hosts=(NEUTRAL_HOST,))
    visit.page.clock.install()
    visit.open(first_article_path(dev_site))
    for _ in range(2):
        visit.page.keyboard.press("Shift")
        visit.page.clock.run_for(4900)
    visit.page.keyboard.press("Shift")
    visit.page.wait_for_url(f"https://{NEUTRAL_HOST}/**", timeout=5000)
    assert visit.offsite_requests == []


def test_shift_presses_are_announced_and_forgotten_after_five_seconds(
    open_browser_page: Any, dev_site: Path
) -> None:
    visit = open_browser_page(stub_hosts=(NEUTRAL_HOST,))
    page = visit.page
    page.clock.install()
    path = first_article_path(dev_site)
    visit.open(path)
    region = page.locator('.safety-bar [aria-live="polite"]')
    assert region.count() == 1
    assert region.evaluate("e => e.getBoundingClientRect().width * e.getBoundingClientRect().height") <= 1
    page.keyboard.press("Shift")
    assert announcement(page) == "Shift, press 2 more times to exit."
    page.keyboard.press("Shift")
    assert announcement(page) == "Shift, press 1 more time to exit."
    page.clock.run_for(5100)
    assert announcement(page) == ""
    # The count started again: one more press is the first of three, not the third.
    page.keyboard.press("Shift")
    assert announcement(page) == "Shift, press 2 more times to exit."
    assert not is_leaving(page)
    assert page.url.endswith(path)
    # Any other key breaks the sequence too.
    page.keyboard.press("KeyJ")
    assert announcement(page) == ""
    assert visit.console_errors == []


def test_page_restored_from_the_back_forward_cache_is_usable_again(
    open_browser_page: Any, dev_site: Path
) -> None:
    visit = open_browser_page()
    page = visit.page
    # "204 No Content" cancels the navigation: the page stays as the quick exit left it,
    # as a page restored from the back/forward cache would be.
    page.route(f"https://{NEUTRAL_HOST}/**", lambda route: route.fulfill(status=204))
    visit.open(first_article_path(dev_site))
    title = page.title()
    restore = "window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))"

    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.evaluate(restore)
    page.keyboard.press("Shift")
    assert announcement(page) == "Shift, press 2 more times to exit."
    assert not is_leaving(page)

    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    assert is_leaving(page)
    assert announcement(page) == "Exit this page activated."
    # Hidden from sight, still read out.
    assert page.locator(".site-main").evaluate("e => getComputedStyle(e).visibility") == "hidden"
    assert page.locator('.safety-bar [aria-live="polite"]').evaluate(
        "e => getComputedStyle(e).visibility") == "visible"

    page.evaluate(restore)
    assert not is_leaving(page)
    assert page.title() == title
    assert announcement(page) == ""
    assert page.locator(".site-main").is_visible()
    page.keyboard.press("Shift")
    assert announcement(page) == "Shift, press 2 more times to exit."
    assert visit.console_errors == []


def test_shortcut_hint_describes_the_quick_exit_only_with_javascript(
    open_browser_page: Any, dev_site: Path
) -> None:
    from playwright.sync_api import expect

    without_js = open_browser_page(java_script_enabled=False)
    without_js.open(first_article_path(dev_site))
    quick_exit = without_js.page.locator("#quick-exit")
    assert quick_exit.get_attribute("aria-describedby") is None
    expect(quick_exit).to_have_accessible_description("")
    assert not without_js.page.locator("#quick-exit-hint").is_visible()

    with_js = open_browser_page()
    with_js.open(first_article_path(dev_site))
    quick_exit = with_js.page.locator("#quick-exit")
    assert quick_exit.get_attribute("aria-describedby") == "quick-exit-hint"
    expect(quick_exit).to_have_accessible_description("or press Shift three times")
    assert with_js.page.locator("#quick-exit-hint").is_visible()


def test_typing_capitals_does_not_leave(open_browser_page: Any, dev_site: Path) -> None:
    visit = open_browser_page(stub_hosts=(NEUTRAL_HOST,))
    path = first_article_path(dev_site)
    visit.open(path)
    keyboard = visit.page.keyboard
    for _ in range(4):  # four capitals well within a second: each one a Shift down and up
        keyboard.down("Shift")
        keyboard.press("KeyA")
        keyboard.up("Shift")
    assert not is_leaving(visit.page)
    assert visit.page.url.endswith(path)
    assert visit.console_errors == []


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


def has_focus_indicator(style: dict[str, str]) -> bool:
    has_outline = style["outlineStyle"] != "none" and style["outlineWidth"] != "0px"
    has_box_shadow = style["boxShadow"] != "none"
    return has_outline or has_box_shadow


def test_focus_is_visible_in_the_safety_bar(open_browser_page: Any) -> None:
    visit = open_browser_page()
    visit.open("/")
    for expected in ["skip-link", "support-link", "quick-exit"]:
        visit.page.keyboard.press("Tab")  # focus by keyboard, so :focus-visible applies
        style = visit.page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return {className: document.activeElement.className, outlineStyle: s.outlineStyle,"
            " outlineWidth: s.outlineWidth, boxShadow: s.boxShadow}; })()"
        )
        assert style["className"] == expected
        assert has_focus_indicator(style), style


@pytest.mark.parametrize(("motion", "expected"), [("reduce", "auto"), ("no-preference", "smooth")])
def test_reduced_motion_is_respected(open_browser_page: Any, motion: str, expected: str) -> None:
    visit = open_browser_page(reduced_motion=motion)
    visit.open("/")
    assert visit.page.evaluate("getComputedStyle(document.documentElement).scrollBehavior") == expected


# Where the focused element is, if the sticky safety bar covers it (WCAG 2.4.11), else null.
# The skip link may overlap the bar: it is painted above it.
OBSCURED_FOCUS = """() => {
  const element = document.activeElement;
  const bar = document.querySelector(".safety-bar");
  if (bar.contains(element)) return null;
  const box = element.getBoundingClientRect();
  const barBox = bar.getBoundingClientRect();
  if (box.top >= barBox.bottom || box.bottom <= barBox.top) return null;
  const y = (Math.max(box.top, barBox.top) + Math.min(box.bottom, barBox.bottom)) / 2;
  const topmost = document.elementFromPoint(box.left + box.width / 2, y);
  if (topmost && element.contains(topmost)) return null;
  return `${element.outerHTML.slice(0, 80)} top ${box.top}, bar bottom ${barBox.bottom}`;
}"""


@pytest.mark.parametrize("direction", ["Shift+Tab", "Tab"])
@pytest.mark.parametrize(("width", "height"), [(1280, 800), (800, 600)])
def test_focus_is_not_hidden_by_the_safety_bar(
    open_browser_page: Any, width: int, height: int, direction: str
) -> None:
    # Without motion, focus scrolls at once and each position can be measured.
    visit = open_browser_page(viewport={"width": width, "height": height}, reduced_motion="reduce")
    page = visit.page
    visit.open("/archives/")
    assert page.evaluate("getComputedStyle(document.querySelector('.safety-bar')).position") == "sticky"
    tabbable = "a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex='-1'])"
    if direction == "Shift+Tab":
        page.locator(".site-footer a").last.focus()
    else:
        page.keyboard.press("Tab")
    obscured = []
    # Walk the tab order once round, marking each focused element, until one comes back.
    while page.evaluate(
        "() => { const e = document.activeElement;"
        " if (e === document.body || e.dataset.focusSeen) return false;"
        " e.dataset.focusSeen = 'yes'; return true; }"
    ):
        problem = page.evaluate(OBSCURED_FOCUS)
        if problem:
            obscured.append(problem)
        page.keyboard.press(direction)
    # What is not shown (the phone menu's "Menu" on a wide screen) is rightly never focused.
    missed = page.locator(f":is({tabbable}):not([data-focus-seen])").filter(visible=True).count()
    assert missed == 0, f"{missed} links were never focused"
    assert obscured == [], "\n".join(obscured)
