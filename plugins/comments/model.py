"""What a comment is: its public fields, its private record, and the rules every id, date and URL follows."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harbour.errors import HarbourError

# Ids this project writes are 12 hex digits; imports may bring longer, prefixed ones (wp-<site>-123).
# Ids and slugs become file names, so they are checked with fullmatch: "$" would accept a
# trailing newline, which no command could then name.
COMMENT_ID = re.compile(r"[a-z0-9][a-z0-9-]{2,63}")
COMMENT_ID_HELP = "3 to 64 characters: lower-case letters, digits and '-', not starting with '-'"
POST_SLUG_MAX = 200
POST_SLUG_HELP = (
    f"1 to {POST_SLUG_MAX} characters without '/', '\\', spaces or control characters, not starting with '.'"
)

STATUSES = ("pending", "approved", "rejected", "spam")
DATE_EXAMPLE = "2024-04-03 09:12:00+01:00"
# Python's calendar stops at the years 1 and 9999, and a date near either end overflows when
# it is turned into UTC or the site's time zone (sorting, the page, feeds). No comment was
# written before 1970 or will be after 9998, so these bounds cost nothing.
EARLIEST_DATE = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST_DATE = datetime(9998, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
DATE_RANGE_HELP = "a comment's date must lie between the years 1970 and 9998 (in UTC)"


def new_comment_id() -> str:
    """A fresh id: 48 random bits, so two arrivals in the same second never share one."""
    return secrets.token_hex(6)


def is_comment_id(value: object) -> bool:
    return isinstance(value, str) and COMMENT_ID.fullmatch(value) is not None


def is_post_slug(value: object) -> bool:
    """Whether ``value`` can name a post's folder in the public store: one harmless path segment."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= POST_SLUG_MAX
        and not value.startswith(".")
        and not any(c in "/\\" or c.isspace() or unicodedata.category(c) in ("Cc", "Cs") for c in value)
    )


