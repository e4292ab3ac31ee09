"""Arrival and moderation on real stores in tmp_path: nothing lost, nothing published by accident."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from filelock import FileLock

from comment_helpers import comment_file, hold_rules, make_stores, write_comments
from comments.desk import moderation
from comments.desk.arrival import arrival_problems, receive_comment
from comments.config import CommentStores
from comments.desk.moderation import (
    DONE,
    REFUSED,
    UNCHANGED,
    WAITING,
    approve_comments,
    mark_spam,
    reject_comments,
    unpublish_comments,
)
from comments.desk.queue_view import (
    comment_problems,
    comment_record,
    describe_comment,
    format_queue,
    pending_queue,
    queue_report,
)
from comments.desk.private_store import PrivateStore
from comments.desk.public_store import read_public_comments, write_public_comment
from comments.desk.triage import TriageRules
from harbour.errors import HarbourError


@pytest.fixture
def stores(tmp_path: Path) -> CommentStores:
    return make_stores(tmp_path)


def receive(
    stores: CommentStores,
    body: str = "Thank you for this.",
    rules: TriageRules | None = None,
    **fields: object,
) -> str:
    fields = {
        "post": "first-post",
        "author": "Sam",
        "email": "sam@example.invalid",
        "ip": "192.0.2.10",
        **fields,
    }
    return receive_comment(stores, rules or hold_rules(), body=body, moderator="tester", **fields).record.id  # type: ignore[arg-type]


def public_files(stores: CommentStores) -> list[str]:
    return sorted(str(p.relative_to(stores.public_dir)) for p in stores.public_dir.rglob("*.md"))


def actions(stores: CommentStores) -> list[tuple[str, str]]:
    return [(e["action"], e["id"]) for e in stores.private.audit_entries()]


def test_a_new_comment_is_kept_privately_and_never_touches_content(stores: CommentStores) -> None:
    comment_id = receive(stores, user_agent="Mozilla/5.0 (X11)")
    assert len(comment_id) == 12 and int(comment_id, 16) >= 0
    assert not stores.public_dir.exists()
    data = json.loads((stores.private.records_dir / f"{comment_id}.json").read_text(encoding="utf-8"))
    assert data["status"] == "pending"
    assert (data["email"], data["ip"], data["user_agent"]) == (
        "sam@example.invalid",
        "192.0.2.10",
        "Mozilla/5.0 (X11)",
    )
    assert data["history"][0]["action"] == "receive"
    assert actions(stores) == [("receive", comment_id)]


def test_an_auto_approved_comment_is_published_at_once(stores: CommentStores) -> None:
    first = receive(stores)
    approve_comments(stores, [first], moderator="tester")
    rules = TriageRules(moderation="auto-approve-returning")
    again = receive(stores, "Me again!", rules=rules)
    stranger = receive(stores, "Hello", rules=rules, author="Someone else", email="else@example.invalid")
    assert comment_record(stores, again).status == "approved"
    assert comment_record(stores, stranger).status == "pending"
    assert public_files(stores) == sorted([f"first-post/{first}.md", f"first-post/{again}.md"])


def test_approving_publishes_only_public_fields(stores: CommentStores) -> None:
    comment_id = receive(
        stores, "Hello *there*", author_url="https://sam.example.org/", content_warnings=["grief"]
    )
    (outcome,) = approve_comments(stores, [comment_id], moderator="tester")
    assert outcome.result == DONE
    text = (stores.public_dir / "first-post" / f"{comment_id}.md").read_text(encoding="utf-8")
    assert text.startswith("Author: Sam\nDate: ")
    assert "Author-URL: https://sam.example.org/\nContent-Warnings: grief\n\nHello *there*\n" in text
    assert "example.invalid" not in text and "192.0.2.10" not in text
    record = comment_record(stores, comment_id)
    assert record.status == "approved" and [h["action"] for h in record.history] == ["receive", "approve"]
    assert approve_comments(stores, [comment_id])[0].result == UNCHANGED


def test_a_reply_waits_while_its_parent_is_not_approved(stores: CommentStores) -> None:
    parent = receive(stores, "Parent")
    reply = receive(stores, "Reply", reply_to=parent)
    (waiting,) = approve_comments(stores, [reply])
    assert waiting.result == WAITING
    assert f"replies to {parent} by Sam, which is pending" in waiting.message
    assert f"python3 dev.py comments-approve --id {parent} --id {reply}" in waiting.message
    assert comment_record(stores, reply).status == "pending" and public_files(stores) == []
    # Given together, in any order, the parent goes first.
    outcomes = approve_comments(stores, [reply, parent])
    assert [(o.id, o.result) for o in outcomes] == [(parent, DONE), (reply, DONE)]
    assert {c.id: c.reply_to for c in read_public_comments(stores.public_dir)} == {
        parent: None,
        reply: parent,
    }


def test_a_reply_must_answer_an_existing_comment_on_the_same_post(stores: CommentStores) -> None:
    other = receive(stores, post="second-post")
    with pytest.raises(HarbourError, match="is a comment on 'second-post', not on 'first-post'"):
        receive(stores, reply_to=other)
    with pytest.raises(HarbourError, match="matches no comment"):
        receive(stores, reply_to="abc999")


def test_rejecting_needs_a_reason_and_keeps_the_comment(stores: CommentStores) -> None:
    comment_id = receive(stores)
    with pytest.raises(HarbourError, match="needs a reason"):
        reject_comments(stores, [comment_id], "  ")
    (outcome,) = reject_comments(stores, [comment_id], "personal details", moderator="tester")
    assert outcome.result == DONE
    record = comment_record(stores, comment_id)
    assert (record.status, record.reason, record.email) == (
        "rejected",
        "personal details",
        "sam@example.invalid",
    )
    assert stores.private.audit_entries()[-1]["reason"] == "personal details"


# Every character str.splitlines() ends a line at that JSON writes raw or escapes.
LINE_SEPARATORS = "\u2028\u2029\u0085\x1c\x1d\x1e\x0b\x0c\r"


def test_an_audit_field_holding_a_line_separator_reads_back_whole(stores: CommentStores) -> None:
    comment_id = receive(stores)
    moderator = f"Zoë{LINE_SEPARATORS}Admin"  # the moderator's name comes from the login, unchecked
    reject_comments(stores, [comment_id], "personal details", moderator=moderator)
    assert [(e["action"], e["by"]) for e in stores.private.audit_entries()] == [
        ("receive", "tester"), ("reject", moderator),
    ]
    log = stores.private.audit_path.read_text(encoding="utf-8")
    # One line per step for any reader (splitlines, editors), names still in their own script.
    assert len(log.splitlines()) == 2 and "Zoë" in log


def test_an_audit_log_written_with_raw_line_separators_reads_and_takes_new_lines(tmp_path: Path) -> None:
    store = PrivateStore(tmp_path / "private")
    old = [
        {"action": "receive", "id": "aaa111", "by": f"Sam{LINE_SEPARATORS}"},
        {"action": "reject", "id": "aaa111", "reason": f"a{LINE_SEPARATORS}b"},
    ]
    store.root.mkdir()
    # How every earlier version wrote the log: JSON leaves U+2028, U+2029 and U+0085 raw.
    old_log = "".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in old)
    store.audit_path.write_text(old_log, encoding="utf-8")
    assert "\u2028" in store.audit_path.read_text(encoding="utf-8")
    new = {"action": "approve", "id": "aaa111", "by": "Mina\u2028"}
    with store.locked():
        store.append_audit(new)
    assert store.audit_entries() == [*old, new]


def test_spam_is_kept_and_can_be_approved_later(stores: CommentStores) -> None:
    comment_id = receive(stores)
    assert mark_spam(stores, [comment_id])[0].result == DONE
    assert mark_spam(stores, [comment_id])[0].result == UNCHANGED
    assert comment_record(stores, comment_id).status == "spam"
    assert approve_comments(stores, [comment_id])[0].result == DONE


def test_a_published_comment_is_taken_down_with_unpublish_not_reject(stores: CommentStores) -> None:
    comment_id = receive(stores)
    approve_comments(stores, [comment_id])
    (refused,) = reject_comments(stores, [comment_id], "changed my mind")
    assert refused.result == REFUSED and f"python3 dev.py comments-unpublish --id {comment_id}" in refused.message
    assert mark_spam(stores, [comment_id])[0].result == REFUSED
    (done,) = unpublish_comments(stores, [comment_id], "asked to remove it")
    assert done.result == DONE
    assert public_files(stores) == []
    record = comment_record(stores, comment_id)
    assert (record.status, record.reason) == ("rejected", "unpublished: asked to remove it")
    assert record.email == "sam@example.invalid" and record.comment.body == "Thank you for this."
    assert unpublish_comments(stores, [comment_id])[0].result == UNCHANGED


def test_unpublishing_a_comment_with_published_replies_needs_them_too(stores: CommentStores) -> None:
    parent = receive(stores, "Parent")
    reply = receive(stores, "Reply", reply_to=parent)
    approve_comments(stores, [parent, reply])
    (refused,) = unpublish_comments(stores, [parent])
    assert refused.result == REFUSED
    assert f"python3 dev.py comments-unpublish --id {parent} --id {reply}" in refused.message
    assert len(public_files(stores)) == 2
    outcomes = unpublish_comments(stores, [parent, reply])
    assert [o.result for o in outcomes] == [DONE, DONE] and public_files(stores) == []
    # Replies went first, so the public store was never left with an orphan.
    assert [a for a in actions(stores) if a[0] == "unpublish"] == [
        ("unpublish", reply),
        ("unpublish", parent),
    ]


def test_unpublishing_a_hand_written_comment_creates_its_record(stores: CommentStores) -> None:
    write_comments(stores.content_dir, {"first-post/aaa111bbb222": comment_file("Mina", "Lovely.")})
    (outcome,) = unpublish_comments(stores, ["aaa111bbb222"], moderator="tester")
    assert outcome.result == DONE and public_files(stores) == []
    record = comment_record(stores, "aaa111bbb222")
    assert (record.status, record.comment.author, record.comment.body) == ("rejected", "Mina", "Lovely.")
    assert "published without one" in record.notes[0]
    # Approving it again restores the very same file.
    approve_comments(stores, ["aaa111bbb222"])
    path = stores.public_dir / "first-post" / "aaa111bbb222.md"
    assert path.read_text(encoding="utf-8") == comment_file("Mina", "Lovely.")


def test_unknown_ids_are_refused_before_anything_changes(stores: CommentStores) -> None:
    comment_id = receive(stores)
    typo = comment_id[:-1] + ("x" if comment_id[-1] != "x" else "y")  # never the real id
    with pytest.raises(HarbourError) as caught:
        approve_comments(stores, [comment_id, typo, "../../etc/passwd"])
    message = str(caught.value)
    assert f"did you mean '{comment_id}'" in message
    assert "'../../etc/passwd' is not a comment id" in message
    assert comment_record(stores, comment_id).status == "pending"
    with pytest.raises(HarbourError, match="no comment id given"):
        approve_comments(stores, [])


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"author": "  "}, "author is empty"),
        ({"body": ""}, "body is empty"),
        ({"email": "not-an-address"}, "does not look like an e-mail address"),
        ({"ip": "999.1.1.1"}, "not an IPv4 or IPv6 address"),
        ({"author_url": "javascript:alert(1)"}, "author_url 'javascript:alert(1)' is not an http(s) address"),
        ({"author_url": "https://bank.example@evil.example/"}, "is not an http(s) address"),
        ({"author_url": "https://user:pw@evil.example/"}, "is not an http(s) address"),
        ({"author": "x" * 81}, "author is 81 characters long; at most 80"),
        ({"body": "x" * 5001}, "body is 5001 characters long; at most 5000"),
        ({"author_url": "https://example.org/" + "x" * 200}, "author_url is 220 characters long"),
        ({"post": "../etc"}, "is not a post slug"),
        ({"body": "bell\x07"}, "control characters"),
        ({"content_warnings": ["grief\nAuthor: spoof"]}, "is not a trigger tag"),
        ({"post": "first-post\n"}, "post 'first-post\\n' is not a post slug"),
        ({"post": "first post"}, "post 'first post' is not a post slug"),
        ({"comment_id": "abc123\n"}, "id 'abc123\\n' is not a comment id"),
        ({"body": "- " * 700 + "x"}, "body nests lists or quotes 700 levels deep (its line 1); at most 100"),
        (
            {"date": datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))},
            "date 0001-01-01 00:00:00+01:00 is out of range: a comment's date must lie between the years 1970",
        ),
        (
            {"date": datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=1)))},
            "date 9999-12-31 23:59:00-01:00 is out of range",
        ),
    ],
)
def test_bad_fields_are_refused_with_what_is_allowed(
    stores: CommentStores, fields: dict, expected: str
) -> None:
    with pytest.raises(HarbourError, match=re.escape(expected)):
        receive(stores, **fields)
    assert stores.private.ids() == []


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"email": "sam@example.org\n"}, "email 'sam@example.org\\n' does not look like an e-mail address"),
        ({"content_warnings": ("grief\n",)}, "content warning 'grief\\n' is not a trigger tag"),
    ],
)
def test_a_trailing_newline_is_caught_even_in_fields_arrival_tidies_first(fields: dict, expected: str) -> None:
    # receive_comment trims these before checking; the check itself must not rely on that.
    problems = arrival_problems(TriageRules(), post="p", author="Sam", body="Hi", **fields)
    assert [p for p in problems if p.startswith(expected)] != []


def test_a_hand_edited_record_cannot_send_a_comment_outside_the_public_store(
    stores: CommentStores, tmp_path: Path
) -> None:
    comment_id = receive(stores)
    path = stores.private.records_dir / f"{comment_id}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, "post": "../../outside"}), encoding="utf-8")
    with pytest.raises(HarbourError) as caught:
        approve_comments(stores, [comment_id])
    assert caught.value.problems == [
        f"{path}: post '../../outside' is not a post slug (1 to 200 characters without '/', '\\', spaces or "
        "control characters, not starting with '.'); restore the record from your backup"
    ]
    assert list(tmp_path.rglob("*.md")) == []


def test_header_breaking_input_is_flattened_before_it_reaches_a_file(stores: CommentStores) -> None:
    comment_id = receive(stores, "Body\r\nline two", author="Sam\nDate: 1999-01-01 00:00:00+00:00")
    approve_comments(stores, [comment_id])
    (comment,) = read_public_comments(stores.public_dir)
    assert comment.author == "Sam Date: 1999-01-01 00:00:00+00:00"
    assert comment.body == "Body\nline two"


def test_a_long_user_agent_is_cut_rather_than_refused(stores: CommentStores) -> None:
    comment_id = receive(stores, user_agent="A" * 1000)
    assert comment_record(stores, comment_id).user_agent == "A" * 400


def test_the_queue_shows_possible_crises_first_with_flags_and_excerpts(stores: CommentStores) -> None:
    receive(stores, "An ordinary comment about tea and biscuits that goes on for quite a while indeed.")
    crisis = receive(stores, "I want to die tonight", author="田中 ゆき")
    approved = receive(stores, "Published one")
    approve_comments(stores, [approved])
    queue = pending_queue(stores)
    assert [r.id for r in queue][0] == crisis and approved not in [r.id for r in queue]
    table = format_queue(queue)
    lines = table.splitlines()
    assert lines[0].split() == ["ID", "POST", "AUTHOR", "DATE", "FLAGS", "EXCERPT"]
    assert lines[2].startswith(crisis) and "!! possible-crisis" in lines[2] and "田中 ゆき" in lines[2]
    assert "An ordinary comment about tea and" in lines[3] and lines[3].endswith("…")
    assert "2 waiting; 1 possible crisis" in table
    assert format_queue([]) == "No comments are waiting."


def test_show_gives_everything_including_private_fields_and_history(stores: CommentStores) -> None:
    comment_id = receive(stores, "Hello")
    reject_comments(stores, [comment_id], "off topic", moderator="tester")
    text = describe_comment(comment_record(stores, comment_id))
    assert "E-mail:           sam@example.invalid" in text and "IP:               192.0.2.10" in text
    assert "Status:           rejected (off topic)" in text
    assert (
        "receive: - -> pending by tester" in text
        and "reject: pending -> rejected by tester (off topic)" in text
    )


def test_importing_an_existing_id_again_changes_nothing(stores: CommentStores) -> None:
    first = receive_comment(
        stores,
        hold_rules(),
        post="first-post",
        author="Sam",
        body="Hi",
        comment_id="wp-abc-1",
        status="approved",
        source="import:x.xml",
    )
    again = receive_comment(
        stores,
        hold_rules(),
        post="first-post",
        author="Sam",
        body="Changed",
        comment_id="wp-abc-1",
        status="approved",
        source="import:x.xml",
    )
    assert first.created and not again.created
    assert comment_record(stores, "wp-abc-1").comment.body == "Hi"
    assert len(stores.private.audit_entries()) == 1


class SimulatedCrash(OSError):
    """What a full disk or a killed process does to a write: it stops the step half way."""


def crash(*args: object, **kwargs: object) -> None:
    raise SimulatedCrash("the machine stopped here")


def test_a_crash_during_approval_never_leaves_a_comment_published_that_is_then_rejected(
    stores: CommentStores, monkeypatch: pytest.MonkeyPatch
) -> None:
    comment_id = receive(stores)
    with monkeypatch.context() as patched:
        patched.setattr(PrivateStore, "write", crash)
        with pytest.raises(SimulatedCrash):
            approve_comments(stores, [comment_id])
    assert public_files(stores) == []  # the record comes first: nothing was published
    (outcome,) = reject_comments(stores, [comment_id], "not for the site")
    assert outcome.result == DONE
    assert comment_record(stores, comment_id).status == "rejected" and public_files(stores) == []


def test_a_crash_between_record_and_public_file_is_reported_and_the_next_approve_publishes(
    stores: CommentStores, monkeypatch: pytest.MonkeyPatch
) -> None:
    comment_id = receive(stores)
    with monkeypatch.context() as patched:
        patched.setattr(moderation, "write_public_comment", crash)
        with pytest.raises(SimulatedCrash):
            approve_comments(stores, [comment_id])
    assert comment_record(stores, comment_id).status == "approved" and public_files(stores) == []
    report = queue_report(stores)
    assert f"Needs attention:\n  - {comment_id} is approved in its record but has no public file" in report
    assert f"python3 dev.py comments-approve --id {comment_id}" in report
    (outcome,) = approve_comments(stores, [comment_id])
    assert outcome.result == DONE and "published it again" in outcome.message
    assert public_files(stores) == [f"first-post/{comment_id}.md"]
    assert "Needs attention" not in queue_report(stores)


def test_a_crash_during_unpublish_leaves_it_down_and_the_next_unpublish_finishes(
    stores: CommentStores, monkeypatch: pytest.MonkeyPatch
) -> None:
    comment_id = receive(stores)
    approve_comments(stores, [comment_id])
    with monkeypatch.context() as patched:
        patched.setattr(PrivateStore, "write", crash)
        with pytest.raises(SimulatedCrash):
            unpublish_comments(stores, [comment_id], "asked")
    assert public_files(stores) == []  # the public file goes first
    record = comment_record(stores, comment_id)
    shown = describe_comment(record, comment_problems(stores, record))
    assert shown.startswith(f"Needs attention: {comment_id} is approved in its record but has no public file")
    assert f"python3 dev.py comments-unpublish --id {comment_id}" in shown
    (outcome,) = unpublish_comments(stores, [comment_id], "asked")
    assert outcome.result == DONE
    assert comment_record(stores, comment_id).status == "rejected" and public_files(stores) == []
    assert comment_problems(stores, comment_record(stores, comment_id)) == []


def test_reject_takes_down_a_public_file_its_record_never_allowed_before_touching_the_record(
    stores: CommentStores, monkeypatch: pytest.MonkeyPatch
) -> None:
    comment_id = receive(stores)
    # What an approval interrupted by an earlier version left behind: published, yet pending.
    write_public_comment(stores.public_dir, comment_record(stores, comment_id).comment)
    assert f"{comment_id} is pending in its record, but its public file" in queue_report(stores)
    with monkeypatch.context() as patched:
        patched.setattr(PrivateStore, "write", crash)
        with pytest.raises(SimulatedCrash):
            reject_comments(stores, [comment_id], "not for the site")
    assert public_files(stores) == []  # down before the record was written
    (outcome,) = reject_comments(stores, [comment_id], "not for the site")
    assert outcome.result == DONE and comment_record(stores, comment_id).status == "rejected"


@pytest.mark.parametrize("step", ["spam", "unpublish", "reject-again"])
def test_every_step_away_from_approved_removes_a_stray_public_file(stores: CommentStores, step: str) -> None:
    comment_id = receive(stores)
    if step == "reject-again":
        reject_comments(stores, [comment_id], "no")
    write_public_comment(stores.public_dir, comment_record(stores, comment_id).comment)
    if step == "spam":
        (outcome,) = mark_spam(stores, [comment_id])
    elif step == "unpublish":
        (outcome,) = unpublish_comments(stores, [comment_id])
    else:
        (outcome,) = reject_comments(stores, [comment_id], "no")
    assert outcome.result == DONE and "its public file was still there" in outcome.message
    assert public_files(stores) == []


def test_receiving_an_approved_import_again_never_republishes_what_was_taken_down(
    stores: CommentStores,
) -> None:
    fields = {"post": "first-post", "author": "Sam", "body": "Hi", "comment_id": "wp-abc-1",
              "status": "approved", "source": "import:x.xml"}
    receive_comment(stores, hold_rules(), **fields)  # type: ignore[arg-type]
    path = stores.public_dir / "first-post" / "wp-abc-1.md"
    path.unlink()  # taken down by hand, or an unpublish stopped before its record
    again = receive_comment(stores, hold_rules(), **fields)  # type: ignore[arg-type]
    assert not again.created and not path.exists()
    assert "wp-abc-1 is approved in its record but has no public file" in again.attention


def test_an_import_reads_each_record_a_bounded_number_of_times(
    stores: CommentStores, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Arrival used to read every record to see whether the author was returning: quadratic.
    reads = Counter()
    real_read = PrivateStore.read

    def counting_read(self: PrivateStore, comment_id: str) -> object:
        reads[comment_id] += 1
        return real_read(self, comment_id)

    monkeypatch.setattr(PrivateStore, "read", counting_read)
    for n in range(30):
        receive_comment(stores, TriageRules(moderation="auto-approve-returning"), post="first-post",
                        author=f"R{n}", body=f"Comment {n}", email="same@example.invalid",
                        comment_id=f"wp-abc-{n}", status="approved", source="import:x.xml")
    assert sum(reads.values()) == 0  # an import gives the status: nobody needs to be "returning"
    receive(stores, "A form arrival", rules=TriageRules(moderation="auto-approve-returning"))
    assert sum(reads.values()) == 30  # only where the answer can change the outcome, once each


def test_a_busy_store_says_to_wait_and_never_to_delete_the_lock(tmp_path: Path) -> None:
    store = PrivateStore(tmp_path / "private", lock_timeout=0.05)
    with store.locked():
        pass
    other_command = FileLock(store.lock_path)  # a second open of the lock, as another process has
    with other_command, pytest.raises(HarbourError) as caught:
        with store.locked():
            pass
    message = str(caught.value)
    assert "wait for it to finish and try again" in message and "delete" not in message


def test_the_private_store_folders_are_readable_by_their_owner_only(stores: CommentStores) -> None:
    receive(stores)
    for folder in (stores.private.root, stores.private.records_dir):
        assert folder.stat().st_mode & 0o077 == 0, folder


def test_nothing_is_ever_deleted_from_the_private_store(stores: CommentStores) -> None:
    ids = [receive(stores, f"comment {i}") for i in range(4)]
    approve_comments(stores, ids[:2])
    reject_comments(stores, [ids[2]], "no")
    mark_spam(stores, [ids[3]])
    unpublish_comments(stores, [ids[0]])
    assert stores.private.ids() == sorted(ids)
    assert [a for a, _ in actions(stores)] == ["receive"] * 4 + [
        "approve",
        "approve",
        "reject",
        "spam",
        "unpublish",
    ]
