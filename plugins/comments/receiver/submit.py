"""POST /comments: one comment from the form, from the cheapest checks to the private store.

In order: the page's origin, the body's type and size (refused before it is read), its fields
as UTF-8, the post (exists, open), the client's rate, the honeypot, every field, the form token
(old enough, not too old, ours), then, under the store's lock, ``receive_comment`` exactly once
per token. Nothing is written before the last step, so a refused request leaves no trace.

Without JavaScript the site's page cannot hold a fresh token, and its referrer policy
(no-referrer) makes the browser send ``Origin: null``: such a post only ever leads to a "check
your comment" page on the receiver, with the form and a fresh token; sending that page (from the
receiver's own origin) is what submits the comment.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING

from comments.desk.arrival import receive_comment
from comments.desk.moderation import _parent_status
from comments.desk.notify import notify_new_comment_later
from comments.desk.triage import CRISIS
from comments.model import PrivateRecord, PublicComment
from comments.receiver.form import (
    HONEYPOT,
    FormUnreadable,
    Submission,
    field_errors,
    parse_form,
    read_submission,
    remaining_problems,
)
from comments.receiver.limits import client_address, client_key
from comments.receiver.manifest import PostEntry, SiteUnavailable
from comments.receiver.pages import comment_preview, form_page, site_link, thank_you_page
from comments.receiver.tokens import EXPIRED, FORGED, MISSING, TOO_FRESH
from comments.receiver.web import Request, Response, html_response, json_response, refusal_json
from harbour.errors import HarbourError

if TYPE_CHECKING:
    from comments.receiver.app import Receiver

logger = logging.getLogger(__name__)

WAITING_MESSAGE = "Thank you. Your comment waits for the writer to read it; it appears once approved."
PUBLISHED_MESSAGE = (
    "Thank you. Your comment is approved; it appears on the post once the site is next published."
)
FOREIGN_ORIGIN = "Comments can only be sent from the pages of this site."
NOT_A_FORM = "Comments must be sent as a form (application/x-www-form-urlencoded, UTF-8)."
NO_LENGTH = "The comment did not say how long it is (no Content-Length); send it from the form on the site."
NOT_WHOLE = "The comment did not arrive whole; please send it again."
SITE_UNAVAILABLE = "The comment service cannot read the site just now; please try again in a few minutes."
STORE_BUSY = "The comment service is busy; please send your comment again in a minute."
NO_SUCH_POST = "There is no such post to comment on; it may have been taken down."
CLOSED = "Comments on this post are closed."
FIELDS_WRONG = "Some fields need a change before your comment can be sent."
HONEYPOT_FILLED = "The field marked “Leave this empty” must stay empty."
CANNOT_ACCEPT = "Something in your comment could not be accepted; please check each field and send it again."
CHECK_INTRO = (
    "This is how your comment will look once the writer approves it. Send it when you are ready, "
    "or change it first."
)
# The JavaScript gets a token on first focus; a reader without it goes through the check page.
TOKEN_MESSAGES = {
    MISSING: "The form was not ready to send; please send it again.",
    FORGED: "The form's token is not valid; reload the page and send your comment again.",
    EXPIRED: "The form was opened more than a day ago; please send your comment again.",
    TOO_FRESH: "That was quick: please take a moment to read your comment through, then send it again.",
}
USED_TOKEN = "This form has already sent a comment; to send another, reload the page."
CHECK_NOTES = {
    MISSING: "",
    FORGED: "Your form had changed or expired; check your comment and send it again.",
    EXPIRED: "Your form was opened more than a day ago; check your comment and send it again.",
    TOO_FRESH: "Take a moment to read your comment through, then send it.",
    "used": "This form has already sent a comment; check this one and send it.",
}
_LENGTH = re.compile(r"[0-9]{1,15}")


@dataclass(frozen=True)
class _Outcome:
    kind: str  # "accepted", "busy", "rate", "used", "failed"
    record: PrivateRecord | None = None
    wait: int = 0
    created: bool = False  # False: this very comment was received before (a retried send)


def submit_comment(receiver: Receiver, request: Request) -> Response:
    """Answer one POST of the comment form (see the module docstring for the order of checks)."""
    from_site = receiver.site_origin_of(request) is not None or receiver.is_own_origin(request)
    unverified = not from_site and request.origin() in (None, "null")
    if not from_site and (not unverified or request.wants_json):
        return receiver.refuse(request, 403, FOREIGN_ORIGIN)
    body = _read_body(receiver, request)
    if isinstance(body, Response):
        return body
    try:
        values = parse_form(body)
    except FormUnreadable as error:
        errors = {error.field: error.message} if error.field else None
        return receiver.refuse(request, 400, error.message, errors=errors)
    submission = read_submission(values, receiver.rules, receiver.vocabulary())
    try:
        manifest = receiver.manifest()
    except SiteUnavailable as error:
        logger.error("%s", error)
        return receiver.refuse(request, 503, SITE_UNAVAILABLE, kept_text=submission.body)
    post = manifest.post(submission.post)
    if post is None:
        return receiver.refuse(request, 404, NO_SUCH_POST, kept_text=submission.body, manifest=manifest)
    return _submit_to_post(receiver, request, submission, post, unverified=unverified)


def _read_body(receiver: Receiver, request: Request) -> bytes | Response:
    """The body, once its type and declared size are acceptable; it is never read past the cap."""
    mime, _, parameters = (request.header("Content-Type") or "").partition(";")
    charset = re.search(r"charset\s*=\s*\"?([^\";\s]+)", parameters, re.I)
    if mime.strip().lower() != "application/x-www-form-urlencoded" or (
        charset and charset.group(1).lower() not in ("utf-8", "utf8")
    ):
        return receiver.refuse(request, 415, NOT_A_FORM)
    length_text = (request.header("Content-Length") or "").strip()
    if not length_text:
        return receiver.refuse(request, 411, NO_LENGTH)
    cap = receiver.conf["max_request_bytes"]
    if not _LENGTH.fullmatch(length_text) or int(length_text) > cap:
        message = (
            f"This is more than the comment service takes ({cap // 1024} kB); shorten your comment "
            "and send it again."
        )
        return receiver.refuse(request, 413, message, errors={"body": message})
    length = int(length_text)
    stream = request.environ["wsgi.input"]
    chunks, received = [], 0
    while received < length:
        chunk = stream.read(length - received)
        if not chunk:
            break
        chunks.append(chunk)
        received += len(chunk)
    if received < length:
        return receiver.refuse(request, 400, NOT_WHOLE)
    return b"".join(chunks)


def _submit_to_post(
    receiver: Receiver, request: Request, submission: Submission, post: PostEntry, *, unverified: bool
) -> Response:
    client = client_address(request.environ, receiver.trusted)
    wait = receiver.limiter.retry_after(client_key(client))
    if wait is not None:
        return _rate_limited(receiver, request, submission, post, wait)
    if submission.honeypot:
        return _form_refusal(receiver, request, 403, submission, post, {HONEYPOT: HONEYPOT_FILLED})
    if not post.open:
        return receiver.refuse(request, 403, CLOSED, post=post, kept_text=submission.body)
    errors = field_errors(
        submission, post=post, rules=receiver.rules, vocabulary=receiver.vocabulary(),
        require_email=receiver.conf["require_email"],
    )
    if errors:
        return _form_refusal(receiver, request, 400, submission, post, errors)
    leftover = remaining_problems(submission, receiver.rules)
    if leftover:
        # Should not happen (field_errors covers the desk's checks); the problems quote what was
        # typed, so only their number is logged.
        logger.error("a comment passed the form's checks but not the desk's (%d problems)", len(leftover))
        return _form_refusal(receiver, request, 400, submission, post, {"body": CANNOT_ACCEPT})
    problem = receiver.tokens.problem(submission.token, min_age=receiver.conf["min_fill_seconds"])
    if problem is not None or unverified:
        if request.wants_json:
            message = TOKEN_MESSAGES[problem or FORGED]
            return refusal_json(400, message, {"token": message})
        return _check_page(receiver, request, submission, post, CHECK_NOTES[problem or MISSING])
    outcome = _accept(receiver, request, submission, post, client)
    return _answer(receiver, request, submission, post, outcome)


def _accept(
    receiver: Receiver, request: Request, submission: Submission, post: PostEntry, client: str
) -> _Outcome:
    """Receive the comment under the store's lock, once per token and within the client's rate."""
    stores, key = receiver.stores, client_key(client)
    comment_id = receiver.tokens.comment_id(submission.token)
    with ExitStack() as stack:
        # The receiver's threads queue here first: the store's file lock, shared with the writer's
        # commands, makes a waiting thread poll, which would cost each comment a poll interval.
        if not receiver.store_turn.acquire(timeout=stores.private.lock_timeout):
            logger.warning("waited over %s s for the receiver's other threads", stores.private.lock_timeout)
            return _Outcome("busy")
        stack.callback(receiver.store_turn.release)
        try:
            stack.enter_context(stores.private.locked())
        except HarbourError as error:
            logger.warning("%s", error)
            return _Outcome("busy")
        status, existing = _parent_status(stores, comment_id)
        if existing is not None:
            if not _same_comment(existing, submission):
                return _Outcome("used")
            record = stores.private.read(comment_id) if stores.private.exists(comment_id) else None
            record = record or PrivateRecord(comment=existing, status=status or "approved")
            return _Outcome("accepted", record)
        wait = receiver.limiter.reserve(key)
        if wait is not None:
            return _Outcome("rate", wait=wait)
        try:
            received = receive_comment(
                stores, receiver.rules, post=post.slug, author=submission.author, body=submission.body,
                email=submission.email, ip=client or None, user_agent=request.header("User-Agent"),
                author_url=submission.url, reply_to=submission.reply_to,
                content_warnings=submission.content_warnings, comment_id=comment_id, source="form",
                moderator="receiver",
                published_parents={submission.reply_to: post.slug} if submission.reply_to else None,
            )
        except HarbourError as error:
            receiver.limiter.release(key)
            _log_failure(error)
            return _Outcome("failed")
        except BaseException:
            receiver.limiter.release(key)
            raise
    return _Outcome("accepted", received.record, created=received.created)


def _log_failure(error: HarbourError) -> None:
    from comments.receiver.app import DEBUG

    if DEBUG:
        logger.error("a comment could not be received: %s", error)
    else:
        logger.error("a comment could not be received (%d problems; set HARBOUR_DEBUG=1 to see them: they "
                     "may quote what was typed)", len(error.problems))


def _same_comment(existing: PublicComment, submission: Submission) -> bool:
    """Whether a comment already under this token's id is this very submission (a retry)."""
    return (
        existing.post, existing.author, existing.body, existing.reply_to, existing.author_url,
        tuple(existing.content_warnings),
    ) == (
        submission.post, submission.author, submission.body, submission.reply_to, submission.url,
        submission.content_warnings,
    )


