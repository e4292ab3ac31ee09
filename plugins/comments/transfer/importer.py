"""Import comments from a file (this project's JSON export or any WXR) through ``receive_comment``.

Imports are idempotent: a comment already here (the same post, moment, author and text,
under the file's id or another one) is left alone, so running an import twice, or after an
interruption, adds nothing twice, and never publishes again what the writer took down. An
id alone never makes a duplicate: a different comment whose id is taken here is imported
under a new id rather than dropped.
A file that is broken as a whole (not JSON, a field of the wrong type, a reply to nothing)
changes nothing and lists every problem; a comment with problems of its own is skipped
with a line in the report.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from comments.desk.arrival import (
    EMAIL,
    Received,
    arrival_problems,
    is_ip_address,
    normalised_fields,
    receive_comment,
)
from comments.config import CommentStores
from comments.model import STATUSES, http_url, is_comment_id, new_comment_id, parse_date
from comments.desk.public_store import collect_public_comments, find_public_comment
from comments.desk.triage import CRISIS, TriageRules, crisis_notes
from comments.transfer.wxr import ExportRead, IncomingComment, read_wxr, unreadable_export
from harbour.errors import HarbourError

JSON_FORMAT = "harbour-comments"
PRIVATE_FIELDS = ("email", "ip", "user_agent")
# Why a comment of the file was left out as already here (ImportReport.duplicates).
SAME_ID = "under the same id"
OTHER_ID = (
    "under another id (imported before from another address of the site, by an earlier version, "
    "or under a new id because its own was taken)"
)

Fingerprint = tuple[str, str, str, str]
# The note of a comment approved elsewhere and held only because this site lacked its post;
# import-wordpress releases such a comment once it has written the post.
HELD_FOR_MISSING_POST = "approved on the other site, held here: this site has no post with the slug"


@dataclass
class ImportReport:
    """What an import did, for the writer to read."""

    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    # One line per new comment flagged as a possible crisis, whatever status it kept.
    crisis: list[str] = field(default_factory=list)
    # Approved elsewhere, held here because this site has no post with their slug.
    held: list[str] = field(default_factory=list)
    # Comments already here whose stores disagree (see moderation.comment_problems).
    attention: list[str] = field(default_factory=list)
    # How many of ``existing`` were left out for each reason (SAME_ID, OTHER_ID).
    duplicates: dict[str, int] = field(default_factory=dict)
    # New comments whose id in the file was taken here by a different comment: "old -> new".
    renamed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(self.statuses.items())) or "none"
        lines = [
            (
                f"Imported {len(self.created)} new comment(s) ({counts}); "
                f"{len(self.existing)} already here, left as they were."
            )
        ]
        duplicates = [f"{n} {reason}" for reason, n in self.duplicates.items()]
        sections = (
            ("Possible crisis, read these first (python3 dev.py comments-show --id ID)", self.crisis),
            ("Held for moderation: approved on the other site, but this site has no such post", self.held),
            ("Needs attention", self.attention),
            (
                f"Skipped {len(self.existing)} as duplicates: the same post, author, date and text "
                "are already here",
                duplicates,
            ),
            ("Imported under a new id: the file's id is taken here by a different comment", self.renamed),
            (f"Skipped {len(self.skipped)}", self.skipped),
        )
        for title, items in sections:
            if items:
                lines.append(f"{title}:")
                lines += [f"  - {item}" for item in items]
        return "\n".join(lines)


def _shown(value: Any) -> str:
    """A JSON value as the file has it, cut short: 5, "oops", ["a"]."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except RecursionError:
        return f"a {type(value).__name__} nested too deeply to show"
    return text if len(text) <= 60 else text[:59] + "…"


def _text(
    item: Mapping[str, Any], name: str, where: str, problems: list[str], *, required: bool
) -> str | None:
    """A text field of an exported comment; None when absent (or empty and optional)."""
    value = item.get(name)
    if value is None or value == "":
        if required:
            problems.append(f"{where}.{name}: missing; every exported comment has it")
        return None
    if not isinstance(value, str):
        problems.append(f"{where}.{name}: expected text, got {_shown(value)}")
        return None
    return value


def _private_fields(item: Mapping[str, Any], where: str, problems: list[str]) -> dict[str, str | None]:
    private = item.get("private")
    if private is None:
        return dict.fromkeys(PRIVATE_FIELDS)
    if not isinstance(private, dict):
        problems.append(
            f"{where}.private: expected an object with email, ip and user_agent, got {_shown(private)}"
        )
        return dict.fromkeys(PRIVATE_FIELDS)
    where = f"{where}.private"
    return {name: _text(private, name, where, problems, required=False) for name in PRIVATE_FIELDS}


