"""import-disqus: a Disqus export's threads matched to posts, imported, built, and imported again.

Our own export (tests/fixtures/disqus-export.xml) has a thread for each way of matching, one for
a post this site lacks, an empty one, replies, a deleted parent with replies under it, spam,
crisis language, guests with and without names, e-mails and IPs. Isso's test export (read in
place from ../shared/fixtures) is one nobody here wrote.
"""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SHARED_FIXTURES
from selectolax.lexbor import LexborHTMLParser

# comment_helpers lives beside the comments tests: pytest puts that folder on the path only
# when it collects them, and this file must also run on its own.
sys.path.insert(0, str(Path(__file__).resolve().parent / "comments"))

from comment_helpers import article_html, build_comments_site, make_stores, post_text, tiny_site
from comments.config import CommentStores
from comments.desk.triage import CRISIS, TriageRules
from harbour.errors import HarbourError
from importers.disqus import (
    MISSING_BODY,
    REMOVED_AUTHOR,
    REMOVED_BODY,
    DisqusReport,
    DisqusThread,
    SitePosts,
    address_key,
    import_disqus,
    match_thread,
    read_disqus,
    site_posts,
)

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "disqus-export.xml"
ISSO = SHARED_FIXTURES / "isso" / "disqus.xml"
ARTICLE_URL = "posts/{date:%Y}/{date:%m}/{slug}/"
PUBLIC = {"dsq-1001", "dsq-1002", "dsq-1003-removed", "dsq-1004", "dsq-1005", "dsq-1007", "dsq-1009"}
# Comment -> the comment it answers on the built page (None: top level).
THREADS = {
    "first-post": {
        "dsq-1001": None,
        "dsq-1002": "dsq-1001",
        "dsq-1003-removed": None,
        "dsq-1004": "dsq-1003-removed",
        "dsq-1005": "dsq-1004",
    },
    "second-post": {"dsq-1007": None, "dsq-1009": "dsq-1007"},
}
NEVER_PUBLIC = [
    "regret writing in anger",  # deleted on Disqus
    "Cheap pills",  # spam
    "can't do this anymore",  # crisis language: held for the writer
    "did not move",  # its post is not on this site
    "Disqus forgot",  # its thread is not in the export
]


def fixture_private_values(path: Path) -> set[str]:
    """Every e-mail and IP address the export holds, read from the file itself."""
    text = path.read_text(encoding="utf-8")
    return set(re.findall(r"<email>([^<]+)</email>", text)) | set(
        re.findall(r"<ipAddress>([^<]+)</ipAddress>", text)
    )


def site_of(content: Path) -> SitePosts:
    return site_posts(content, ["posts"], article_url=ARTICLE_URL, timezone_name="Europe/London")


