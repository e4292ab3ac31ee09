"""Gates and reading preferences as a reader meets them, in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

GATED = "/posts/2024/03/a-harder-week/"
PASSAGE = "/posts/2025/03/bringing-grief-into-the-room/"  # a passage tagged grief, pregnancy-loss
PREFERENCES = "/preferences/"


def hidden_phrase(page: Any, body_id: str) -> str:
    """A phrase from inside a gate's body that appears nowhere else on the page."""
    text = page.evaluate(f"document.getElementById('{body_id}').textContent")
    words = [w for w in text.split() if w.isalpha() and len(w) > 3]
    page_text_outside = page.evaluate(
        f"(() => {{ const c = document.body.cloneNode(true); c.querySelector('#{body_id}').remove();"
        " return c.textContent; })()"
    )
    for i in range(len(words) - 2):
        phrase = " ".join(words[i:i + 3])
        if phrase in text and phrase not in page_text_outside:
            return phrase
    raise AssertionError("no distinctive phrase in the gate body")


def test_gate_is_a_disclosure_button_that_keeps_focus(open_browser_page: Any) -> None:
    visit = open_browser_page()
    visit.open(GATED)
    page = visit.page
    button = page.get_by_role("button", name="Show post")
    body = page.locator("#cw-post-body")
    assert button.get_attribute("aria-expanded") == "false"
    assert button.get_attribute("aria-controls") == "cw-post-body"
    assert body.is_hidden()
    button.focus()
    page.keyboard.press("Enter")
    assert body.is_visible()
    assert page.evaluate("document.activeElement.className") == "cw-button"
    assert page.evaluate("document.activeElement.getAttribute('aria-expanded')") == "true"
    assert page.evaluate("document.activeElement.textContent") == "Hide post"
    page.keyboard.press("Space")
    assert body.is_hidden()
    assert visit.console_errors == [] and visit.offsite_requests == []


def test_hidden_text_is_not_in_the_accessibility_tree(open_browser_page: Any) -> None:
    visit = open_browser_page()
    visit.open(GATED)
    page = visit.page
    phrase = hidden_phrase(page, "cw-post-body")
    assert phrase not in page.locator("main").aria_snapshot()
    page.get_by_role("button", name="Show post").click()
    assert phrase in page.locator("main").aria_snapshot().replace("\xa0", " ")


def test_find_in_page_does_not_find_or_open_hidden_text(open_browser_page: Any) -> None:
    visit = open_browser_page()
    visit.open(PASSAGE)
    page = visit.page
    phrase = hidden_phrase(page, "cw-passage-1-body")
    assert page.evaluate("phrase => window.find(phrase)", phrase) is False
    assert page.locator("#cw-passage-1-body").is_hidden()
    page.get_by_role("button", name="Show passage").click()
    page.evaluate("window.getSelection().removeAllRanges()")
    assert page.evaluate("phrase => window.find(phrase)", phrase.replace("\xa0", " ")) is True


@pytest.mark.parametrize("fragment", ["#cw-passage-1-body", "#:~:text={phrase}"])
def test_links_into_a_passage_do_not_open_it(open_browser_page: Any, fragment: str) -> None:
    visit = open_browser_page()
    visit.open(PASSAGE)
    phrase = hidden_phrase(visit.page, "cw-passage-1-body")
    visit.open("/")
    visit.open(PASSAGE + fragment.format(phrase=phrase.replace(" ", "%20")))
    assert visit.page.locator("#cw-passage-1-body").is_hidden()
    assert visit.page.get_by_role("button", name="Show passage").get_attribute("aria-expanded") == "false"


def test_without_javascript_the_reader_can_still_choose(open_browser_page: Any) -> None:
    visit = open_browser_page(java_script_enabled=False)
    visit.open(GATED)
    page = visit.page
    body = page.locator("#cw-post-body")
    assert body.is_hidden()
    label = page.locator("#cw-post label.cw-show")  # the post's gate; its comments have their own
    assert label.is_visible() and "Show post" in label.inner_text()
    page.keyboard.press("Tab")
    while page.evaluate("document.activeElement.id") != "cw-post-toggle":
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert body.is_visible()
    assert "Hide post" in label.inner_text()
    # The preferences page says plainly what works without JavaScript.
    visit.open(PREFERENCES)
    assert page.locator("[data-prefs-nojs]").is_visible()
    assert page.locator("[data-prefs-form]").is_hidden()


@pytest.mark.parametrize("come_back", ["reload", "back"])
def test_without_javascript_a_gate_opened_is_closed_when_the_page_loads_again(
    open_browser_page: Any, come_back: str
) -> None:
    # Browsers restore a checkbox's state on reload (Firefox) or Back (Chromium, Firefox)
    # unless its form says autocomplete="off": the opened gate would show warned text unasked.
    visit = open_browser_page(java_script_enabled=False)
    visit.open(GATED)
    page = visit.page
    page.locator("#cw-post-toggle").check()
    assert page.locator("#cw-post-body").is_visible()
    if come_back == "reload":
        page.reload()
    else:
        visit.open("/")
        page.go_back()
    page.wait_for_load_state("load")
    assert page.url.endswith(GATED)
    assert not page.locator("#cw-post-toggle").is_checked()
    assert page.locator("#cw-post-body").is_hidden()


def test_with_javascript_no_gate_keeps_its_checkbox_or_its_empty_form(open_browser_page: Any) -> None:
    # The button replaces them; an empty form left behind is one a checker asks a submit button of.
    visit = open_browser_page()
    visit.open(GATED)
    page = visit.page
    assert page.locator(".cw-button").count() >= 1
    assert page.locator(".cw > form, .cw > .cw-toggle").count() == 0
    assert page.locator("form").count() == page.locator("form.comment-form").count()


