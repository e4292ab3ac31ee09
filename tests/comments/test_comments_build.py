"""Real Pelican builds: comments under their posts, counted, written as JSON and feeds, or refused."""

from __future__ import annotations

import itertools
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from comment_helpers import (
    ALL_PLUGINS,
    article_html,
    build_comments_site,
    comment_file,
    comments_section,
    make_stores,
    post_text,
    tags_in,
    tiny_site,
    write_comments,
)
from comments.desk.arrival import receive_comment
from comments.desk.moderation import approve_comments
from comments.desk.triage import TriageRules
from conftest import PUBLISH_SETTINGS, ROOT, build_into
from harbour.errors import HarbourError
from site_pages import without_gate_bodies

ATOM = "{http://www.w3.org/2005/Atom}"

THREAD = {
    "first-post/aaa111aaa111": comment_file(
        "Mina", "First *comment*.", url="https://mina.example.org/", date="2024-04-02 09:00:00+01:00"
    ),
    "first-post/bbb222bbb222": comment_file(
        "Zoë", "A reply 💛", reply_to="aaa111aaa111", date="2024-04-02 10:00:00+01:00"
    ),
    "first-post/ccc333ccc333": comment_file("Łukasz", "Later, top level.", date="2024-04-05 09:00:00+01:00"),
    "first-post/ddd444ddd444": comment_file(
        "田中 ゆき", "Reply to the reply.", reply_to="bbb222bbb222", date="2024-04-03 09:00:00+01:00"
    ),
    "first-post/eee555eee555": comment_file(
        "Fran", "A hard thing to say.", warnings="grief", date="2024-04-06 09:00:00+01:00"
    ),
}


@pytest.fixture(scope="module")
def threaded_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("threaded")
    return build_comments_site(
        root,
        tiny_site(root, THREAD),
        plugins=ALL_PLUGINS,
        json_path="comments/{slug}.json",
        feed_atom="feeds/comments.atom.xml",
        post_feed_atom="feeds/comments/{slug}.atom.xml",
    )


def test_comments_render_threaded_oldest_first_with_anchors_and_times(threaded_site: Path) -> None:
    section = comments_section(article_html(threaded_site, "first-post"))
    assert '<h2 id="comments-heading">5 comments</h2>' in section
    order = re.findall(r'<article class="comment" id="comment-(\w+)"', section)
    assert order == ["aaa111aaa111", "bbb222bbb222", "ddd444ddd444", "ccc333ccc333", "eee555eee555"]
    nesting = [
        len(re.findall(r"<ol", section[: section.index(f'id="comment-{cid}"')]))
        - len(re.findall(r"</ol>", section[: section.index(f'id="comment-{cid}"')]))
        for cid in order
    ]
    assert nesting == [1, 2, 3, 1, 1]
    assert (
        '<a class="comment__permalink" href="#comment-bbb222bbb222">'
        '<time datetime="2024-04-02T10:00:00+01:00">'
        in section
    )
    assert "Zoë" in section and "💛" in section and "田中 ゆき" in section and "Łukasz" in section
    assert "<em>comment</em>" in section


def test_author_names_link_only_to_their_http_address_with_safe_rel(threaded_site: Path) -> None:
    section = comments_section(article_html(threaded_site, "first-post"))
    links = [(a.get("href"), a.get("rel")) for tag, a in tags_in(section) if tag == "a" and a.get("rel")]
    assert ("https://mina.example.org/", "nofollow ugc noopener") in links
    assert '<h3 class="comment__author" id="comment-bbb222bbb222-author">Zoë</h3>' in section


def test_the_comment_policy_is_linked_and_headings_do_not_skip_levels(threaded_site: Path) -> None:
    html = article_html(threaded_site, "first-post")
    section = comments_section(html)
    assert '<a href="/comment-policy/">How comments work</a>' in section
    levels = [int(tag[1]) for tag, _ in tags_in(html) if re.fullmatch(r"h[1-6]", tag)]
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels


def test_a_warned_comment_without_the_warnings_plugin_stops_the_build(tmp_path: Path) -> None:
    # Nothing could gate it: a <details> fallback would open itself on a find-in-page match.
    content = tiny_site(tmp_path, {"first-post/eee555eee555": THREAD["first-post/eee555eee555"]})
    with pytest.raises(HarbourError) as caught:
        build_comments_site(tmp_path, content, plugins=["safety", "comments"])
    assert (
        "content/comments/first-post/eee555eee555.md:3: comment eee555eee555 has Content-Warnings but the "
        "content_warnings plugin is off" in str(caught.value)
    )
    assert not (tmp_path / "output").exists()