def http_url(value: str | None) -> str | None:
    """``value`` when it is a plain http(s) URL with a host, else None.

    Only such URLs may become an author's link: anything else (javascript:, data:, a bare
    word) could run code or mislead, and a quote or space could break out of the attribute.
    A user name or password before the host is refused too: ``https://bank.example@evil.example/``
    reads as the first site but goes to the second.
    """
    if not value or any(c.isspace() or c in "\"'<>`\\" for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    plain = parts.scheme.lower() in ("http", "https") and parts.hostname and "@" not in parts.netloc
    return value if plain else None


def format_date(date: datetime) -> str:
    """The public file's form of a date: ``2024-04-03 09:12:00+01:00`` (seconds, with its offset)."""
    return date.replace(microsecond=0).isoformat(sep=" ")


def parse_date(text: str, zone: tzinfo | None = None) -> datetime:
    """Read a timezone-aware date; ValueError says what is wrong and what is allowed.

    ``zone``: the site's TIMEZONE, which a date written without a UTC offset is read in (as
    Pelican reads a post's Date); without it such a date is refused as ambiguous.
    """
    try:
        date = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date; write it as {DATE_EXAMPLE}") from None
    if date.tzinfo is None and zone is not None:
        date = date.replace(tzinfo=zone)
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError(
            f"{text!r} has no UTC offset, so its moment is ambiguous; add one, e.g. {DATE_EXAMPLE}"
        )
    if not in_date_range(date):
        raise ValueError(f"{text!r} is out of range: {DATE_RANGE_HELP}; check the year")
    return date


def in_date_range(date: datetime) -> bool:
    """Whether an aware date lies between EARLIEST_DATE and LATEST_DATE."""
    try:
        return EARLIEST_DATE <= date <= LATEST_DATE
    except OverflowError:  # comparing converts to UTC, which is what overflows at the edges
        return False


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


@dataclass(frozen=True)
class PublicComment:
    """The fields of a comment that may be published: exactly what its public file holds."""

    id: str
    post: str
    author: str
    date: datetime
    body: str
    reply_to: str | None = None
    author_url: str | None = None
    content_warnings: tuple[str, ...] = ()
    # Written by the site's writer (`comments-reply`): the thread marks it "Author". Only the
    # writer's own tools set it; a comment from the form or the receiver never carries it.
    by_writer: bool = False
    # Where it was read from and the line of each header field, for error messages only.
    source_path: Path | None = field(default=None, compare=False)
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def public_fields(self) -> dict[str, Any]:
        """JSON-ready public fields, in a stable order."""
        return {
            "id": self.id,
            "post": self.post,
            "reply_to": self.reply_to,
            "author": self.author,
            "author_url": self.author_url,
            "date": self.date.isoformat(),
            "content_warnings": list(self.content_warnings),
            # Only when set: a record without it reads as before, and the receiver's queue (form
            # comments only) keeps the exact fields comments-fetch expects.
            **({"by_writer": True} if self.by_writer else {}),
            "body": self.body,
        }

    def line_of(self, header: str) -> int | None:
        return self.lines.get(header)


def _flag(value: Any, name: str) -> bool:
    """A true-or-false field of a record; anything else is damage, not a guess."""
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false, not {value!r}")
    return value


@dataclass
class PrivateRecord:
    """Everything known about one comment, public and private; kept forever in the private store."""

    comment: PublicComment
    status: str
    email: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    reason: str = ""
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    received_at: datetime = field(default_factory=utc_now)
    source: str = "form"
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.comment.id

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "harbour-comment-record",
            "version": 1,
            **self.comment.public_fields(),
            "status": self.status,
            "reason": self.reason,
            "flags": list(self.flags),
            "notes": list(self.notes),
            "email": self.email,
            "ip": self.ip,
            "user_agent": self.user_agent,
            "received_at": self.received_at.isoformat(),
            "source": self.source,
            "history": list(self.history),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], path: Path) -> PrivateRecord:
        """Read a record written by :meth:`to_json`; a damaged one names its file and field."""
        try:
            comment = PublicComment(
                id=data["id"],
                post=data["post"],
                author=data["author"],
                date=parse_date(data["date"]),
                body=data["body"],
                reply_to=data.get("reply_to"),
                author_url=data.get("author_url"),
                content_warnings=tuple(data.get("content_warnings") or ()),
                by_writer=_flag(data.get("by_writer", False), "by_writer"),
                source_path=path,
            )
            record = cls(
                comment=comment,
                status=data["status"],
                email=data.get("email"),
                ip=data.get("ip"),
                user_agent=data.get("user_agent"),
                reason=data.get("reason") or "",
                flags=list(data.get("flags") or []),
                notes=list(data.get("notes") or []),
                received_at=parse_date(data["received_at"]),
                source=data.get("source") or "unknown",
                history=list(data.get("history") or []),
            )
        except KeyError as missing:
            raise HarbourError(
                f"{path}: the private record has no {missing.args[0]!r} field; it was edited by hand or "
                "damaged. Restore it from your backup of the private store"
            ) from None
        except (TypeError, ValueError) as error:
            raise HarbourError(
                f"{path}: the private record cannot be read ({error}); restore it from your backup "
                "of the private store"
            ) from None
        if record.status not in STATUSES:
            raise HarbourError(
                f"{path}: status {record.status!r} is not one of {', '.join(STATUSES)}; "
                "restore the record from your backup"
            )
        # The id and the post name the public file an approval writes: check them like any input.
        problems = [
            f"{path}: {name} {value!r} is not {what}; restore the record from your backup"
            for name, value, what, ok in (
                ("id", comment.id, f"this file's name ({path.stem!r})", comment.id == path.stem),
                ("post", comment.post, f"a post slug ({POST_SLUG_HELP})", is_post_slug(comment.post)),
                ("reply_to", comment.reply_to, f"a comment id ({COMMENT_ID_HELP})",
                 comment.reply_to is None or is_comment_id(comment.reply_to)),
            )
            if not ok
        ]
        if problems:
            raise HarbourError(problems)
        return record

    def with_comment(self, **changes: Any) -> PrivateRecord:
        return replace(self, comment=replace(self.comment, **changes))


# --- The manifest the build writes for the comment receiver ------------------------------------

MANIFEST_FORMAT = "harbour-comment-manifest"
MANIFEST_VERSION = 1


def unlisted_key(slug: str) -> str:
    """How the manifest names a hidden post: a hash of its slug, so the public file cannot list
    posts that are reached by their address only, while the receiver, given the slug, finds it."""
    import hashlib

    return hashlib.sha256(f"{MANIFEST_FORMAT}:{slug}".encode()).hexdigest()

