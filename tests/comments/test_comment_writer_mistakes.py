"""A moderator's slips with comments, caught where they happen, each with its message and no traceback.

The tasks run as the README teaches (`python3 dev.py comments-...`), in a subprocess, against
stores under tmp_path.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from comment_helpers import build_comments_site, comment_file, make_stores, post_text, tiny_site
from comments.config import CommentStores
from comments.desk.arrival import receive_comment
from comments.desk.triage import TriageRules
from conftest import ROOT


def dev(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "dev.py"), *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def on(stores: CommentStores) -> list[str]:
    return ["--private", str(stores.private.root), "--content", str(stores.content_dir)]


def receive(stores: CommentStores, post: str) -> str:
    received = receive_comment(
        stores, TriageRules(), post=post, author="Sam", email="sam@example.invalid", body="Thank you for this."
    )
    return received.record.id


def test_approving_a_comment_whose_post_does_not_exist_keeps_it_waiting(tmp_path: Path) -> None:
    stores = make_stores(tmp_path)
    (stores.content_dir / "posts").mkdir()
    (stores.content_dir / "posts" / "first.md").write_text(post_text("First", "first-post"), encoding="utf-8")
    comment_id = receive(stores, "a-post-not-written-yet")

    result = dev("comments-approve", "--id", comment_id, *on(stores))

    assert result.returncode == 0, result.stderr
    assert (
        f"{comment_id} stays pending, unpublished: it answers the post 'a-post-not-written-yet', which this "
        f"site does not have (no post in {stores.content_dir} has that slug)"
    ) in result.stdout
    assert "approve it once the post exists, or check the post's 'Slug:'" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert "dev.py publish" not in result.stdout  # nothing changed on the site
    assert not stores.public_dir.exists() or not list(stores.public_dir.rglob("*.md"))
    assert stores.private.read(comment_id).status == "pending"


def test_a_comment_file_dated_without_an_offset_is_read_in_the_sites_timezone(tmp_path: Path) -> None:
    # pelicanconf.py's TIMEZONE is Europe/London: British Summer Time (+01:00) in April, GMT in January.
    content = tiny_site(tmp_path, {
        "first-post/aaa111aaa111": comment_file(date="2024-04-03 09:12"),
        "first-post/bbb222bbb222": comment_file(date="2024-01-03 09:12:30", body="In winter."),
    })
    output = build_comments_site(tmp_path, content, json_path="comments/{slug}.json")

    data = json.loads((output / "comments" / "first-post.json").read_text(encoding="utf-8"))
    assert {c["id"]: c["date"] for c in data["comments"]} == {
        "aaa111aaa111": "2024-04-03T09:12:00+01:00",
        "bbb222bbb222": "2024-01-03T09:12:30+00:00",
    }
    # The moderation tasks read the file the same way: taking it down works.
    stores = make_stores(tmp_path)
    result = dev("comments-unpublish", "--id", "aaa111aaa111", *on(stores))
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (content / "comments" / "first-post" / "aaa111aaa111.md").exists()


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_private_export_into_a_folder_git_would_commit_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "blog"
    stores = make_stores(project)
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    (stores.content_dir / "posts").mkdir()
    (stores.content_dir / "posts" / "first.md").write_text(post_text("First", "first-post"), encoding="utf-8")
    approved = dev("comments-approve", "--id", receive(stores, "first-post"), *on(stores))
    assert approved.returncode == 0, approved.stdout + approved.stderr
    tracked = project / "comments.json"

    result = dev("comments-export", "--include-private", "--output", str(tracked), *on(stores))

    assert result.returncode == 1
    assert (
        f"comments-export: {tracked} is inside the git repository {project} and git does not ignore it, so "
        "the next `git add` would commit commenters' e-mail and IP addresses; write an export with private "
        "fields into a folder git ignores (e.g. --output private/comments-backup.json) or outside the project"
    ) in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not tracked.exists()

    (project / ".gitignore").write_text("private/\n", encoding="utf-8")
    ignored = project / "private" / "comments-backup.json"
    allowed = dev("comments-export", "--include-private", "--output", str(ignored), *on(stores))
    assert allowed.returncode == 0, allowed.stderr
    assert "sam@example.invalid" in ignored.read_text(encoding="utf-8")
    # Public fields only: nothing private to commit, so any folder will do.
    public = dev("comments-export", "--output", str(tracked), *on(stores))
    assert public.returncode == 0 and "sam@example.invalid" not in tracked.read_text(encoding="utf-8")
