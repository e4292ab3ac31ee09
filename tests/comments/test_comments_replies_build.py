"""Real Pelican builds of the writer's replies: an "Author" badge in the thread, by_writer in the JSON,
"(author)" and a category in the comment feeds; a reader's comment never gets any of them."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from comment_helpers import (
    article_html,
    build_comments_site,
    comments_section,
    make_stores,
    tiny_site,
)
from comments.desk.arrival import receive_comment
from comments.desk.moderation import approve_comments
from comments.desk.replies import writer_reply
from comments.desk.triage import TriageRules
from conftest import ROOT

ATOM = "{http://www.w3.org/2005/Atom}"
BADGE = re.compile(r'<span class="comment__badge">(.*?)</span></span>', re.S)


@pytest.fixture(scope="module")
def replied_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A reader's comment (named Robin too, as a reader may be) and the writer's reply to it."""
    root = tmp_path_factory.mktemp("replied")
    content = tiny_site(root)
    stores = make_stores(root)
    parent = receive_comment(
        stores, TriageRules(), post="first-post", author="Robin", body="Lovely post.",
        email="r@example.invalid",
    ).record.id
    approve_comments(stores, [parent])
    reply = writer_reply(
        stores, TriageRules(), to=parent, body="Thank you for *reading*.", author="Robin",
        author_url="https://still-here.example.org/",
    )
    assert reply.reply_id
    output = build_comments_site(
        root, content, json_path="comments/{slug}.json", feed_atom="feeds/comments.atom.xml",
        post_feed_atom="feeds/comments/{slug}.atom.xml",
    )
    return output, parent, reply.reply_id


def comment_article(section: str, comment_id: str) -> str:
    match = re.search(rf'<article class="comment" id="comment-{comment_id}".*?</article>', section, re.S)
    assert match, comment_id
    return match.group(0)


def test_the_writers_reply_has_an_author_badge_in_words_and_a_readers_comment_has_none(
    replied_site: tuple[Path, str, str],
) -> None:
    output, parent, reply = replied_site
    section = comments_section(article_html(output, "first-post"))
    heading = re.search(r'<h3 class="comment__author".*?</h3>', comment_article(section, reply), re.S)
    assert heading and BADGE.findall(heading.group(0)) == [
        'Author<span class="visually-hidden"> (the writer of this blog)'
    ]
    assert 'href="https://still-here.example.org/"' in heading.group(0)
    assert "comment__badge" not in comment_article(section, parent)  # same name, not the writer
    assert len(BADGE.findall(section)) == 1


def test_the_json_says_which_comment_is_the_writers(replied_site: tuple[Path, str, str]) -> None:
    output, parent, reply = replied_site
    data = json.loads((output / "comments" / "first-post.json").read_text(encoding="utf-8"))
    by_id = {c["id"]: c for c in data["comments"]}
    assert by_id[reply]["by_writer"] is True and by_id[reply]["reply_to"] == parent
    assert by_id[parent]["by_writer"] is False


def test_the_comment_feeds_mark_the_writers_reply(replied_site: tuple[Path, str, str]) -> None:
    output, parent, reply = replied_site
    feeds = output / "feeds"
    for feed in (feeds / "comments.atom.xml", feeds / "comments" / "first-post.atom.xml"):
        entries = {
            e.findtext(f"{ATOM}link") or e.find(f"{ATOM}link").get("href"): e  # type: ignore[union-attr]
            for e in ET.parse(feed).getroot().findall(f"{ATOM}entry")
        }
        writers = entries[f"/posts/2024/04/first-post/#comment-{reply}"]
        readers = entries[f"/posts/2024/04/first-post/#comment-{parent}"]
        title = (writers.findtext(f"{ATOM}title") or "").replace("\xa0", " ")  # typogrify's widont
        assert title == "Robin (author) on First post", feed
        assert [c.get("term") for c in writers.findall(f"{ATOM}category")] == ["writer"]
        assert (readers.findtext(f"{ATOM}title") or "").replace("\xa0", " ") == "Robin on First post"
        assert readers.findall(f"{ATOM}category") == []


def test_the_example_sites_replies_by_its_writer_show_the_badge(dev_site: Path) -> None:
    marked = {
        path.stem: path.parent.name
        for path in (ROOT / "content" / "comments").glob("*/*.md")
        if "\nWriter: yes\n" in path.read_text(encoding="utf-8").split("\n\n", 1)[0] + "\n"
    }
    assert len(marked) >= 8
    for comment_id, slug in marked.items():
        article = comment_article(comments_section(article_html(dev_site, slug)), comment_id)
        assert '<span class="comment__badge">Author' in article, comment_id
    rupture = comments_section(article_html(dev_site, "the-first-rupture"))
    assert len(BADGE.findall(rupture)) == sum(slug == "the-first-rupture" for slug in marked.values())