def snapshot(*folders: Path) -> dict[str, bytes]:
    return {
        str(path): path.read_bytes()
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def parents_on_page(html: str) -> dict[str, str | None]:
    """Each comment on a built page -> the comment whose list of replies holds it (None: top level)."""
    parents: dict[str, str | None] = {}
    for article in LexborHTMLParser(html).css("article.comment"):
        own = (article.attributes.get("id") or "").removeprefix("comment-")
        parent, node = None, article.parent
        while node is not None and parent is None:
            if node.tag == "li":
                heads = [
                    c for c in node.iter() if c.tag == "article" and c is not article and c.id != article.id
                ]
                heads = [c for c in heads if "comment" in (c.attributes.get("class") or "")]
                if heads:
                    parent = (heads[0].attributes.get("id") or "").removeprefix("comment-")
            node = node.parent
        parents[own] = parent
    return parents


def import_fixture(
    stores: CommentStores, content: Path, path: Path = FIXTURE, **options: object
) -> DisqusReport:
    return import_disqus(stores, TriageRules(), path, site=site_of(content), moderator="tester", **options)


@pytest.fixture
def site(tmp_path: Path) -> tuple[CommentStores, Path]:
    content = tiny_site(tmp_path)
    return make_stores(tmp_path), content


def test_an_export_imports_builds_threaded_and_a_second_import_changes_nothing(
    site: tuple[CommentStores, Path], tmp_path: Path
) -> None:
    stores, content = site
    report = import_fixture(stores, content)
    assert report.comments.statuses == {"approved": 7, "pending": 3, "rejected": 1, "spam": 1}
    assert {p.stem for p in stores.public_dir.rglob("*.md")} == PUBLIC
    assert sorted(p.name for p in stores.public_dir.iterdir()) == ["first-post", "second-post"]

    output = build_comments_site(tmp_path, content)
    for slug, expected in THREADS.items():
        html = article_html(output, slug)
        assert parents_on_page(html) == expected, slug
    first = article_html(output, "first-post")
    assert REMOVED_BODY in first and REMOVED_AUTHOR in first
    assert "Same here, the guide was kind." in first and "Taking it slowly." in first
    built = "\n".join(
        p.read_text(encoding="utf-8", errors="replace") for p in output.rglob("*") if p.is_file()
    )
    assert "Reading this at 3am" in built  # the guest without a name
    for words in NEVER_PUBLIC:
        assert words not in built, words
    published = b"\n".join(snapshot(content, output).values())
    for value in fixture_private_values(FIXTURE):
        assert value.encode() not in published, value

    before = snapshot(content, stores.private.root)
    again = import_fixture(stores, content)
    assert again.comments.created == [] and len(again.comments.existing) == 12
    assert snapshot(content, stores.private.root) == before


def test_the_summary_names_every_thread_and_what_was_held(site: tuple[CommentStores, Path]) -> None:
    stores, content = site
    summary = import_fixture(stores, content).summary()
    assert "Read disqus-export.xml: 4 thread(s), 11 comment(s)." in summary
    assert "Threads matched to a post here: 2 (1 by its address, 1 by its identifier)." in summary
    assert "http://old-blog.example.org/2019/05/a-post-not-moved/" in summary
    assert "1 comment(s) held under 'a-post-not-moved'" in summary
    assert "thread 999: 1 comment(s) held under 'disqus-thread-999'" in summary
    assert "Threads without comments: 1" in summary and "thread 400" in summary
    assert "dsq-1003-removed on 'first-post'" in summary and "deleted on Disqus" in summary
    assert (
        "Possible crisis, read these first" in summary
        and "dsq-1008 on 'second-post' by Kit (pending)" in summary
    )
    assert "Imported 12 new comment(s) (7 approved, 3 pending, 1 rejected, 1 spam)" in summary
    for value in fixture_private_values(FIXTURE):
        assert value not in summary


def test_what_is_kept_privately_and_why(site: tuple[CommentStores, Path]) -> None:
    stores, content = site
    import_fixture(stores, content)
    deleted = stores.private.read("dsq-1003")
    assert (deleted.status, deleted.email, deleted.ip) == ("rejected", "sam@example.org", "203.0.113.33")
    assert "regret writing" in deleted.comment.body and "deleted on Disqus" in deleted.notes
    placeholder = stores.private.read("dsq-1003-removed")
    assert (placeholder.email, placeholder.ip, placeholder.comment.author_url) == (None, None, None)
    assert (
        placeholder.comment.body == REMOVED_BODY
        and "placeholder for Disqus comment 1003" in placeholder.notes[-1]
    )
    assert stores.private.read("dsq-1006").status == "spam"
    crisis = stores.private.read("dsq-1008")
    assert crisis.status == "pending" and CRISIS in crisis.flags
    unmatched = stores.private.read("dsq-1010")
    assert (unmatched.status, unmatched.comment.post) == ("pending", "a-post-not-moved")
    assert any("http://old-blog.example.org/2019/05/a-post-not-moved/" in note for note in unmatched.notes)
    orphan = stores.private.read("dsq-1011")
    assert (orphan.status, orphan.comment.post) == ("pending", "disqus-thread-999")
    guest = stores.private.read("dsq-1007")
    assert (guest.comment.author, guest.email, guest.ip) == (
        "Anonymous",
        "nobody@example.net",
        "2001:db8:77::7",
    )


def test_hold_keeps_every_comment_back_and_publishes_nothing(site: tuple[CommentStores, Path]) -> None:
    stores, content = site
    report = import_fixture(stores, content, hold=True)
    assert report.comments.statuses == {"pending": 10, "rejected": 1, "spam": 1}
    assert list(stores.public_dir.rglob("*.md")) == []
    assert stores.private.read("dsq-1003-removed").status == "pending"


def test_a_newer_export_adds_only_what_is_new(site: tuple[CommentStores, Path], tmp_path: Path) -> None:
    stores, content = site
    import_fixture(stores, content)
    newer = tmp_path / "newer.xml"
    newer.write_text(
        FIXTURE.read_text(encoding="utf-8").replace(
            "</disqus>",
            '<post dsq:id="1012"><message>&lt;p&gt;Back again a year later.&lt;/p&gt;</message>'
            "<createdAt>2025-04-02T10:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>"
            '<author><name>Mina</name></author><thread dsq:id="100"/><parent dsq:id="1005"/></post></disqus>',
        ),
        encoding="utf-8",
    )
    report = import_fixture(stores, content, newer)
    assert report.comments.created == ["dsq-1012"] and len(report.comments.existing) == 12
    assert stores.private.read("dsq-1012").comment.reply_to == "dsq-1005"
    assert (stores.public_dir / "first-post" / "dsq-1012.md").is_file()


def test_progress_is_reported_while_reading_and_importing(site: tuple[CommentStores, Path]) -> None:
    stores, content = site
    lines: list[str] = []
    ticks = iter(range(0, 10_000, 10))  # a clock that moves ten seconds each time it is read
    import_fixture(stores, content, progress=lines.append, clock=lambda: next(ticks))
    assert any(
        re.fullmatch(r"Reading disqus-export\.xml: \d+% \(\d+ comments so far\)", line) for line in lines
    )
    assert lines[-1] == "Importing: 12 of 12 comments"


# --- Matching threads to posts --------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("https://www.Example.org/Posts/2024/04/First-Post/", "/posts/2024/04/first-post"),
        ("http://localhost:4000/blog/2013/02/12/redacted/index.html", "/blog/2013/02/12/redacted"),
        ("/posts/2024/04/first-post", "/posts/2024/04/first-post"),
        ("http://old.example.org/?p=42&utm_source=feed", "?p=42"),
        ("http://old.example.org/caf%C3%A9//?ref=x#disqus_thread", "/café"),
        ("http://example.org/", "/"),
        ("some-id", None),
        ("", None),
    ],
)
def test_addresses_are_compared_by_path(address: str, key: str | None) -> None:
    assert address_key(address) == key


