"""A search index in parts, searched in Chromium: the example site built in parts of two pages,
so that every search runs over parts merged in the reader's browser (plugins/site_search/parts.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import build_into
from harbour.serve import serving
from site_search.pagefind import read_fragments
from test_search_browser import GATED_WORD, GRIEF_POST, OPEN_WORD, SEARCH, assert_stayed_on_the_site, result_links, \
    search, set_preferences

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def parts_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_into(tmp_path_factory.mktemp("search-parts") / "output", SEARCH={"part_pages": 2})


@pytest.fixture(scope="module")
def site_url(parts_site: Path) -> Iterator[str]:
    """This module's site for ``open_browser_page``: the one in parts."""
    with serving(parts_site) as url:
        yield url


def test_the_example_site_is_in_parts_and_the_grief_post_is_not_in_the_first(parts_site: Path) -> None:
    parts = {f.file.rsplit("/fragment/", 1)[0] for f in read_fragments(parts_site)}
    assert len(parts) > 5
    (grief,) = [f.file for f in read_fragments(parts_site) if f.url == GRIEF_POST]
    assert grief.startswith("pagefind/part-"), "the grief post must be in a merged part for these tests to mean much"


def test_a_word_is_found_in_a_merged_part(open_browser_page: Any) -> None:
    visit = open_browser_page()
    assert result_links(search(visit, OPEN_WORD)) == [GRIEF_POST]
    assert result_links(search(visit, GATED_WORD)) == []
    assert_stayed_on_the_site(visit)


@pytest.fixture(scope="module")
def whole_url(dev_site: Path) -> Iterator[str]:
    """The same example site with its index in one part, as a small site has it."""
    with serving(dev_site) as url:
        yield url


@pytest.mark.parametrize(("query", "hidden"), [
    ("the", ""), ("gran", ""), ("tea walk", ""), ("cardi", ""), ("zzyzx", ""), ("the", "grief"), ("gran", "death"),
])
def test_parts_answer_as_one_whole_index_does(
    open_browser_page: Any, whole_url: str, query: str, hidden: str
) -> None:
    """The same counts, and (when all are shown) the same posts: words in only some parts,
    in every part, in none, the start of a word as a reader types it, and with a topic hidden
    (the note on hidden results too)."""
    answers = []
    for base_url in (whole_url, None):
        visit = open_browser_page()
        visit.base_url = base_url or visit.base_url
        if hidden:
            set_preferences(visit, {hidden: "hide"})
        page = search(visit, query)
        note = page.locator("[data-search-hidden-note]")
        answers.append((page.get_by_role("status").inner_text(), sorted(result_links(page)),
                        note.inner_text() if note.is_visible() else ""))
        assert_stayed_on_the_site(visit)
    (whole_status, whole_links, whole_note), (parts_status, parts_links, parts_note) = answers
    assert parts_status == whole_status and parts_note == whole_note
    assert bool(whole_note) == bool(hidden), "a hidden post holds the word searched for"
    if "shown" not in whole_status:  # every result is listed: the very same posts
        assert parts_links == whole_links


def test_a_hidden_topic_is_left_out_of_a_merged_part(open_browser_page: Any) -> None:
    visit = open_browser_page()
    set_preferences(visit, {"grief": "hide"})
    visit.open(SEARCH)
    page = search(visit, OPEN_WORD)
    assert result_links(page) == []
    assert page.locator("[data-search-hidden-note]").inner_text().startswith(
        "1 more result is hidden here by your reading preferences.")
    assert_stayed_on_the_site(visit)
