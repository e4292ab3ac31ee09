"""Arrival and moderation: the plain functions behind the web form, the importers and the invoke tasks.

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
import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from comments.config import CommentStores
from comments.model import (
    COMMENT_ID_HELP,
    STATUSES,
    PrivateRecord,
    PublicComment,
    http_url,
    is_comment_id,
    is_post_slug,
    new_comment_id,
    utc_now,
)
from comments.public_store import (
    find_public_comment,
    public_comment_path,
    read_public_comments,
    remove_public_comment,
    write_public_comment,
)
from comments.triage import AUTO_APPROVE_RETURNING, CRISIS, TriageRules, length_problems, triage
from harbour.errors import HarbourError

DONE = "done"
UNCHANGED = "unchanged"
WAITING = "waiting"
REFUSED = "refused"

MAX_REASON_LENGTH = 500
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TAG = re.compile(r"^[\w][\w .'&/-]{0,59}$")


@dataclass(frozen=True)
class Outcome:
    """What one moderation step did to one comment."""

    id: str
    result: str  # DONE, UNCHANGED, WAITING or REFUSED
    message: str


@dataclass(frozen=True)
class Received:
    record: PrivateRecord
    created: bool
    message: str
    # Set when the stores disagree about this comment and the writer should look.
    attention: str = ""


def current_moderator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in some containers
        return "unknown"


def _has_control_characters(text: str, allowed: str = "") -> bool:
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in text)


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


# --- Arrival ----------------------------------------------------------------------------


def normalised_fields(
    rules: TriageRules,
    *,
    author: str | None,
    body: str | None,
    email: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    author_url: str | None = None,
    reply_to: str | None = None,
    content_warnings: Iterable[str] = (),
) -> dict[str, Any]:
    """A new comment's fields tidied the same way for every source: trimmed, one line where
    a header needs one, Unix line ends, empty optional fields as None. Warnings may come as
    a list or, from a form field, as one comma-separated string."""
    if isinstance(content_warnings, str):
        content_warnings = content_warnings.split(",")
    return {
        "author": " ".join((author or "").split()),
        "body": (body or "").replace("\r\n", "\n").replace("\r", "\n").strip(),
        "email": (email or "").strip() or None,
        "ip": (ip or "").strip() or None,
        "user_agent": " ".join((user_agent or "").split())[: rules.length_limits["user_agent"]] or None,
        "author_url": (author_url or "").strip() or None,
        "reply_to": (reply_to or "").strip() or None,
        "content_warnings": tuple(dict.fromkeys(t.strip() for t in content_warnings if t and t.strip())),
    }


def arrival_problems(
    rules: TriageRules,
    *,
    post: str,
    author: str,
    body: str,
    email: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    author_url: str | None = None,
    reply_to: str | None = None,
    content_warnings: tuple[str, ...] = (),
    date: datetime | None = None,
    comment_id: str | None = None,
    status: str | None = None,
) -> list[str]:
    """Every reason to refuse a new comment's fields (empty when it may be received)."""
    problems = []
    if not is_post_slug(post):
        problems.append(f"post {post!r} is not a post slug; use the post's Slug, e.g. a-harder-week")
    if not author:
        problems.append("author is empty; a display name is needed (it need not be a real name)")
    elif _has_control_characters(author):
        problems.append("author contains control characters; use ordinary letters")
    if not body:
        problems.append("body is empty; a comment needs some text")
    elif _has_control_characters(body, "\n\t"):
        problems.append("body contains control characters other than line breaks and tabs; remove them")
    if author_url is not None and http_url(author_url) is None:
        problems.append(
            f"author_url {author_url!r} is not an http(s) address; give a full address such as "
            "https://example.org/ (without a user name before the host) or leave it out"
        )
    if email is not None and not EMAIL.match(email):
        problems.append(f"email {email!r} does not look like an e-mail address (name@example.org)")
    if ip is not None and not is_ip_address(ip):
        problems.append(f"ip {ip!r} is not an IPv4 or IPv6 address")
    if reply_to is not None and not is_comment_id(reply_to):
        problems.append(f"reply_to {reply_to!r} is not a comment id ({COMMENT_ID_HELP})")
    if comment_id is not None and not is_comment_id(comment_id):
        problems.append(f"id {comment_id!r} is not a comment id ({COMMENT_ID_HELP})")
    for tag in content_warnings:
        if not TAG.match(tag):
            problems.append(
                f"content warning {tag!r} is not a trigger tag; use the tags of content/triggers.yml, "
                "e.g. grief or self-harm"
            )
    if date is not None and (date.tzinfo is None or date.utcoffset() is None):
        problems.append("date has no timezone; give an aware datetime (with a UTC offset)")
    if status is not None and status not in STATUSES:
        problems.append(f"status {status!r} is not one of {', '.join(STATUSES)}")
    if limits_apply(status):
        problems += length_problems(
            {
                "author": author,
                "author_url": author_url,
                "email": email,
                "ip": ip,
                "body": body,
                "content_warnings": content_warnings,
            },
            rules.length_limits,
        )
    return problems