def test_counts_appear_in_listings_and_posts_without_comments_say_so(threaded_site: Path) -> None:
    index = (threaded_site / "index.html").read_text(encoding="utf-8")
    assert re.search(r'href="/posts/2024/04/first-post/#comments">5 comments</a>', index)
    assert "second-post/#comments" not in index
    section = comments_section(article_html(threaded_site, "second-post"))
    assert '<h2 id="comments-heading">Comments</h2>' in section and "No comments yet." in section


def test_each_post_has_its_comments_as_json_with_warned_text_withheld(threaded_site: Path) -> None:
    data = json.loads((threaded_site / "comments" / "first-post.json").read_text(encoding="utf-8"))
    assert data["post"] == "first-post" and data["count"] == 5
    by_id = {c["id"]: c for c in data["comments"]}
    assert (
        by_id["bbb222bbb222"]["reply_to"] == "aaa111aaa111" and by_id["bbb222bbb222"]["body"] == "A reply 💛"
    )
    warned = by_id["eee555eee555"]
    assert warned["content_warnings"] == ["grief"] and warned["body_withheld"] is True
    assert "body" not in warned and "body_html" not in warned
    assert "A hard thing to say" not in json.dumps(data, ensure_ascii=False)
    empty = json.loads((threaded_site / "comments" / "second-post.json").read_text(encoding="utf-8"))
    assert empty["count"] == 0 and empty["comments"] == []


def test_comment_feeds_are_valid_atom_and_carry_a_warning_instead_of_warned_text(threaded_site: Path) -> None:
    site_feed = ET.parse(threaded_site / "feeds" / "comments.atom.xml").getroot()
    post_feed = ET.parse(threaded_site / "feeds" / "comments" / "first-post.atom.xml").getroot()
    assert site_feed.tag == f"{ATOM}feed"
    entries = site_feed.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title").replace("\xa0", " ") for e in entries]  # typogrify's widont
    assert titles[0] == "Fran on First post"  # newest first
    assert len(post_feed.findall(f"{ATOM}entry")) == 5
    for feed in (
        threaded_site / "feeds" / "comments.atom.xml",
        threaded_site / "feeds" / "comments" / "first-post.atom.xml",
    ):
        text = feed.read_text(encoding="utf-8")
        assert "A hard thing to say" not in text
        assert "This comment carries a content warning: grief" in text
    section = comments_section(article_html(threaded_site, "first-post"))
    assert "/feeds/comments/first-post.atom.xml" in section


def test_warned_comments_use_the_warnings_plugins_gate_when_it_is_on(tmp_path: Path) -> None:
    content = tiny_site(tmp_path, {"first-post/eee555eee555": THREAD["first-post/eee555eee555"]})
    output = build_comments_site(tmp_path, content, plugins=ALL_PLUGINS)
    section = comments_section(article_html(output, "first-post"))
    gate = re.search(
        r'<div class="cw cw--comment" id="comment-eee555eee555-cw".*?<div class="cw-body"[^>]*hidden',
        section,
        re.S,
    )
    assert gate, section
    assert "<details" not in section


def test_the_policy_link_may_point_elsewhere(tmp_path: Path) -> None:
    output = build_comments_site(tmp_path, tiny_site(tmp_path), policy_url="https://example.org/comments/")
    html = article_html(output, "first-post")
    assert '<a href="https://example.org/comments/">How comments work</a>' in html


def test_thread_depth_is_configurable(tmp_path: Path) -> None:
    output = build_comments_site(tmp_path, tiny_site(tmp_path, THREAD), thread_depth=2)
    section = comments_section(article_html(output, "first-post"))
    assert section.count('<ol class="comment-list comment-list--replies"') == 1
    assert 'in reply to <a href="#comment-bbb222bbb222">Zoë</a>' in section


def test_a_site_without_a_comments_folder_builds(tmp_path: Path) -> None:
    output = build_comments_site(tmp_path, tiny_site(tmp_path))
    assert "No comments yet." in article_html(output, "first-post")