def _answer(
    receiver: Receiver, request: Request, submission: Submission, post: PostEntry, outcome: _Outcome
) -> Response:
    if outcome.kind == "busy":
        return _form_refusal(receiver, request, 503, submission, post, {}, message=STORE_BUSY)
    if outcome.kind == "failed":
        return _form_refusal(receiver, request, 503, submission, post, {}, message=SITE_UNAVAILABLE)
    if outcome.kind == "rate":
        return _rate_limited(receiver, request, submission, post, outcome.wait)
    if outcome.kind == "used":
        if request.wants_json:
            return refusal_json(400, USED_TOKEN, {"token": USED_TOKEN})
        return _check_page(receiver, request, submission, post, CHECK_NOTES["used"])
    record = outcome.record
    assert record is not None
    published = record.status == "approved"
    message = PUBLISHED_MESSAGE if published else WAITING_MESSAGE
    chrome = receiver.chrome(request, receiver.manifest())
    if outcome.created:
        # Outside the store's lock, in a thread of its own: the commenter never waits for mail.
        notify_new_comment_later(
            receiver.conf["notify"], record, post_title=post.title,
            post_url=site_link(chrome, post.url) or "", site_name=receiver.site_name,
            receiver_url=receiver.conf["form_action"] or "",
        )
    if request.wants_json:
        status = "published" if published else "waiting"
        return json_response(200, {"ok": True, "id": record.id, "status": status, "message": message})
    return html_response(200, thank_you_page(chrome, post, message, crisis=CRISIS in record.flags))


