"""Moderation: the steps the writer takes on received comments (approve, reject, spam, unpublish,
back to waiting, content warnings), and the helpers every step shares (finding a comment in
either store, recording a step).

Every step happens under the private store's lock and is recorded twice: in the comment's
own history and as a line of the audit log. Nothing is deleted: rejected and spam comments
keep their record and reason, and unpublishing only removes the public file.

Order of writes, so that a crash between them never leaves a comment published that the
record says is not: publishing writes the record ("approved") before the public file, and
every step away from "approved" (unpublish, and reject or spam of a comment whose file is
somehow there) removes the public file before the record changes. So after a crash the
only possible mismatch is "approved, but no public file": shown as a take-down, never
published again behind the writer's back (an import leaves it so and says it), and settled
by the next approve (publish it) or unpublish (record the take-down). A public file whose
record is not approved (left by an older version, or copied in by hand) is reported by
queue and show, and removed by the next reject, spam or unpublish of that comment.
"""

from __future__ import annotations

import getpass
import unicodedata
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from comments.config import CommentStores
from comments.model import COMMENT_ID_HELP, PrivateRecord, PublicComment, is_comment_id, utc_now
from comments.desk.public_store import (
    find_public_comment,
    public_comment_path,
    read_public_comments,
    remove_public_comment,
    write_public_comment,
)
from harbour.errors import HarbourError, did_you_mean

DONE = "done"
UNCHANGED = "unchanged"
WAITING = "waiting"
REFUSED = "refused"

MAX_REASON_LENGTH = 500


@dataclass(frozen=True)
class Outcome:
    """What one moderation step did to one comment."""

    id: str
    result: str  # DONE, UNCHANGED, WAITING or REFUSED
    message: str


def current_moderator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in some containers
        return "unknown"


def _entry(
    action: str, record: PrivateRecord, before: str | None, moderator: str, **extra: Any
) -> dict[str, Any]:
    return {
        "at": utc_now().isoformat(),
        "action": action,
        "id": record.id,
        "post": record.comment.post,
        "from": before,
        "to": record.status,
        "by": moderator,
        **{k: v for k, v in extra.items() if v},
    }


def _save_step(stores: CommentStores, record: PrivateRecord, entry: dict[str, Any]) -> None:
    record.history.append({k: v for k, v in entry.items() if k not in ("id", "post")})
    stores.private.write(record)
    stores.private.append_audit(entry)


def _parent_status(stores: CommentStores, parent_id: str) -> tuple[str | None, PublicComment | None]:
    """The status and public fields of a comment (private record first, else the public file)."""
    if stores.private.exists(parent_id):
        record = stores.private.read(parent_id)
        return record.status, record.comment
    published = find_public_comment(stores.public_dir, parent_id, zone=stores.zone)
    if published is not None:
        return "approved", published
    return None, None


def _id_taken(stores: CommentStores, comment_id: str) -> bool:
    return stores.private.exists(comment_id) or find_public_comment(
        stores.public_dir, comment_id, zone=stores.zone
    ) is not None


# --- Moderation -------------------------------------------------------------------------


def _known_ids(stores: CommentStores, ids: Sequence[str]) -> list[str]:
    """The ids, de-duplicated in order; one HarbourError names every id that does not exist."""
    wanted = list(dict.fromkeys(i.strip() for i in ids if i and i.strip()))
    if not wanted:
        raise HarbourError("no comment id given; pass one or more with --id (see `python3 dev.py comments-queue`)")
    problems = []
    for comment_id in wanted:
        if not is_comment_id(comment_id):
            problems.append(f"{comment_id!r} is not a comment id ({COMMENT_ID_HELP})")
        elif not _id_taken(stores, comment_id):
            try:
                stores.private.read(comment_id)  # raises with a did-you-mean
            except HarbourError as error:
                problems += error.problems
    if problems:
        raise HarbourError(problems)
    return wanted


def _load(stores: CommentStores, comment_id: str) -> tuple[PrivateRecord, bool]:
    """A comment's record, and whether it exists on disk (a hand-written public comment has none)."""
    if stores.private.exists(comment_id):
        return stores.private.read(comment_id), True
    published = find_public_comment(stores.public_dir, comment_id, zone=stores.zone)
    if published is None:
        raise HarbourError(f"comment {comment_id!r} disappeared while this command ran; run it again")
    record = PrivateRecord(
        comment=replace(published, source_path=None, lines={}),
        status="approved",
        source="public-store",
        notes=[(
            "record created at its first moderation step: the comment was published without one "
            "(written by hand or imported as a public file)"
        )],
    )
    return record, False