def test_comment_files_never_become_posts_even_when_all_of_content_is_read(tmp_path: Path) -> None:
    content = tiny_site(tmp_path, THREAD)
    output = build_into(
        tmp_path / "output",
        PATH=str(content),
        PLUGINS=ALL_PLUGINS,
        ARTICLE_PATHS=[""],
        COMMENTS={"private_path": str(tmp_path / "private")},
    )
    assert len(list(output.glob("posts/*/*/*/index.html"))) == 2


def test_without_the_plugin_no_comments_are_rendered(tmp_path: Path, threaded_site: Path) -> None:
    # The plugin's handlers stay connected in this process after earlier builds; they must stay quiet.
    output = build_into(tmp_path / "output", PATH=str(tiny_site(tmp_path, THREAD)), PLUGINS=["safety"])
    assert 'id="comments"' not in article_html(output, "first-post")
    assert not (output / "comments").exists()


def test_every_inconsistency_fails_the_build_with_file_and_line(tmp_path: Path) -> None:
    content = tiny_site(
        tmp_path,
        {
            "first-post/aaa111aaa111": comment_file(),
            "first-post/bbb222bbb222": comment_file(reply_to="zzz999zzz999"),  # orphan
            "second-post/aaa111aaa111": comment_file(),  # duplicate id
            "second-post/ccc333ccc333": comment_file(reply_to="ddd444ddd444"),  # reply across posts
            "first-post/ddd444ddd444": comment_file(),
            "frist-post/eee555eee555": comment_file(),  # no such post
            "first-post/fff666fff666": "Author: Mina\nDate: soon\nAuthor-URL: javascript:alert(1)\n\nHi\n",
        },
    )
    with pytest.raises(HarbourError) as caught:
        build_comments_site(tmp_path, content)
    message = str(caught.value)
    assert "6 problems" in message
    assert (
        "content/comments/first-post/bbb222bbb222.md:3: Reply-To 'zzz999zzz999' matches no approved comment"
        in message
    )
    assert "comment id 'aaa111aaa111' is used by 2 files" in message
    assert (
        "content/comments/second-post/ccc333ccc333.md:3: Reply-To 'ddd444ddd444' "
        "is a comment on the post 'first-post'" in message
    )
    assert (
        "content/comments/frist-post: no post has the slug 'frist-post'" in message
        and "did you mean 'first-post'" in message
    )
    assert "content/comments/first-post/fff666fff666.md:2: Date 'soon' is not a date" in message
    assert "content/comments/first-post/fff666fff666.md:3: Author-URL 'javascript:alert(1)'" in message
    assert not (tmp_path / "output" / "comments").exists()


def test_comments_on_a_draft_are_not_an_error(tmp_path: Path) -> None:
    posts = {
        "draft.md": "Title: Draft\nDate: 2024-04-01 10:00\nSlug: draft-post\nStatus: draft\n\nNot yet.\n"
    }
    content = tiny_site(tmp_path, {"draft-post/aaa111": comment_file()}, posts=posts)
    output = build_comments_site(tmp_path, content)
    assert "1 comment</h2>" in (output / "drafts" / "draft-post" / "index.html").read_text(encoding="utf-8")
    assert not (output / "comments" / "draft-post.json").exists()  # drafts are not published


def test_bad_comments_settings_stop_the_build_with_every_problem(tmp_path: Path) -> None:
    with pytest.raises(HarbourError, match=r"COMMENTS\['thread_depth'\] = 'deep' is not valid"):
        build_into(
            tmp_path / "output",
            PATH=str(tiny_site(tmp_path)),
            PLUGINS=["safety", "comments"],
            COMMENTS={"thread_depth": "deep"},
        )


# --- The example site ---------------------------------------------------------------------------


def test_the_example_site_renders_its_threaded_comments(dev_site: Path) -> None:
    html = article_html(dev_site, "the-first-rupture")
    section = comments_section(html)
    assert '<h2 id="comments-heading">8 comments</h2>' in section
    assert section.count('class="comment-list comment-list--replies"') >= 4  # several levels
    assert "in reply to" in section  # the deepest reply lines up at level five
    for name in ("Zoë", "Siobhán", "Łukasz", "Nguyễn Thị Hoa"):
        assert name in section
    assert "💛" in section
    assert 'href="https://lukasz.example.net/" rel="nofollow ugc noopener"' in section


