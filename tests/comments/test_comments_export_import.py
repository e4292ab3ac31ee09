"""Export and import: JSON and WXR round trips, idempotent imports, and real WordPress exports.

The WordPress files are the real fixtures beside the repository (../shared/fixtures); they
are read in place, never copied, and never skipped.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape

import defusedxml.ElementTree as SafeET
import pytest

from comment_helpers import comment_file, make_stores, write_comments
from comments.desk.arrival import receive_comment
from comments.config import CommentStores
from comments.transfer.export import PostInfo, export_comments, read_post_info
from comments.transfer.html_to_markdown import TooDeeplyNested, html_to_markdown
from comments.transfer.importer import OTHER_ID, SAME_ID, import_file, read_export, read_json_export
from comments.desk.moderation import approve_comments
from comments.desk.public_store import read_public_comments
from comments.sanitise import render_comment_body
from comments.render.threads import build_threads, thread_problems, walk
from comments.desk.triage import DEFAULT_LENGTH_LIMITS, TriageRules
from comments.transfer.wxr import read_wxr
from conftest import ROOT
from harbour.errors import HarbourError

FIXTURES = ROOT.parent / "shared" / "fixtures"
WORDPRESS = FIXTURES / "wordpress-importer"
WP = "{http://wordpress.org/export/1.2/}"


@pytest.mark.shared_fixtures
def test_the_shared_fixtures_are_there() -> None:
    # Not a skip: CI has them beside the repository, and a missing folder must fail loudly.
    assert (FIXTURES / "pelican" / "wordpressexport.xml").is_file()
    assert len(list(WORDPRESS.glob("*.xml"))) >= 10


@pytest.fixture
def example_site(tmp_path: Path) -> CommentStores:
    """A copy of the example site's approved comments (the project's content/ is only read)."""
    stores = make_stores(tmp_path / "example")
    shutil.copytree(ROOT / "content" / "comments", stores.public_dir)
    return stores


def every_post_in(path: Path) -> set[str]:
    """The posts an export's comments are on: a site that has all of them."""
    return {c.post for c in read_export(path).comments}


def tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.md"))}


@pytest.mark.parametrize("fmt", ["json", "wxr"])
def test_round_trip_into_an_empty_site_gives_the_same_public_comments(
    example_site: CommentStores, tmp_path: Path, fmt: str
) -> None:
    exported = tmp_path / f"comments.{fmt}"
    count = export_comments(example_site, fmt, exported, site_name="Still Here", site_url="https://x.example")
    original = tree(example_site.public_dir)
    assert count == len(original) >= 20
    empty = make_stores(tmp_path / "empty")
    posts = every_post_in(exported)
    report = import_file(empty, TriageRules(), exported, post_slugs=posts, moderator="tester")
    assert len(report.created) == count and report.statuses == {"approved": count}
    assert tree(empty.public_dir) == original  # byte for byte: ids, headers, Markdown, warnings
    assert len(empty.private.ids()) == count

    again = import_file(empty, TriageRules(), exported, post_slugs=posts, moderator="tester")
    assert again.created == [] and len(again.existing) == count
    assert tree(empty.public_dir) == original and len(empty.private.audit_entries()) == count


def test_importing_into_the_site_it_came_from_changes_nothing(
    example_site: CommentStores, tmp_path: Path
) -> None:
    export_comments(example_site, "json", tmp_path / "c.json")
    before = tree(example_site.public_dir)
    exported = tmp_path / "c.json"
    report = import_file(example_site, TriageRules(), exported, post_slugs=every_post_in(exported))
    assert report.created == [] and tree(example_site.public_dir) == before
    assert example_site.private.ids() == []


def test_the_json_export_holds_public_fields_only_by_default(
    example_site: CommentStores, tmp_path: Path
) -> None:
    export_comments(example_site, "json", tmp_path / "c.json")
    data = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert data["format"] == "harbour-comments" and data["version"] == 1
    assert set(data["comments"][0]) == {
        "id",
        "post",
        "reply_to",
        "author",
        "author_url",
        "date",
        "content_warnings",
        "body",
    }


def test_private_fields_are_exported_only_on_request_and_never_into_published_folders(tmp_path: Path) -> None:
    stores = make_stores(tmp_path)
    record = receive_comment(
        stores,
        TriageRules(),
        post="first-post",
        author="Sam",
        body="Hi",
        email="sam@example.invalid",
        ip="192.0.2.44",
    ).record
    approve_comments(stores, [record.id])
    with pytest.raises(HarbourError, match="inside .*content.*which is published"):
        export_comments(stores, "json", stores.content_dir / "backup.json", include_private=True)
    with pytest.raises(HarbourError, match="inside .*output"):
        export_comments(
            stores,
            "json",
            tmp_path / "output" / "b.json",
            include_private=True,
            published_dirs=[tmp_path / "output"],
        )
    with pytest.raises(HarbourError, match="--format json only"):
        export_comments(stores, "wxr", tmp_path / "b.xml", include_private=True)
    export_comments(stores, "json", tmp_path / "backup.json", include_private=True)
    (item,) = json.loads((tmp_path / "backup.json").read_text(encoding="utf-8"))["comments"]
    assert item["private"] == {"email": "sam@example.invalid", "ip": "192.0.2.44", "user_agent": None}
    # ...and restoring the backup brings them back.
    restored = make_stores(tmp_path / "restored")
    import_file(restored, TriageRules(), tmp_path / "backup.json", post_slugs={"first-post"})
    assert restored.private.read(record.id).email == "sam@example.invalid"


