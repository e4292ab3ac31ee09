"""The search page in Chromium (plugins/site_search, search.js), on the example site served on loopback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from site_pages import shown_text
from test_accessibility import WCAG_AA, axe, describe  # noqa: F401 (axe is a fixture)

pytestmark = pytest.mark.browser

SEARCH = "/search/"
GRIEF_POST = "/posts/2025/03/bringing-grief-into-the-room/"
# A word of the grief post's open text; one only inside the gated "A harder week"; one only inside
# the grief post's warned passage.
OPEN_WORD = "cardigan"
GATED_WORD = "acquaintance"
PASSAGE_WORD = "sandwich"


def search(visit: Any, query: str) -> Any:
    """Type ``query`` and send the form; returns the page once the live region has answered."""
    page = visit.page
    if not page.url.endswith(SEARCH):
        visit.open(SEARCH)
    page.get_by_label("Search the posts").fill(query)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("status").filter(has_text=f"for \u201c{query}\u201d").wait_for()
    return page


def result_links(page: Any) -> list[str]:
    return page.locator(".search-results a").evaluate_all("links => links.map(a => a.getAttribute('href'))")


def set_preferences(visit: Any, prefs: dict[str, str]) -> None:
    """The reader's choices, as the preferences page stores them, on every page opened from now on."""
    script = f"localStorage.setItem('harbour.triggerPrefs', {json.dumps(json.dumps(prefs))})"
    visit.page.context.add_init_script(script)


def assert_stayed_on_the_site(visit: Any) -> None:
    assert visit.offsite_requests == []
    assert visit.console_errors == []
    assert visit.failed_requests == []


def test_the_words_the_tests_search_for_are_where_they_say(dev_site: Path) -> None:
    shown = {p: shown_text(p.read_text(encoding="utf-8")).casefold() for p in dev_site.rglob("*.html")}
    grief = dev_site / GRIEF_POST.strip("/") / "index.html"
    assert OPEN_WORD in shown[grief]
    for word in (GATED_WORD, PASSAGE_WORD):
        pages = [p for p in shown if word in p.read_text(encoding="utf-8").casefold()]
        assert pages, f"{word} should be inside a gate on some page"
        assert not [p for p, text in shown.items() if word in text], f"{word} is shown outside its gate"


def test_search_finds_a_post_by_a_word_of_its_body(open_browser_page: Any) -> None:
    visit = open_browser_page()
    page = search(visit, OPEN_WORD)
    assert result_links(page) == [GRIEF_POST]
    assert page.get_by_role("status").inner_text() == f"1 result for \u201c{OPEN_WORD}\u201d."
    result = page.locator(".search-result").first
    title = result.get_by_role("heading", level=2).inner_text()
    assert title.replace("\xa0", " ") == "Bringing grief into the room"
    assert "Touches on: Grief, Pregnancy loss." in result.inner_text()
    assert result.locator("mark").first.inner_text().casefold() == OPEN_WORD
    assert_stayed_on_the_site(visit)


@pytest.mark.parametrize("word", [GATED_WORD, PASSAGE_WORD])
def test_a_word_only_inside_a_warning_finds_nothing(open_browser_page: Any, word: str) -> None:
    visit = open_browser_page()
    page = search(visit, word)
    assert page.get_by_role("status").inner_text() == f"No results for \u201c{word}\u201d."
    assert result_links(page) == []
    assert_stayed_on_the_site(visit)


def test_a_gated_post_is_found_by_its_warning_with_its_warning_shown(open_browser_page: Any) -> None:
    visit = open_browser_page()
    page = search(visit, "harder week")
    assert "/posts/2024/03/a-harder-week/" in result_links(page)
    item = page.locator(".search-result", has=page.locator('a[href="/posts/2024/03/a-harder-week/"]'))
    assert "Content note: Self-harm, Suicidal thoughts." in item.inner_text()


