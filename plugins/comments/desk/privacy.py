"""Privacy in the private store: commenters' IP addresses and browsers kept only as long as
needed against abuse, and one person's private data erased when they ask.

Both steps record in the audit log that they happened and how many records they changed,
never the data they erased (an audit log that named the address would keep what was erased).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from comments.config import CommentStores
from comments.desk.moderation import DONE, Outcome, current_moderator, unpublish_comments
from comments.desk.public_store import public_comment_path
from comments.model import PrivateRecord, utc_now
from harbour.errors import HarbourError
from harbour.files import atomic_write_text

logger = logging.getLogger(__name__)

ERASED = "[erased on request]"
UNPUBLISH_REASON = "the commenter asked to be forgotten"


def _erasable_since(record: PrivateRecord) -> datetime:
    """When a record's IP and browser started to count against the retention period.

    The earlier of its arrival here and the comment's own date: an import brings in comments
    written years ago, whose addresses are not needed against abuse now.
    """
    return min(record.received_at, record.comment.date)


def _readable_records(stores: CommentStores) -> list[PrivateRecord]:
    """Every record that can be read. A damaged one is left for the commands that report it
    (the queue names its file and how to restore it): erasing elsewhere must not wait for it."""
    records = []
    for comment_id in stores.private.ids():
        try:
            records.append(stores.private.read(comment_id))
        except HarbourError as error:
            logger.warning("retention: skipped an unreadable record: %s", error)
    return records


def _note_step(record: PrivateRecord, action: str, moderator: str, reason: str) -> None:
    """A line in the record's own history, like a moderation step's (the status does not change)."""
    record.history.append({
        "at": utc_now().isoformat(), "action": action, "from": record.status, "to": record.status,
        "by": moderator, "reason": reason,
    })


def erase_expired(
    stores: CommentStores,
    retention_days: int,
    now: datetime | None = None,
    *,
    moderator: str | None = None,
) -> int:
    """Blank the IP address and user agent of records older than ``retention_days``; return how many.

    Cheap when nothing has expired: the records are read without the lock, and the lock is
    taken (and each candidate read again under it, since a moderator may have changed it
    meanwhile) only when something is to be erased.
    """
    if isinstance(retention_days, bool) or not isinstance(retention_days, int) or retention_days < 1:
        raise HarbourError(
            f"COMMENTS['retention_days'] = {retention_days!r} is not valid: expected a whole number of days, "
            "at least 1"
        )
    cutoff = (now or utc_now()) - timedelta(days=retention_days)

    def expired(record: PrivateRecord) -> bool:
        return bool(record.ip or record.user_agent) and _erasable_since(record) < cutoff

    candidates = [r.id for r in _readable_records(stores) if expired(r)]
    if not candidates:
        return 0
    moderator = moderator or current_moderator()
    reason = f"IP address and user agent erased: older than {retention_days} days (retention_days)"
    erased = 0
    with stores.private.locked():
        for comment_id in candidates:
            record = stores.private.read(comment_id)
            if not expired(record):
                continue
            record.ip = record.user_agent = None
            _note_step(record, "erase-expired", moderator, reason)
            stores.private.write(record)
            erased += 1
        if erased:
            stores.private.append_audit({
                "at": utc_now().isoformat(), "action": "erase-expired", "records": erased,
                "retention_days": retention_days, "by": moderator,
            })
    return erased


# --- Erasure on request -------------------------------------------------------------------


@dataclass(frozen=True)
class Forgotten:
    """What :func:`forget_person` did: how many records held the person's e-mail (their
    comments), how many others only named it in a note or reason, and what happened to each
    of their published comments (with ``unpublish``)."""

    records: int
    mentions: int = 0
    unpublished: list[Outcome] = field(default_factory=list)
    audit_lines: int = 0


def _normalised_email(email: str | None) -> str:
    return (email or "").strip().casefold()


def _address_pattern(email: str) -> re.Pattern[str]:
    """The address inside free text (a note, a reason), not as part of a longer address:
    forgetting ina@example.org must leave mina@example.org alone."""
    return re.compile(r"(?<![\w.+-])" + re.escape(email) + r"(?![\w-]|\.\w)", re.IGNORECASE)


def _texts(record: PrivateRecord) -> list[str]:
    """The free text of a record: an import keeps an address the other site accepted but this
    one would not in a note, and a moderator may have written one into a reason."""
    values = [record.reason, *record.notes, *(v for step in record.history for v in step.values())]
    return [v for v in values if isinstance(v, str)]


def _scrubbed(value: Any, pattern: re.Pattern[str]) -> Any:
    return pattern.sub(ERASED, value) if isinstance(value, str) else value


def _scrub_texts(record: PrivateRecord, pattern: re.Pattern[str]) -> None:
    record.reason = _scrubbed(record.reason, pattern)
    record.notes = [_scrubbed(note, pattern) for note in record.notes]
    record.history = [{k: _scrubbed(v, pattern) for k, v in step.items()} for step in record.history]


def _is_theirs(record: PrivateRecord, wanted: str) -> bool:
    return _normalised_email(record.email) == wanted


def _mentions(record: PrivateRecord, pattern: re.Pattern[str]) -> bool:
    return any(pattern.search(text) for text in _texts(record))


def _published_ids(stores: CommentStores, records: list[PrivateRecord]) -> list[str]:
    """The records whose comment is on the site, or whose public file is there all the same."""
    return [
        r.id for r in records
        if r.status == "approved" or public_comment_path(stores.public_dir, r.comment.post, r.id).exists()
    ]


def forget_person(
    stores: CommentStores, email: str, *, unpublish: bool = False, moderator: str | None = None
) -> Forgotten:
    """Erase one person's e-mail, IP address and user agent from every record with their e-mail.

    The address is compared ignoring case and surrounding spaces. It is also taken out of
    the notes and reasons of any record that names it; another person's record keeps its own
    e-mail and IP. With ``unpublish``, their published comments are first taken down through
    the ordinary unpublish step, so each keeps its record (as rejected) and nothing is lost;
    a comment with published replies by others is refused by that step, as always, and stays
    up until the writer decides. Unpublishing comes first so that, if the command is
    interrupted, running it again still finds their comments by the address.
    """
    wanted = _normalised_email(email)
    if not wanted:
        raise HarbourError(
            "no e-mail address given; pass the one the person used, e.g. --email mina@example.org"
        )
    pattern = _address_pattern(wanted)
    moderator = moderator or current_moderator()
    records = stores.private.all_records()
    theirs = [r for r in records if _is_theirs(r, wanted)]
    named = any(_mentions(r, pattern) for r in records) or _audit_mentions(stores, pattern)
    if not theirs and not named:
        raise HarbourError(
            f"no comment in the private store {stores.private.root} has the e-mail {email.strip()!r}; "
            "check the spelling (`python3 dev.py comments-show --id ID` shows a comment's e-mail), or it was "
            "already erased"
        )
    outcomes: list[Outcome] = []
    published = _published_ids(stores, theirs) if unpublish else []
    if published:
        outcomes = unpublish_comments(stores, published, UNPUBLISH_REASON, moderator=moderator)
    own = mentions = 0
    with stores.private.locked():
        for record in stores.private.all_records():  # again under the lock: others may have changed them
            if _is_theirs(record, wanted):
                record.email = record.ip = record.user_agent = None
                own += 1
                what = "e-mail, IP address and user agent erased on the commenter's request"
            elif _mentions(record, pattern):
                mentions += 1
                what = "an e-mail address in its notes erased on that person's request"
            else:
                continue
            _scrub_texts(record, pattern)
            _note_step(record, "forget", moderator, what)
            stores.private.write(record)
        audit_lines = _scrub_audit(stores, pattern)
        stores.private.append_audit({
            "at": utc_now().isoformat(), "action": "forget", "records": own, "mentions": mentions,
            "audit_lines": audit_lines, "unpublished": sum(o.result == DONE for o in outcomes),
            "by": moderator,
        })
    return Forgotten(own, mentions, outcomes, audit_lines)


def _audit_text(stores: CommentStores) -> str:
    try:
        return stores.private.audit_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def _audit_mentions(stores: CommentStores, pattern: re.Pattern[str]) -> bool:
    return pattern.search(_audit_text(stores)) is not None


def _scrub_audit(stores: CommentStores, pattern: re.Pattern[str]) -> int:
    """Take the address out of the audit log's earlier lines (a reason a moderator typed may hold
    it); how many lines changed. Every line stays, with every other word: the log still says
    what happened, only not to whom. Call it under the store's lock."""
    text = _audit_text(stores)
    lines = text.split("\n")
    scrubbed = [pattern.sub(ERASED, line) for line in lines]
    changed = sum(old != new for old, new in zip(lines, scrubbed, strict=True))
    if changed:
        # The address never holds a character JSON escapes, and the mark holds none either:
        # each line stays the same JSON with one string changed.
        atomic_write_text(stores.private.audit_path, "\n".join(scrubbed), private=True)
    return changed