def limits_apply(status: str | None) -> bool:
    """Whether length limits hold for a comment arriving with ``status`` (None: triage decides).

    They guard what readers may see. A comment an import brings in as spam or rejected is
    kept as it was, for the record; one that is published, or waits to be, is held to them.
    """
    return status in (None, "approved", "pending")


def is_ip_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _parent_status(stores: CommentStores, parent_id: str) -> tuple[str | None, PublicComment | None]:
    """The status and public fields of a comment (private record first, else the public file)."""
    if stores.private.exists(parent_id):
        record = stores.private.read(parent_id)
        return record.status, record.comment
    published = find_public_comment(stores.public_dir, parent_id)
    if published is not None:
        return "approved", published
    return None, None


def _is_returning(stores: CommentStores, author: str, email: str | None) -> bool:
    """Whether the same name and e-mail have an approved comment. Reads every record: call it
    only when the answer can change the outcome."""
    if not email:
        return False
    return any(
        r.status == "approved"
        and (r.email or "").casefold() == email.casefold()
        and r.comment.author.casefold() == author.casefold()
        for r in stores.private.all_records()
    )


def _id_taken(stores: CommentStores, comment_id: str) -> bool:
    return stores.private.exists(comment_id) or find_public_comment(stores.public_dir, comment_id) is not None


def receive_comment(
    stores: CommentStores,
    rules: TriageRules,
    *,
    post: str,
    author: str,
    body: str,
    email: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    author_url: str | None = None,
    reply_to: str | None = None,
    content_warnings: Iterable[str] = (),
    date: datetime | None = None,
    comment_id: str | None = None,
    status: str | None = None,
    source: str = "form",
    moderator: str | None = None,
    notes: Iterable[str] = (),
) -> Received:
    """Accept a new comment: check it, triage it, keep it privately; publish it only if approved.

    ``comment_id`` and ``status`` are for importers: a comment whose id is already known is
    left as it is (so importing twice changes nothing), and an imported comment keeps the
    status the other site gave it, with triage's flags added for the record.
    """
    fields = normalised_fields(
        rules, author=author, body=body, email=email, ip=ip, user_agent=user_agent,
        author_url=author_url, reply_to=reply_to, content_warnings=content_warnings,
    )
    problems = arrival_problems(rules, post=post, date=date, comment_id=comment_id, status=status, **fields)
    author, body, email, ip = fields["author"], fields["body"], fields["email"], fields["ip"]
    user_agent, author_url, reply_to = fields["user_agent"], fields["author_url"], fields["reply_to"]
    warnings = fields["content_warnings"]
    if problems:
        raise HarbourError(problems)
    moderator = moderator or current_moderator()

    with stores.private.locked():
        if comment_id is not None and _id_taken(stores, comment_id):
            return _already_received(stores, comment_id)
        while comment_id is None or _id_taken(stores, comment_id):
            comment_id = new_comment_id()
        comment = PublicComment(
            id=comment_id, post=post, author=author, date=date or utc_now(), body=body,
            reply_to=reply_to, author_url=author_url, content_warnings=warnings,
        )
        notes = list(notes)
        parent_status = None
        if reply_to is not None:
            parent_status, parent = _parent_status(stores, reply_to)
            if parent is None:
                raise HarbourError(
                    f"reply_to {reply_to!r} matches no comment in the private or public store; "
                    "reply to an existing comment or leave reply_to out"
                )
            if parent.post != post:
                raise HarbourError(
                    f"reply_to {reply_to!r} is a comment on {parent.post!r}, not on {post!r}; "
                    "a reply must be on the same post"
                )
        # Only a comment without a given status can be approved for being a returning author.
        returning = (
            status is None
            and rules.moderation == AUTO_APPROVE_RETURNING
            and _is_returning(stores, author, email)
        )
        verdict = triage(comment, rules=rules, email=email, ip=ip, user_agent=user_agent, returning=returning)
        final = status or verdict.status
        notes += verdict.notes
        if final == "approved" and reply_to is not None and parent_status != "approved":
            final = "pending"
            notes.append(f"waiting: it replies to {reply_to}, which is {parent_status}")
        record = PrivateRecord(
            comment=comment, status=final, email=email, ip=ip, user_agent=user_agent,
            flags=list(verdict.flags), notes=notes, source=source,
        )
        entry = _entry("receive", record, None, moderator, source=source, flags=list(verdict.flags))
        _save_step(stores, record, entry)
        if final == "approved":
            write_public_comment(stores.public_dir, comment)
    return Received(record, True, f"received {comment_id} ({final})")


