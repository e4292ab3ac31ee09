"""A moderator's --reason goes into the private store and its audit log: one line of text only."""

from __future__ import annotations

from pathlib import Path

import pytest
from invoke import Context, Exit

import tasks
from comment_helpers import make_stores
from comments.desk.arrival import receive_comment
from comments.desk.moderation import approve_comments
from comments.desk.triage import TriageRules
from harbour.arguments import ALLOWED


@pytest.mark.parametrize("task_name", ["comments_reject", "comments_spam", "comments_unpublish"])
def test_a_reason_with_a_control_character_is_refused_and_nothing_is_recorded(
    tmp_path: Path, task_name: str
) -> None:
    stores = make_stores(tmp_path)
    comment_id = receive_comment(
        stores, TriageRules(), post="first-post", author="Sam", body="Hello", email="sam@example.invalid"
    ).record.id
    if task_name == "comments_unpublish":
        approve_comments(stores, [comment_id])
    audit_before = stores.private.audit_path.read_bytes()
    record_before = stores.private.record_path(comment_id).read_bytes()

    with pytest.raises(Exit) as raised:
        getattr(tasks, task_name).body(
            Context(), id=[comment_id], reason="Names a third party\x1b[2J",
            private=str(stores.private.root), content=str(stores.content_dir),
        )
    name = task_name.replace("_", "-")
    assert raised.value.message == (
        f"{name}: --reason contains an escape character (U+001B) after 'Names a third party'; "
        f"it must be {ALLOWED}"
    )
    assert stores.private.audit_path.read_bytes() == audit_before
    assert stores.private.record_path(comment_id).read_bytes() == record_before
