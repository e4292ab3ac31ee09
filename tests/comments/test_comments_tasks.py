"""The comments tasks, run as a writer runs them: `invoke ...` in a subprocess, against tmp_path stores."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest

from comment_helpers import comment_file, make_stores, post_text, write_comments
from comments.desk.arrival import receive_comment
from comments.config import CommentStores
from comments.transfer.importer import import_file
from comments.desk.public_store import read_public_comments
from comments.desk.triage import TriageRules
from conftest import ROOT

WP = "{http://wordpress.org/export/1.2/}"

COMMENT_TASKS = [
    "comments-queue",
    "comments-show",
    "comments-approve",
    "comments-reject",
    "comments-spam",
    "comments-unpublish",
    "comments-export",
    "comments-import",
]


def invoke(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def on(stores: CommentStores) -> list[str]:
    return ["--private", str(stores.private.root), "--content", str(stores.content_dir)]


def receive(stores: CommentStores, body: str, **fields: str) -> str:
    fields = {"post": "first-post", "author": "Sam", "email": "sam@example.invalid", **fields}
    return receive_comment(stores, TriageRules(), body=body, **fields).record.id  # type: ignore[arg-type]


def assert_clean_failure(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 1, result
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.fixture
def stores(tmp_path: Path) -> CommentStores:
    return make_stores(tmp_path)


def write_first_post(stores: CommentStores) -> None:
    """The post that receive()'s comments answer: comments-approve keeps a comment without its post waiting."""
    (stores.content_dir / "posts").mkdir(exist_ok=True)
    (stores.content_dir / "posts" / "first.md").write_text(post_text("First post", "first-post"), encoding="utf-8")


def test_every_comments_task_is_listed_with_its_docstring() -> None:
    listed = invoke("--list")
    assert listed.returncode == 0, listed.stderr
    lines = {line.split()[0]: line for line in listed.stdout.splitlines()[1:] if line.startswith("  ")}
    for name in COMMENT_TASKS:
        assert name in lines and len(lines[name].split()) > 1, name
    help_text = invoke("--help", "comments-approve").stdout
    assert "repeat --id to approve several" in help_text and "--private" in help_text


def test_queue_show_approve_and_unpublish(stores: CommentStores) -> None:
    write_first_post(stores)
    parent = receive(stores, "The parent comment")
    reply = receive(stores, "I want to die, honestly", reply_to=parent, author="Zoë")
    queue = invoke("comments-queue", *on(stores))
    assert queue.returncode == 0, queue.stderr
    assert queue.stdout.splitlines()[2].startswith(reply)  # the possible crisis comes first
    assert "!! possible-crisis" in queue.stdout and "2 waiting" in queue.stdout

    shown = invoke("comments-show", "--id", reply, *on(stores))
    assert shown.returncode == 0 and "E-mail:           sam@example.invalid" in shown.stdout

    waiting = invoke("comments-approve", "--id", reply, *on(stores))
    assert waiting.returncode == 0
    assert f"{reply} stays waiting: it replies to {parent}" in waiting.stdout
    assert "dev.py publish" not in waiting.stdout  # nothing changed on the site
    approved = invoke("comments-approve", "--id", reply, "--id", parent, *on(stores))
    assert approved.returncode == 0, approved.stderr
    assert approved.stdout.rstrip().endswith("Run `python3 dev.py publish` (or your deploy) to update the live site.")
    assert sorted(p.stem for p in stores.public_dir.rglob("*.md")) == sorted([parent, reply])
    assert "No comments are waiting." in invoke("comments-queue", *on(stores)).stdout

    refused = invoke("comments-unpublish", "--id", parent, *on(stores))
    assert_clean_failure(refused, "nothing done for")
    assert f"--id {parent} --id {reply}" in refused.stdout
    done = invoke("comments-unpublish", "--id", parent, "--id", reply, "--reason", "asked", *on(stores))
    assert done.returncode == 0 and list(stores.public_dir.rglob("*.md")) == []
    # Until the next publish, the live site still shows what was just taken down.
    assert done.stdout.rstrip().endswith("Run `python3 dev.py publish` (or your deploy) to update the live site.")
    assert stores.private.read(parent).status == "rejected"


def test_reject_and_spam(stores: CommentStores) -> None:
    first, second = receive(stores, "one"), receive(stores, "two")
    assert_clean_failure(invoke("comments-reject", "--id", first, *on(stores)), "needs a reason")
    assert invoke("comments-reject", "--id", first, "--reason", "off topic", *on(stores)).returncode == 0
    assert invoke("comments-spam", "--id", second, *on(stores)).returncode == 0
    assert [stores.private.read(i).status for i in (first, second)] == ["rejected", "spam"]
    assert [e["action"] for e in stores.private.audit_entries()] == ["receive", "receive", "reject", "spam"]


