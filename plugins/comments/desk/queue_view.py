"""What the writer reads: the waiting queue, one comment in full, and where the stores disagree."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from comments.config import CommentStores
from comments.model import PrivateRecord
from comments.desk.moderation import _known_ids, _load
from comments.desk.public_store import public_comment_path
from comments.desk.triage import CRISIS


def pending_queue(
    stores: CommentStores, records: Sequence[PrivateRecord] | None = None
) -> list[PrivateRecord]:
    """Waiting comments: possible crises first, then the oldest."""
    records = stores.private.all_records() if records is None else records
    waiting = [r for r in records if r.status == "pending"]
    return sorted(waiting, key=lambda r: (CRISIS not in r.flags, r.comment.date, r.id))


@dataclass(frozen=True)
class QueueSections:
    """The waiting comments as the desk shows them: possible crises, then the others, then the flagged."""

    crises: list[PrivateRecord]
    waiting: list[PrivateRecord]
    flagged: list[PrivateRecord]

    def __len__(self) -> int:
        return len(self.crises) + len(self.waiting) + len(self.flagged)


def queue_sections(stores: CommentStores, records: Sequence[PrivateRecord] | None = None) -> QueueSections:
    """:func:`pending_queue` in three parts, each oldest first. Flagged: held for another reason
    (links, say) that the writer should look at before approving."""
    queue = pending_queue(stores, records)
    return QueueSections(
        crises=[r for r in queue if CRISIS in r.flags],
        waiting=[r for r in queue if not r.flags],
        flagged=[r for r in queue if r.flags and CRISIS not in r.flags],
    )


def comment_problems(stores: CommentStores, record: PrivateRecord) -> list[str]:
    """Where the public store disagrees with a comment's record, and what to do about it."""
    comment_id = record.id
    published = public_comment_path(stores.public_dir, record.comment.post, comment_id)
    if record.status == "approved" and not published.exists():
        return [
            f"{comment_id} is approved in its record but has no public file, so it is not on the site: "
            "an unpublish or an approval was interrupted, or the file was deleted by hand. It stays off "
            f"the site until you decide: publish it with `python3 dev.py comments-approve --id {comment_id}`, or "
            f"record the take-down with `python3 dev.py comments-unpublish --id {comment_id}`"
        ]
    if record.status != "approved" and published.exists():
        return [
            f"{comment_id} is {record.status} in its record, but its public file {published} exists, so the "
            "next build publishes it (an approval was interrupted, or the file was copied in by hand). "
            f"Take it down with `python3 dev.py comments-reject --id {comment_id} --reason \"...\"` "
            f"or keep it with `python3 dev.py comments-approve --id {comment_id}`"
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
                   "before deciding (python3 dev.py comments-show --id ID shows their e-mail)")
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