def test_the_wxr_export_is_what_wordpress_expects(example_site: CommentStores, tmp_path: Path) -> None:
    posts = read_post_info(
        ROOT / "content",
        ["posts"],
        timezone_name="Europe/London",
        site_url="https://x.example",
        article_url="posts/{date:%Y}/{date:%m}/{slug}/",
    )
    export_comments(
        example_site,
        "wxr",
        tmp_path / "c.xml",
        posts=posts,
        site_name="Still Here",
        site_url="https://x.example",
    )
    root = SafeET.parse(tmp_path / "c.xml").getroot()
    channel = root.find("channel")
    assert channel.findtext(f"{WP}wxr_version") == "1.2"
    items = channel.findall("item")
    assert {i.findtext(f"{WP}post_type") for i in items} == {"post"}
    rupture = next(i for i in items if i.findtext(f"{WP}post_name") == "the-first-rupture")
    assert rupture.findtext("title") == "The first rupture"
    assert rupture.findtext("link") == "https://x.example/posts/2024/06/the-first-rupture/"
    numbers = set()
    for item in items:
        comments = item.findall(f"{WP}comment")
        ids = {c.findtext(f"{WP}comment_id") for c in comments}
        numbers |= ids
        for comment in comments:
            for name in (
                "comment_author",
                "comment_date",
                "comment_date_gmt",
                "comment_content",
                "comment_approved",
                "comment_type",
                "comment_parent",
            ):
                assert comment.find(f"{WP}{name}") is not None, name
            assert comment.findtext(f"{WP}comment_id").isdigit()
            assert comment.findtext(f"{WP}comment_author_email") == ""
            assert comment.findtext(f"{WP}comment_author_IP") == ""
            parent = comment.findtext(f"{WP}comment_parent")
            assert parent == "0" or parent in ids  # parents are on the same post
            assert comment.findtext(f"{WP}comment_content").startswith("<")  # HTML, as WordPress stores it
    assert len(numbers) == len(tree(example_site.public_dir))
    warned = [
        c for c in root.iter(f"{WP}comment") if "Content warning:" in c.findtext(f"{WP}comment_content")
    ]
    assert len(warned) == 1 and "pregnancy-loss" in warned[0].findtext(f"{WP}comment_content")


def test_post_info_reads_titles_dates_and_addresses() -> None:
    posts = read_post_info(
        ROOT / "content",
        ["posts"],
        timezone_name="Europe/London",
        site_url="https://x.example",
        article_url="posts/{date:%Y}/{date:%m}/{slug}/",
    )
    assert isinstance(posts["starting-here"], PostInfo)
    assert posts["starting-here"].date.tzinfo is not None
    assert posts["starting-here"].url.startswith("https://x.example/posts/20")


@pytest.mark.parametrize(
    ("timezone_name", "local", "gmt"),
    [
        # Tokyo's local mean time was 9:18:59 ahead of UTC, which puts UTC before the year 1.
        ("Asia/Tokyo", "0001-01-01 00:00:00", "0000-00-00 00:00:00"),
        # London's was 0:01:15 behind: a GMT date exists, and WordPress reads four-digit years.
        ("Europe/London", "0001-01-01 00:00:00", "0001-01-01 00:01:15"),
    ],
)
def test_a_post_dated_without_offset_on_the_first_day_of_the_calendar_exports_in_the_sites_timezone(
    tmp_path: Path, timezone_name: str, local: str, gmt: str
) -> None:
    stores = make_stores(tmp_path)
    (stores.content_dir / "posts").mkdir()
    post = stores.content_dir / "posts" / "first.md"
    post.write_text("Title: First\nDate: 0001-01-01\n\nx\n", encoding="utf-8")
    write_comments(stores.content_dir, {"first/aaa111": comment_file()})
    posts = read_post_info(stores.content_dir, ["posts"], timezone_name=timezone_name)
    assert export_comments(stores, "wxr", tmp_path / "c.xml", posts=posts) == 1
    (item,) = SafeET.parse(tmp_path / "c.xml").getroot().find("channel").findall("item")
    assert (item.findtext(f"{WP}post_date"), item.findtext(f"{WP}post_date_gmt")) == (local, gmt)


def test_post_info_reads_a_header_line_by_line_as_pelican_does(tmp_path: Path) -> None:
    # splitlines() would end the Title line at each of these, and lose the Slug and Date after it.
    title = "Before\u2028after\u2029\u0085\x1c\x1d\x1e\x0b\x0cend"
    (tmp_path / "content" / "posts").mkdir(parents=True)
    (tmp_path / "content" / "posts" / "odd.md").write_text(
        f"Title: {title}\nDate: 2024-04-01 10:00+01:00\nSlug: odd-one\n\nx\n", encoding="utf-8"
    )
    posts = read_post_info(tmp_path / "content", ["posts"], timezone_name="Europe/London")
    assert list(posts) == ["odd-one"]
    assert posts["odd-one"].title == title
    assert posts["odd-one"].date == datetime.fromisoformat("2024-04-01 10:00+01:00")


# --- Real WordPress exports -------------------------------------------------------------------


@pytest.mark.shared_fixtures
def test_pelicans_wordpress_export_imports_threaded_comments_and_skips_the_pingback(tmp_path: Path) -> None:
    stores = make_stores(tmp_path)
    report = import_file(stores, TriageRules(), FIXTURES / "pelican" / "wordpressexport.xml",
                         post_slugs={"with-comments"})
    assert report.statuses == {"approved": 3}
    assert any("a pingback, not a comment" in s for s in report.skipped)
    comments = read_public_comments(stores.public_dir)
    assert {c.post for c in comments} == {"with-comments"}
    assert thread_problems(comments, {"with-comments"}) == []
    assert any(c.reply_to for c in comments)  # the threading survived
    assert all(c.id.startswith("wp-") for c in comments)
    # E-mails and IPs went to the private store only.
    assert stores.private.read(comments[0].id).email.endswith("@mail.test")
    public_text = "".join(tree(stores.public_dir).values())
    assert "@mail.test" not in public_text and "127.0.0.1" not in public_text