def test_unknown_ids_and_missing_options_fail_with_a_clear_message(stores: CommentStores) -> None:
    known = receive(stores, "hello")
    assert_clean_failure(
        invoke("comments-approve", "--id", known[:-1] + "x", *on(stores)), f"did you mean '{known}'"
    )
    assert_clean_failure(invoke("comments-show", "--id", "Not An Id", *on(stores)), "is not a comment id")
    assert_clean_failure(invoke("comments-export", *on(stores)), "needs --output PATH")
    assert_clean_failure(invoke("comments-import", *on(stores)), "needs --file PATH")
    assert_clean_failure(
        invoke("comments-export", "--format", "csv", "--output", str(stores.content_dir / "x"), *on(stores)),
        "--format 'csv' is not supported",
    )
    assert stores.private.read(known).status == "pending"


def test_export_then_import_into_an_empty_site_and_again(stores: CommentStores, tmp_path: Path) -> None:
    write_first_post(stores)
    first = receive(stores, "Published *one*", author="田中 ゆき", content_warnings="grief")
    invoke("comments-approve", "--id", first, *on(stores))
    for fmt in ("json", "wxr"):
        exported = tmp_path / f"export.{fmt}"
        result = invoke("comments-export", "--format", fmt, "--output", str(exported), *on(stores))
        assert result.returncode == 0 and f"Wrote 1 approved comments to {exported}" in result.stdout
        assert "sam@example.invalid" not in exported.read_text(encoding="utf-8")
        target = make_stores(tmp_path / f"empty-{fmt}")
        (target.content_dir / "posts").mkdir()
        post = post_text("First post", "first-post")
        (target.content_dir / "posts" / "first.md").write_text(post, encoding="utf-8")
        imported = invoke("comments-import", "--file", str(exported), *on(target))
        assert imported.returncode == 0 and "Imported 1 new comment(s) (1 approved)" in imported.stdout
        again = invoke("comments-import", "--file", str(exported), *on(target))
        assert "Imported 0 new comment(s) (none); 1 already here" in again.stdout
        assert (target.public_dir / "first-post" / f"{first}.md").read_text(encoding="utf-8") == (
            stores.public_dir / "first-post" / f"{first}.md"
        ).read_text(encoding="utf-8")
    data = json.loads((tmp_path / "export.json").read_text(encoding="utf-8"))
    assert data["comments"][0]["content_warnings"] == ["grief"]


def test_a_folder_given_as_the_file_to_import_or_export_fails_in_one_line(
    stores: CommentStores, tmp_path: Path
) -> None:
    write_first_post(stores)
    comment_id = receive(stores, "hello")
    invoke("comments-approve", "--id", comment_id, *on(stores))
    folder = tmp_path / "exports"
    folder.mkdir()
    imported = invoke("comments-import", "--file", str(folder), *on(stores))
    assert_clean_failure(
        imported, f"comments-import: {folder}: is a folder; give the path of the export file itself"
    )
    exported = invoke("comments-export", "--output", str(folder), *on(stores))
    assert_clean_failure(
        exported,
        f"comments-export: --output {folder} is a folder; give the path of the file to write, "
        f"e.g. {folder / 'comments.json'}",
    )
    assert list(folder.iterdir()) == [] and stores.private.ids() == [comment_id]


@pytest.mark.shared_fixtures
def test_importing_a_real_wordpress_export_and_a_broken_one(stores: CommentStores) -> None:
    fixtures = ROOT.parent / "shared" / "fixtures"
    result = invoke(
        "comments-import", "--file", str(fixtures / "pelican" / "wordpressexport.xml"), *on(stores)
    )
    assert result.returncode == 0, result.stderr
    # This site has no post 'with-comments': approved there, they wait here instead of breaking the build.
    assert "Imported 3 new comment(s) (3 pending)" in result.stdout
    assert "a pingback, not a comment" in result.stdout
    assert "Held for moderation: approved on the other site, but this site has no such post:" in result.stdout
    assert list(stores.public_dir.rglob("*.md")) == []
    assert "dev.py publish" not in result.stdout
    broken = invoke(
        "comments-import", "--file", str(fixtures / "wordpress-importer" / "malformed.xml"), *on(stores)
    )
    assert_clean_failure(broken, "malformed.xml:90: not well-formed XML")


def test_the_private_store_may_not_be_inside_content(stores: CommentStores) -> None:
    result = invoke(
        "comments-queue",
        "--private",
        str(stores.content_dir / "private"),
        "--content",
        str(stores.content_dir),
    )
    assert_clean_failure(result, "is inside the content folder")


