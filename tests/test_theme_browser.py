"""The look of the theme, measured in a real browser rather than judged by eye alone."""

from __future__ import annotations

from typing import Any

import pytest
from test_accessibility import WCAG_AA, axe, describe  # noqa: F401 (axe is a fixture)

pytestmark = pytest.mark.browser

ARTICLE = "/posts/2026/01/repair-slowly/"
GATED = "/posts/2024/03/a-harder-week/"
THREAD = "/posts/2024/06/the-first-rupture/"  # several conversations, with replies
PHONE = {"width": 375, "height": 667}


def box(page: Any, selector: str) -> dict[str, float]:
    return page.locator(selector).first.evaluate("e => e.getBoundingClientRect().toJSON()")


def style(page: Any, selector: str, prop: str) -> str:
    return page.locator(selector).first.evaluate(f"e => getComputedStyle(e)[{prop!r}]")


# --- Type ---------------------------------------------------------------------------------

def rendered_face(page: Any, selector: str) -> str:
    """The font the browser really drew the element's text in (not the CSS stack it asked for)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return max(fonts, key=lambda f: f["glyphCount"])["familyName"]


def test_headings_text_listings_and_comments_share_one_face(open_browser_page: Any) -> None:
    # Whatever the machine has installed, one stack resolves to one face: no Times-like
    # serif headings over a sans body on Linux.
    visit = open_browser_page()
    visit.open("/")
    faces = {"listing title": rendered_face(visit.page, ".post-summary__title a"),
             "listing summary": rendered_face(visit.page, ".post-summary__text p")}
    visit.open(THREAD)
    faces |= {selector: rendered_face(visit.page, selector)
              for selector in (".post-title", ".post-content > p", ".comment__author", ".comment__body p")}
    assert len(set(faces.values())) == 1, faces


# --- The quick exit in dark mode -----------------------------------------------------------

def luminance(rgb: str) -> float:
    """WCAG relative luminance of a computed ``rgb(r, g, b)`` colour."""
    channels = [int(part) / 255 for part in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_in_dark_mode_the_quick_exit_is_calm_and_clearly_a_button(open_browser_page: Any) -> None:
    visit = open_browser_page(color_scheme="dark")
    visit.open(ARTICLE)
    page = visit.page
    background = style(page, "#quick-exit", "backgroundColor")
    bar = style(page, ".safety-bar", "backgroundColor")
    # A deep colour like the rest of the dark theme, not a bright patch in it.
    assert luminance(background) < 0.1, background
    assert contrast(style(page, "#quick-exit", "color"), background) >= 7
    # Its edge stands out from the bar (WCAG 1.4.11 asks 3:1 of a control's boundary).
    assert style(page, "#quick-exit", "borderTopStyle") == "solid"
    assert contrast(style(page, "#quick-exit", "borderTopColor"), bar) >= 3


# --- Comments and gates ------------------------------------------------------------------------

def test_each_top_level_conversation_is_set_apart(open_browser_page: Any) -> None:
    visit = open_browser_page()
    visit.open(THREAD)
    rules = visit.page.eval_on_selector_all(
        ".comment-list > li",
        """items => items.map(li => {
             const s = getComputedStyle(li);
             return {top: !li.parentElement.classList.contains('comment-list--replies'),
                     rule: s.borderTopStyle !== 'none' && parseFloat(s.borderTopWidth) > 0};
           })""",
    )
    top_level = [item["rule"] for item in rules if item["top"]]
    replies = [item["rule"] for item in rules if not item["top"]]
    assert len(top_level) >= 2 and replies
    assert top_level[0] is False and all(top_level[1:]), top_level
    assert not any(replies)


@pytest.mark.parametrize("javascript", [True, False])
def test_an_opened_gated_post_reads_as_an_article(open_browser_page: Any, javascript: bool) -> None:
    visit = open_browser_page(java_script_enabled=javascript)
    visit.open(GATED)
    page = visit.page
    gate = "#cw-post"
    closed_background = style(page, gate, "backgroundColor")
    assert luminance(closed_background) != luminance(style(page, "body", "backgroundColor"))  # a tinted box
    if javascript:
        page.get_by_role("button", name="Show post").click()
    else:
        page.click(f"{gate} label.cw-show")
    assert page.locator("#cw-post-body").is_visible()
    # The text sits in the reading column, on the page's own background, like any post.
    first_paragraph = box(page, "#cw-post-body > p")
    assert abs(first_paragraph["left"] - box(page, "h1")["left"]) <= 1
    assert abs(first_paragraph["right"] - box(page, ".post-footer")["right"]) <= 1
    assert style(page, gate, "backgroundColor") == "rgba(0, 0, 0, 0)"
    assert style(page, gate, "borderLeftStyle") == "none"
    # The warning itself stays visible above it, with the way to close it again.
    assert page.locator(f"{gate} .cw-notice").is_visible()
    assert page.locator(f"{gate} .cw-notice").get_by_text("Hide post").is_visible()


# --- The phone header -----------------------------------------------------------------------

@pytest.mark.parametrize("path", [ARTICLE, GATED])
@pytest.mark.parametrize("javascript", [True, False])
def test_on_a_phone_the_post_title_is_in_the_first_viewport(
    open_browser_page: Any, path: str, javascript: bool
) -> None:
    visit = open_browser_page(viewport=PHONE, java_script_enabled=javascript)
    visit.open(path)
    page = visit.page
    # The title in the top half of the first screen, and the way into the post (its first
    # lines, or the gate's button) on it too: not a screenful of chrome first.
    title = box(page, "h1")
    assert 0 <= title["top"] and title["bottom"] <= PHONE["height"] / 2, title
    way_in = ".post-content > p" if path == ARTICLE else "#cw-post .cw-notice :is(.cw-button, .cw-show)"
    start = box(page, way_in)
    assert start["top"] + 48 <= PHONE["height"], start
    exit_box = box(page, "#quick-exit")
    assert page.locator("#quick-exit").is_visible()
    assert 0 <= exit_box["top"] and exit_box["bottom"] <= PHONE["height"]
    assert exit_box["height"] >= 44 and exit_box["right"] <= PHONE["width"]
    # The safety links come before everything else in the tab order, as on a wide screen.
    order = []
    for _ in range(4):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.className"))
    assert order == ["skip-link", "support-link", "quick-exit", ""]  # then the site's name


@pytest.mark.parametrize("javascript", [True, False])
def test_on_a_phone_the_navigation_is_a_menu_that_opens(open_browser_page: Any, javascript: bool) -> None:
    visit = open_browser_page(viewport=PHONE, java_script_enabled=javascript)
    visit.open(ARTICLE)
    page = visit.page
    menu = page.locator(".site-nav summary")
    links = page.locator(".site-nav li a")
    assert menu.is_visible() and menu.inner_text().strip() == "Menu"
    assert links.count() >= 5 and not links.first.is_visible()
    menu.focus()
    page.keyboard.press("Enter")
    for index in range(links.count()):
        link = links.nth(index)
        assert link.is_visible()
        assert link.evaluate("e => e.getBoundingClientRect().height") >= 44  # a thumb's target
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == links.first.inner_text()
    menu.click()
    assert not links.first.is_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_phone_layout_with_its_menu_open_has_no_wcag_violations(
    open_browser_page: Any, axe: Any, scheme: str
) -> None:
    visit = open_browser_page(viewport=PHONE, color_scheme=scheme)
    visit.open(GATED)
    visit.page.locator(".site-nav summary").click()
    results = axe.run(visit.page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    assert not results.response["violations"], describe(results.response["violations"])


def test_on_a_wide_screen_the_navigation_is_shown_without_a_menu(open_browser_page: Any) -> None:
    visit = open_browser_page(viewport={"width": 1280, "height": 800})
    visit.open(ARTICLE)
    links = visit.page.locator(".site-nav li a")
    assert not visit.page.locator(".site-nav summary").is_visible()
    assert all(links.nth(i).is_visible() for i in range(links.count()))
    assert visit.page.get_by_role("navigation", name="Main").get_by_role("link", name="Archives").is_visible()


# --- The safety bar -----------------------------------------------------------------------

@pytest.mark.parametrize("width", [1280, 375])
def test_the_safety_bar_lines_up_with_the_reading_column(open_browser_page: Any, width: int) -> None:
    visit = open_browser_page(viewport={"width": width, "height": 800})
    visit.open(ARTICLE)
    page = visit.page
    column = box(page, ".post-content > p")
    support, quick_exit = box(page, ".support-link"), box(page, "#quick-exit")
    assert abs(support["left"] - column["left"]) <= 1, (support, column)
    right_edge = max(quick_exit["right"], box(page, "#quick-exit-hint")["right"])
    assert column["right"] - 48 <= right_edge <= column["right"] + 1, (right_edge, column)
