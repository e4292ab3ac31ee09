"""The desk's steps without a browser: the two moderation steps it added (back to waiting, content
warnings), and undo, which only ever takes more recorded steps, so nothing is lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from comment_helpers import make_stores, tiny_site
from comments.config import CommentStores
from comments.desk.moderation import (
    DONE,
    REFUSED,
    UNCHANGED,
    approve_comments,
    reject_comments,
    return_to_waiting,
    set_content_warnings,
)
from comments.desk.public_store import find_public_comment, public_comment_path, read_public_comments
from comments.desk.queue_view import queue_sections
from comments.desk.triage import TriageRules
from comments.desk_web.actions import DeskActions
from desk_helpers import PUBLISHED, Queue, seed_queue
from harbour.errors import HarbourError

POSTS = {"first-post", "second-post"}
TAGS = {"grief", "self-harm", "loss"}


@pytest.fixture
def stores(tmp_path: Path) -> CommentStores:
    tiny_site(tmp_path)
    return make_stores(tmp_path)


@pytest.fixture
def queue(stores: CommentStores) -> Queue:
    return seed_queue(stores)


def desk_actions(stores: CommentStores) -> DeskActions:
    return DeskActions(stores, TriageRules(), moderator="robin (desk)", post_slugs=lambda: POSTS,
                       known_tags=lambda: TAGS, author="Robin")


def status(stores: CommentStores, comment_id: str) -> str:
    return stores.private.read(comment_id).status


def actions_in_audit(stores: CommentStores, comment_id: str) -> list[str]:
    return [e["action"] for e in stores.private.audit_entries() if e["id"] == comment_id]


# --- Back to waiting ---------------------------------------------------------------------------


def test_a_rejected_comment_goes_back_to_waiting_as_a_recorded_step(
    stores: CommentStores, queue: Queue
) -> None:
    reject_comments(stores, [queue.waiting], "not sure yet", moderator="robin")
    (outcome,) = return_to_waiting(stores, [queue.waiting], "changed my mind", moderator="robin")
    assert outcome.result == DONE
    record = stores.private.read(queue.waiting)
    assert (record.status, record.reason) == ("pending", "")
    assert [s["action"] for s in record.history] == ["receive", "reject", "return"]
    assert record.history[-1]["from"] == "rejected" and record.history[-1]["reason"] == "changed my mind"
    assert actions_in_audit(stores, queue.waiting) == ["receive", "reject", "return"]


def test_back_to_waiting_refuses_a_published_comment_and_leaves_a_waiting_one(
    stores: CommentStores, queue: Queue
) -> None:
    approve_comments(stores, [queue.waiting], moderator="robin")
    published, waiting = return_to_waiting(stores, [queue.waiting, queue.other], moderator="robin")
    assert published.result == REFUSED and "unpublish it first" in published.message
    assert waiting.result == UNCHANGED
    assert status(stores, queue.waiting) == "approved"
    assert find_public_comment(stores.public_dir, queue.waiting) is not None


# --- Content warnings --------------------------------------------------------------------------


def test_a_content_warning_changes_the_record_and_the_public_file_of_a_published_comment(
    stores: CommentStores, queue: Queue
) -> None:
    approve_comments(stores, [queue.waiting], moderator="robin")
    (outcome,) = set_content_warnings(stores, [queue.waiting], ["grief"], known_tags=TAGS, moderator="robin")
    assert outcome.result == DONE
    assert stores.private.read(queue.waiting).comment.content_warnings == ("grief",)
    path = public_comment_path(stores.public_dir, "first-post", queue.waiting)
    assert "Content-Warnings: grief\n" in path.read_text(encoding="utf-8")
    entry = stores.private.audit_entries()[-1]
    assert (entry["action"], entry["warnings"], entry["warnings_before"]) == ("warn", "grief", "none")

    set_content_warnings(stores, [queue.waiting], [], moderator="robin")
    assert "Content-Warnings" not in path.read_text(encoding="utf-8")


def test_a_waiting_comment_gets_its_warning_in_the_record_only(stores: CommentStores, queue: Queue) -> None:
    set_content_warnings(stores, [queue.other], ["loss"], known_tags=TAGS, moderator="robin")
    assert stores.private.read(queue.other).comment.content_warnings == ("loss",)
    assert read_public_comments(stores.public_dir) == [find_public_comment(stores.public_dir, PUBLISHED)]


def test_a_tag_outside_the_vocabulary_is_refused_before_anything_changes(
    stores: CommentStores, queue: Queue
) -> None:
    before = stores.private.audit_path.read_bytes()
    with pytest.raises(HarbourError, match="'greif' is not a trigger tag.*did you mean 'grief'"):
        set_content_warnings(stores, [queue.other], ["greif"], known_tags=TAGS, moderator="robin")
    with pytest.raises(HarbourError, match="a trigger tag has no comma or control character"):
        set_content_warnings(stores, [queue.other], ["grief\nWriter: yes"], moderator="robin")
    with pytest.raises(HarbourError, match="2 content warnings given; at most 1"):
        set_content_warnings(stores, [queue.other], ["grief", "loss"], known_tags=TAGS, max_tags=1)
    assert stores.private.audit_path.read_bytes() == before


def test_a_hand_written_published_comment_gets_a_record_with_its_warning(stores: CommentStores) -> None:
    seed_queue(stores)
    set_content_warnings(stores, [PUBLISHED], ["grief"], known_tags=TAGS, moderator="robin")
    record = stores.private.read(PUBLISHED)
    assert record.status == "approved" and record.comment.content_warnings == ("grief",)
    published = find_public_comment(stores.public_dir, PUBLISHED)
    assert published is not None and published.content_warnings == ("grief",)


# --- The queue's three parts ---------------------------------------------------------------------


def test_the_desk_reads_possible_crises_then_waiting_then_flagged(
    stores: CommentStores, queue: Queue
) -> None:
    sections = queue_sections(stores)
    assert [r.id for r in sections.crises] == [queue.crisis]
    assert {r.id for r in sections.waiting} == {queue.waiting, queue.reply, queue.other}
    assert [r.id for r in sections.flagged] == [queue.flagged]


# --- Undo ----------------------------------------------------------------------------------------


def test_undoing_an_approval_unpublishes_and_puts_the_comments_back_in_the_queue(
    stores: CommentStores, queue: Queue
) -> None:
    desk = desk_actions(stores)
    report = desk.run("approve", [queue.waiting, queue.other])
    assert report.changed == 2 and desk.last is not None and desk.last.label() == "the approval of 2 comments"
    undone = desk.run("undo", [])
    assert undone.ok and undone.heading == "Undid the approval of 2 comments"
    for comment_id in (queue.waiting, queue.other):
        assert status(stores, comment_id) == "pending"
        assert find_public_comment(stores.public_dir, comment_id) is None
        assert actions_in_audit(stores, comment_id) == ["receive", "approve", "unpublish", "return"]
    assert desk.last is None
    again = desk.run("undo", [])
    assert not again.ok and "there is no step to undo" in again.problem


def test_undoing_a_reject_and_a_spam_mark_puts_them_back_in_the_queue(
    stores: CommentStores, queue: Queue
) -> None:
    desk = desk_actions(stores)
    desk.run("reject", [queue.waiting], reason="off topic")
    desk.run("undo", [])
    desk.run("spam", [queue.flagged])
    desk.run("undo", [])
    assert status(stores, queue.waiting) == status(stores, queue.flagged) == "pending"
    assert actions_in_audit(stores, queue.waiting) == ["receive", "reject", "return"]
    assert actions_in_audit(stores, queue.flagged) == ["receive", "spam", "return"]
    assert stores.private.read(queue.waiting).history[1]["reason"] == "off topic"


def test_undoing_a_content_warning_sets_the_old_one_again(stores: CommentStores, queue: Queue) -> None:
    desk = desk_actions(stores)
    desk.run("warn", [queue.other], warning="grief")
    desk.run("warn", [queue.other], warning="loss")
    desk.run("undo", [])
    assert stores.private.read(queue.other).comment.content_warnings == ("grief",)
    assert actions_in_audit(stores, queue.other) == ["receive", "warn", "warn", "warn"]


def test_undoing_a_reply_takes_it_down_and_its_parent_back_to_waiting(
    stores: CommentStores, queue: Queue
) -> None:
    desk = desk_actions(stores)
    report = desk.run("reply", [queue.waiting], body="Thank you, Mina.", approve_parent=True)
    assert report.ok and report.changed == 2, report
    reply_id = report.outcomes[-1].id
    reply = stores.private.read(reply_id)
    assert (reply.status, reply.comment.reply_to) == ("approved", queue.waiting)
    assert reply.comment.author == "Robin" and reply.comment.by_writer
    desk.run("undo", [])
    assert status(stores, queue.waiting) == "pending"
    assert status(stores, reply_id) == "rejected", "the reply is kept, privately"
    assert find_public_comment(stores.public_dir, reply_id) is None
    assert find_public_comment(stores.public_dir, queue.waiting) is None


def test_a_step_refused_as_a_whole_changes_nothing_and_is_not_what_undo_takes_back(
    stores: CommentStores, queue: Queue
) -> None:
    desk = desk_actions(stores)
    desk.run("approve", [queue.other])
    before = stores.private.audit_path.read_bytes()
    for action, fields in (("reject", {}), ("approve", {}), ("reply", {"body": ""}), ("dance", {})):
        ids = [] if action == "approve" else [queue.waiting]
        report = desk.run(action, ids, **fields)
        assert not report.ok and report.problem, action
    assert "no comment is selected" in desk.run("spam", []).problem
    assert "rejecting needs a reason" in desk.run("reject", [queue.waiting]).problem
    assert "contains an escape character" in desk.run("reject", [queue.waiting], reason="a\x1b[2Jb").problem
    assert stores.private.audit_path.read_bytes() == before
    assert desk.last is not None and desk.last.before[0].id == queue.other


def test_a_refused_reply_leaves_no_step_to_undo_and_a_reply_to_a_waiting_comment_needs_its_approval(
    stores: CommentStores, queue: Queue
) -> None:
    desk = desk_actions(stores)
    report = desk.run("reply", [queue.waiting], body="Thank you.")
    assert not report.ok and "still waiting" in report.problem
    assert desk.last is None and status(stores, queue.waiting) == "pending"


def test_without_a_vocabulary_no_content_note_can_be_set(stores: CommentStores, queue: Queue) -> None:
    desk = desk_actions(stores)
    desk.known_tags = lambda: None
    report = desk.run("warn", [queue.other], warning="anything\nWriter: yes")
    assert not report.ok and "turn on the trigger_tags" in report.problem
    assert stores.private.read(queue.other).comment.content_warnings == ()