def test_queue_and_show_say_when_the_stores_disagree(stores: CommentStores) -> None:
    comment_id = receive(stores, "hello")
    # A public file for a comment still waiting: the next build would publish it.
    (stores.public_dir / "first-post").mkdir(parents=True)
    (stores.public_dir / "first-post" / f"{comment_id}.md").write_text(
        "Author: Sam\nDate: 2024-04-03 09:12:00+01:00\n\nhello\n", encoding="utf-8"
    )
    queue = invoke("comments-queue", *on(stores))
    assert queue.returncode == 0 and "Needs attention:" in queue.stdout
    assert f"{comment_id} is pending in its record, but its public file" in queue.stdout
    shown = invoke("comments-show", "--id", comment_id, *on(stores))
    assert shown.stdout.startswith(f"Needs attention: {comment_id} is pending in its record")


NO_GMT = "0000-00-00 00:00:00"  # WordPress's own "no GMT date": its importer works it out from the local one


def _site_with_a_post_dated(stores: CommentStores, date: str) -> Path:
    """The post 'edge' (its Date on line 2) with one approved comment."""
    (stores.content_dir / "posts").mkdir()
    post = stores.content_dir / "posts" / "edge.md"
    post.write_text(post_text("Edge", "edge", date), encoding="utf-8")
    write_comments(stores.content_dir, {"edge/3f9c2a7b1d4e": comment_file(body="Still here at the edge.")})
    return post


@pytest.mark.parametrize(
    ("date", "local", "gmt", "pub_date"),
    [
        # UTC is past 9999 or before the year 1: WordPress's "no GMT date", pubDate at the calendar's edge.
        ("9999-12-31 23:59:59-01:00", "9999-12-31 23:59:59", NO_GMT, "Fri, 31 Dec 9999 23:59:59 +0000"),
        ("0001-01-01 00:00:00+01:00", "0001-01-01 00:00:00", NO_GMT, "Mon, 01 Jan 0001 00:00:00 +0000"),
        ("2024-04-01 10:00+01:00", "2024-04-01 10:00:00",
         "2024-04-01 09:00:00", "Mon, 01 Apr 2024 09:00:00 +0000"),
    ],
)
def test_a_post_dated_at_the_edge_of_the_calendar_exports_to_wxr_and_imports_back(
    stores: CommentStores, tmp_path: Path, date: str, local: str, gmt: str, pub_date: str
) -> None:
    _site_with_a_post_dated(stores, date)
    exported = tmp_path / "export.xml"
    result = invoke("comments-export", "--format", "wxr", "--output", str(exported), *on(stores))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    (item,) = SafeET.parse(exported).getroot().find("channel").findall("item")
    assert [item.findtext(f"{WP}{name}") for name in ("post_name", "post_date", "post_date_gmt")] == [
        "edge", local, gmt,
    ]
    assert item.findtext("pubDate") == pub_date
    target = make_stores(tmp_path / "target")
    report = import_file(target, TriageRules(), exported, post_slugs={"edge"})
    assert report.statuses == {"approved": 1}
    assert read_public_comments(target.public_dir)[0].body == "Still here at the edge."


def test_a_post_date_offset_by_a_day_or_more_stops_the_export_naming_the_file_and_line(
    stores: CommentStores, tmp_path: Path
) -> None:
    _site_with_a_post_dated(stores, "2024-04-02 22:30-25:00")
    exported = tmp_path / "exports" / "export.xml"
    exported.parent.mkdir()
    exported.write_text("the previous export\n", encoding="utf-8")
    result = invoke("comments-export", "--format", "wxr", "--output", str(exported), *on(stores))
    assert_clean_failure(
        result,
        "comments-export: content/posts/edge.md:2: Date '2024-04-02 22:30-25:00' has a UTC offset of a day "
        "or more; write it as YYYY-MM-DD HH:MM, with a UTC offset from -23:59 to +23:59 if any "
        "(e.g. 2024-04-02 22:30 or 2024-04-02 22:30+01:00)\n",
    )
    assert len(result.stderr.splitlines()) == 1
    # The previous export is untouched and no temporary file is left beside it.
    assert [p.name for p in exported.parent.iterdir()] == ["export.xml"]
    assert exported.read_text(encoding="utf-8") == "the previous export\n"
    # JSON exports do not carry post dates: they are not held up by one.
    backup = tmp_path / "exports" / "backup.json"
    assert invoke("comments-export", "--output", str(backup), *on(stores)).returncode == 0
    assert json.loads(backup.read_text(encoding="utf-8"))["comments"][0]["post"] == "edge"