def _json_comment(item: Any, where: str, source_name: str) -> tuple[IncomingComment | None, list[str]]:
    """One exported comment, every field checked for its type; problems name the field."""
    if not isinstance(item, dict):
        return None, [f"{where}: expected an object with the comment's fields, got {_shown(item)}"]
    problems: list[str] = []
    values = {
        name: _text(item, name, where, problems, required=True) for name in ("id", "post", "author", "body")
    }
    date = None
    date_text = _text(item, "date", where, problems, required=True)
    if date_text is not None:
        try:
            date = parse_date(date_text)
        except ValueError as error:
            problems.append(f"{where}.date: {error}")
    reply_to = _text(item, "reply_to", where, problems, required=False)
    author_url = _text(item, "author_url", where, problems, required=False)
    status = _text(item, "status", where, problems, required=False) or "approved"
    if status not in STATUSES:
        problems.append(f"{where}.status: {status!r} is not one of {', '.join(STATUSES)}")
    warnings = item.get("content_warnings") or []
    if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
        problems.append(
            f"{where}.content_warnings: expected a list of trigger tags (text), got {_shown(warnings)}"
        )
    by_writer = item.get("by_writer", False)
    if not isinstance(by_writer, bool):
        problems.append(f"{where}.by_writer: expected true or false, got {_shown(by_writer)}")
    private = _private_fields(item, where, problems)
    if problems:
        return None, problems
    assert date is not None
    return IncomingComment(
        id=values["id"], post=values["post"], author=values["author"], body=values["body"], date=date,
        status=status, where=where, reply_to=reply_to, author_url=author_url,
        content_warnings=tuple(warnings), by_writer=by_writer,
        email=private["email"], ip=private["ip"], user_agent=private["user_agent"],
        notes=[f"imported from {source_name}"],
    ), []


def read_json_export(path: str | Path) -> ExportRead:
    """The comments of a JSON file written by ``comments-export --format json``.

    Every field's type is checked, so a hand-edited or foreign file is refused with one line
    per mistake (``c.json: comments[3].author: expected text, got 5``), never a traceback.
    """
    path = Path(path)
    try:
        data = json.loads(read_export_text(path))
    except UnicodeDecodeError:
        raise HarbourError(f"{path}: not UTF-8 text; is it really a JSON comments export?") from None
    except json.JSONDecodeError as error:
        raise HarbourError(
            f"{path}:{error.lineno}: not valid JSON ({error.msg} at column {error.colno})"
        ) from None
    except RecursionError:
        # A comments export nests four levels deep; the parser gives up thousands deeper.
        raise HarbourError(
            f"{path}: its JSON nests arrays or objects thousands of levels deep, which no comments "
            "export does; give a file written by `python3 dev.py comments-export --format json`"
        ) from None
    if not isinstance(data, dict) or data.get("format") != JSON_FORMAT:
        raise HarbourError(
            f"{path}: not a comments export: expected an object with \"format\": \"{JSON_FORMAT}\"; "
            "write one with `python3 dev.py comments-export --format json`"
        )
    version = data.get("version")
    if type(version) is not int or version != 1:
        raise HarbourError(
            f"{path}: export version {_shown(version)} is not supported; this site reads version 1"
        )
    items = data.get("comments")
    if not isinstance(items, list):
        raise HarbourError(f"{path}: \"comments\" must be a list, got {_shown(items)}")
    comments: list[IncomingComment] = []
    problems: list[str] = []
    for index, item in enumerate(items):
        comment, more = _json_comment(item, f"{path.name}: comments[{index}]", path.name)
        problems += more
        if comment is not None:
            comments.append(comment)
    if problems:
        raise HarbourError(problems)
    return ExportRead(comments, [])


def read_export_text(path: Path) -> str:
    """An export file's text (a byte order mark dropped); a HarbourError when it cannot be read."""
    with unreadable_export(path):
        return path.read_text(encoding="utf-8-sig")


def read_export(path: str | Path) -> ExportRead:
    """Read a JSON or WXR export, told apart by their first character."""
    path = Path(path)
    with unreadable_export(path):
        with path.open("rb") as file:
            start = file.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith((b"{", b"[")):  # a list is JSON too, though not an export: say which
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


def _refuse_broken_threads(stores: CommentStores, comments: Sequence[IncomingComment]) -> None:
    """Refuse a file whose threads cannot be rebuilt: twice the same id, or a reply to nothing.

    These are mistakes in the file as a whole; a single comment's own problems only skip it.
    """
    problems = []
    seen: dict[str, str] = {}
    for comment in comments:
        if comment.id in seen:
            problems.append(f"{comment.where}: id {comment.id!r} appears twice (first at {seen[comment.id]})")
        seen.setdefault(comment.id, comment.where)
    in_file = {c.id: c for c in comments}
    for comment in comments:
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


