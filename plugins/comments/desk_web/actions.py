"""The desk's steps: each one a call to comments.desk.moderation (or the writer's reply), and the
way back from the last one.

Undo never deletes or rewrites anything: it takes more recorded steps, the same ones the
command line has. An approval is undone by unpublishing (the public file goes, the record
stays) and then putting the comment back in the queue; a reject or spam mark by putting it
back; a content warning by setting the old one again; a reply by unpublishing it (its record
stays, as rejected) and, if the reply approved the comment it answers, undoing that approval.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from comments.config import CommentStores
from comments.desk.moderation import (
    DONE,
    Outcome,
    approve_comments,
    mark_spam,
    reject_comments,
    return_to_waiting,
    set_content_warnings,
    unpublish_comments,
)
from comments.desk.replies import writer_reply
from comments.desk.triage import TriageRules
from comments.model import is_comment_id
from harbour.arguments import refuse_control_characters
from harbour.errors import HarbourError

APPROVE, REJECT, SPAM, WARN, REPLY, UNDO = "approve", "reject", "spam", "warn", "reply", "undo"
ACTIONS = (APPROVE, REJECT, SPAM, WARN, REPLY, UNDO)
UNDO_REASON = "undone at the desk"
WHAT = {APPROVE: "approval", REJECT: "rejection", SPAM: "spam mark", WARN: "content note", REPLY: "reply"}


@dataclass(frozen=True)
class Before:
    """A comment as it was before a step, so the step can be undone."""

    id: str
    status: str
    reason: str
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class LastStep:
    action: str
    before: tuple[Before, ...]
    reply_id: str | None = None

    def label(self) -> str:
        """What undo would take back, for its button: "Undo the approval of 3 comments"."""
        if self.action == REPLY:
            return "your reply" + (" and the approval it needed" if self.before else "")
        count = len(self.before)
        return f"the {WHAT[self.action]}" + (f" of {count} comments" if count > 1 else "")


@dataclass(frozen=True)
class StepReport:
    """What one step did: a heading, each comment's outcome, or why nothing was done."""

    heading: str
    outcomes: list[Outcome] = field(default_factory=list)
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem

    @property
    def changed(self) -> int:
        return sum(o.result == DONE for o in self.outcomes)


