"""Import comments from a file (this project's JSON export or any WXR) through ``receive_comment``.

Imports are idempotent: a comment whose id is already known is left alone, so running an
import twice, or after an interruption, adds nothing twice. Every comment is checked before
the first one is stored, so a bad file changes nothing and lists every problem.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from comments.config import CommentStores
from comments.model import STATUSES, is_comment_id, parse_date
from comments.moderation import arrival_problems, normalised_fields, receive_comment
from comments.public_store import find_public_comment
from comments.triage import TriageRules
from comments.wxr_import import ExportRead, IncomingComment, read_wxr
from harbour.errors import HarbourError

JSON_FORMAT = "harbour-comments"


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    published_posts: set[str] = field(default_factory=set)

    def missing_posts(self, post_slugs: set[str]) -> list[str]:
        """Posts that received published comments but are not on this site (the build will refuse them)."""
        return sorted(self.published_posts - post_slugs)

    def summary(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(self.statuses.items())) or "none"
        lines = [
            (
                f"Imported {len(self.created)} new comment(s) ({counts}); "
                f"{len(self.existing)} already here, left as they were."
            )
        ]
        if self.skipped:
            lines.append(f"Skipped {len(self.skipped)}:")
            lines += [f"  - {reason}" for reason in self.skipped]
        return "\n".join(lines)


def _field(item: dict[str, Any], name: str, where: str, problems: list[str], *, required: bool = True) -> Any:
    value = item.get(name)
    if required and (value is None or value == ""):
        problems.append(f"{where}.{name}: missing; every exported comment has it")
    return value


def read_json_export(path: str | Path) -> ExportRead:
    """The comments of a JSON file written by ``comments-export --format json``."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HarbourError(f"{path}: no such file; give the path of a comments export") from None
    except UnicodeDecodeError:
        raise HarbourError(f"{path}: not UTF-8 text; is it really a JSON comments export?") from None
    except json.JSONDecodeError as error:
        raise HarbourError(
            f"{path}:{error.lineno}: not valid JSON ({error.msg} at column {error.colno})"
        ) from None
    if not isinstance(data, dict) or data.get("format") != JSON_FORMAT:
        raise HarbourError(
            f"{path}: not a comments export: expected an object with \"format\": \"{JSON_FORMAT}\"; "
            "write one with `invoke comments-export --format json`"
        )
    if data.get("version") != 1:
        raise HarbourError(
            f"{path}: export version {data.get('version')!r} is not supported; this site reads version 1"
        )
    items = data.get("comments")
    if not isinstance(items, list):
        raise HarbourError(f"{path}: \"comments\" must be a list")
    comments: list[IncomingComment] = []
    problems: list[str] = []
    for index, item in enumerate(items):
        where = f"{path.name}: comments[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: expected an object with the comment's fields")
            continue
        before = len(problems)
        values = {
            name: _field(item, name, where, problems) for name in ("id", "post", "author", "date", "body")
        }
        try:
            date = parse_date(values["date"]) if isinstance(values["date"], str) else None
        except ValueError as error:
            problems.append(f"{where}.date: {error}")
            date = None
        if date is None and len(problems) == before:
            problems.append(f"{where}.date: expected a date string such as 2024-04-03 09:12:00+01:00")
        status = item.get("status", "approved")
        if status not in STATUSES:
            problems.append(f"{where}.status: {status!r} is not one of {', '.join(STATUSES)}")
        warnings = item.get("content_warnings") or []
        if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
            problems.append(f"{where}.content_warnings: expected a list of trigger tags")
            warnings = []
        private = item.get("private") or {}
        if len(problems) > before or date is None:
            continue
        comments.append(IncomingComment(
            id=values["id"], post=values["post"], author=values["author"], body=values["body"], date=date,
            status=status, where=where, reply_to=item.get("reply_to"), author_url=item.get("author_url"),
            content_warnings=tuple(warnings), email=private.get("email"), ip=private.get("ip"),
            user_agent=private.get("user_agent"), notes=[f"imported from {path.name}"],
        ))
    if problems:
        raise HarbourError(problems)
    return ExportRead(comments, [])