def _rate_limited(
    receiver: Receiver, request: Request, submission: Submission, post: PostEntry, wait: int
) -> Response:
    minutes = max(1, round(wait / 60))
    message = (
        "You have sent several comments in a short time; please wait about "
        f"{minutes} minute{'s' if minutes != 1 else ''} before sending another."
    )
    return _form_refusal(receiver, request, 429, submission, post, {}, message=message,
                         headers=[("Retry-After", str(wait))])


def _form_refusal(
    receiver: Receiver, request: Request, status: int, submission: Submission, post: PostEntry,
    errors: Mapping[str, str], *, message: str = FIELDS_WRONG, headers: list[tuple[str, str]] | None = None,
) -> Response:
    """JSON for the page's JavaScript; otherwise the form again, filled in, with a fresh token."""
    if errors and HONEYPOT in errors:
        message = HONEYPOT_FILLED
    if request.wants_json:
        return refusal_json(status, message, errors, headers)
    values = {k: v for k, v in submission.values.items() if k not in (HONEYPOT, "token")}
    manifest = receiver.manifest()
    page = form_page(
        receiver.chrome(request, manifest), receiver.form_settings(request), post,
        heading="Your comment was not sent yet", values=values, token=receiver.tokens.issue(),
        errors=errors, message=message, refused=True,
    )
    return html_response(status, page, headers)


def _check_page(
    receiver: Receiver, request: Request, submission: Submission, post: PostEntry, note: str
) -> Response:
    vocabulary = receiver.vocabulary()
    chosen = submission.content_warnings
    warning = vocabulary.get(chosen[0]) if vocabulary is not None and chosen else None
    values = {k: v for k, v in submission.values.items() if k not in (HONEYPOT, "token")}
    page = form_page(
        receiver.chrome(request, receiver.manifest()), receiver.form_settings(request), post,
        heading="Check your comment", values=values, token=receiver.tokens.issue(), message=note,
        intro=CHECK_INTRO, preview=comment_preview(submission.author, submission.body, warning),
    )
    return html_response(200, page)