@dataclass
class DeskActions:
    """The steps one desk takes, one at a time, and the last of them for undo."""

    stores: CommentStores
    rules: TriageRules
    moderator: str
    post_slugs: Callable[[], Collection[str]]
    known_tags: Callable[[], Collection[str] | None]
    author: str
    author_url: str | None = None
    last: LastStep | None = None
    changes_since_build: int = 0
    _turn: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def run(self, action: str, ids: Sequence[str], *, reason: str = "", warning: str = "", body: str = "",
            approve_parent: bool = False) -> StepReport:
        """Take one step; a HarbourError (a missing reason, an unknown id) becomes the report's problem."""
        with self._turn:
            try:
                report = self._run(action, list(ids), reason=reason, warning=warning, body=body,
                                   approve_parent=approve_parent)
            except HarbourError as error:
                return StepReport(_heading(action, failed=True), problem=str(error))
            self.changes_since_build += report.changed
            return report

    def _run(self, action: str, ids: list[str], *, reason: str, warning: str, body: str,
             approve_parent: bool) -> StepReport:
        if action == UNDO:
            return self._undo()
        if action not in ACTIONS:
            raise HarbourError(f"{action!r} is not a step of the desk; use one of {', '.join(ACTIONS)}")
        ids = list(dict.fromkeys(i.strip() for i in ids if i.strip()))
        if not ids:
            raise HarbourError("no comment is selected: tick the comments to act on, or use the buttons "
                               "beside one comment")
        refuse_control_characters({"the reason": reason})
        if action == REPLY:
            return self._reply(ids, body, approve_parent)
        before = self._snapshot(ids)
        kwargs: dict[str, Any] = {"moderator": self.moderator}
        if action == APPROVE:
            outcomes = approve_comments(self.stores, ids, post_slugs=set(self.post_slugs()), **kwargs)
        elif action == REJECT:
            outcomes = reject_comments(self.stores, ids, reason, **kwargs)
        elif action == SPAM:
            outcomes = mark_spam(self.stores, ids, reason, **kwargs)
        else:
            tags = self.known_tags()
            if tags is None:
                raise HarbourError("content notes come from the trigger vocabulary: turn on the trigger_tags "
                                   "and content_warnings plugins (PLUGINS in pelicanconf.py) to set them")
            outcomes = set_content_warnings(
                self.stores, ids, [warning] if warning.strip() else [], known_tags=tags,
                max_tags=self.rules.length_limits.get("content_warnings"), **kwargs,
            )
        self._remember(action, before, outcomes)
        return StepReport(_heading(action), outcomes)

    def _reply(self, ids: list[str], body: str, approve_parent: bool) -> StepReport:
        if len(ids) != 1:
            raise HarbourError("a reply answers one comment: reply to each from its own form")
        (parent_id,) = ids
        before = self._snapshot(ids)
        result = writer_reply(
            self.stores, self.rules, to=parent_id, body=body, author=self.author, author_url=self.author_url,
            approve_parent=approve_parent, moderator=self.moderator, post_slugs=set(self.post_slugs()),
        )
        if result.result != DONE or not result.reply_id:
            return StepReport(_heading(REPLY, failed=True), problem=result.message)
        approval = result.parent_approval
        approved = approval is not None and approval.result == DONE
        outcomes = [approval] if approval is not None and approved else []
        outcomes.append(Outcome(result.reply_id, DONE, result.message))
        # Undo takes the reply down, and the parent back to waiting if the reply approved it.
        self.last = LastStep(REPLY, tuple(before) if approved else (), reply_id=result.reply_id)
        return StepReport("Replied", outcomes)

    # --- Undo -------------------------------------------------------------------------------

    def _remember(self, action: str, before: list[Before], outcomes: list[Outcome]) -> None:
        done = {o.id for o in outcomes if o.result == DONE}
        if done:
            self.last = LastStep(action, tuple(b for b in before if b.id in done))

    def _undo(self) -> StepReport:
        last = self.last
        if last is None:
            raise HarbourError("there is no step to undo: this desk has taken none since it started, "
                               "or the last one was undone already")
        self.last = None  # whatever happens next, the same step is never undone twice
        if last.action == WARN:
            outcomes: list[Outcome] = []
            for b in last.before:
                outcomes += set_content_warnings(self.stores, [b.id], b.warnings, moderator=self.moderator)
        else:
            extra = [last.reply_id] if last.reply_id else []
            outcomes = self._restore(last.before, unpublish_too=extra)
        return StepReport(f"Undid {last.label()}", outcomes)

    def _restore(self, before: Sequence[Before], *, unpublish_too: Sequence[str] = ()) -> list[Outcome]:
        """Bring comments back to their status in ``before`` through the ordinary recorded steps."""
        now = {b.id: b for b in self._snapshot([b.id for b in before])}
        published_since = [
            b.id for b in before if b.status != "approved" and b.id in now and now[b.id].status == "approved"
        ]
        take_down = [*unpublish_too, *published_since]
        outcomes: list[Outcome] = []
        if take_down:
            outcomes += unpublish_comments(self.stores, take_down, UNDO_REASON, moderator=self.moderator)
        by_status: dict[str, list[Before]] = {}
        for b in before:
            by_status.setdefault(b.status, []).append(b)
        for status, group in by_status.items():
            ids = [b.id for b in group]
            if status == "pending":
                outcomes += return_to_waiting(self.stores, ids, UNDO_REASON, moderator=self.moderator)
            elif status == "approved":
                outcomes += approve_comments(self.stores, ids, moderator=self.moderator,
                                             post_slugs=set(self.post_slugs()))
            else:
                for b in group:
                    step = reject_comments if status == "rejected" else mark_spam
                    outcomes += step(self.stores, [b.id], b.reason or UNDO_REASON, moderator=self.moderator)
        return outcomes

    def _snapshot(self, ids: Sequence[str]) -> list[Before]:
        """Each comment as it is now; ids that are not comments are left to the step to refuse."""
        found = []
        for comment_id in ids:
            if not is_comment_id(comment_id):
                continue
            if self.stores.private.exists(comment_id):
                record = self.stores.private.read(comment_id)
                warnings = record.comment.content_warnings
                found.append(Before(comment_id, record.status, record.reason, warnings))
            else:
                from comments.desk.public_store import find_public_comment

                published = find_public_comment(self.stores.public_dir, comment_id, zone=self.stores.zone)
                if published is not None:
                    found.append(Before(comment_id, "approved", "", published.content_warnings))
        return found


def _heading(action: str, *, failed: bool = False) -> str:
    if failed:
        failures = {UNDO: "Nothing was undone", REPLY: "Your reply was not published"}
        return failures.get(action, "Nothing was changed")
    return {APPROVE: "Approved", REJECT: "Rejected", SPAM: "Marked as spam", WARN: "Content note set"}[action]