SITE = SitePosts.from_addresses(
    {
        "first-post": ["/posts/2024/04/first-post/", "http://old.example.org/?p=7"],
        "second-post": ["/posts/2024/05/second-post/"],
        "twin-a": ["http://old.example.org/second-post/"],
        "twin-b": ["http://old.example.org/second-post/"],
    }
)


@pytest.mark.parametrize(
    ("thread", "slug", "how"),
    [
        (
            DisqusThread("1", link="https://other-host.example/posts/2024/04/first-post/"),
            "first-post",
            "by its address",
        ),
        (DisqusThread("2", link="http://old.example.org/?p=7"), "first-post", "by its address"),
        (
            DisqusThread("3", identifier="second-post", link="http://x.example/"),
            "second-post",
            "by its identifier",
        ),
        (DisqusThread("4", identifier="7 http://old.example.org/?p=7"), "first-post", "by its identifier"),
        (
            DisqusThread("5", link="http://x.example/2019/second-post.html"),
            "second-post",
            "by the slug in its address",
        ),
    ],
)
def test_a_thread_is_matched_by_address_identifier_or_slug(thread: DisqusThread, slug: str, how: str) -> None:
    match = match_thread(thread, SITE)
    assert (match.slug, match.matched, match.how) == (slug, True, how)


