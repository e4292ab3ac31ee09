"""Real builds of a post and its translations (same Slug, another Lang): their comments are one thread.

A comment is on a slug, not on one version of the post, so it waits behind a gate wherever it
shows when any version of the post is gated (published, hidden or draft). The slug has one JSON
file and one feed, and the site-wide feed lists each comment once.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from comment_helpers import (
    article_html,
    build_comments_site,
    comment_file,
    comments_section,
    text_placements,
    tiny_site,
)
from conftest import PUBLISH_SETTINGS

ATOM = "{http://www.w3.org/2005/Atom}"
SLUG = "hard-week"
# Words that appear nowhere else: where they show up, a comment's text has travelled.
PLAIN_MARKER = "thistledownmarker"
WARNED_MARKER = "marrowgladesmarker"
COMMENTS = {
    f"{SLUG}/aaa111aaa111": comment_file("Mina", f"Me too, {PLAIN_MARKER}."),
    f"{SLUG}/bbb222bbb222": comment_file(
        "Zoë", f"Warned reply, {WARNED_MARKER}.", warnings="grief", reply_to="aaa111aaa111",
        date="2024-04-03 10:00:00+01:00",
    ),
    "open-post/ccc333ccc333": comment_file("Sam", "An open comment.", date="2024-04-04 09:00:00+01:00"),
}
COMMENT_IDS = ("aaa111aaa111", "bbb222bbb222", "ccc333ccc333")


def version(title: str, lang: str, *, warnings: str = "", status: str = "") -> str:
    """One version of the post with the slug SLUG (Pelican pairs translations by slug)."""
    header = (
        f"Title: {title}\nDate: 2024-04-02 10:00\nCategory: Notes\nSlug: {SLUG}\nLang: {lang}\n"
        f"Summary: {title}.\n"
    )
    header += f"Content-Warnings: {warnings}\n" if warnings else ""
    header += f"Status: {status}\n" if status else ""
    return header + "\nHard words.\n"


OPEN_POST = "Title: Open post\nDate: 2024-04-01 10:00\nCategory: Notes\nSlug: open-post\n\nEasy words.\n"


def build_site(root: Path, original: str, translation: str) -> Path:
    content = tiny_site(
        root, COMMENTS, posts={"open.md": OPEN_POST, "hard-week.md": original, "hard-week-fr.md": translation}
    )
    return build_comments_site(
        root, content, settings_file=PUBLISH_SETTINGS, json_path="comments/{slug}.json",
        feed_atom="feeds/comments.atom.xml", post_feed_atom="feeds/comments/{slug}.atom.xml",
    )


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(("self-harm", ""), id="gated-original"),
        pytest.param(("", "self-harm"), id="gated-translation"),
    ],
)
def translated_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    original_warnings, translation_warnings = request.param
    root = tmp_path_factory.mktemp("translated")
    return build_site(
        root,
        version("A hard week", "en", warnings=original_warnings),
        version("Une semaine difficile", "fr", warnings=translation_warnings),
    )


def version_pages(output: Path) -> dict[str, str]:
    # The translation lives at Pelican's default ARTICLE_LANG_SAVE_AS, {slug}-{lang}.html.
    return {
        "original": article_html(output, SLUG),
        "translation": (output / f"{SLUG}-fr.html").read_text(encoding="utf-8"),
    }


def test_every_version_shows_the_comments_behind_the_posts_warning(translated_site: Path) -> None:
    for name, html in version_pages(translated_site).items():
        section = comments_section(html)
        assert '<h2 id="comments-heading">2 comments</h2>' in section, name
        gate = r'<div class="cw cw--comments" id="cw-comments"[^>]*data-cw-tags="self-harm"'
        assert re.search(gate, section), name
        for marker in (PLAIN_MARKER, WARNED_MARKER):
            hidden, shown = text_placements(html, marker)
            assert (hidden, shown) == (1, 0), f"{name}: {marker} shown {shown} times, hidden {hidden} times"


def test_no_page_shows_a_comment_on_a_gated_slug_unasked(translated_site: Path) -> None:
    leaks = []
    for path in sorted(translated_site.rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        leaks += [f"{path.relative_to(translated_site)}: {m}" for m in (PLAIN_MARKER, WARNED_MARKER)
                  if text_placements(html, m)[1]]
    assert leaks == []


def test_the_slug_has_one_json_file_with_every_body_withheld(translated_site: Path) -> None:
    json_files = sorted(p.name for p in (translated_site / "comments").glob("*.json"))
    assert json_files == ["hard-week.json", "open-post.json"]  # no receiver published: no manifest
    text = (translated_site / "comments" / "hard-week.json").read_text(encoding="utf-8")
    assert PLAIN_MARKER not in text and WARNED_MARKER not in text
    data = json.loads(text)
    assert data["post"] == SLUG and data["post_content_warnings"] == ["self-harm"] and data["count"] == 2
    # The original (the site's DEFAULT_LANG) is the slug's address, whichever version is gated.
    assert data["url"] == "https://still-here.example.org/posts/2024/04/hard-week/"
    assert [(c["id"], c.get("body_withheld")) for c in data["comments"]] == [
        ("aaa111aaa111", True), ("bbb222bbb222", True)
    ]
    assert all("body" not in c and "body_html" not in c for c in data["comments"])
    assert data["comments"][1]["content_warnings"] == ["grief"]


def test_the_slugs_feed_carries_the_warning_instead_of_the_comments(translated_site: Path) -> None:
    feeds = translated_site / "feeds" / "comments"
    assert sorted(p.name for p in feeds.iterdir()) == ["hard-week.atom.xml", "open-post.atom.xml"]
    text = (feeds / "hard-week.atom.xml").read_text(encoding="utf-8")
    assert PLAIN_MARKER not in text and WARNED_MARKER not in text
    assert "This comment is on a post with a content warning: self-harm." in text
    assert "This comment carries a content warning: grief." in text
    entries = ET.fromstring(text).findall(f"{ATOM}entry")
    assert sorted(e.findtext(f"{ATOM}id").rsplit("#comment-", 1)[1] for e in entries) == [
        "aaa111aaa111", "bbb222bbb222"
    ]


def test_the_site_wide_feed_lists_each_comment_once_without_gated_text(translated_site: Path) -> None:
    text = (translated_site / "feeds" / "comments.atom.xml").read_text(encoding="utf-8")
    assert PLAIN_MARKER not in text and WARNED_MARKER not in text
    entries = ET.fromstring(text).findall(f"{ATOM}entry")
    ids = sorted(e.findtext(f"{ATOM}id").rsplit("#comment-", 1)[1] for e in entries)
    assert ids == sorted(COMMENT_IDS)
    assert "An open comment." in text  # an ungated post's comment keeps its text


# --- A version the public never reads still gates the thread -----------------------------------


@pytest.mark.parametrize("status", ["draft", "hidden"])
def test_a_gated_draft_or_hidden_translation_gates_the_published_posts_comments(
    tmp_path: Path, status: str
) -> None:
    # The writer judged this post needs a warning in one version; its comments answer them all.
    output = build_site(
        tmp_path,
        version("A hard week", "en"),
        version("Une semaine difficile", "fr", warnings="self-harm", status=status),
    )
    html = article_html(output, SLUG)
    assert 'id="cw-comments"' in comments_section(html)
    assert text_placements(html, PLAIN_MARKER) == (1, 0)
    data = json.loads((output / "comments" / "hard-week.json").read_text(encoding="utf-8"))
    assert data["post_content_warnings"] == ["self-harm"]
    assert data["url"].endswith("/posts/2024/04/hard-week/")
    for feed in ("comments.atom.xml", "comments/hard-week.atom.xml"):
        text = (output / "feeds" / feed).read_text(encoding="utf-8")
        assert PLAIN_MARKER not in text and text.count("#comment-aaa111aaa111</id>") == 1, feed


def test_a_slugs_warnings_are_every_versions_gate_tags_in_order_once() -> None:
    from types import SimpleNamespace

    from comments.comments import comments_warnings_by_slug

    def version_of(slug: str, *tags: str) -> SimpleNamespace:
        gate = [SimpleNamespace(slug=t) for t in tags] if tags else None  # None: no post gate
        return SimpleNamespace(slug=slug, cw_gate=gate)

    assert comments_warnings_by_slug([
        version_of("hard-week"),
        version_of("hard-week", "self-harm", "grief"),
        version_of("hard-week", "grief", "suicide"),
        version_of("open-post"),
        SimpleNamespace(slug="no-plugin"),
    ]) == {"hard-week": ["self-harm", "grief", "suicide"], "open-post": [], "no-plugin": []}