def _already_received(stores: CommentStores, comment_id: str) -> Received:
    """A comment that is already here is left exactly as it is: never published again from here,
    since a missing public file may be the writer's own take-down."""
    if stores.private.exists(comment_id):
        record = stores.private.read(comment_id)
        return Received(
            record, False, f"{comment_id} is already in the private store; left as it is",
            attention="; ".join(comment_problems(stores, record)),
        )
    published = find_public_comment(stores.public_dir, comment_id)
    assert published is not None
    record = PrivateRecord(comment=published, status="approved", source="public-store")
    return Received(record, False, f"{comment_id} is already published; left as it is")


# --- Moderation -------------------------------------------------------------------------


def _known_ids(stores: CommentStores, ids: Sequence[str]) -> list[str]:
    """The ids, de-duplicated in order; one HarbourError names every id that does not exist."""
    wanted = list(dict.fromkeys(i.strip() for i in ids if i and i.strip()))
    if not wanted:
        raise HarbourError("no comment id given; pass one or more with --id (see `invoke comments-queue`)")
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
    published = find_public_comment(stores.public_dir, comment_id)
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
    stores: CommentStores, ids: Sequence[str], *, moderator: str | None = None
) -> list[Outcome]:
    """Publish comments. A reply whose parent is not approved keeps waiting, with the reason."""
    moderator = moderator or current_moderator()
    wanted = _known_ids(stores, ids)
    outcomes = []
    for comment_id in _parents_first(stores, wanted):
        with stores.private.locked():
            outcomes.append(_approve_one(stores, comment_id, wanted, moderator))
    return outcomes


def _approve_one(stores: CommentStores, comment_id: str, batch: list[str], moderator: str) -> Outcome:
    record, _ = _load(stores, comment_id)
    comment = record.comment
    path = public_comment_path(stores.public_dir, comment.post, comment_id)
    if record.status == "approved":
        if not path.exists():
            # The writer asks for it by id: publishing is what they want now, whichever step stopped.
            write_public_comment(stores.public_dir, comment)
            return Outcome(
                comment_id, DONE,
                f"{comment_id} was approved but had no public file (a step was interrupted, or the file "
                f"was deleted by hand); published it again as {path}",
            )
        return Outcome(comment_id, UNCHANGED, f"{comment_id} is approved already")
    if comment.reply_to:
        parent_status, parent = _parent_status(stores, comment.reply_to)
        if parent is None:
            return Outcome(comment_id, REFUSED,
                           f"{comment_id} replies to {comment.reply_to}, which is in neither store; "
                           "publishing it would make an orphaned reply")
        if parent_status != "approved":
            hint = (
                f"approve both together: invoke comments-approve --id {comment.reply_to} --id {comment_id}"
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


def _set_status(stores: CommentStores, ids: Sequence[str], status: str, action: str, reason: str,
                moderator: str) -> list[Outcome]:
    outcomes = []
    for comment_id in _known_ids(stores, ids):
        with stores.private.locked():
            record, _ = _load(stores, comment_id)
            if record.status == "approved":
                outcomes.append(Outcome(
                    comment_id, REFUSED,
                    f"{comment_id} is published; to take it down use: "
                    f"invoke comments-unpublish --id {comment_id} (the comment stays in the private store)",
                ))
                continue
            removed = _take_down(stores, record)
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
        c.id for c in read_public_comments(stores.public_dir)
        if c.reply_to == comment_id and c.id not in batch
    )
    if replies:
        more = " ".join(f"--id {r}" for r in replies)
        return Outcome(
            comment_id, REFUSED,
            f"{comment_id} has {len(replies)} published repl{'y' if len(replies) == 1 else 'ies'} "
            f"({', '.join(replies)}) that would answer nothing; unpublish them together: "
            f"invoke comments-unpublish --id {comment_id} {more}",
        )
    _take_down(stores, record)
    record.status, record.reason = "rejected", reason
    _save_step(stores, record, _entry("unpublish", record, "approved", moderator, reason=reason))
    return Outcome(comment_id, DONE, f"{comment_id} unpublished: its public file is removed, its record kept")


# --- Reading the store ------------------------------------------------------------------


def pending_queue(
    stores: CommentStores, records: Sequence[PrivateRecord] | None = None
) -> list[PrivateRecord]:
    """Waiting comments: possible crises first, then the oldest."""
    records = stores.private.all_records() if records is None else records
    waiting = [r for r in records if r.status == "pending"]
    return sorted(waiting, key=lambda r: (CRISIS not in r.flags, r.comment.date, r.id))