@pytest.mark.shared_fixtures
def test_the_theme_unit_test_data_skips_one_long_comment_and_says_how_to_take_it(tmp_path: Path) -> None:
    stores = make_stores(tmp_path)
    source = WORDPRESS / "theme-unit-test-data.xml"
    first = import_file(stores, TriageRules(), source, post_slugs=every_post_in(source))
    # Everything but the one too long to publish; the comment under the password-protected
    # post waits, as readers of the old blog never saw it (see the test below).
    assert first.statuses == {"approved": 21, "pending": 2}
    (too_long,) = [s for s in first.skipped if "comment 881" in s]
    assert too_long.startswith(
        "theme-unit-test-data.xml, post 'template-comments', comment 881: body is 5202 characters long"
    )
    assert "raise COMMENTS['length_limits']['body']" in too_long
    assert "Skipped 7:" in first.summary() and too_long in first.summary()
    assert not any(c.id.endswith("-881") for c in read_public_comments(stores.public_dir))

    rules = TriageRules(length_limits={**DEFAULT_LENGTH_LIMITS, "body": 8000})
    report = import_file(stores, rules, source, post_slugs=every_post_in(source))
    assert report.statuses == {"approved": 1} and len(report.existing) == 23
    assert sum("pingback" in s or "trackback" in s for s in report.skipped) == 4
    assert any("on the page 'Page with comments'" in s for s in report.skipped)
    comments = read_public_comments(stores.public_dir)
    assert thread_problems(comments, {c.post for c in comments}) == []
    chain = build_threads([c for c in comments if c.post == "template-comments"], max_depth=5)
    assert max(n.depth for n in walk(chain)) == 5  # the ten-level chain lines up at the fifth
    assert any("Γιάννης" in c.author for c in comments)
    html_bodies = [c.body for c in comments if "<h1" in c.body or "<img" in c.body or "<script" in c.body]
    assert html_bodies == []  # converted to Markdown, not kept as HTML
    assert "**Header one**" in next(c.body for c in comments if c.id.endswith("-881"))
    assert import_file(stores, rules, source, post_slugs=every_post_in(source)).created == []


@pytest.mark.shared_fixtures
def test_a_comment_approved_under_a_password_protected_post_waits_for_the_writer(tmp_path: Path) -> None:
    stores = make_stores(tmp_path)
    source = WORDPRESS / "theme-unit-test-data.xml"
    import_file(stores, TriageRules(), source, post_slugs=every_post_in(source))
    assert not (stores.public_dir / "template-password-protected").exists()
    (record,) = [r for r in stores.private.all_records() if r.comment.post == "template-password-protected"]
    assert record.status == "pending"
    assert any("password-protected there, so readers never saw it" in note for note in record.notes)


@pytest.mark.shared_fixtures
@pytest.mark.parametrize(
    ("name", "comments"),
    [
        ("small-export.xml", 1),
        ("valid-wxr-1.0.xml", 1),
        ("valid-wxr-1.1.xml", 1),
        ("wxr-comprehensive.xml", 1),
        ("test-serialized-comment-meta.xml", 1),
        ("a11y-unit-test-data.xml", 24),
        ("namespace-edge-cases.xml", 0),
        ("wxr-utf-8-challenges.xml", 0),
        ("post-content-blank-lines.xml", 0),
        ("crazy-cdata-escaped.xml", 0),
    ],
)
def test_real_exports_of_every_wxr_version_read(name: str, comments: int) -> None:
    read = read_wxr(WORDPRESS / name)
    assert len(read.comments) == comments
    for comment in read.comments:
        assert comment.date.tzinfo is not None and comment.body


@pytest.mark.shared_fixtures
def test_wordpress_line_breaks_become_markdown_line_breaks() -> None:
    (comment,) = read_wxr(WORDPRESS / "small-export.xml").comments
    assert comment.body == (
        "Hi, this is a comment.  \nTo delete a comment, just log in and view the post's comments. "
        "There you will have the option to edit or delete them."
    )
    assert comment.author_url == "http://wordpress.org/"


@pytest.mark.shared_fixtures
def test_local_and_gmt_times_give_the_comment_its_offset() -> None:
    dates = {
        c.id.rsplit("-", 1)[1]: c.date for c in read_wxr(WORDPRESS / "theme-unit-test-data.xml").comments
    }
    assert dates["881"].isoformat() == "2012-09-03T10:18:04-07:00"


@pytest.mark.shared_fixtures
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("malformed.xml", r"malformed\.xml:90: not well-formed XML .*export it again"),
        ("malformed-simple.xml", r"malformed-simple\.xml:14: not well-formed XML"),
        ("crazy-cdata.xml", r"crazy-cdata\.xml:18: not well-formed XML"),
        ("missing-version-tag.xml", r"no valid <wp:wxr_version>"),
    ],
)
def test_broken_exports_are_refused_with_file_and_line(name: str, expected: str, tmp_path: Path) -> None:
    stores = make_stores(tmp_path)
    with pytest.raises(HarbourError, match=expected):
        import_file(stores, TriageRules(), WORDPRESS / name, post_slugs=set())
    assert stores.private.ids() == []


def test_entity_expansion_attacks_are_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        "<rss><channel><title>&lol2;</title></channel></rss>",
        encoding="utf-8",
    )
    with pytest.raises(HarbourError, match="refused: the file uses XML features"):
        read_wxr(bomb)


def test_a_comment_in_a_fake_wp_namespace_is_not_imported(tmp_path: Path) -> None:
    fake = tmp_path / "fake.xml"
    fake.write_text(
        '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2</wp:wxr_version>'
        "<item><title>T</title><wp:post_name>t</wp:post_name><wp:post_type>post</wp:post_type>"
        '<wp:comment xmlns:wp="http://example.com/fake/"><wp:comment_id>1</wp:comment_id>'
        "<wp:comment_author>X</wp:comment_author><wp:comment_date>2020-01-01 00:00:00</wp:comment_date>"
        "<wp:comment_content>smuggled</wp:comment_content><wp:comment_approved>1</wp:comment_approved>"
        "</wp:comment></item></channel></rss>",
        encoding="utf-8",
    )
    assert read_wxr(fake).comments == []