def test_the_example_sites_warned_comment_is_gated_and_its_long_comment_whole(dev_site: Path) -> None:
    grief = comments_section(article_html(dev_site, "bringing-grief-into-the-room"))
    gate = re.search(
        r'id="comment-ad1a33ea4e73-cw".*?<div class="cw-body"[^>]*\bhidden\b[^>]*>(.*?)</div>', grief, re.S
    )
    assert gate and "I had an early loss" in gate.group(1)
    group = comments_section(article_html(dev_site, "a-year-in-a-peer-support-group"))
    long_comment = (
        ROOT / "content" / "comments" / "a-year-in-a-peer-support-group" / "75720814ebe3.md"
    ).read_text(encoding="utf-8")
    body = long_comment.split("\n\n", 1)[1]
    assert len(body) > 2000
    for paragraph in body.strip().split("\n\n"):
        assert paragraph[:60] in group and paragraph[-40:] in group


def test_the_example_site_has_comment_counts_in_listings_and_json(dev_site: Path) -> None:
    archive_pages = "".join(
        p.read_text(encoding="utf-8")
        for p in dev_site.glob("**/index.html")
        if "comments" not in str(p.parent.name)
    )
    assert re.search(r'the-first-rupture/#comments">8 comments</a>', archive_pages)
    data = json.loads((dev_site / "comments" / "the-first-rupture.json").read_text(encoding="utf-8"))
    assert data["count"] == 8


def test_the_published_site_has_comment_feeds(publish_site: Path) -> None:
    feed = ET.parse(publish_site / "feeds" / "comments.atom.xml").getroot()
    links = [e.find(f"{ATOM}link").get("href") for e in feed.findall(f"{ATOM}entry")]
    assert links and all(link.startswith("https://still-here.example.org/posts/") for link in links)
    assert (publish_site / "feeds" / "comments" / "the-first-rupture.atom.xml").is_file()
    text = (publish_site / "feeds" / "comments.atom.xml").read_text(encoding="utf-8")
    assert "I had an early loss" not in text


def test_published_files_are_readable_by_the_web_server_and_private_ones_are_not(tmp_path: Path) -> None:
    content = tiny_site(tmp_path)
    stores = make_stores(tmp_path)
    record = receive_comment(stores, TriageRules(), post="first-post", author="Sam", body="Hi",
                             email="sam@example.invalid").record
    approve_comments(stores, [record.id])
    output = build_comments_site(tmp_path, content, post_feed_atom="feeds/c/{slug}.atom.xml")
    # `invoke publish` copies permissions with rsync -p: published files must be world-readable.
    published = [
        stores.public_dir / "first-post" / f"{record.id}.md",
        output / "comments" / "first-post.json",
        output / "feeds" / "c" / "first-post.atom.xml",
    ]
    for path in published:
        assert path.stat().st_mode & 0o777 == 0o644, path
    assert stores.private.record_path(record.id).stat().st_mode & 0o077 == 0  # e-mails stay private


def test_a_comments_unknown_warning_tag_stops_the_build(tmp_path):
    from conftest import build_into, write_site
    from harbour.errors import HarbourError

    content = write_site(tmp_path, {"x.md": "Title: X\nDate: 2024-01-01\nSlug: x\n\nBody.\n"})
    folder = content / "comments" / "x"
    folder.mkdir(parents=True)
    (folder / "0123456789ab.md").write_text(
        "Author: Sam\nDate: 2024-01-02 10:00:00+00:00\nContent-Warnings: gref\n\nHello.\n", encoding="utf-8"
    )
    with pytest.raises(HarbourError) as raised:
        build_into(tmp_path / "out", PATH=str(content), COMMENTS={"private_path": str(tmp_path / "private")})
    assert (
        "unknown trigger tag 'gref' in content/comments/x/0123456789ab.md:3 (Content-Warnings); did you mean 'grief'?"
        in str(raised.value)
    )


# --- Posts behind a content warning, hidden posts, times, files -------------------------------------

# Words that appear nowhere else: where they show up, a gated post's comment has travelled.
GATED_COMMENT_MARKER = "quillbramblemarker"
GATED_POST = (
    "Title: A gated post\nDate: 2024-04-02 10:00\nCategory: Notes\nSlug: gated-post\n"
    "Content-Warnings: self-harm\n\nHard words.\n"
)
HIDDEN_POST = "Title: Secret title\nDate: 2024-04-03 10:00\nSlug: hidden-post\nStatus: hidden\n\nHidden.\n"