def _parents_first(stores: CommentStores, ids: list[str]) -> list[str]:
    """``ids`` ordered so that a parent comes before its replies within the batch."""
    parent = {i: _load(stores, i)[0].comment.reply_to for i in ids}

    def depth(comment_id: str) -> int:
        seen, level = set(), 0
        while parent.get(comment_id) in parent and comment_id not in seen:
            seen.add(comment_id)
            comment_id, level = parent[comment_id], level + 1  # type: ignore[assignment]
        return level

    return sorted(ids, key=depth)


def approve_comments(
    stores: CommentStores,
    ids: Sequence[str],
    *,
    moderator: str | None = None,
    post_slugs: Collection[str] | None = None,
) -> list[Outcome]:
    """Publish comments. A reply whose parent is not approved keeps waiting, with the reason.

    ``post_slugs``: the site's posts; a comment on a post not among them keeps waiting too,
    since the build refuses comments without their post.
    """
    moderator = moderator or current_moderator()
    wanted = _known_ids(stores, ids)
    outcomes = []
    for comment_id in _parents_first(stores, wanted):
        with stores.private.locked():
            outcomes.append(_approve_one(stores, comment_id, wanted, moderator, post_slugs))
    return outcomes


def _approve_one(
    stores: CommentStores, comment_id: str, batch: list[str], moderator: str, post_slugs: Collection[str] | None
) -> Outcome:
    record, _ = _load(stores, comment_id)
    comment = record.comment
    path = public_comment_path(stores.public_dir, comment.post, comment_id)
    if record.status == "approved" and path.exists():
        return Outcome(comment_id, UNCHANGED, f"{comment_id} is approved already")
    if post_slugs is not None and comment.post not in post_slugs:
        return Outcome(
            comment_id, WAITING,
            f"{comment_id} stays {record.status}, unpublished: it answers the post {comment.post!r}, which "
            f"this site does not have (no post in {stores.content_dir} has that slug), and the build refuses "
            "a comment without its post; approve it once the post exists, or check the post's 'Slug:'",
        )
    if record.status == "approved":  # but without its public file
        # The writer asks for it by id: publishing is what they want now, whichever step stopped.
        write_public_comment(stores.public_dir, comment)
        return Outcome(
            comment_id, DONE,
            f"{comment_id} was approved but had no public file (a step was interrupted, or the file "
            f"was deleted by hand); published it again as {path}",
        )
    if comment.reply_to:
        parent_status, parent = _parent_status(stores, comment.reply_to)
        if parent is None:
            return Outcome(comment_id, REFUSED,
                           f"{comment_id} replies to {comment.reply_to}, which is in neither store; "
                           "publishing it would make an orphaned reply")
        if parent_status != "approved":
            hint = (
                f"approve both together: python3 dev.py comments-approve --id {comment.reply_to} --id {comment_id}"
                if comment.reply_to not in batch
                else "the parent was not approved in this run"
            )
            return Outcome(
                comment_id, WAITING,
                f"{comment_id} stays waiting: it replies to {comment.reply_to} by {parent.author}, which is "
                f"{parent_status}, and a reply cannot appear without the comment it answers; {hint}",
            )
    before = record.status
    record.status, record.reason = "approved", ""
    _save_step(stores, record, _entry("approve", record, before, moderator))
    write_public_comment(stores.public_dir, comment)
    return Outcome(comment_id, DONE, f"{comment_id} approved: published as {path}")


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) > MAX_REASON_LENGTH:
        raise HarbourError(
            f"the reason is {len(reason)} characters long; at most {MAX_REASON_LENGTH} are allowed: "
            "a short note for your records is enough"
        )
    return reason


def reject_comments(
    stores: CommentStores, ids: Sequence[str], reason: str, *, moderator: str | None = None
) -> list[Outcome]:
    """Reject waiting (or spam) comments, keeping them and the reason in the private store."""
    reason = _reason(reason)
    if not reason:
        raise HarbourError('rejecting needs a reason for the record, e.g. --reason "personal details"')
    return _set_status(stores, ids, "rejected", "reject", reason, moderator or current_moderator())