# --- JSON files with mistakes -------------------------------------------------------------------


def export_with(**comment: object) -> str:
    """A JSON export holding one comment with these fields."""
    return json.dumps({"format": "harbour-comments", "version": 1,
                       "comments": [{"id": "abc123", "post": "p", "author": "A", "body": "x", **comment}]})


DATE = "2024-01-01 10:00:00+00:00"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"author": 5}, "c.json: comments[0].author: expected text, got 5"),
        (
            {"private": "oops"},
            'c.json: comments[0].private: expected an object with email, ip and user_agent, got "oops"',
        ),
        ({"reply_to": 7}, "c.json: comments[0].reply_to: expected text, got 7"),
        ({"id": ["a"]}, 'c.json: comments[0].id: expected text, got ["a"]'),
        ({"post": {"slug": "p"}}, 'c.json: comments[0].post: expected text, got {"slug": "p"}'),
        ({"body": True}, "c.json: comments[0].body: expected text, got true"),
        ({"author_url": 1.5}, "c.json: comments[0].author_url: expected text, got 1.5"),
        ({"status": 1}, "c.json: comments[0].status: expected text, got 1"),
        (
            {"content_warnings": "grief"},
            'c.json: comments[0].content_warnings: expected a list of trigger tags (text), got "grief"',
        ),
        (
            {"content_warnings": [1]},
            "c.json: comments[0].content_warnings: expected a list of trigger tags (text), got [1]",
        ),
        ({"private": {"email": 5, "ip": ["x"]}}, "c.json: comments[0].private.email: expected text, got 5"),
        ({"private": {"ip": ["x"]}}, 'c.json: comments[0].private.ip: expected text, got ["x"]'),
        ({"private": {"user_agent": False}},
         "c.json: comments[0].private.user_agent: expected text, got false"),
        ({"by_writer": "yes"}, 'c.json: comments[0].by_writer: expected true or false, got "yes"'),
    ],
)
def test_every_field_of_a_json_export_is_type_checked(fields: dict, expected: str, tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text(export_with(date=DATE, **fields), encoding="utf-8")
    stores = make_stores(tmp_path)
    with pytest.raises(HarbourError) as caught:
        import_file(stores, TriageRules(), tmp_path / "c.json", post_slugs={"p"})
    assert expected in caught.value.problems
    assert stores.private.ids() == []


def test_all_type_mistakes_are_listed_at_once(tmp_path: Path) -> None:
    items = [{"id": "abc123", "post": "p", "author": 5, "body": "x", "date": 20240101},
             "not an object", {"id": "abd123", "post": "p", "author": "A", "body": "x", "date": DATE}]
    export = {"format": "harbour-comments", "version": 1, "comments": items}
    (tmp_path / "c.json").write_text(json.dumps(export), encoding="utf-8")
    with pytest.raises(HarbourError) as caught:
        read_json_export(tmp_path / "c.json")
    assert caught.value.problems == [
        "c.json: comments[0].author: expected text, got 5",
        "c.json: comments[0].date: expected text, got 20240101",
        'c.json: comments[1]: expected an object with the comment\'s fields, got "not an object"',
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"format": "harbour-comments", "version": 1, "comments": [}', r"c\.json:1: not valid JSON"),
        ('{"comments": []}', r'not a comments export: expected an object with "format"'),
        ('{"format": "harbour-comments", "version": 2, "comments": []}', "version 2 is not supported"),
        (export_with(), r"comments\[0\]\.date: missing"),
        (export_with(date="2024-01-01 10:00"), r"comments\[0\]\.date: .*no UTC offset"),
        (
            export_with(date="2024-01-01 10:00:00+00:00", reply_to="zzz999"),
            r"comments\[0\]: reply_to 'zzz999' is in neither the file nor this site",
        ),
    ],
)
def test_a_bad_json_export_is_refused_with_the_field_at_fault(
    text: str, expected: str, tmp_path: Path
) -> None:
    (tmp_path / "c.json").write_text(text, encoding="utf-8")
    stores = make_stores(tmp_path)
    with pytest.raises(HarbourError, match=expected):
        import_file(stores, TriageRules(), tmp_path / "c.json", post_slugs={"p"})
    assert stores.private.ids() == []


def test_a_file_that_is_neither_json_nor_xml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_text("Author: x", encoding="utf-8")
    with pytest.raises(HarbourError, match="neither JSON nor XML"):
        import_file(make_stores(tmp_path), TriageRules(), tmp_path / "c.txt", post_slugs=set())
    with pytest.raises(HarbourError, match="no such file"):
        import_file(make_stores(tmp_path), TriageRules(), tmp_path / "missing.json", post_slugs=set())


def test_imported_replies_follow_their_parents_whatever_the_file_order(tmp_path: Path) -> None:
    source = make_stores(tmp_path / "a")
    write_comments(
        source.content_dir,
        {
            "p/aaa111": comment_file("A", "first"),
            "p/bbb222": comment_file("B", "reply", reply_to="aaa111", date="2024-04-04 09:12:00+01:00"),
        },
    )
    export_comments(source, "json", tmp_path / "c.json")
    data = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    data["comments"].reverse()
    (tmp_path / "c.json").write_text(json.dumps(data), encoding="utf-8")
    assert [c.id for c in read_json_export(tmp_path / "c.json").comments] == ["bbb222", "aaa111"]
    target = make_stores(tmp_path / "b")
    import_file(target, TriageRules(), tmp_path / "c.json", post_slugs={"p"})
    assert Counter(r.status for r in target.private.all_records()) == {"approved": 2}


