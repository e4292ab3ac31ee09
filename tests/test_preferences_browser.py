"""The reading preferences page as a reader uses it, in a real browser: compact, by keyboard,
reset with an undo, a filter box, nothing sent, and what it says without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from test_accessibility import WCAG_AA, describe

pytestmark = pytest.mark.browser

PREFERENCES = "/preferences/"
STORAGE = "localStorage.getItem('harbour.triggerPrefs')"
# Shown on the home page, and touches on self-harm (a passage inside it).
SELF_HARM_POST = "/posts/2025/11/a-year-in-a-peer-support-group/"
TOPICS = 57  # content/triggers.yml


def open_preferences(open_browser_page: Any, **options: Any) -> Any:
    visit = open_browser_page(**options)
    visit.open(PREFERENCES)
    expect(visit.page.locator("[data-prefs-form]")).to_be_visible()
    return visit


def topic(page: Any, name: str) -> Any:
    """A topic's radio group, found as a screen reader user finds it: by its name."""
    return page.get_by_role("group", name=name, exact=True)


def tab_to(page: Any, selector: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_the_page_fits_a_topic_a_line_under_2500_px_at_1280_px(open_browser_page: Any) -> None:
    visit = open_preferences(open_browser_page, viewport={"width": 1280, "height": 900})
    page = visit.page
    assert page.locator("fieldset[data-slug]").count() == TOPICS
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2500, f"the preferences page is {height} px tall"
    # A topic a line: its name and its three choices share one row.
    row = page.locator('fieldset[data-slug="self-harm"]')
    name, hide = row.locator("legend").bounding_box(), row.get_by_label("Hide").bounding_box()
    assert abs((name["y"] + name["height"] / 2) - (hide["y"] + hide["height"] / 2)) < 8
    assert visit.console_errors == [] and visit.offsite_requests == []


def test_each_topic_is_a_named_group_with_its_description(open_browser_page: Any) -> None:
    page = open_preferences(open_browser_page).page
    grief = topic(page, "Grief (part of Death)")
    expect(grief.get_by_role("radio")).to_have_count(3)
    expect(grief.get_by_role("radio", name="Warn")).to_be_checked()
    expect(grief.get_by_role("radio", name="Hide")).to_have_accessible_description(
        "Grieving someone who has died.")
    # Grouped under the broader topic, which comes first.
    slugs = page.eval_on_selector_all("fieldset[data-slug]", "all => all.map(f => f.dataset.slug)")
    assert slugs.index("death") < slugs.index("grief") < slugs.index("child-death") < slugs.index("animal-cruelty")
    assert slugs.index("mental-illness") + 1 == slugs.index("ocd")  # further down the vocabulary, still in its group
    # The descriptions can be shown for everyone who reads the page, not only for screen readers.
    description = page.locator("#pref-grief-description")
    expect(description).to_be_hidden()
    page.get_by_label("Show what each topic covers").check()
    expect(description).to_be_visible()


def test_hide_chosen_by_keyboard_and_saved_leaves_the_post_out_of_the_home_page(open_browser_page: Any) -> None:
    visit = open_preferences(open_browser_page)
    page = visit.page
    visit.open("/")
    expect(page.locator(f'.post-list a[href="{SELF_HARM_POST}"]')).to_be_visible()
    visit.open(PREFERENCES)
    tab_to(page, "#prefs-filter")
    page.keyboard.type("self-harm")
    tab_to(page, "input[type=radio]")  # into the only topic left: its checked choice, Warn
    assert page.evaluate("[document.activeElement.name, document.activeElement.value]") == ["pref-self-harm", "warn"]
    page.keyboard.press("ArrowRight")  # arrows move the choice within the group
    expect(topic(page, "Self-harm").get_by_role("radio", name="Hide")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save preferences")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Your preferences are saved on this device.")
    assert page.evaluate(STORAGE) == '{"self-harm":"hide"}'
    visit.open("/")
    expect(page.locator(f'.post-list li:has(a[href="{SELF_HARM_POST}"])')).to_be_hidden()
    expect(page.locator(".prefs-hidden-note")).to_be_visible()


def test_saving_sends_nothing_and_stays_on_the_page(open_browser_page: Any) -> None:
    visit = open_preferences(open_browser_page)
    page = visit.page
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    topic(page, "Alcohol (part of Substance use)").get_by_label("Hide").check()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_role("status")).to_have_text("Your preferences are saved on this device.")
    assert page.url == visit.base_url + PREFERENCES
    assert [url for url in requests if not url.endswith("/favicon.svg")] == []
    assert page.evaluate(STORAGE) == '{"alcohol":"hide"}'


