"""The writer's replies: a comment by the site's own writer, published at once under a reader's comment.

A reply goes through the same stores, lock and audit log as every moderation step, in the same
order of writes (see :mod:`comments.desk.moderation`): its record ("approved", source
``writer``) first, then its public file, which carries ``Writer: yes`` so the thread shows it
with an "Author" badge. Its fields are checked as a new comment's are (lengths, nesting,
control characters) but it is never triaged: the writer is not a spam or crisis risk to
their own site.

:func:`writer_reply` returns a :class:`WriterReply` rather than moderation's ``Outcome``: a
caller needs the new reply's id, and needs to tell "the comment you answer is still waiting"
(ask the writer, then call again with ``approve_parent=True``) from a plain refusal. Its
``result`` uses the same words as ``Outcome`` (``DONE`` or ``REFUSED``). Input that no state
of the stores could make right (an unknown id, an empty or over-long body) raises HarbourError,
as the moderation steps do.
"""

from __future__ import annotations

import textwrap
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from comments.config import CommentStores
from comments.desk.arrival import arrival_problems, normalised_fields
from comments.desk.moderation import (
    DONE,
    REFUSED,
    Outcome,
    _entry,
    _id_taken,
    _known_ids,
    _load,
    _save_step,
    approve_comments,
    current_moderator,
)
from comments.desk.public_store import public_comment_path, write_public_comment
from comments.desk.triage import TriageRules
from comments.model import PrivateRecord, PublicComment, new_comment_id, utc_now
from harbour.errors import HarbourError

WRITER_SOURCE = "writer"
REPLY_ACTION = "writer-reply"


@dataclass(frozen=True)
class ReplyTarget:
    """The comment a reply would answer, as the stores have it now."""

    comment: PublicComment
    status: str
    # Why no reply can go under it now (None: it can). A waiting parent has one too, and
    # ``waiting`` says that approving it first would make the reply possible.
    refusal: str | None
    waiting: bool


@dataclass(frozen=True)
class WriterReply:
    """What :func:`writer_reply` did."""

    result: str  # DONE or REFUSED
    message: str
    parent_id: str
    reply_id: str | None = None  # set when published
    path: Path | None = None  # the reply's public file, when published
    # Refused only because the parent is waiting: ask the writer, then call again with
    # approve_parent=True.
    parent_waiting: bool = False
    # The parent's approval, when approve_parent=True approved it first.
    parent_approval: Outcome | None = None


def reply_target(stores: CommentStores, to: str) -> ReplyTarget:
    """The comment ``to`` and whether a reply can go under it; HarbourError when there is none.

    For a task to ask its questions before the writer types a reply; :func:`writer_reply`
    checks again under the lock.
    """
    (to,) = _known_ids(stores, [to])
    record, _ = _load(stores, to)
    author = record.comment.author
    if record.status == "pending":
        return ReplyTarget(
            record.comment, record.status, waiting=True,
            refusal=(
                f"{to} by {author} is still waiting for moderation, and a reply cannot appear without "
                f"the comment it answers; approve it first (python3 dev.py comments-approve --id {to}), "
                "or approve it together with the reply"
            ),
        )
    if record.status in ("rejected", "spam"):
        reason = f" ({record.reason})" if record.reason else ""
        return ReplyTarget(
            record.comment, record.status, waiting=False,
            refusal=(
                f"{to} by {author} is {record.status}{reason}: nobody can read it, so a reply would answer "
                "nothing; if you changed your mind, approve it first "
                f"(python3 dev.py comments-approve --id {to})"
            ),
        )
    if not public_comment_path(stores.public_dir, record.comment.post, to).exists():
        return ReplyTarget(
            record.comment, record.status, waiting=False,
            refusal=(
                f"{to} by {author} is approved but has no public file, so it is not on the site (a step was "
                "interrupted, or the file was deleted by hand); publish it again with "
                f"python3 dev.py comments-approve --id {to} before replying"
            ),
        )
    return ReplyTarget(record.comment, record.status, refusal=None, waiting=False)


