"""Older and newer posts, related posts and reading time (plugins/post_navigation), on a real build."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import build_into, write_site
from harbour.errors import HarbourError
from post_navigation import count_words, readable_html, reading_minutes, related_posts

GATED_MARKER = "zebraquartzmarker"
GATED_SUMMARY = "A summary the writer wrote for the gated post"
PASSAGE_MARKER = "marigoldfjordmarker"


def post(title: str, slug: str, date: str, tags: str, extra: str = "", body: str = "Words anyone may read.") -> str:
    return f"Title: {title}\nDate: {date}\nSlug: {slug}\nTags: {tags}\n{extra}\n{body}\n"


def words(count: int, word: str = "calm") -> str:
    return " ".join([word] * count)


POSTS = {
    "first.md": post("First post", "first", "2024-01-01 10:00", "coping, grief"),
    "second.md": post("Second post", "second", "2024-02-01 10:00", "coping"),
    # 400 words behind the gate: 2 minutes at 200 a minute; the gate's own words would make it 3.
    "gated.md": post("Gated post", "gated", "2024-03-01 10:00", "coping, grief",
                     f"Content-Warnings: self-harm\nSummary: {GATED_SUMMARY}\n", f"{GATED_MARKER} {words(399)}"),
    # 200 words open and 200 in a warned passage: 2 minutes, the passage's label not counted.
    "passage.md": post("Passage post", "passage", "2024-04-01 10:00", "walking",
                       "", f'{words(200)}\n\n!!! cw "grief"\n    {PASSAGE_MARKER} {words(199)}\n'),
    "newest.md": post("Newest post", "newest", "2024-05-01 10:00", "coping, grief, walking",
                      "", words(401)),
    "hidden.md": post("Hidden post", "hidden", "2024-06-01 10:00", "coping, grief", "Status: hidden\n"),
    "draft.md": post("Draft post", "draft", "2024-07-01 10:00", "coping, grief", "Status: draft\n"),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("post-navigation")
    return build_into(root / "output", PATH=str(write_site(root, POSTS)))


def page(site: Path, slug: str) -> str:
    month = {"first": "01", "second": "02", "gated": "03", "passage": "04", "newest": "05", "hidden": "06"}[slug]
    return (site / "posts" / "2024" / month / slug / "index.html").read_text(encoding="utf-8").replace("&nbsp;", " ")


def section(html: str, start: str, end: str) -> str:
    begin = html.index(start)
    return html[begin:html.index(end, begin)]


def test_each_post_links_its_older_and_newer_neighbour(site: Path) -> None:
    neighbours = section(page(site, "second"), '<nav class="post-neighbours"', "</nav>")
    assert '<a rel="prev" href="/posts/2024/01/first/">First post</a>' in neighbours
    assert '<a rel="next" href="/posts/2024/03/gated/">Gated post</a>' in neighbours


def test_the_first_and_last_posts_have_one_neighbour_and_hidden_posts_and_drafts_none(site: Path) -> None:
    assert 'rel="prev"' not in page(site, "first")
    newest = page(site, "newest")
    assert 'rel="next"' not in newest
    for html in (newest, page(site, "first"), page(site, "second")):
        assert "Hidden post" not in html and "Draft post" not in html
    assert "post-neighbours" not in page(site, "hidden")


def test_related_posts_share_topics_most_shared_first(site: Path) -> None:
    related = section(page(site, "first"), '<section class="related-posts"', "</section>")
    # Second is the first post's neighbour, so it is not listed twice; Passage shares no topic.
    titles = [t for t in ("Newest post", "Gated post", "Second post", "Passage post") if t in related]
    assert titles == ["Newest post", "Gated post"]
    assert related.index("Newest post") < related.index("Gated post")


def test_a_gated_post_is_offered_by_its_title_and_warning_never_its_summary_or_text(site: Path) -> None:
    for slug in ("first", "newest"):  # listed under both as a related post
        html = page(site, slug)
        way_on = html[html.index("</article>"):]
        entry = way_on[way_on.index("Gated post"):]
        entry = entry[:entry.index("</li>")]
        assert "Content note:</strong> Self-harm." in entry
        assert 'data-trigger-list="self-harm"' in way_on  # the reader's "hide" preference hides it too
        assert GATED_SUMMARY not in way_on
        assert GATED_MARKER not in html


def test_a_post_touching_a_topic_says_so_under_its_title(site: Path) -> None:
    neighbours = section(page(site, "newest"), '<nav class="post-neighbours"', "</nav>")
    assert 'Passage post</a> <span class="post-way__note">Touches on: Grief</span>' in neighbours
    assert re.search(r'data-trigger-list="[^"]*\bgrief\b', neighbours)


def test_reading_time_sits_beside_the_date(site: Path) -> None:
    html = page(site, "newest")
    header = section(html, '<p class="post-meta">', "</p>")
    assert '</time> · <span class="reading-time">3 min read</span>' in header  # 401 words, rounded up
    assert '<span class="reading-time">1 min read</span>' in page(site, "first")


def test_reading_time_of_a_gated_post_counts_its_hidden_text_once_and_not_the_gate(site: Path) -> None:
    # Only the visible text would give no reading time; the rendered gate (label, note, buttons) 3 minutes.
    assert '<span class="reading-time">2 min read</span>' in page(site, "gated")
    assert '<span class="reading-time">2 min read</span>' in page(site, "passage")


def test_count_words_reads_text_not_markup() -> None:
    assert count_words("<p>Don't <em>over</em>-think self-care.</p><script>var a = 1;</script>") == 4
    assert count_words("<p>one&nbsp;two</p><p>three</p>") == 3


def test_readable_html_is_the_visible_text_and_every_gates_text() -> None:
    gated = SimpleNamespace(_content="<div class=cw>Show this post</div>", cw_visible="<p>open</p>",
                            cw_hidden={"cw-passage-1": "<p>inside</p>"})
    assert count_words(readable_html(gated)) == 2
    assert readable_html(SimpleNamespace(_content="<p>plain</p>")) == "<p>plain</p>"


def test_reading_minutes_round_up_and_say_nothing_for_no_text() -> None:
    assert [reading_minutes(n, 200) for n in (0, 1, 200, 201)] == [0, 1, 1, 2]


def test_related_posts_need_a_shared_topic_and_respect_the_limit() -> None:
    def item(name: str, day: int, *tags: str) -> SimpleNamespace:
        return SimpleNamespace(name=name, date=day, tags=[SimpleNamespace(slug=t) for t in tags])

    me, a, b, c, d = item("me", 1, "x", "y"), item("a", 2, "x"), item("b", 3, "x", "y"), item("c", 4, "z"), item("d", 5, "y")
    assert [p.name for p in related_posts(me, [me, a, b, c, d], 2)] == ["b", "d"]
    assert [p.name for p in related_posts(me, [me, a, b, c, d], 3, exclude=[b, None])] == ["d", "a"]
    assert related_posts(me, [me, a, b], 0) == []


def test_bad_settings_stop_the_build(tmp_path: Path) -> None:
    with pytest.raises(HarbourError) as caught:
        build_into(tmp_path / "output", PATH=str(write_site(tmp_path, {"x.md": POSTS["first.md"]})),
                   POST_NAVIGATION={"related_posts": -1, "words_per_minut": 200})
    message = str(caught.value)
    assert "POST_NAVIGATION['related_posts'] = -1 is not valid: expected at least 0" in message
    assert "POST_NAVIGATION['words_per_minut'] is not an option" in message
    assert "did you mean 'words_per_minute'" in message