def _as_note(name: str, value: str) -> str:
    shown = value if len(value) <= 200 else value[:199] + "…"
    return f"the other site's {name} {shown!r} is not valid here; kept only in this note"


def _prepared(comment: IncomingComment, rules: TriageRules, post_slugs: Collection[str]) -> IncomingComment:
    """The comment as this site will receive it.

    Private fields that would be refused (an e-mail "n/a", an IP "unknown") go into a note:
    they were never shown to anyone, and one junk comment must not stop a whole import. So
    does an author URL that is not an http(s) address. A comment approved on the other site
    for a post this site does not have waits, rather than break the next build.
    """
    prepared = replace(comment, notes=list(comment.notes))
    limits = rules.length_limits
    email = (prepared.email or "").strip()
    if email and (not EMAIL.fullmatch(email) or len(email) > limits["email"]):
        prepared.notes.append(_as_note("e-mail", email))
        prepared.email = None
    ip = (prepared.ip or "").strip()
    if ip and (not is_ip_address(ip) or len(ip) > limits["ip"]):
        prepared.notes.append(_as_note("IP", ip))
        prepared.ip = None
    url = (prepared.author_url or "").strip()
    if url and http_url(url) is None:
        prepared.notes.append(f"author URL {url[:200]!r} dropped: not an http(s) address without a user name")
        prepared.author_url = None
    if prepared.status == "approved" and prepared.post not in post_slugs:
        prepared.status = "pending"
        prepared.notes.append(
            f"{HELD_FOR_MISSING_POST} {prepared.post!r}; "
            "approve it once the post exists"
        )
    return prepared