def test_a_thread_fitting_two_posts_is_held_not_guessed_and_never_under_a_real_post() -> None:
    # Its address fits two posts; the slug at its end is a third post's, so it is held under neither.
    match = match_thread(DisqusThread("6", link="http://old.example.org/second-post/"), SITE)
    assert not match.matched and match.how == "its address fits several posts (twin-a, twin-b)"
    assert match.slug not in SITE.slugs and match.slug == "disqus-thread-6"
    unmatched = match_thread(DisqusThread("8", link="http://old.example.org/2019/gone-now/"), SITE)
    assert (unmatched.slug, unmatched.matched) == ("gone-now", False)


# --- Threads a damaged or hostile file makes --------------------------------------------------


def export_of(*posts: str, threads: str = '<thread dsq:id="1"><id>first-post</id></thread>') -> str:
    return (
        '<?xml version="1.0"?>'
        '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
        + threads
        + "".join(posts)
        + "</disqus>"
    )


def post_xml(dsq_id: str, text: str, *, parent: str = "", deleted: bool = False, minute: int = 0) -> str:
    return (
        f'<post dsq:id="{dsq_id}"><message>{text}</message>'
        f"<createdAt>2024-04-02T10:{minute:02}:00Z</createdAt>"
        f"<isDeleted>{str(deleted).lower()}</isDeleted><isSpam>false</isSpam>"
        f'<author><name>Reader {dsq_id}</name></author><thread dsq:id="1"/>'
        + (f'<parent dsq:id="{parent}"/>' if parent else "")
        + "</post>"
    )


def test_replies_under_a_chain_of_removed_or_missing_comments_keep_their_place(
    site: tuple[CommentStores, Path], tmp_path: Path
) -> None:
    stores, content = site
    path = tmp_path / "chain.xml"
    path.write_text(
        export_of(
            post_xml("1", "Top, deleted", deleted=True),
            post_xml("2", "Deleted answer", parent="1", deleted=True, minute=1),
            post_xml("3", "Still here under two removed", parent="2", minute=2),
            post_xml("4", "Answering a comment the export lacks", parent="77", minute=3),
        ),
        encoding="utf-8",
    )
    import_fixture(stores, content, path)
    read = stores.private.read
    assert read("dsq-3").comment.reply_to == "dsq-2-removed"
    assert read("dsq-2-removed").comment.reply_to == "dsq-1-removed"
    assert read("dsq-1-removed").comment.reply_to is None
    assert read("dsq-4").comment.reply_to == "dsq-77-removed"
    assert read("dsq-77-removed").comment.body == MISSING_BODY
    assert read("dsq-2").comment.reply_to == "dsq-1" and read("dsq-2").status == "rejected"
    output = build_comments_site(tmp_path, content)
    assert parents_on_page(article_html(output, "first-post")) == {
        "dsq-1-removed": None,
        "dsq-2-removed": "dsq-1-removed",
        "dsq-3": "dsq-2-removed",
        "dsq-77-removed": None,
        "dsq-4": "dsq-77-removed",
    }


def test_comments_answering_each_other_in_a_ring_are_all_imported(
    site: tuple[CommentStores, Path], tmp_path: Path
) -> None:
    stores, content = site
    path = tmp_path / "ring.xml"
    path.write_text(
        export_of(post_xml("1", "One", parent="2"), post_xml("2", "Two", parent="1", minute=1)),
        encoding="utf-8",
    )
    report = import_fixture(stores, content, path)
    assert sorted(report.comments.created) == ["dsq-1", "dsq-2"]
    assert sorted(stores.private.read(i).comment.reply_to or "-" for i in ("dsq-1", "dsq-2")) == [
        "-",
        "dsq-1",
    ]


# --- Files that are refused --------------------------------------------------------------------