# --- What an import does with what it finds -------------------------------------------------------


def wxr(
    comments: list[dict[str, str]],
    *,
    site: str = "http://example.org",
    post: str = "hello",
    blog: str | None = None,
) -> str:
    """A small WordPress export of one post with the given comments (WordPress's own field names).

    ``blog`` adds a ``wp:base_blog_url`` (WordPress writes one; older test files here did not).
    """
    def comment(c: dict[str, str]) -> str:
        fields = {"comment_approved": "1", "comment_type": "comment", "comment_parent": "0",
                  "comment_date": "2020-01-01 10:00:00", "comment_date_gmt": "2020-01-01 10:00:00", **c}
        inner = "".join(f"<wp:{k}>{escape(v)}</wp:{k}>" for k, v in fields.items())
        return f"<wp:comment>{inner}</wp:comment>"

    return (
        '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2</wp:wxr_version>'
        f"<wp:base_site_url>{escape(site)}</wp:base_site_url>"
        + (f"<wp:base_blog_url>{escape(blog)}</wp:base_blog_url>" if blog is not None else "")
        + f"<item><title>Hello</title><wp:post_name>{post}</wp:post_name><wp:post_type>post</wp:post_type>"
        + "".join(comment(c) for c in comments)
        + "</item></channel></rss>"
    )


def test_one_junk_spam_comment_does_not_block_a_wordpress_import(tmp_path: Path) -> None:
    stores = make_stores(tmp_path)
    (tmp_path / "w.xml").write_text(wxr([
        {"comment_id": "1", "comment_author": "Mina", "comment_content": "Lovely post."},
        {"comment_id": "2", "comment_author": "B" * 89, "comment_author_email": "n/a",
         "comment_author_IP": "unknown", "comment_content": "cheap pills", "comment_approved": "spam"},
    ]), encoding="utf-8")
    report = import_file(stores, TriageRules(), tmp_path / "w.xml", post_slugs={"hello"})
    assert report.statuses == {"approved": 1, "spam": 1} and report.skipped == []
    (spam,) = [r for r in stores.private.all_records() if r.status == "spam"]
    assert spam.comment.author == "B" * 89 and (spam.email, spam.ip) == (None, None)
    assert "the other site's e-mail 'n/a' is not valid here; kept only in this note" in spam.notes
    assert "the other site's IP 'unknown' is not valid here; kept only in this note" in spam.notes


def test_a_comment_too_long_to_publish_is_skipped_with_its_replies_the_rest_imported(tmp_path: Path) -> None:
    stores = make_stores(tmp_path)
    (tmp_path / "w.xml").write_text(wxr([
        {"comment_id": "1", "comment_author": "B" * 89, "comment_content": "A long name."},
        {"comment_id": "2", "comment_author": "Zoë", "comment_content": "A reply.", "comment_parent": "1"},
        {"comment_id": "3", "comment_author": "Mina", "comment_content": "Unrelated."},
    ]), encoding="utf-8")
    report = import_file(stores, TriageRules(), tmp_path / "w.xml", post_slugs={"hello"})
    assert report.statuses == {"approved": 1}
    assert report.skipped[0].endswith(
        "comment 1: author is 89 characters long; at most 80 are allowed. "
        "Shorten it, or raise COMMENTS['length_limits']['author'] in pelicanconf.py"
    )
    assert re.search(r"comment 2: it replies to wp-\w+-1, which was skipped$", report.skipped[1])
    assert [c.author for c in read_public_comments(stores.public_dir)] == ["Mina"]


@pytest.mark.parametrize(
    "other_form", ["https://example.org", "http://example.org/", "https://www.Example.org/", "example.org"]
)
def test_the_same_wordpress_site_under_another_address_form_imports_nothing_twice(
    tmp_path: Path, other_form: str
) -> None:
    stores = make_stores(tmp_path)
    comments = [
        {"comment_id": "1", "comment_author": "Mina", "comment_content": "Lovely post."},
        {"comment_id": "2", "comment_author": "Zoë", "comment_content": "Agreed.", "comment_parent": "1"},
    ]
    (tmp_path / "a.xml").write_text(wxr(comments, site="http://example.org"), encoding="utf-8")
    (tmp_path / "b.xml").write_text(wxr(comments, site=other_form), encoding="utf-8")
    first = import_file(stores, TriageRules(), tmp_path / "a.xml", post_slugs={"hello"})
    assert first.statuses == {"approved": 2}
    again = import_file(stores, TriageRules(), tmp_path / "b.xml", post_slugs={"hello"})
    assert again.created == [] and len(again.existing) == 2
    assert len(stores.private.ids()) == 2


def test_a_comment_imported_before_under_another_id_is_recognised_and_its_replies_attach_to_it(
    tmp_path: Path,
) -> None:
    # What an earlier version stored: the same WordPress comment 1 under an id made from the
    # site address as written then.
    stores = make_stores(tmp_path)
    receive_comment(stores, TriageRules(), post="hello", author="Mina", body="Lovely post.",
                    date=datetime(2020, 1, 1, 10, tzinfo=timezone.utc), comment_id="wp-0a0a0a-1",
                    status="approved", source="import:old.xml")
    (tmp_path / "w.xml").write_text(wxr([
        {"comment_id": "1", "comment_author": "Mina", "comment_content": "Lovely post."},
        {"comment_id": "2", "comment_author": "Zoë", "comment_content": "Agreed.", "comment_parent": "1"},
    ]), encoding="utf-8")
    report = import_file(stores, TriageRules(), tmp_path / "w.xml", post_slugs={"hello"})
    assert len(report.created) == 1 and len(report.existing) == 1
    (reply,) = [c for c in read_public_comments(stores.public_dir) if c.author == "Zoë"]
    assert reply.reply_to == "wp-0a0a0a-1"