def set_preference(page: Any, slug: str, value: str) -> None:
    page.locator(f'fieldset[data-slug="{slug}"] input[value="{value}"]').check()
    page.get_by_role("status").filter(has_text="Saved on this device").wait_for()


def test_show_preference_opens_the_gate_after_a_reload(open_browser_page: Any) -> None:
    visit = open_browser_page()
    visit.open(PREFERENCES)
    set_preference(visit.page, "grief", "show")
    set_preference(visit.page, "pregnancy-loss", "show")
    visit.page.reload()
    assert visit.page.locator('fieldset[data-slug="grief"] input[value="show"]').is_checked()
    visit.open(PASSAGE)
    assert visit.page.locator("#cw-passage-1-body").is_visible()
    assert visit.page.locator("#cw-passage-1 .cw-button").get_attribute("aria-expanded") == "true"


def test_show_for_one_tag_of_two_still_warns(open_browser_page: Any) -> None:
    visit = open_browser_page()
    visit.open(PREFERENCES)
    set_preference(visit.page, "grief", "show")
    visit.open(PASSAGE)
    assert visit.page.locator("#cw-passage-1-body").is_hidden()


def test_hide_preference_removes_posts_from_listings_and_offers_to_show_once(open_browser_page: Any) -> None:
    visit = open_browser_page()
    page = visit.page
    visit.open(PREFERENCES)
    set_preference(page, "self-harm", "hide")
    visit.open("/archives/")
    page.reload()
    item = page.locator(f'.archive-list li:has(a[href="{GATED}"])')
    assert item.is_hidden()
    assert page.locator(".prefs-hidden-note").first.is_visible()
    visit.open(GATED)
    content = page.locator(".post-content")
    assert content.is_hidden()
    notice = page.locator(".prefs-hidden-post")
    assert "hidden by your own reading preferences" in notice.inner_text()
    page.get_by_role("button", name="Show this post once").click()
    assert content.is_visible()
    assert page.locator("#comments").count() == 0 or page.locator("#comments").is_visible()
    assert page.evaluate("document.activeElement.classList.contains('post-content')")
    # Once means once: the next visit hides it again.
    page.reload()
    assert page.locator(".post-content").is_hidden()


def test_hiding_a_parent_hides_its_children(open_browser_page: Any) -> None:
    visit = open_browser_page()
    page = visit.page
    visit.open(PREFERENCES)
    set_preference(page, "death", "hide")  # grief and pregnancy-loss are narrower topics of death
    visit.open("/archives/")
    assert page.locator(f'.archive-list li:has(a[href="{PASSAGE}"])').is_hidden()
    assert page.locator(f'.archive-list li:has(a[href="{GATED}"])').is_visible()
    visit.open("/triggers/grief/")
    assert page.locator(f'li:has(a[href="{PASSAGE}"])').is_hidden()


def test_preferences_stay_on_the_device(open_browser_page: Any) -> None:
    visit = open_browser_page()
    page = visit.page
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    visit.open(PREFERENCES)
    requests.clear()
    set_preference(page, "alcohol", "hide")
    # The browser may still fetch the tab's icon; nothing else may go out.
    assert [url for url in requests if not url.endswith("/favicon.svg")] == []
    assert page.evaluate("localStorage.getItem('harbour.triggerPrefs')") == '{"alcohol":"hide"}'
    assert page.context.cookies() == []
    page.get_by_role("button", name="Reset every topic to Warn").click()
    assert page.evaluate("localStorage.getItem('harbour.triggerPrefs')") == "{}"


def test_comments_are_hidden_with_their_post(open_browser_page: Any) -> None:
    visit = open_browser_page()
    page = visit.page
    visit.open(PREFERENCES)
    set_preference(page, "grief", "hide")
    visit.open(PASSAGE)  # it has comments
    assert page.locator(".post-content").is_hidden()
    assert page.locator("#comments").is_hidden()
    page.get_by_role("button", name="Show this post once").click()
    assert page.locator("#comments").is_visible()


def test_show_on_a_broader_topic_does_not_open_a_narrower_one(open_browser_page: Any) -> None:
    visit = open_browser_page()
    page = visit.page
    visit.open(PREFERENCES)
    set_preference(page, "abuse", "show")  # emotional-abuse is a narrower topic of abuse
    visit.open("/posts/2025/05/boundaries-are-not-walls/")
    assert page.locator("#cw-passage-1").get_attribute("data-cw-tags") == "emotional-abuse"
    assert page.locator("#cw-passage-1-body").is_hidden()


def test_choosing_warn_again_closes_what_show_opened(open_browser_page: Any) -> None:
    visit = open_browser_page()
    page = visit.page
    visit.open(PREFERENCES)
    set_preference(page, "emotional-abuse", "show")
    visit.open("/posts/2025/05/boundaries-are-not-walls/")
    assert page.locator("#cw-passage-1-body").is_visible()
    visit.open(PREFERENCES)
    set_preference(page, "emotional-abuse", "warn")
    visit.open("/posts/2025/05/boundaries-are-not-walls/")
    assert page.locator("#cw-passage-1-body").is_hidden()


def test_a_hidden_parent_hides_a_childs_post_page_after_a_reload(open_browser_page: Any) -> None:
    visit = open_browser_page()
    page = visit.page
    visit.open(PREFERENCES)
    set_preference(page, "death", "hide")
    visit.open(PASSAGE)
    page.reload()
    assert page.locator(".post-content").is_hidden()
    assert "hidden by your own reading preferences" in page.locator(".prefs-hidden-post").inner_text()