def mark_spam(
    stores: CommentStores, ids: Sequence[str], reason: str = "", *, moderator: str | None = None
) -> list[Outcome]:
    """Mark waiting (or rejected) comments as spam; they stay in the private store."""
    return _set_status(stores, ids, "spam", "spam", _reason(reason) or "marked as spam",
                       moderator or current_moderator())


def _take_down(stores: CommentStores, record: PrivateRecord) -> str:
    """Remove a comment's public file, before its record leaves (or stays away from) "approved".

    Returns a sentence for the outcome when a file was there although the record was not
    approved: an approval interrupted by an older version, or a file copied in by hand.
    """
    removed = remove_public_comment(stores.public_dir, record.comment.post, record.id)
    if removed and record.status != "approved":
        return f"; its public file was still there although it was {record.status}, and is now removed"
    return ""


def _each_unpublished(
    stores: CommentStores, ids: Sequence[str], outcomes: list[Outcome], refusal: Callable[[str], str]
) -> Iterator[tuple[PrivateRecord, str]]:
    """Each known comment not on the site, loaded under the store's lock, with any stray public file
    taken down (the sentence :func:`_take_down` returns); a published one is refused into ``outcomes``.

    The caller's step runs while the lock is held: the generator yields inside it.
    """
    for comment_id in _known_ids(stores, ids):
        with stores.private.locked():
            record, _ = _load(stores, comment_id)
            if record.status == "approved":
                outcomes.append(Outcome(comment_id, REFUSED, refusal(comment_id)))
                continue
            yield record, _take_down(stores, record)


def _set_status(stores: CommentStores, ids: Sequence[str], status: str, action: str, reason: str,
                moderator: str) -> list[Outcome]:
    outcomes: list[Outcome] = []

    def published(comment_id: str) -> str:
        return (f"{comment_id} is published; to take it down use: python3 dev.py comments-unpublish "
                f"--id {comment_id} (the comment stays in the private store)")

    for record, removed in _each_unpublished(stores, ids, outcomes, published):
        comment_id = record.id
        if record.status == status:
            result = DONE if removed else UNCHANGED
            outcomes.append(Outcome(comment_id, result, f"{comment_id} is {status} already{removed}"))
            continue
        before = record.status
        record.status, record.reason = status, reason
        _save_step(stores, record, _entry(action, record, before, moderator, reason=reason))
        outcomes.append(Outcome(comment_id, DONE, f"{comment_id} {status} ({reason}){removed}"))
    return outcomes


def unpublish_comments(
    stores: CommentStores, ids: Sequence[str], reason: str = "", *, moderator: str | None = None
) -> list[Outcome]:
    """Take published comments down: approved -> rejected, public file removed, record kept.

    Refuses a comment whose published replies are not taken down with it, since they would
    be left answering nothing (and fail the build).
    """
    moderator = moderator or current_moderator()
    reason = _reason(reason)
    reason = f"unpublished: {reason}" if reason else "unpublished"
    wanted = _known_ids(stores, ids)
    outcomes = []
    # Replies first, so no moment leaves a published reply without its parent.
    for comment_id in reversed(_parents_first(stores, wanted)):
        with stores.private.locked():
            outcomes.append(_unpublish_one(stores, comment_id, wanted, reason, moderator))
    return list(reversed(outcomes))


def _unpublish_one(
    stores: CommentStores, comment_id: str, batch: list[str], reason: str, moderator: str
) -> Outcome:
    record, _ = _load(stores, comment_id)
    if record.status != "approved":
        removed = _take_down(stores, record)
        if removed:
            return Outcome(comment_id, DONE, f"{comment_id} stays {record.status}{removed}")
        result = UNCHANGED if record.status == "rejected" else REFUSED
        message = f"{comment_id} is {record.status}, not published; nothing to unpublish"
        return Outcome(comment_id, result, message)
    replies = sorted(
        c.id for c in read_public_comments(stores.public_dir, zone=stores.zone)
        if c.reply_to == comment_id and c.id not in batch
    )
    if replies:
        more = " ".join(f"--id {r}" for r in replies)
        return Outcome(
            comment_id, REFUSED,
            f"{comment_id} has {len(replies)} published repl{'y' if len(replies) == 1 else 'ies'} "
            f"({', '.join(replies)}) that would answer nothing; unpublish them together: "
            f"python3 dev.py comments-unpublish --id {comment_id} {more}",
        )
    _take_down(stores, record)
    record.status, record.reason = "rejected", reason
    _save_step(stores, record, _entry("unpublish", record, "approved", moderator, reason=reason))
    return Outcome(comment_id, DONE, f"{comment_id} unpublished: its public file is removed, its record kept")