def read_export(path: str | Path) -> ExportRead:
    """Read a JSON or WXR export, told apart by their first character."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            start = file.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    except FileNotFoundError:
        raise HarbourError(
            f"{path}: no such file; give the path of a comments export (.json or .xml)"
        ) from None
    if start.startswith(b"{"):
        return read_json_export(path)
    if start.startswith(b"<"):
        return read_wxr(path)
    raise HarbourError(
        f"{path}: neither JSON nor XML; give a file written by comments-export or a WordPress export"
    )


def _parents_first(comments: Sequence[IncomingComment]) -> list[IncomingComment]:
    by_id = {c.id: c for c in comments}

    def depth(comment: IncomingComment) -> int:
        level, seen = 0, set()
        while comment.reply_to in by_id and comment.id not in seen:
            seen.add(comment.id)
            comment, level = by_id[comment.reply_to], level + 1  # type: ignore[index]
        return level

    return sorted(comments, key=depth)


def import_comments(
    stores: CommentStores, rules: TriageRules, read: ExportRead, *, source: str, moderator: str | None = None
) -> ImportReport:
    """Receive every comment of an export, parents before replies."""
    problems = []
    seen: dict[str, str] = {}
    for comment in read.comments:
        if comment.id in seen:
            problems.append(f"{comment.where}: id {comment.id!r} appears twice (first at {seen[comment.id]})")
        seen.setdefault(comment.id, comment.where)
        fields = normalised_fields(
            rules, author=comment.author, body=comment.body, email=comment.email, ip=comment.ip,
            user_agent=comment.user_agent, author_url=comment.author_url, reply_to=comment.reply_to,
            content_warnings=comment.content_warnings,
        )
        problems += [f"{comment.where}: {p}" for p in arrival_problems(
            rules, post=comment.post, date=comment.date, comment_id=comment.id, status=comment.status,
            **fields,
        )]
    in_file = {c.id: c for c in read.comments}
    for comment in read.comments:
        parent = in_file.get(comment.reply_to or "")
        if comment.reply_to and parent is None and not _known(stores, comment.reply_to):
            problems.append(
                f"{comment.where}: reply_to {comment.reply_to!r} is in neither the file nor this site; "
                "export the comment it answers too, or remove reply_to"
            )
        elif parent is not None and parent.post != comment.post:
            problems.append(
                f"{comment.where}: reply_to {comment.reply_to!r} is a comment on {parent.post!r}, "
                f"not on {comment.post!r}; a reply must be on the same post"
            )
    if problems:
        raise HarbourError(problems)
    report = ImportReport(skipped=list(read.skipped))
    for comment in _parents_first(read.comments):
        reply_to = comment.reply_to
        try:
            received = receive_comment(
                stores, rules, post=comment.post, author=comment.author, body=comment.body,
                email=comment.email, ip=comment.ip, user_agent=comment.user_agent,
                author_url=comment.author_url,
                reply_to=reply_to, content_warnings=comment.content_warnings, date=comment.date,
                comment_id=comment.id, status=comment.status, source=source, moderator=moderator,
                notes=comment.notes,
            )
        except HarbourError as error:
            raise HarbourError([f"{comment.where}: {p}" for p in error.problems]) from None
        if received.created:
            report.created.append(comment.id)
            status = received.record.status
            report.statuses[status] = report.statuses.get(status, 0) + 1
            if status == "approved":
                report.published_posts.add(comment.post)
        else:
            report.existing.append(comment.id)
    return report


def _known(stores: CommentStores, comment_id: str) -> bool:
    return is_comment_id(comment_id) and (
        stores.private.exists(comment_id) or find_public_comment(stores.public_dir, comment_id) is not None
    )


def import_file(
    stores: CommentStores, rules: TriageRules, path: str | Path, *, moderator: str | None = None
) -> ImportReport:
    """Import a JSON or WXR export file into the stores."""
    path = Path(path)
    read = read_export(path)
    return import_comments(stores, rules, read, source=f"import:{path.name}", moderator=moderator)
