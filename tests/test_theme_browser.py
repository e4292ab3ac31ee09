"""The look of the theme, measured in a real browser rather than judged by eye alone."""

from __future__ import annotations

from typing import Any

import pytest

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