def return_to_waiting(
    stores: CommentStores, ids: Sequence[str], reason: str = "", *, moderator: str | None = None
) -> list[Outcome]:
    """Put rejected or spam comments back in the queue (pending), as a recorded step.

    The way back from a reject or a spam mark (the desk's undo): nothing is deleted, and the
    comment's history shows both steps. A published comment is refused: unpublish it first,
    so that the step that takes it off the site is recorded as one.
    """
    moderator = moderator or current_moderator()
    reason = _reason(reason)
    outcomes: list[Outcome] = []

    def published(comment_id: str) -> str:
        return (f"{comment_id} is published; unpublish it first "
                f"(python3 dev.py comments-unpublish --id {comment_id})")

    for record, removed in _each_unpublished(stores, ids, outcomes, published):
        comment_id = record.id
        if record.status == "pending":
            result = DONE if removed else UNCHANGED
            outcomes.append(Outcome(comment_id, result, f"{comment_id} is waiting already{removed}"))
            continue
        before = record.status
        record.status, record.reason = "pending", ""
        _save_step(stores, record, _entry("return", record, before, moderator, reason=reason))
        message = f"{comment_id} is waiting again (it was {before}){removed}"
        outcomes.append(Outcome(comment_id, DONE, message))
    return outcomes


def set_content_warnings(
    stores: CommentStores,
    ids: Sequence[str],
    warnings: Sequence[str],
    *,
    known_tags: Collection[str] | None = None,
    max_tags: int | None = None,
    moderator: str | None = None,
) -> list[Outcome]:
    """Give comments these Content-Warnings (none: take them off), in the record and, for a
    published comment, in its public file.

    ``known_tags``: the trigger vocabulary's slugs; a tag outside it is refused before anything
    changes (the build would refuse it). The record changes first and the public file follows,
    as for an approval.
    """
    moderator = moderator or current_moderator()
    tags = tuple(dict.fromkeys(t.strip() for t in warnings if t and t.strip()))
    # Each tag becomes part of the public file's Content-Warnings header line.
    problems = [
        f"{tag!r} cannot be a content warning: a trigger tag has no comma or control character"
        for tag in tags if "," in tag or any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in tag)
    ]
    if known_tags is not None:
        problems += [
            f"{tag!r} is not a trigger tag of the vocabulary (content/triggers.yml)"
            + did_you_mean(tag, known_tags)
            for tag in tags if tag not in known_tags
        ]
    if max_tags is not None and len(tags) > max_tags:
        problems.append(f"{len(tags)} content warnings given; at most {max_tags} are allowed "
                        "(COMMENTS['length_limits']['content_warnings'])")
    if problems:
        raise HarbourError(problems)
    outcomes = []
    for comment_id in _known_ids(stores, ids):
        with stores.private.locked():
            record, _ = _load(stores, comment_id)
            before = record.comment.content_warnings
            shown = ", ".join(tags) or "none"
            if before == tags:
                message = f"{comment_id} has the content warnings {shown} already"
                outcomes.append(Outcome(comment_id, UNCHANGED, message))
                continue
            record = record.with_comment(content_warnings=tags)
            path = public_comment_path(stores.public_dir, record.comment.post, comment_id)
            _save_step(stores, record, _entry(
                "warn", record, record.status, moderator,
                warnings=shown, warnings_before=", ".join(before) or "none",
            ))
            published = record.status == "approved" and path.exists()
            if published:
                write_public_comment(stores.public_dir, record.comment)
            where_ = " (its public file too)" if published else ""
            outcomes.append(Outcome(comment_id, DONE, f"{comment_id} content warnings: {shown}{where_}"))
    return outcomes