def test_approved_comments_for_a_post_this_site_lacks_are_held(tmp_path: Path) -> None:
    stores = make_stores(tmp_path)
    (tmp_path / "w.xml").write_text(wxr([
        {"comment_id": "1", "comment_author": "Mina", "comment_content": "Lovely post."},
    ], post="not-here"), encoding="utf-8")
    report = import_file(stores, TriageRules(), tmp_path / "w.xml", post_slugs={"hello"})
    assert report.statuses == {"pending": 1} and not stores.public_dir.exists()
    (record,) = stores.private.all_records()
    assert any("this site has no post with the slug 'not-here'" in note for note in record.notes)
    assert (
        "Held for moderation: approved on the other site, but this site has no such post:\n"
        f"  - {record.id} on 'not-here' by Mina"
    ) in report.summary()


def test_possible_crises_are_listed_in_the_summary_even_when_they_stay_approved(tmp_path: Path) -> None:
    stores = make_stores(tmp_path)
    (tmp_path / "w.xml").write_text(wxr([
        {"comment_id": "1", "comment_author": "Sam", "comment_content": "Some nights I want to die."},
        {"comment_id": "2", "comment_author": "Mina", "comment_content": "Lovely post."},
    ]), encoding="utf-8")
    report = import_file(stores, TriageRules(), tmp_path / "w.xml", post_slugs={"hello"})
    assert report.statuses == {"approved": 2}  # WordPress had approved them: the import keeps that
    (line,) = report.crisis
    assert "on 'hello' by Sam (published): crisis language: 'want to die'" in line
    heading = "Possible crisis, read these first (python3 dev.py comments-show --id ID):"
    assert f"{heading}\n  - {line}" in report.summary()


def test_importing_again_never_republishes_a_comment_that_was_taken_down(tmp_path: Path) -> None:
    source = make_stores(tmp_path / "a")
    write_comments(source.content_dir, {"p/aaa111": comment_file("A", "first")})
    export_comments(source, "json", tmp_path / "c.json")
    target = make_stores(tmp_path / "b")
    import_file(target, TriageRules(), tmp_path / "c.json", post_slugs={"p"})
    published = target.public_dir / "p" / "aaa111.md"
    published.unlink()  # taken down by hand, or an unpublish that stopped before its record
    report = import_file(target, TriageRules(), tmp_path / "c.json", post_slugs={"p"})
    assert not published.exists() and report.existing == ["aaa111"]
    assert "Needs attention:\n  - aaa111 is approved in its record but has no public file" in report.summary()


# --- Whose comment is whose: the ids of imported comments ----------------------------------------


def test_two_wordpress_com_blogs_with_the_same_comment_numbers_both_import(tmp_path: Path) -> None:
    # Every WordPress.com blog's export says base_site_url https://wordpress.com/.
    stores = make_stores(tmp_path)
    blogs = {
        "first.xml": ("https://first.wordpress.com", "From the first blog.", "Agreed."),
        "second.xml": ("https://second.wordpress.com", "From the second blog.", "Same here."),
    }
    for name, (blog, words, reply) in blogs.items():
        (tmp_path / name).write_text(wxr([
            {"comment_id": "1", "comment_author": "Mina", "comment_content": words},
            {"comment_id": "2", "comment_author": "Zoë", "comment_content": reply, "comment_parent": "1"},
        ], site="https://wordpress.com/", blog=blog), encoding="utf-8")
    first = import_file(stores, TriageRules(), tmp_path / "first.xml", post_slugs={"hello"})
    second = import_file(stores, TriageRules(), tmp_path / "second.xml", post_slugs={"hello"})
    assert first.statuses == second.statuses == {"approved": 2}
    assert second.existing == [] and second.renamed == []
    comments = {c.body: c for c in read_public_comments(stores.public_dir)}
    assert set(comments) == {"From the first blog.", "Agreed.", "From the second blog.", "Same here."}
    assert comments["Same here."].reply_to == comments["From the second blog."].id
    assert comments["Agreed."].reply_to == comments["From the first blog."].id


def test_a_blogs_ids_come_from_its_own_address_and_a_single_sites_stay_as_they_were(
    tmp_path: Path,
) -> None:
    def id_of(site: str, blog: str) -> str:
        (tmp_path / "w.xml").write_text(
            wxr([{"comment_id": "7", "comment_content": "Hi"}], site=site, blog=blog), encoding="utf-8"
        )
        (comment,) = read_wxr(tmp_path / "w.xml").comments
        return comment.id

    # sha256 of the address keyed by, first six hex digits; a single site's is its host alone,
    # as earlier versions made it, so comments they imported keep their ids.
    assert id_of("https://www.example.org/", "https://www.example.org/") == "wp-bfabc3-7"  # example.org
    assert id_of("http://example.org/blog", "https://example.org/blog/") == "wp-bfabc3-7"
    assert id_of("https://wordpress.com/", "https://second.wordpress.com") == "wp-1204fb-7"
    # A subdirectory network: each blog by its host and path.
    assert id_of("https://example.org/", "https://example.org/two/") == "wp-68a805-7"  # example.org/two