def comment_fingerprint(post: str, date: datetime, author: str, body: str) -> Fingerprint:
    """What makes two comments the same whatever their ids: post, moment, author and text.

    Finds a comment imported before under another id (a WordPress site exported once as
    http://example.org and once as https://www.example.org/, or a WordPress.com blog whose
    comments an earlier version keyed by wordpress.com), and tells a different comment that
    happens to bear a known id from the one imported before.
    """
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    return (
        post,
        date.astimezone(timezone.utc).isoformat(),
        " ".join(author.split()).casefold(),
        hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


@dataclass
class CommentsHere:
    """Every comment already in either store by fingerprint, and each id's fingerprints.

    A comment has two when the writer edited its public file: the private record keeps the
    words as they arrived, and either one makes the comment of a file the same.
    """

    ids_by_fingerprint: dict[Fingerprint, str]
    fingerprints_by_id: dict[str, set[Fingerprint]]

    @classmethod
    def read(cls, stores: CommentStores) -> CommentsHere:
        """Read once per import."""
        published, _ = collect_public_comments(stores.public_dir)
        here = cls({}, {})
        for c in [*published, *(r.comment for r in stores.private.all_records())]:
            fingerprint = comment_fingerprint(c.post, c.date, c.author, c.body)
            here.ids_by_fingerprint[fingerprint] = c.id
            here.fingerprints_by_id.setdefault(c.id, set()).add(fingerprint)
        return here


def _free_id(stores: CommentStores, taken: str, fingerprint: Fingerprint) -> str:
    """A new id for a comment whose id is taken here by a different comment.

    Made from the taken id and the comment's fingerprint, so importing the file again gives
    the same id (and the fingerprint finds it); random only if that one is taken too.
    """
    digest = hashlib.sha256("\n".join(fingerprint).encode("utf-8")).hexdigest()[:8]
    candidate = f"{taken[:55]}-{digest}"
    while _known(stores, candidate):
        candidate = new_comment_id()
    return candidate


def import_comments(
    stores: CommentStores,
    rules: TriageRules,
    read: ExportRead,
    *,
    source: str,
    post_slugs: Collection[str],
    moderator: str | None = None,
) -> ImportReport:
    """Receive every comment of an export, parents before replies.

    ``post_slugs`` are the posts of this site: a comment approved elsewhere for any other
    post is held. A comment with problems of its own (too long to publish, an empty text) is
    skipped with a line in the report, and so are its replies; the rest are imported.
    """
    _refuse_broken_threads(stores, read.comments)
    report = ImportReport(skipped=list(read.skipped))
    here = CommentsHere.read(stores)
    same_as: dict[str, str] = {}  # id in the file -> id of this comment here (the same, or renamed)
    skipped: set[str] = set()
    for incoming in _parents_first(read.comments):
        if incoming.reply_to in skipped:
            report.skipped.append(f"{incoming.where}: it replies to {incoming.reply_to}, which was skipped")
            skipped.add(incoming.id)
            continue
        comment = _prepared(incoming, rules, post_slugs)
        comment.reply_to = same_as.get(comment.reply_to or "", comment.reply_to)
        fields = normalised_fields(
            rules, author=comment.author, body=comment.body, email=comment.email, ip=comment.ip,
            user_agent=comment.user_agent, author_url=comment.author_url, reply_to=comment.reply_to,
            content_warnings=comment.content_warnings,
        )
        problems = arrival_problems(
            rules, post=comment.post, date=comment.date, comment_id=comment.id, status=comment.status,
            **fields,
        )
        if problems:
            report.skipped += [f"{comment.where}: {p}" for p in problems]
            skipped.add(comment.id)
            continue
        fingerprint = comment_fingerprint(comment.post, comment.date, fields["author"], fields["body"])
        taken = _known(stores, comment.id)
        stored = here.fingerprints_by_id.get(comment.id, set())
        if not (taken and fingerprint in stored):
            twin = here.ids_by_fingerprint.get(fingerprint)
            if twin is not None:
                same_as[comment.id] = twin
                report.existing.append(comment.id)
                _duplicate(report, OTHER_ID)
                continue
            if taken and stored:
                _rename(report, comment, _free_id(stores, comment.id, fingerprint), same_as)
        # Now the id is free (a new comment), or this very comment's (receive_comment leaves it
        # as it is and says whether its stores agree), or a comment's that could not be read
        # (a broken public file, which receive_comment names).
        try:
            received = receive_comment(
                stores, rules, post=comment.post, author=comment.author, body=comment.body,
                email=comment.email, ip=comment.ip, user_agent=comment.user_agent,
                author_url=comment.author_url, reply_to=comment.reply_to,
                content_warnings=comment.content_warnings, by_writer=comment.by_writer, date=comment.date,
                comment_id=comment.id,
                status=comment.status, source=source, moderator=moderator, notes=comment.notes,
            )
        except HarbourError as error:
            raise HarbourError([f"{comment.where}: {p}" for p in error.problems]) from None
        _count(report, received, comment, incoming, rules, post_slugs)
    return report


def _count(
    report: ImportReport, received: Received, comment: IncomingComment, incoming: IncomingComment,
    rules: TriageRules, post_slugs: Collection[str],
) -> None:
    record = received.record
    if received.attention:
        report.attention.append(received.attention)
    if not received.created:
        report.existing.append(record.id)
        _duplicate(report, SAME_ID)
        return
    report.created.append(record.id)
    report.statuses[record.status] = report.statuses.get(record.status, 0) + 1
    if incoming.status == "approved" and comment.post not in post_slugs:
        report.held.append(f"{record.id} on {comment.post!r} by {comment.author}")
    if CRISIS in record.flags:
        shown = "published" if record.status == "approved" else record.status
        report.crisis.append(
            f"{record.id} on {comment.post!r} by {comment.author} ({shown}): "
            + "; ".join(crisis_notes(record.comment, rules))
        )


def _rename(report: ImportReport, comment: IncomingComment, new_id: str, same_as: dict[str, str]) -> None:
    """Import a comment under ``new_id``: its own is taken here by a different comment.

    Such a comment is often an edited copy of the one here (exported again after a change in
    WordPress), so it is held rather than published beside it: the writer decides.
    """
    held = comment.status == "approved"
    report.renamed.append(
        f"{comment.where}: {comment.id} -> {new_id}" + (" (held for moderation)" if held else "")
    )
    comment.notes.append(
        f"its id {comment.id} in the file is taken here by a different comment (perhaps an earlier "
        f"version of this one); imported as {new_id}"
        + (", held for moderation although the other site had approved it" if held else "")
    )
    if held:
        comment.status = "pending"
    same_as[comment.id] = new_id
    comment.id = new_id


def _duplicate(report: ImportReport, reason: str) -> None:
    report.duplicates[reason] = report.duplicates.get(reason, 0) + 1


def _known(stores: CommentStores, comment_id: str) -> bool:
    return is_comment_id(comment_id) and (
        stores.private.exists(comment_id) or find_public_comment(stores.public_dir, comment_id) is not None
    )


def import_file(
    stores: CommentStores,
    rules: TriageRules,
    path: str | Path,
    *,
    post_slugs: Collection[str],
    moderator: str | None = None,
) -> ImportReport:
    """Import a JSON or WXR export file into the stores (``post_slugs``: this site's posts)."""
    path = Path(path)
    read = read_export(path)
    return import_comments(
        stores, rules, read, source=f"import:{path.name}", post_slugs=post_slugs, moderator=moderator
    )