@pytest.mark.parametrize(
    "doctype",
    [
        # Billion laughs: a few hundred bytes that expand to gigabytes.
        '<!DOCTYPE disqus [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
        + "]>",
        '<!DOCTYPE disqus [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
    ],
    ids=["entity-bomb", "external-entity"],
)
def test_entity_tricks_are_refused_within_a_second(
    doctype: str, site: tuple[CommentStores, Path], tmp_path: Path
) -> None:
    stores, content = site
    path = tmp_path / "attack.xml"
    body = post_xml("1", "&j;" if "ENTITY j" in doctype else "&secret;")
    path.write_text(export_of(body).replace("<disqus ", doctype + "<disqus ", 1), encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(HarbourError, match=r"attack\.xml: refused: the file uses XML features"):
        import_fixture(stores, content, path)
    assert time.monotonic() - started < 1.0
    assert stores.private.ids() == [] and not stores.public_dir.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            export_of(post_xml("1", "Hi"))[:-40],
            r"cut\.xml:1: not well-formed XML .*export it again from Disqus",
        ),
        ('<rss version="2.0"><channel/></rss>', r"cut\.xml: not a Disqus export: expected <disqus"),
        (
            export_of(post_xml("1", "Hi"), post_xml("1", "Different")),
            "comment 1 appears twice with different",
        ),
        (
            gzip.compress(export_of(post_xml("1", "Hi")).encode("utf-8")),
            r"cut\.xml: a compressed file \(gzip\), as Disqus sends it; unpack it first \(gunzip cut\.xml",
        ),
    ],
    ids=["truncated", "not-disqus", "same-id-twice", "gzipped"],
)
def test_a_broken_file_is_refused_in_one_line_and_nothing_is_written(
    text: str | bytes, expected: str, site: tuple[CommentStores, Path], tmp_path: Path
) -> None:
    stores, content = site
    path = tmp_path / "cut.xml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(HarbourError, match=expected):
        import_fixture(stores, content, path)
    assert stores.private.ids() == []


# --- The task ------------------------------------------------------------------------------------