def test_a_blog_imported_under_its_networks_key_by_an_earlier_version_imports_nothing_twice(
    tmp_path: Path,
) -> None:
    # What an earlier version stored: ids keyed by wordpress.com, the same for every blog there.
    stores = make_stores(tmp_path)
    old = "wp-d515ac"  # sha256("wordpress.com")
    date = datetime(2020, 1, 1, 10, tzinfo=timezone.utc)
    receive_comment(stores, TriageRules(), post="hello", author="Mina", body="Lovely post.", date=date,
                    comment_id=f"{old}-1", status="approved", source="import:old.xml")
    receive_comment(stores, TriageRules(), post="hello", author="Zoë", body="Agreed.", date=date,
                    comment_id=f"{old}-2", reply_to=f"{old}-1", status="approved", source="import:old.xml")
    (tmp_path / "w.xml").write_text(wxr([
        {"comment_id": "1", "comment_author": "Mina", "comment_content": "Lovely post."},
        {"comment_id": "2", "comment_author": "Zoë", "comment_content": "Agreed.", "comment_parent": "1"},
        {"comment_id": "3", "comment_author": "Sam", "comment_content": "New since then.",
         "comment_parent": "1"},
    ], site="https://wordpress.com/", blog="https://first.wordpress.com"), encoding="utf-8")
    report = import_file(stores, TriageRules(), tmp_path / "w.xml", post_slugs={"hello"})
    assert len(report.created) == 1 and report.duplicates == {OTHER_ID: 2}
    assert (
        "Skipped 2 as duplicates: the same post, author, date and text are already here:\n"
        f"  - 2 {OTHER_ID}"
    ) in report.summary()
    (new,) = [c for c in read_public_comments(stores.public_dir) if c.author == "Sam"]
    assert new.reply_to == f"{old}-1"  # the reply found its parent under the old id
    assert len(read_public_comments(stores.public_dir)) == 3


def test_a_different_comment_under_a_known_id_is_imported_under_a_new_id_not_dropped(
    tmp_path: Path,
) -> None:
    stores = make_stores(tmp_path)
    write_comments(stores.content_dir, {"p/aaa111": comment_file("Ana", "Here first.")})
    items = [
        {"id": "aaa111", "post": "p", "author": "Ben", "body": "Another comment.", "date": DATE},
        {"id": "bbb222", "post": "p", "author": "Cy", "body": "To Ben.", "date": DATE, "reply_to": "aaa111"},
    ]
    export = {"format": "harbour-comments", "version": 1, "comments": items}
    (tmp_path / "c.json").write_text(json.dumps(export), encoding="utf-8")
    report = import_file(stores, TriageRules(), tmp_path / "c.json", post_slugs={"p"})
    (renamed,) = report.renamed
    assert re.fullmatch(
        r"c\.json: comments\[0\]: aaa111 -> aaa111-[0-9a-f]{8} \(held for moderation\)", renamed
    )
    new_id = renamed.split(" -> ")[1].split()[0]
    record = stores.private.read(new_id)
    # Held: such a comment is often an edited copy of the one here, not to be shown beside it.
    assert (record.status, record.comment.author) == ("pending", "Ben")
    assert stores.private.read("bbb222").comment.reply_to == new_id
    assert [c.author for c in read_public_comments(stores.public_dir)] == ["Ana"]
    assert "Imported under a new id: the file's id is taken here by a different comment:" in report.summary()

    again = import_file(stores, TriageRules(), tmp_path / "c.json", post_slugs={"p"})
    assert again.created == [] and again.renamed == []
    assert again.duplicates == {OTHER_ID: 1, SAME_ID: 1}
    assert len(stores.private.ids()) == 2


@pytest.mark.shared_fixtures
def test_a_later_export_of_the_same_blog_brings_its_edited_comments_beside_the_originals(
    tmp_path: Path,
) -> None:
    # Two exports of wpthemetestdata.wordpress.com: 22 comment numbers in both, 12 of them edited
    # in between (another author name, other words). Earlier, the edited ones were dropped as
    # "already here".
    stores = make_stores(tmp_path)
    rules = TriageRules(length_limits={**DEFAULT_LENGTH_LIMITS, "body": 8000})
    first = WORDPRESS / "theme-unit-test-data.xml"
    import_file(stores, rules, first, post_slugs=every_post_in(first))
    before = tree(stores.public_dir)
    later = WORDPRESS / "a11y-unit-test-data.xml"
    report = import_file(stores, rules, later, post_slugs=every_post_in(later))
    assert report.duplicates == {SAME_ID: 10}
    assert len(report.renamed) == 12 and report.statuses == {"approved": 2, "pending": 12}
    assert all(line.endswith("(held for moderation)") for line in report.renamed)
    public = tree(stores.public_dir)
    assert {k: v for k, v in public.items() if k in before} == before  # nothing published was touched
    assert import_file(stores, rules, later, post_slugs=every_post_in(later)).created == []


# --- Hostile files: each ends in one clear line, never a traceback ---------------------------------


@pytest.mark.parametrize(("fields", "expected"), [
    ({"id": "abc123\n"}, "c.json: comments[0]: id 'abc123\\n' is not a comment id"),
    ({"post": "p\n"}, "c.json: comments[0]: post 'p\\n' is not a post slug"),
    ({"post": "my post"}, "c.json: comments[0]: post 'my post' is not a post slug"),
])
def test_an_id_or_slug_with_a_newline_or_space_never_becomes_a_file_name(
    fields: dict, expected: str, tmp_path: Path
) -> None:
    (tmp_path / "c.json").write_text(export_with(date=DATE, **fields), encoding="utf-8")
    stores = make_stores(tmp_path / "site")
    report = import_file(stores, TriageRules(), tmp_path / "c.json", post_slugs={"p", "p\n", "my post"})
    assert report.created == [] and report.skipped[0].startswith(expected)
    assert [p for p in (tmp_path / "site").rglob("*") if p.is_file()] == []


def test_a_namespace_with_a_trailing_newline_is_not_wordpresss(tmp_path: Path) -> None:
    fake = tmp_path / "fake.xml"
    fake.write_text(
        wxr([{"comment_id": "1", "comment_content": "smuggled"}]).replace(
            'xmlns:wp="http://wordpress.org/export/1.2/"', 'xmlns:wp="http://wordpress.org/export/1.2/&#10;"'
        ),
        encoding="utf-8",
    )
    with pytest.raises(HarbourError, match="no valid <wp:wxr_version>"):
        read_wxr(fake)