def comment_problems(stores: CommentStores, record: PrivateRecord) -> list[str]:
    """Where the public store disagrees with a comment's record, and what to do about it."""
    comment_id = record.id
    published = public_comment_path(stores.public_dir, record.comment.post, comment_id)
    if record.status == "approved" and not published.exists():
        return [
            f"{comment_id} is approved in its record but has no public file, so it is not on the site: "
            "an unpublish or an approval was interrupted, or the file was deleted by hand. It stays off "
            f"the site until you decide: publish it with `invoke comments-approve --id {comment_id}`, or "
            f"record the take-down with `invoke comments-unpublish --id {comment_id}`"
        ]
    if record.status != "approved" and published.exists():
        return [
            f"{comment_id} is {record.status} in its record, but its public file {published} exists, so the "
            "next build publishes it (an approval was interrupted, or the file was copied in by hand). "
            f"Take it down with `invoke comments-reject --id {comment_id} --reason \"...\"` "
            f"or keep it with `invoke comments-approve --id {comment_id}`"
        ]
    return []


def queue_report(stores: CommentStores) -> str:
    """The waiting comments as a table, then anything in the stores that needs the writer."""
    records = stores.private.all_records()
    text = format_queue(pending_queue(stores, records))
    problems = [p for r in records for p in comment_problems(stores, r)]
    if problems:
        text += "\n\nNeeds attention:\n" + "\n".join(f"  - {p}" for p in problems)
    return text


def comment_record(stores: CommentStores, comment_id: str) -> PrivateRecord:
    _known_ids(stores, [comment_id])
    return _load(stores, comment_id)[0]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fit(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` terminal columns and padded to it."""
    text = " ".join(text.split())
    if _width(text) > width:
        while _width(text) > width - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (width - _width(text))


def format_queue(records: Sequence[PrivateRecord], *, excerpt_width: int = 40) -> str:
    """The waiting comments as a table for a terminal."""
    if not records:
        return "No comments are waiting."
    headers = ("ID", "POST", "AUTHOR", "DATE", "FLAGS", "EXCERPT")
    rows = [
        (
            r.id,
            r.comment.post,
            r.comment.author,
            r.comment.date.strftime("%Y-%m-%d %H:%M"),
            ("!! " if CRISIS in r.flags else "") + (", ".join(r.flags) or "-"),
            r.comment.body,
        )
        for r in records
    ]
    caps = (14, 26, 18, 16, 30, excerpt_width)
    widths = [
        min(cap, max(_width(" ".join(str(row[i]).split())) for row in [headers, *rows]))
        for i, cap in enumerate(caps)
    ]
    lines = ["  ".join(_fit(h, w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_fit(str(v), w) for v, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    crisis = sum(CRISIS in r.flags for r in records)
    footer = f"{len(records)} waiting"
    if crisis:
        footer += (f"; {crisis} possible crisis (!!): read first, and consider writing to them privately "
                   "before deciding (invoke comments-show --id ID shows their e-mail)")
    return "\n".join(lines + ["", footer])


def describe_comment(record: PrivateRecord, problems: Sequence[str] = ()) -> str:
    """Everything about one comment, private fields included, for the writer's terminal.

    ``problems`` (from :func:`comment_problems`) come first, where they cannot be missed.
    """
    c = record.comment
    fields = [
        ("ID", c.id), ("Status", record.status + (f" ({record.reason})" if record.reason else "")),
        ("Post", c.post), ("Author", c.author), ("Author-URL", c.author_url), ("E-mail", record.email),
        ("IP", record.ip), ("User agent", record.user_agent), ("Date", c.date.isoformat(sep=" ")),
        ("Reply-To", c.reply_to), ("Content-Warnings", ", ".join(c.content_warnings) or None),
        ("Flags", ", ".join(record.flags) or None), ("Notes", "; ".join(record.notes) or None),
        ("Received", f"{record.received_at.isoformat(sep=' ')} via {record.source}"),
    ]
    lines = [f"Needs attention: {problem}" for problem in problems] + ([""] if problems else [])
    lines += [f"{name + ':':<18}{value}" for name, value in fields if value]
    lines += ["", c.body, ""]
    if record.history:
        lines.append("History:")
        for step in record.history:
            reason = f" ({step['reason']})" if step.get("reason") else ""
            lines.append(f"  {step.get('at')}  {step.get('action')}: {step.get('from') or '-'} -> "
                         f"{step.get('to')} by {step.get('by')}{reason}")
    return "\n".join(lines)
