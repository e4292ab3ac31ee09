"""`invoke comments-reply`, run as a writer runs it: with --body, --file, or their editor (a fake one,
through $EDITOR), answering the approve question on stdin or with --yes; against tmp_path stores."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from comment_helpers import make_stores, post_text
from comments.config import CommentStores
from comments.desk.arrival import receive_comment
from comments.desk.moderation import approve_comments, reject_comments
from comments.desk.public_store import read_public_comments
from comments.desk.triage import TriageRules
from conftest import ROOT

REMINDER = "Run `python3 dev.py publish` (or your deploy) to update the live site."
# What the fake editor does, from its environment: copy what it was given to SEEN, then append
# TYPED to the file (nothing: it saves the file as it was), then end with EXIT.
FAKE_EDITOR = """\
import os, sys
path = sys.argv[1]
with open(path, encoding="utf-8") as draft:
    given = draft.read()
with open(os.environ["FAKE_EDITOR_SEEN"], "w", encoding="utf-8") as seen:
    seen.write(given)
with open(path, "a", encoding="utf-8") as draft:
    draft.write(os.environ.get("FAKE_EDITOR_TYPED", ""))
sys.exit(int(os.environ.get("FAKE_EDITOR_EXIT", "0")))
"""


@pytest.fixture
def stores(tmp_path: Path) -> CommentStores:
    stores = make_stores(tmp_path)
    (stores.content_dir / "posts").mkdir()
    first = post_text("First post", "first-post")
    (stores.content_dir / "posts" / "first.md").write_text(first, encoding="utf-8")
    return stores


@pytest.fixture
def editor(tmp_path: Path) -> dict[str, str]:
    """The environment of a writer whose $EDITOR is the fake editor, with drafts under tmp_path."""
    script = tmp_path / "fake_editor.py"
    script.write_text(FAKE_EDITOR, encoding="utf-8")
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    return {
        "EDITOR": f"{sys.executable} {script}",
        "FAKE_EDITOR_SEEN": str(tmp_path / "seen.md"),
        "TMPDIR": str(drafts),
    }


def reply_task(
    stores: CommentStores, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("VISUAL", "EDITOR")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "invoke", "comments-reply", *args,
         "--private", str(stores.private.root), "--content", str(stores.content_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, input=stdin, env=environment,
    )


def receive(stores: CommentStores, body: str = "Thank you for writing this.", *, approve: bool = True) -> str:
    comment_id = receive_comment(
        stores, TriageRules(), post="first-post", author="Mina", body=body, email="mina@example.invalid"
    ).record.id
    if approve:
        approve_comments(stores, [comment_id])
    return comment_id


def writers_replies(stores: CommentStores) -> list:
    return [c for c in read_public_comments(stores.public_dir) if c.by_writer]


def stored_files(stores: CommentStores) -> dict[str, bytes]:
    return {
        str(p): p.read_bytes()
        for folder in (stores.private.root, stores.public_dir)
        for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".lock"
    }


def assert_clean_failure(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 1, result
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_body_publishes_a_reply_signed_by_the_sites_author(stores: CommentStores) -> None:
    parent = receive(stores)
    done = reply_task(stores, "--to", parent, "--body", "Thank you, Mina.\n\nIt *helps* to hear.")
    assert done.returncode == 0, done.stderr
    assert f"published your reply to {parent} by Mina" in done.stdout
    assert done.stdout.rstrip().endswith(REMINDER)
    (reply,) = writers_replies(stores)
    assert (reply.author, reply.reply_to) == ("Robin", parent)
    assert reply.author_url == "https://still-here.example.org"  # publishconf.py's SITEURL
    assert reply.body == "Thank you, Mina.\n\nIt *helps* to hear."
    assert stores.private.audit_entries()[-1]["action"] == "writer-reply"


def test_a_control_character_in_body_is_refused_but_line_breaks_and_tabs_are_not(
    stores: CommentStores,
) -> None:
    parent = receive(stores)
    before = stored_files(stores)
    refused = reply_task(stores, "--to", parent, "--body", "Thanks\x1b[2J")
    assert_clean_failure(
        refused, "--body contains an escape character (U+001B) after 'Thanks'; it must be text: line breaks "
                 "and tabs are allowed, but no other control characters",
    )
    assert stored_files(stores) == before
    assert reply_task(stores, "--to", parent, "--body", "Line one\n\tindented").returncode == 0


def test_file_gives_the_reply(stores: CommentStores, tmp_path: Path) -> None:
    parent = receive(stores)
    reply_file = tmp_path / "reply.md"
    reply_file.write_bytes("\ufeffFrom a file,\r\n\r\nwith Windows line ends.\r\n".encode())
    done = reply_task(stores, "--to", parent, "--file", str(reply_file))
    assert done.returncode == 0, done.stderr
    assert [c.body for c in writers_replies(stores)] == ["From a file,\n\nwith Windows line ends."]
    assert reply_file.exists()  # the writer's own file is theirs to keep
    assert_clean_failure(
        reply_task(stores, "--to", parent, "--file", str(tmp_path / "missing.md")),
        "missing.md: cannot be read (No such file or directory)",
    )


def test_without_body_or_file_the_writers_editor_opens_on_a_draft_explaining_what_to_do(
    stores: CommentStores, editor: dict[str, str]
) -> None:
    parent = receive(stores, "It helped to read *this*.")
    typed = "Thank you.\n\n# A heading\n"
    done = reply_task(stores, "--to", parent, env={**editor, "FAKE_EDITOR_TYPED": typed})
    assert done.returncode == 0, done.stderr
    seen = Path(editor["FAKE_EDITOR_SEEN"]).read_text(encoding="utf-8")
    assert seen.startswith(f"# Your reply to Mina (comment {parent} on first-post), who wrote:\n")
    assert "#   > It helped to read *this*.\n" in seen and "Save it empty to cancel" in seen
    assert [c.body for c in writers_replies(stores)] == ["Thank you.\n\n# A heading"]
    assert list(Path(editor["TMPDIR"]).iterdir()) == []  # the draft is gone once published
    assert done.stdout.rstrip().endswith(REMINDER)


def test_visual_comes_before_editor(stores: CommentStores, editor: dict[str, str]) -> None:
    parent = receive(stores)
    env = {**editor, "VISUAL": editor["EDITOR"], "EDITOR": "/nonexistent/editor", "FAKE_EDITOR_TYPED": "Hi"}
    assert reply_task(stores, "--to", parent, env=env).returncode == 0
    missing = reply_task(stores, "--to", parent, env={**editor, "EDITOR": "/nonexistent/editor"})
    assert_clean_failure(missing, "the editor '/nonexistent/editor' (from $EDITOR) is not installed")


def test_an_empty_draft_cancels_and_writes_nothing(stores: CommentStores, editor: dict[str, str]) -> None:
    parent = receive(stores)
    before = stored_files(stores)
    cancelled = reply_task(stores, "--to", parent, env=editor)  # saved as it was: only the header
    assert_clean_failure(cancelled, "the reply is empty, so nothing was published (cancelled)")
    assert stored_files(stores) == before
    assert list(Path(editor["TMPDIR"]).iterdir()) == []
    assert REMINDER not in cancelled.stdout


def test_an_editor_that_fails_publishes_nothing_and_keeps_what_was_typed(
    stores: CommentStores, editor: dict[str, str]
) -> None:
    parent = receive(stores)
    before = stored_files(stores)
    env = {**editor, "FAKE_EDITOR_TYPED": "Half a", "FAKE_EDITOR_EXIT": "3"}
    failed = reply_task(stores, "--to", parent, env=env)
    assert_clean_failure(failed, "ended with exit code 3, so nothing was done; what you wrote is kept in")
    assert stored_files(stores) == before
    (draft,) = Path(editor["TMPDIR"]).iterdir()
    assert draft.read_text(encoding="utf-8").endswith("Half a")


def test_a_refused_reply_keeps_the_draft_and_the_draft_can_be_sent_with_file(
    stores: CommentStores, editor: dict[str, str]
) -> None:
    parent = receive(stores)
    before = stored_files(stores)
    refused = reply_task(stores, "--to", parent, env={**editor, "FAKE_EDITOR_TYPED": "Oops\x07 a bell"})
    assert_clean_failure(refused, "body contains control characters other than line breaks and tabs")
    assert "what you wrote is kept in" in refused.stderr
    assert f"comments-reply --to {parent} --file" in refused.stderr
    assert stored_files(stores) == before
    (draft,) = Path(editor["TMPDIR"]).iterdir()
    draft.write_text(draft.read_text(encoding="utf-8").replace("\x07", ""), encoding="utf-8")
    done = reply_task(stores, "--to", parent, "--file", str(draft))
    assert done.returncode == 0, done.stderr
    assert [c.body for c in writers_replies(stores)] == ["Oops a bell"]  # without the draft's header


@pytest.mark.parametrize(
    ("stdin", "approved"),
    [("y\n", True), ("yes\n", True), ("n\n", False), ("\n", False), ("", False)],
    ids=["y", "yes", "n", "enter", "end-of-input"],
)
def test_a_waiting_parent_is_approved_only_when_the_writer_says_yes(
    stores: CommentStores, stdin: str, approved: bool
) -> None:
    parent = receive(stores, approve=False)
    before = stored_files(stores)
    result = reply_task(stores, "--to", parent, "--body", "Welcome!", stdin=stdin)
    assert f"{parent} by Mina is still waiting for moderation" in result.stdout
    assert "Approve it first? [y/N]" in result.stdout
    if approved:
        assert result.returncode == 0, result.stderr
        assert stores.private.read(parent).status == "approved"
        assert [c.reply_to for c in writers_replies(stores)] == [parent]
        assert f"approved {parent}, then published your reply" in result.stdout
    else:
        assert_clean_failure(result, f"nothing published: {parent} is still waiting")
        assert stored_files(stores) == before


def test_yes_approves_a_waiting_parent_without_asking(stores: CommentStores, editor: dict[str, str]) -> None:
    parent = receive(stores, approve=False)
    done = reply_task(stores, "--to", parent, "--yes", env={**editor, "FAKE_EDITOR_TYPED": "Welcome!"})
    assert done.returncode == 0, done.stderr
    assert "Approve it first?" not in done.stdout
    assert stores.private.read(parent).status == "approved" and len(writers_replies(stores)) == 1


def test_a_rejected_parent_is_refused_before_the_editor_opens(
    stores: CommentStores, editor: dict[str, str]
) -> None:
    parent = receive(stores, approve=False)
    reject_comments(stores, [parent], "off topic")
    before = stored_files(stores)
    refused = reply_task(stores, "--to", parent, "--yes", env=editor)
    assert_clean_failure(refused, f"{parent} by Mina is rejected (off topic)")
    assert not Path(editor["FAKE_EDITOR_SEEN"]).exists()  # the writer typed nothing in vain
    assert stored_files(stores) == before


def test_missing_or_conflicting_options_fail_in_one_line(stores: CommentStores, tmp_path: Path) -> None:
    parent = receive(stores)
    assert_clean_failure(reply_task(stores, "--body", "Hi"), "comments-reply needs --to ID")
    assert_clean_failure(
        reply_task(stores, "--to", parent, "--body", "Hi", "--file", str(tmp_path / "x.md")),
        "give your reply with --body or with --file, not both",
    )
    assert_clean_failure(reply_task(stores, "--to", "nope-not-here", "--body", "Hi"), "no comment with id")
    listed = subprocess.run(
        [sys.executable, "-m", "invoke", "--list"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    lines = [line.split() for line in listed.stdout.splitlines()]
    assert any(words[:1] == ["comments-reply"] and len(words) > 1 for words in lines)