def test_the_task_imports_and_prints_the_summary(site: tuple[CommentStores, Path]) -> None:
    stores, content = site
    store_options = ["--private", str(stores.private.root), "--content", str(content)]
    run = subprocess.run(
        [sys.executable, "-m", "invoke", "import-disqus", "--file", str(FIXTURE), *store_options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "Threads matched to a post here: 2" in run.stdout and "to update the live site." in run.stdout
    assert {p.stem for p in stores.public_dir.rglob("*.md")} == PUBLIC
    missing = subprocess.run(
        [sys.executable, "-m", "invoke", "import-disqus", *store_options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert missing.returncode == 1 and "import-disqus: import-disqus needs --file PATH" in missing.stderr
    assert "Traceback" not in missing.stderr
    listed = subprocess.run(
        [sys.executable, "-m", "invoke", "--list"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    ).stdout
    assert re.search(r"^  import-disqus +Import a Disqus export", listed, re.MULTILINE), listed


# --- Isso's test export: written by nobody here ----------------------------------------------------


@pytest.mark.shared_fixtures
def test_issos_export_imports_with_its_orphan_and_empty_id_thread_reported_not_lost(
    site: tuple[CommentStores, Path], tmp_path: Path
) -> None:
    stores, content = site
    (content / "posts" / "redacted.md").write_text(
        post_text("Redacted", "redacted", "2013-02-12 16:00"), encoding="utf-8"
    )
    report = import_fixture(stores, content, ISSO)
    summary = report.summary()
    assert report.threads == 3 and report.comments_read == 6
    # The thread with an empty <id/> but a link is matched by the slug in its address.
    assert "thread 7 http://localhost:4000/blog/2013/02/12/redacted/index.html" in summary
    assert stores.private.read("dsq-8").status == "approved"
    assert (stores.public_dir / "redacted" / "dsq-8.md").is_file()
    # The orphan (its thread 1337 is not in the export) is kept, held.
    assert (stores.private.read("dsq-6").status, stores.private.read("dsq-6").comment.post) == (
        "pending",
        "disqus-thread-1337",
    )
    assert "thread 1337: 1 comment(s) held" in summary
    # The empty thread (only an empty <id/>) is reported.
    assert "Threads without comments: 1" in summary and "thread 3 (no link)" in summary
    # The reply to the deleted comment 9 stays under its placeholder.
    assert stores.private.read("dsq-11").comment.reply_to == "dsq-9-removed"
    assert stores.private.read("dsq-9").status == "rejected"
    assert sorted(stores.private.ids()) == sorted(
        ["dsq-4", "dsq-5", "dsq-6", "dsq-8", "dsq-9", "dsq-9-removed", "dsq-11"]
    )
    assert report.comments.skipped == []
    output = build_comments_site(tmp_path, content)
    assert "Message from thread with empty title and id" in article_html(output, "redacted")
    published = b"\n".join(snapshot(content, output).values())
    for value in fixture_private_values(ISSO):
        assert value.encode() not in published, value
    again = import_fixture(stores, content, ISSO)
    assert again.comments.created == [] and len(again.comments.existing) == 7


# --- Posts that arrive after their comments -------------------------------------------------------


def test_a_post_found_at_an_old_address_in_its_header_gets_its_thread(tmp_path: Path) -> None:
    content = tiny_site(
        tmp_path,
        posts={
            "moved.md": post_text("Moved", "moved-at-last").replace(
                "Summary:", "Old-URL: http://old-blog.example.org/2019/05/a-post-not-moved/\nSummary:"
            ),
        },
    )
    match = match_thread(
        DisqusThread("300", link="http://old-blog.example.org/2019/05/a-post-not-moved/"), site_of(content)
    )
    assert (match.slug, match.matched, match.how) == ("moved-at-last", True, "by its address")


def test_comments_imported_before_their_post_end_as_if_it_had_been_there(
    site: tuple[CommentStores, Path], tmp_path: Path
) -> None:
    stores, content = site
    import_fixture(stores, content)
    assert stores.private.read("dsq-1010").status == "pending"
    # The post arrives later (import-wordpress, or by hand), under another slug, naming its old address.
    moved = content / "posts" / "moved.md"
    moved.write_text(
        post_text("Moved", "moved-at-last", "2019-05-01 10:00").replace(
            "Summary:", "Old-URL: http://old-blog.example.org/2019/05/a-post-not-moved/\nSummary:"
        ),
        encoding="utf-8",
    )
    report = import_fixture(stores, content)
    assert report.settled[0] == "1 comment(s) held under 'a-post-not-moved' are now under 'moved-at-last'"
    record = stores.private.read("dsq-1010")
    assert (record.status, record.comment.post) == ("approved", "moved-at-last")
    assert [step["action"] for step in record.history] == ["receive", "move", "approve"]
    assert report.comments.created == []

    # The same as importing into a site that had the post from the start.
    fresh_root = tmp_path / "fresh"
    fresh_content = tiny_site(
        fresh_root, posts={p.name: p.read_text(encoding="utf-8") for p in (content / "posts").iterdir()}
    )
    fresh = make_stores(fresh_root)
    import_fixture(fresh, fresh_content)

    def public(stores: CommentStores) -> dict[str, str]:
        return {
            str(p.relative_to(stores.public_dir)): p.read_text(encoding="utf-8")
            for p in stores.public_dir.rglob("*.md")
        }

    assert public(stores) == public(fresh)
    output = build_comments_site(tmp_path, content)
    assert "An old comment on a post that did not move." in article_html(output, "moved-at-last")

    before = snapshot(content, stores.private.root)
    again = import_fixture(stores, content)
    assert again.settled == [] and again.comments.created == []
    assert snapshot(content, stores.private.root) == before


def test_comments_held_under_the_slug_their_post_then_gets_are_published_once(
    site: tuple[CommentStores, Path],
) -> None:
    stores, content = site
    import_fixture(stores, content)
    (content / "posts" / "a-post-not-moved.md").write_text(
        post_text("A post not moved", "a-post-not-moved", "2019-05-01 10:00"), encoding="utf-8"
    )
    report = import_fixture(stores, content)
    assert report.settled == ["1 comment(s) held under 'a-post-not-moved' until the post was here"]
    record = stores.private.read("dsq-1010")
    assert record.status == "approved"
    assert [step["action"] for step in record.history] == ["receive", "approve"]
    assert (stores.public_dir / "a-post-not-moved" / "dsq-1010.md").is_file()
    assert import_fixture(stores, content).settled == []


def test_held_comments_the_writer_has_moderated_stay_where_they_are(site: tuple[CommentStores, Path]) -> None:
    from comments.desk.moderation import reject_comments

    stores, content = site
    import_fixture(stores, content)
    reject_comments(stores, ["dsq-1010"], "not about this blog", moderator="tester")
    (content / "posts" / "moved.md").write_text(
        post_text("Moved", "moved-at-last").replace(
            "Summary:", "Old-URL: http://old-blog.example.org/2019/05/a-post-not-moved/\nSummary:"
        ),
        encoding="utf-8",
    )
    report = import_fixture(stores, content)
    assert "held under 'a-post-not-moved' stay there: their thread now matches 'moved-at-last'" in (
        report.unsettled[0]
    )
    record = stores.private.read("dsq-1010")
    assert (record.status, record.comment.post) == ("rejected", "a-post-not-moved")
    assert not (stores.public_dir / "moved-at-last").exists()


def test_a_placeholder_is_held_while_no_reply_under_it_is_published(
    site: tuple[CommentStores, Path], tmp_path: Path
) -> None:
    stores, content = site
    path = tmp_path / "held-reply.xml"
    path.write_text(
        export_of(
            post_xml("1", "Deleted", deleted=True),
            post_xml("2", "I cant take it anymore", parent="1", minute=1),
        ),
        encoding="utf-8",
    )
    import_fixture(stores, content, path)
    assert stores.private.read("dsq-2").status == "pending"
    assert stores.private.read("dsq-1-removed").status == "pending"
    assert list(stores.public_dir.rglob("*.md")) == []


def test_posts_imported_from_wordpress_are_found_by_their_old_address_and_their_wordpress_id(
    tmp_path: Path,
) -> None:
    from comments.transfer.wxr import blog_key

    # The header import-wordpress writes: the post's old address and its WordPress id.
    key = blog_key("https://old-blog.example.org", "https://old-blog.example.org")
    content = tiny_site(tmp_path, posts={
        "a.md": post_text("A", "renamed-here").replace(
            "Summary:",
            f"WordPress-Post: {key}-300\n"
            "WordPress-Address: https://old-blog.example.org/2019/05/a/\nSummary:",
        ),
    })
    site = site_of(content)
    by_address = match_thread(DisqusThread("1", link="http://old-blog.example.org/2019/05/a/"), site)
    assert (by_address.slug, by_address.how) == ("renamed-here", "by its address")
    # The WordPress Disqus plugin's identifier: the post id and its short address, whatever the link.
    by_id = match_thread(
        DisqusThread(
            "2", identifier="300 http://old-blog.example.org/?p=300", link="http://staging.example/x/"
        ),
        site,
    )
    assert (by_id.slug, by_id.how) == ("renamed-here", "by its identifier")
    other_blog = match_thread(DisqusThread("3", identifier="300 http://another.example.org/?p=300"), site)
    assert not other_blog.matched


def test_a_large_export_is_streamed_not_held_in_memory(tmp_path: Path) -> None:
    import tracemalloc

    path = tmp_path / "large.xml"
    filler = "x" * 1000
    with path.open("w", encoding="utf-8") as file:
        file.write(export_of(post_xml("1", "Kept")).removesuffix("</disqus>"))
        for number in range(3_000):  # three MB of categories, which nothing keeps
            file.write(f'<category dsq:id="{number}"><forum>f</forum><title>{filler}</title></category>')
        file.write("</disqus>")
    tracemalloc.start()
    try:
        export = read_disqus(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert list(export.posts) == ["1"]
    assert peak < 1_000_000, f"reading a 3 MB export took {peak:,} bytes at its peak"