def test_a_hidden_broader_topic_says_so_on_its_narrower_topics(open_browser_page: Any) -> None:
    page = open_preferences(open_browser_page).page
    topic(page, "Death").get_by_label("Hide").check()
    note = page.locator("#pref-grief-note")
    expect(note).to_have_text("Hidden with Death")
    expect(topic(page, "Grief (part of Death)").get_by_role("radio", name="Warn")).to_have_accessible_description(
        "Hidden with Death Grieving someone who has died.")
    topic(page, "Death").get_by_label("Warn").check()
    expect(note).to_have_text("")


def test_reset_all_puts_every_topic_back_to_warn_and_can_be_undone(open_browser_page: Any) -> None:
    visit = open_preferences(open_browser_page)
    page = visit.page
    topic(page, "Grief (part of Death)").get_by_label("Show").check()
    topic(page, "Needles (part of Medical procedures)").get_by_label("Hide").check()
    page.get_by_role("button", name="Reset every topic to Warn").click()
    expect(page.get_by_role("status")).to_have_text("Every topic is back to Warn, and saved on this device.")
    assert page.evaluate(STORAGE) == "{}"
    expect(page.locator("fieldset[data-slug] input[value=warn]:checked")).to_have_count(TOPICS)
    page.reload()
    expect(page.locator("fieldset[data-slug] input[value=warn]:checked")).to_have_count(TOPICS)
    # Undo brings the choices back: a slip of the hand must not expose a reader to a hidden topic.
    topic(page, "Needles (part of Medical procedures)").get_by_label("Hide").check()
    page.get_by_role("button", name="Reset every topic to Warn").click()
    page.get_by_role("button", name="Undo reset").click()
    expect(topic(page, "Needles (part of Medical procedures)").get_by_role("radio", name="Hide")).to_be_checked()
    assert page.evaluate(STORAGE) == '{"needles":"hide"}'
    expect(page.get_by_role("button", name="Undo reset")).to_be_hidden()
    expect(page.get_by_role("button", name="Reset every topic to Warn")).to_be_focused()


def test_the_filter_box_narrows_the_list(open_browser_page: Any) -> None:
    page = open_preferences(open_browser_page).page
    rows = page.locator("fieldset[data-slug]:visible")
    box = page.get_by_label("Find a topic")
    box.fill("grief")
    expect(rows).to_have_count(2)  # Grief, and Death, the group it belongs to
    assert rows.evaluate_all("all => all.map(f => f.dataset.slug)") == ["death", "grief"]
    expect(page.locator("#prefs-filter-count")).to_have_text(f"2 of {TOPICS} topics shown")
    box.fill("anorexia")  # an alias: found under the topic's own name
    assert rows.evaluate_all("all => all.map(f => f.dataset.slug)") == ["eating-disorders"]
    box.fill("zzzz")
    expect(rows).to_have_count(0)
    expect(page.get_by_text("No topic matches.")).to_be_visible()
    box.press("Enter")  # finds; does not save
    expect(page.get_by_role("status")).to_have_text("")
    box.fill("")
    expect(rows).to_have_count(TOPICS)
    expect(page.get_by_text("No topic matches.")).to_be_hidden()


def test_without_javascript_the_page_says_why_nothing_can_be_chosen(open_browser_page: Any) -> None:
    visit = open_browser_page(java_script_enabled=False)
    visit.open(PREFERENCES)
    page = visit.page
    note = page.locator("[data-prefs-nojs]")
    expect(note).to_be_visible()
    expect(note).to_contain_text("needs JavaScript")
    expect(note).to_contain_text("nothing is left out of the lists")
    expect(page.locator("[data-prefs-form]")).to_be_hidden()
    expect(page.get_by_role("radio")).to_have_count(0)  # no control that could not keep a choice
    expect(note.get_by_role("link", name="The trigger tags page")).to_have_attribute("href", "/triggers/")


@pytest.fixture(scope="module")
def axe() -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_wcag_aa_violations_while_choosing(open_browser_page: Any, axe: Any, scheme: str) -> None:
    visit = open_preferences(open_browser_page, color_scheme=scheme)
    page = visit.page
    page.get_by_label("Show what each topic covers").check()
    topic(page, "Death").get_by_label("Hide").check()
    topic(page, "Grief (part of Death)").get_by_label("Show").check()
    page.get_by_role("button", name="Reset every topic to Warn").click()
    page.get_by_role("button", name="Undo reset").wait_for()
    page.get_by_label("Find a topic").fill("death")
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    assert not results.response["violations"], describe(results.response["violations"])
    assert visit.console_errors == [] and visit.offsite_requests == []