def test_html_nested_thousands_deep_skips_that_comment_with_a_line_saying_why(tmp_path: Path) -> None:
    stores = make_stores(tmp_path)
    (tmp_path / "w.xml").write_text(wxr([
        {"comment_id": "1", "comment_author": "Deep", "comment_content": "<blockquote>" * 5000 + "down here"},
        {"comment_id": "2", "comment_author": "Mina", "comment_content": "Lovely post."},
    ]), encoding="utf-8")
    report = import_file(stores, TriageRules(), tmp_path / "w.xml", post_slugs={"hello"})
    assert report.statuses == {"approved": 1}
    (skipped,) = report.skipped
    assert skipped.startswith(
        "w.xml, post 'hello', comment 1: wp:comment_content: the HTML nests elements more than 50 deep"
    )
    assert "simplify the comment in WordPress and export again" in skipped


def test_html_up_to_the_nesting_limit_converts_and_renders() -> None:
    body = html_to_markdown("<blockquote>" * 25 + "<ul><li>" * 12 + "deep")  # 49 elements
    assert body.endswith("- - - - - - - - - - - - deep")
    assert render_comment_body(body).count("<blockquote>") == 25
    with pytest.raises(TooDeeplyNested, match="more than 50 deep"):
        html_to_markdown("<b>" * 51 + "x")


def test_a_body_nesting_lists_hundreds_deep_is_skipped_not_rendered(tmp_path: Path) -> None:
    # 700 nested lists in 1,400 characters: Markdown's parser would exhaust Python's stack.
    items = [
        {"id": "abc123", "post": "p", "author": "A", "body": "- " * 700 + "x", "date": DATE},
        {"id": "abd123", "post": "p", "author": "B", "body": "- a\n    - b\n\n> quoted", "date": DATE},
    ]
    (tmp_path / "c.json").write_text(
        json.dumps({"format": "harbour-comments", "version": 1, "comments": items}), encoding="utf-8"
    )
    stores = make_stores(tmp_path)
    report = import_file(stores, TriageRules(), tmp_path / "c.json", post_slugs={"p"})
    assert report.created == ["abd123"]
    assert report.skipped == [
        "c.json: comments[0]: body nests lists or quotes 700 levels deep (its line 1); at most 100 can be "
        "shown: take out the extra '-', '*', '1.' or '>' at the start of that line"
    ]


@pytest.mark.parametrize("nested", ['{"comments": ' + "[" * 100_000 + "]" * 100_000 + "}", "[" * 100_000])
def test_json_nested_thousands_deep_is_refused_in_one_line(nested: str, tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text(nested, encoding="utf-8")
    stores = make_stores(tmp_path / "site")
    with pytest.raises(HarbourError) as caught:
        import_file(stores, TriageRules(), tmp_path / "c.json", post_slugs={"p"})
    assert caught.value.problems == [
        f"{tmp_path / 'c.json'}: its JSON nests arrays or objects thousands of levels deep, which no "
        "comments export does; give a file written by `python3 dev.py comments-export --format json`"
    ]
    assert not (tmp_path / "site" / "private").exists()


@pytest.mark.parametrize("date", ["0001-01-01 00:00:00+01:00", "9999-12-31 23:59:59-01:00"])
def test_a_json_date_at_the_edge_of_the_calendar_is_refused_naming_the_field(
    date: str, tmp_path: Path
) -> None:
    (tmp_path / "c.json").write_text(export_with(date=date), encoding="utf-8")
    stores = make_stores(tmp_path / "site")
    with pytest.raises(HarbourError) as caught:
        import_file(stores, TriageRules(), tmp_path / "c.json", post_slugs={"p"})
    assert caught.value.problems == [
        f"c.json: comments[0].date: {date!r} is out of range: a comment's date must lie between the "
        "years 1970 and 9998 (in UTC); check the year"
    ]
    assert not (tmp_path / "site" / "private").exists()


@pytest.mark.parametrize(("local", "gmt"), [
    ("0001-01-01 00:00:00", "0001-01-01 01:00:00"),
    ("0001-01-01 00:00:00", "0000-00-00 00:00:00"),
    ("9999-12-31 23:59:59", "9999-12-31 23:59:59"),
])
def test_a_wordpress_date_at_the_edge_of_the_calendar_skips_that_comment(
    local: str, gmt: str, tmp_path: Path
) -> None:
    stores = make_stores(tmp_path)
    (tmp_path / "w.xml").write_text(wxr([
        {"comment_id": "1", "comment_content": "Edge.", "comment_date": local, "comment_date_gmt": gmt},
        {"comment_id": "2", "comment_author": "Mina", "comment_content": "Lovely post."},
    ]), encoding="utf-8")
    report = import_file(stores, TriageRules(), tmp_path / "w.xml", post_slugs={"hello"})
    assert report.statuses == {"approved": 1}
    assert report.skipped == [
        f"w.xml, post 'hello', comment 1: wp:comment_date {local!r} is out of range: a comment's date "
        "must lie between the years 1970 and 9998 (in UTC); correct the comment's date in WordPress "
        "and export again"
    ]


def test_a_folder_is_neither_imported_nor_exported_over(tmp_path: Path) -> None:
    stores = make_stores(tmp_path / "site")
    write_comments(stores.content_dir, {"p/aaa111": comment_file()})
    folder = tmp_path / "exports"
    folder.mkdir()
    with pytest.raises(HarbourError) as caught:
        import_file(stores, TriageRules(), folder, post_slugs={"p"})
    assert caught.value.problems == [
        f"{folder}: is a folder; give the path of the export file itself (.json or .xml)"
    ]
    with pytest.raises(HarbourError) as caught:
        export_comments(stores, "json", folder)
    assert caught.value.problems == [
        f"--output {folder} is a folder; give the path of the file to write, e.g. {folder / 'comments.json'}"
    ]
    assert list(folder.iterdir()) == [] and not stores.private.root.exists()