@pytest.mark.parametrize("hidden", ["grief", "death"])  # death: grief's broader topic
def test_a_hidden_topics_posts_are_left_out_of_results(open_browser_page: Any, hidden: str) -> None:
    visit = open_browser_page()
    assert GRIEF_POST in result_links(search(visit, "gran"))
    set_preferences(visit, {hidden: "hide"})
    visit.open(SEARCH)
    page = search(visit, "gran")
    assert GRIEF_POST not in result_links(page)
    note = page.locator("[data-search-hidden-note]")
    assert note.is_visible()
    assert note.inner_text().startswith("1 more result is hidden here by your reading preferences.")
    assert note.get_by_role("link", name="Change them").get_attribute("href") == "/preferences/"
    assert_stayed_on_the_site(visit)


def test_the_search_works_by_keyboard(open_browser_page: Any) -> None:
    visit = open_browser_page()
    visit.open(SEARCH)
    page = visit.page
    for _ in range(40):  # from the top of the page, through the header, to the search box
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "search-input":
            break
    else:
        pytest.fail("Tab never reached the search box")
    page.keyboard.type(OPEN_WORD)
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="1 result").wait_for()
    assert page.evaluate("document.activeElement.id") == "search-input", "focus stays in the box"
    assert page.url.endswith(f"{SEARCH}?q={OPEN_WORD}")
    page.keyboard.press("Tab")  # the Search button
    page.keyboard.press("Tab")  # the first result
    assert page.evaluate("document.activeElement.getAttribute('href')") == GRIEF_POST
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{GRIEF_POST}")
    assert_stayed_on_the_site(visit)


def test_the_count_is_in_a_polite_live_region_and_results_are_a_list(open_browser_page: Any) -> None:
    visit = open_browser_page()
    page = search(visit, "therapy")
    status = page.get_by_role("status")
    assert status.get_attribute("class") == "search-status"
    count = int(status.inner_text().split()[0])
    items = page.get_by_role("list").filter(has=page.locator(".search-result")).get_by_role("listitem")
    assert count >= 3 and items.count() == count


def test_results_come_as_the_reader_types(open_browser_page: Any) -> None:
    visit = open_browser_page()
    visit.open(SEARCH)
    page = visit.page
    page.get_by_label("Search the posts").press_sequentially(OPEN_WORD)
    page.get_by_role("status").filter(has_text=f"1 result for \u201c{OPEN_WORD}\u201d").wait_for()
    assert result_links(page) == [GRIEF_POST]


def test_a_link_with_a_query_searches_at_once(open_browser_page: Any) -> None:
    visit = open_browser_page()
    visit.open(f"{SEARCH}?q={OPEN_WORD}")
    visit.page.get_by_role("status").filter(has_text="1 result").wait_for()
    assert visit.page.get_by_label("Search the posts").input_value() == OPEN_WORD
    assert result_links(visit.page) == [GRIEF_POST]


def test_without_javascript_it_offers_the_topic_and_archive_pages(open_browser_page: Any) -> None:
    visit = open_browser_page(java_script_enabled=False)
    visit.open(SEARCH)
    page = visit.page
    assert page.get_by_text("Searching needs JavaScript, which is off in this browser.").is_visible()
    assert not page.get_by_role("search").is_visible()
    assert page.get_by_role("link", name="Topics", exact=True).last.get_attribute("href") == "/tags/"
    assert page.get_by_role("link", name="Archives", exact=True).last.get_attribute("href") == "/archives/"
    assert_stayed_on_the_site(visit)


def test_search_code_loads_on_the_search_page_only(open_browser_page: Any) -> None:
    visit = open_browser_page()
    requested: list[str] = []
    visit.page.on("request", lambda request: requested.append(request.url))
    visit.open(GRIEF_POST)
    assert not [url for url in requested if "pagefind" in url or "search." in url]
    search(visit, OPEN_WORD)
    assert [url for url in requested if "/pagefind/pagefind.js" in url]
    assert_stayed_on_the_site(visit)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_search_page_has_no_wcag_aa_violations(open_browser_page: Any, axe: Any, scheme: str) -> None:
    visit = open_browser_page(color_scheme=scheme)
    set_preferences(visit, {"grief": "hide"})  # so that the note on hidden results shows too
    visit.open(SEARCH)
    for query in ("", "gran"):
        if query:
            search(visit, query)
            assert visit.page.locator("[data-search-hidden-note]").is_visible()
        results = axe.run(visit.page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
        violations = results.response["violations"]
        assert not violations, f"[{scheme}] {query!r}\n" + describe(violations)
    assert_stayed_on_the_site(visit)
