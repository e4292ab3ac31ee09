"""Arrival: what happens when a comment comes in from the web form or an importer.

A new comment is tidied, checked, triaged and kept in the private store; it is published
only if approved, record first (see the order of writes in :mod:`comments.desk.moderation`).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from comments.config import CommentStores
from comments.model import (
    COMMENT_ID_HELP,
    DATE_RANGE_HELP,
    STATUSES,
    PrivateRecord,
    PublicComment,
    http_url,
    in_date_range,
    is_comment_id,
    is_post_slug,
    new_comment_id,
    utc_now,
)
from comments.desk.moderation import _entry, _id_taken, _parent_status, _save_step, current_moderator
from comments.desk.public_store import find_public_comment, write_public_comment
from comments.desk.queue_view import comment_problems
from comments.sanitise import MAX_NESTING, nesting_depth
from comments.desk.triage import AUTO_APPROVE_RETURNING, TriageRules, length_problems, triage
from harbour.errors import HarbourError

# Used with fullmatch: "$" would let a trailing newline through.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
TAG = re.compile(r"[\w][\w .'&/-]{0,59}")


@dataclass(frozen=True)
class Received:
    record: PrivateRecord
    created: bool
    message: str
    # Set when the stores disagree about this comment and the writer should look.
    attention: str = ""


def _has_control_characters(text: str, allowed: str = "") -> bool:
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in text)


def clean_user_agent(user_agent: str | None, limit: int) -> str | None:
    """A browser's User-Agent header fit to keep: one line without control characters, cut to ``limit``.

    Cleaned rather than refused: the commenter never chose it, and a comment must not be lost
    over it. A C1 control such as U+009B (an 8-bit CSI, which the web server passes as the byte
    0x9b read as Latin-1) would start an escape sequence in the terminal of comments-show.
    """
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in user_agent or "")
    return " ".join(kept.split())[:limit] or None


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
        "user_agent": clean_user_agent(user_agent, rules.length_limits["user_agent"]),
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
    else:
        problems += nesting_problems(body)
    if author_url is not None and http_url(author_url) is None:
        problems.append(
            f"author_url {author_url!r} is not an http(s) address; give a full address such as "
            "https://example.org/ (without a user name before the host) or leave it out"
        )
    if email is not None and not EMAIL.fullmatch(email):
        problems.append(f"email {email!r} does not look like an e-mail address (name@example.org)")
    if ip is not None and not is_ip_address(ip):
        problems.append(f"ip {ip!r} is not an IPv4 or IPv6 address")
    if reply_to is not None and not is_comment_id(reply_to):
        problems.append(f"reply_to {reply_to!r} is not a comment id ({COMMENT_ID_HELP})")
    if comment_id is not None and not is_comment_id(comment_id):
        problems.append(f"id {comment_id!r} is not a comment id ({COMMENT_ID_HELP})")
    for tag in content_warnings:
        if not TAG.fullmatch(tag):
            problems.append(
                f"content warning {tag!r} is not a trigger tag; use the tags of content/triggers.yml, "
                "e.g. grief or self-harm"
            )
    if date is not None and (date.tzinfo is None or date.utcoffset() is None):
        problems.append("date has no timezone; give an aware datetime (with a UTC offset)")
    elif date is not None and not in_date_range(date):
        problems.append(f"date {date.isoformat(sep=' ')} is out of range: {DATE_RANGE_HELP}")
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


def nesting_problems(body: str) -> list[str]:
    """A body nesting lists or quotes deeper than the renderer can take (any status: triage renders it)."""
    depth, line = nesting_depth(body)
    if depth <= MAX_NESTING:
        return []
    return [
        f"body nests lists or quotes {depth} levels deep (its line {line}); at most {MAX_NESTING} "
        "can be shown: take out the extra '-', '*', '1.' or '>' at the start of that line"
    ]


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
    by_writer: bool = False,
    date: datetime | None = None,
    comment_id: str | None = None,
    status: str | None = None,
    source: str = "form",
    moderator: str | None = None,
    notes: Iterable[str] = (),
    published_parents: Mapping[str, str] | None = None,
) -> Received:
    """Accept a new comment: check it, triage it, keep it privately; publish it only if approved.

    ``comment_id`` and ``status`` are for importers: a comment whose id is already known is
    left as it is (so importing twice changes nothing), and an imported comment keeps the
    status the other site gave it, with triage's flags added for the record.

    ``published_parents`` maps ids of comments the live site shows to their post: a receiver on
    another host than the writer's stores knows the comments a reply may answer only so.

    ``by_writer``: for importers of this site's own exports, whose writer's replies keep their
    mark; the form and the receiver never set it (the writer's replies come through
    :func:`comments.desk.replies.writer_reply`).
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
            reply_to=reply_to, author_url=author_url, content_warnings=warnings, by_writer=by_writer,
        )
        notes = list(notes)
        parent_status = None
        if reply_to is not None:
            parent_status, parent = _parent_status(stores, reply_to)
            parent_post = parent.post if parent is not None else (published_parents or {}).get(reply_to)
            if parent_post is None:
                raise HarbourError(
                    f"reply_to {reply_to!r} matches no comment in the private or public store; "
                    "reply to an existing comment or leave reply_to out"
                )
            if parent is None:
                parent_status = "approved"  # shown on the live site, though not in these stores
            if parent_post != post:
                raise HarbourError(
                    f"reply_to {reply_to!r} is a comment on {parent_post!r}, not on {post!r}; "
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