@pytest.fixture(scope="module")
def gated_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("gated")
    content = tiny_site(
        root,
        {
            "gated-post/aaa111aaa111": comment_file("Mina", f"Me too, {GATED_COMMENT_MARKER}."),
            "gated-post/bbb222bbb222": comment_file(
                "Zoë", f"Warned too, {GATED_COMMENT_MARKER}.", warnings="grief", reply_to="aaa111aaa111",
                date="2024-04-03 10:00:00+01:00",
            ),
            "first-post/ccc333ccc333": comment_file("Sam", "An open comment."),
            "hidden-post/ddd444ddd444": comment_file("Ali", "On the hidden post."),
        },
        posts={
            "first-post.md": post_text("First post", "first-post"),
            "gated.md": GATED_POST,
            "hidden.md": HIDDEN_POST,
        },
    )
    return build_comments_site(
        root, content, settings_file=PUBLISH_SETTINGS, json_path="comments/{slug}.json",
        feed_atom="feeds/comments.atom.xml", post_feed_atom="feeds/comments/{slug}.atom.xml",
    )


def test_comments_on_a_gated_post_wait_behind_one_gate_with_the_posts_warnings(gated_site: Path) -> None:
    section = comments_section(article_html(gated_site, "gated-post"))
    gate = re.search(
        r'<div class="cw cw--comments" id="cw-comments" data-cw-kind="comments" data-cw-tags="self-harm"',
        section,
    )
    assert gate, section
    assert '<span class="cw-show__open">Show comments</span>' in section
    assert section.count('class="cw cw--comments"') == 1
    assert '<h2 id="comments-heading">2 comments</h2>' in without_gate_bodies(section)
    assert GATED_COMMENT_MARKER not in without_gate_bodies(section)
    # The warned reply keeps its own gate inside it.
    assert 'id="comment-bbb222bbb222-cw"' in section
    assert 'id="cw-comments"' not in article_html(gated_site, "first-post")


def test_a_gated_posts_comments_never_leak_outside_a_gate(gated_site: Path) -> None:
    leaks, inside = [], 0
    for path in sorted(p for p in gated_site.rglob("*") if p.is_file()):
        if path.suffix in (".css", ".js", ".svg", ".png", ".woff2", ".ico"):
            continue
        text = path.read_text(encoding="utf-8")
        inside += text.count(GATED_COMMENT_MARKER)
        visible = without_gate_bodies(text) if path.suffix == ".html" else text
        if GATED_COMMENT_MARKER in visible:
            leaks.append(str(path.relative_to(gated_site)))
    assert leaks == []
    assert inside >= 2, "the marker should be on the post's page, inside the gate"
    # The places it could travel to were written, and scanned above.
    data = json.loads((gated_site / "comments" / "gated-post.json").read_text(encoding="utf-8"))
    assert data["post_content_warnings"] == ["self-harm"]
    assert all(c["body_withheld"] and "body" not in c for c in data["comments"])
    feed = (gated_site / "feeds" / "comments" / "gated-post.atom.xml").read_text(encoding="utf-8")
    assert "This comment is on a post with a content warning: self-harm." in feed
    open_post = json.loads((gated_site / "comments" / "first-post.json").read_text(encoding="utf-8"))
    assert open_post["comments"][0]["body"] == "An open comment."


def test_the_site_wide_comment_feed_lists_published_posts_only(gated_site: Path) -> None:
    feed = (gated_site / "feeds" / "comments.atom.xml").read_text(encoding="utf-8")
    assert "/first-post/#comment-ccc333ccc333" in feed and "/gated-post/#comment-aaa111aaa111" in feed
    assert "Secret title" not in feed and "hidden-post" not in feed and "On the hidden post" not in feed
    # The hidden post itself, reached by its address, still has its comments and their feed.
    assert (gated_site / "feeds" / "comments" / "hidden-post.atom.xml").is_file()
    assert "On the hidden post" in article_html(gated_site, "hidden-post")


def test_comment_times_show_in_the_sites_timezone(tmp_path: Path) -> None:
    content = tiny_site(tmp_path, {"first-post/aaa111": comment_file(date="2024-04-03 09:12:00-07:00")})
    section = comments_section(article_html(build_comments_site(tmp_path, content), "first-post"))
    # 16:12 UTC is 17:12 in Europe/London (pelicanconf.py) in April; the moment itself is unchanged.
    assert '<time datetime="2024-04-03T09:12:00-07:00">' in section and ", 17:12</time>" in section