def reply_template(target: ReplyTarget) -> str:
    """What the writer's editor opens with: what they answer, and what to do, as '#' lines that
    :func:`reply_from_draft` leaves out."""
    parent = target.comment
    quoted = textwrap.wrap(" ".join(parent.body.split()), 66, max_lines=4, placeholder=" …")
    author = " ".join(parent.author.split())
    lines = [
        f"# Your reply to {author} (comment {parent.id} on {parent.post}), who wrote:",
        *(f"#   > {line}" for line in quoted),
        "# Write your reply in Markdown after these lines. Save and close the editor to publish it,",
        "# approved at once and marked as yours. Save it empty to cancel. The lines starting with",
        "# '#' above are left out (a heading of your own, '# Title', is kept).",
    ]
    return "\n".join(lines) + "\n\n"


def reply_from_draft(text: str, template: str = "") -> str:
    """The reply in a draft: its text without the lines of ``template``'s header, wherever they are
    (words typed above them are kept), with Unix line ends and no surrounding blank lines."""
    header = {line for line in template.split("\n") if line.startswith("#")}
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line for line in lines if line.rstrip() not in header).strip()


def _checked_reply(
    rules: TriageRules, parent: PublicComment, *, body: str, author: str, author_url: str | None
) -> dict[str, object]:
    """The reply's fields, tidied and checked as a new approved comment's are; HarbourError lists
    every problem."""
    fields = normalised_fields(rules, author=author, body=body, author_url=author_url, reply_to=parent.id)
    problems = arrival_problems(rules, post=parent.post, status="approved", **fields)
    if problems:
        raise HarbourError(problems)
    return fields


def writer_reply(
    stores: CommentStores,
    rules: TriageRules,
    *,
    to: str,
    body: str,
    author: str,
    author_url: str | None = None,
    approve_parent: bool = False,
    moderator: str | None = None,
    post_slugs: Collection[str] | None = None,
) -> WriterReply:
    """Publish a reply by the site's writer under the comment ``to``: approved at once, threaded.

    A parent that is still waiting is refused (``parent_waiting``) unless ``approve_parent``,
    which approves it first through :func:`approve_comments`; a rejected or spam parent, or an
    approved one without its public file, is refused. ``post_slugs``: the site's posts, as for
    approve_comments (a comment without its post stops the build). On any refusal nothing is
    written.
    """
    moderator = moderator or current_moderator()
    target = reply_target(stores, to)
    to = target.comment.id
    fields = _checked_reply(rules, target.comment, body=body, author=author, author_url=author_url)
    with stores.private.locked():
        # Again under the lock: another command may have moderated the parent meanwhile.
        target = reply_target(stores, to)
        parent = target.comment
        if post_slugs is not None and parent.post not in post_slugs:
            return WriterReply(
                REFUSED,
                f"{to} answers the post {parent.post!r}, which this site does not have (no post in "
                f"{stores.content_dir} has that slug), and the build refuses a comment without its post",
                to,
            )
        approval = None
        if target.waiting and approve_parent:
            (approval,) = approve_comments(stores, [to], moderator=moderator, post_slugs=post_slugs)
            if approval.result != DONE:
                return WriterReply(
                    REFUSED,
                    f"the reply is not published, since {to} could not be approved: {approval.message}",
                    to, parent_approval=approval,
                )
            target = reply_target(stores, to)
        if target.refusal:
            return WriterReply(
                REFUSED, f"the reply is not published: {target.refusal}", to, parent_waiting=target.waiting,
            )
        reply = _publish_reply(stores, parent, fields, moderator)
    path = public_comment_path(stores.public_dir, reply.post, reply.id)
    approved = f"approved {to}, then " if approval else ""
    return WriterReply(
        DONE, f"{approved}published your reply to {to} by {parent.author} as {path}", to,
        reply_id=reply.id, path=path, parent_approval=approval,
    )


def _publish_reply(
    stores: CommentStores, parent: PublicComment, fields: dict[str, object], moderator: str
) -> PublicComment:
    """Record the reply, then write its public file (the caller holds the lock)."""
    reply_id = new_comment_id()
    while _id_taken(stores, reply_id):
        reply_id = new_comment_id()
    reply = PublicComment(
        id=reply_id, post=parent.post, author=str(fields["author"]), date=utc_now(), body=str(fields["body"]),
        reply_to=parent.id, author_url=fields["author_url"],  # type: ignore[arg-type]
        by_writer=True,
    )
    record = PrivateRecord(comment=reply, status="approved", source=WRITER_SOURCE)
    _save_step(stores, record, _entry(REPLY_ACTION, record, None, moderator, source=WRITER_SOURCE,
                                      reply_to=parent.id))
    write_public_comment(stores.public_dir, reply)
    return reply