def test_a_comment_file_saved_with_a_byte_order_mark_reads(tmp_path: Path) -> None:
    content = tiny_site(tmp_path)
    write_comments(content, {"first-post/aaa111": "\ufeff" + comment_file("Mina", "Saved by Notepad.")})
    section = comments_section(article_html(build_comments_site(tmp_path, content), "first-post"))
    assert "Mina" in section and "Saved by Notepad." in section


def test_a_private_store_inside_the_content_folder_stops_the_build(tmp_path: Path) -> None:
    content = tiny_site(tmp_path)
    with pytest.raises(HarbourError, match=r"COMMENTS\['private_path'\] = .* is inside .*which is published"):
        build_into(tmp_path / "output", PATH=str(content), PLUGINS=ALL_PLUGINS,
                   COMMENTS={"private_path": str(content / "private")})


# --- Comment files no build should choke on -------------------------------------------------------


def test_dates_at_the_calendars_edges_and_runaway_nesting_fail_the_build_with_file_and_line(
    tmp_path: Path,
) -> None:
    content = tiny_site(tmp_path, {
        "first-post/aaa111": comment_file(date="0001-01-01 00:00:00+01:00"),
        "first-post/bbb222": comment_file(body="- " * 700 + "x"),
        "second-post/ccc333": comment_file(date="9999-12-31 23:59:59-01:00"),
    })
    with pytest.raises(HarbourError) as caught:
        build_comments_site(tmp_path, content)
    range_help = "is out of range: a comment's date must lie between the years 1970 and 9998 (in UTC)"
    assert caught.value.problems == [
        f"content/comments/first-post/aaa111.md:2: Date '0001-01-01 00:00:00+01:00' {range_help}; "
        "check the year",
        "content/comments/first-post/bbb222.md:4: the comment nests lists or quotes 700 levels deep; at most "
        "100 can be shown: take out the extra '-', '*', '1.' or '>' at the start of the line",
        f"content/comments/second-post/ccc333.md:2: Date '9999-12-31 23:59:59-01:00' {range_help}; "
        "check the year",
    ]
    assert not (tmp_path / "output" / "comments").exists()


def test_an_approved_comment_over_the_length_limits_fails_the_build_naming_the_limit(tmp_path: Path) -> None:
    content = tiny_site(tmp_path, {
        "first-post/aaa111": comment_file(body="x" * 4_600_000),  # 4.6 MB
        "first-post/bbb222": comment_file("A" * 81),
        "second-post/ccc333": comment_file(body="y" * 6000),
    })
    with pytest.raises(HarbourError) as caught:
        build_comments_site(tmp_path, content)
    assert caught.value.problems == [
        "content/comments/first-post/aaa111.md: the file is 4,600,047 bytes, more than any comment within "
        "COMMENTS['length_limits'] can be (its body at most 5,000 characters); shorten the comment, or "
        "raise COMMENTS['length_limits']['body'] in pelicanconf.py",
        "content/comments/first-post/bbb222.md:1: author is 81 characters long; at most 80 are allowed. "
        "Shorten it, or raise COMMENTS['length_limits']['author'] in pelicanconf.py",
        "content/comments/second-post/ccc333.md: body is 6000 characters long; at most 5000 are allowed. "
        "Shorten it, or raise COMMENTS['length_limits']['body'] in pelicanconf.py",
    ]
    assert not (tmp_path / "output" / "comments").exists()

    (content / "comments" / "first-post" / "aaa111.md").unlink()
    output = build_comments_site(tmp_path, content, length_limits={"author": 90, "body": 6000})
    assert "y" * 6000 in article_html(output, "second-post")  # within the writer's own limits


def test_a_feed_without_comments_is_dated_by_its_post_not_by_the_build() -> None:
    """Else its bytes change on every build, and a reader's feed says "updated" with nothing new."""
    from datetime import datetime, timezone

    from comments.render.feeds import PostComments, comments_atom

    written = datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc)
    post = PostComments("tea", "Tea", "https://example.org/posts/tea/", [], date=written)
    feed = comments_atom([post], title="Comments on Tea", link=post.url, feed_url="https://example.org/f.xml")
    updated = ET.fromstring(feed).find(f"{ATOM}updated")
    assert updated is not None and updated.text == "2024-03-01T09:30:00+00:00"
