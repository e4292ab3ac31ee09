"""A submission of the comment form: its body read as UTF-8 form fields, and every field checked.

The messages here are for the person who wrote the comment: they say what to change, in plain
words, and never repeat what was typed (a page or a JSON answer could otherwise carry it back
unescaped). Length limits and the body's nesting limit are the arrival desk's own
(``length_problems``, ``nesting_problems``), so a comment the form accepts is one
``receive_comment`` accepts.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from comments.desk.arrival import EMAIL, arrival_problems, nesting_problems, normalised_fields
from comments.desk.triage import TriageRules, length_problems
from comments.model import http_url, is_comment_id
from comments.receiver.manifest import PostEntry
from trigger_tags.vocabulary import Vocabulary

FIELDS = ("post", "reply_to", "author", "email", "url", "body", "content_warning", "token", "subject")
# What a field is called to the reader, for messages about the form as a whole.
FIELD_LABELS = {
    "post": "The post", "reply_to": "The comment you reply to", "author": "Your name",
    "email": "Your e-mail address", "url": "Your website", "body": "Your comment",
    "content_warning": "The content note", "token": "The form", "subject": "The field to leave empty",
}
# The form's own fields and a few a browser or proxy may add; more than this is not a comment.
MAX_FIELDS = 30
HONEYPOT = "subject"


class FormUnreadable(Exception):
    """The body is not a form this receiver can read; ``field`` names the culprit when known."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def parse_form(body: bytes) -> dict[str, str]:
    """The known fields of an ``application/x-www-form-urlencoded`` body, decoded as UTF-8.

    Strict where the standard library is lenient: bytes that are not UTF-8 are refused
    (naming the field) rather than replaced, and a field sent twice is refused rather than
    one copy silently winning. Fields the form does not have are ignored.
    """
    pairs = [pair for pair in body.split(b"&") if pair]
    if len(pairs) > MAX_FIELDS:
        raise FormUnreadable(f"The form holds more than {MAX_FIELDS} fields; send the comment form as it is.")
    fields: dict[str, str] = {}
    for pair in pairs:
        raw_name, _, raw_value = pair.partition(b"=")
        try:
            name = _decode(raw_name)
        except UnicodeDecodeError:
            raise FormUnreadable("The form could not be read: it is not UTF-8 text.") from None
        if name not in FIELDS:
            continue
        if name in fields:
            raise FormUnreadable(f"{FIELD_LABELS[name]} was sent twice; send it once.", name)
        try:
            fields[name] = _decode(raw_value)
        except UnicodeDecodeError:
            raise FormUnreadable(
                f"{FIELD_LABELS[name]} could not be read: it is not UTF-8 text. Type it again, or paste "
                "it as plain text.", name,
            ) from None
    return fields


def _decode(raw: bytes) -> str:
    return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8", errors="strict")


@dataclass(frozen=True)
class Submission:
    """A form's fields: ``values`` as sent (to fill the form in again), the rest as the desk takes them."""

    values: Mapping[str, str]
    post: str
    author: str
    body: str
    email: str | None
    url: str | None
    reply_to: str | None
    content_warnings: tuple[str, ...]
    token: str
    honeypot: str


def read_submission(
    values: Mapping[str, str], rules: TriageRules, vocabulary: Vocabulary | None = None
) -> Submission:
    """The fields tidied as ``receive_comment`` tidies them (trimmed, Unix line ends).

    The content note is a tag's slug, or its label as the site's form sends it (an option without
    a value of its own, see comments.render.form.WarningChoice): a label becomes its slug, in
    ``values`` too, so that a form filled in again shows it chosen.
    """
    tidy = normalised_fields(
        rules, author=values.get("author"), body=values.get("body"), email=values.get("email"),
        author_url=values.get("url"), reply_to=values.get("reply_to"),
    )
    warning = values.get("content_warning", "").strip()
    named = vocabulary.named(warning) if vocabulary is not None and warning else None
    if named is not None and named.slug != warning:
        warning = named.slug
        values = {**values, "content_warning": warning}
    return Submission(
        values=dict(values), post=values.get("post", "").strip(), author=tidy["author"], body=tidy["body"],
        email=tidy["email"], url=tidy["author_url"], reply_to=tidy["reply_to"],
        content_warnings=(warning,) if warning else (), token=values.get("token", "").strip(),
        honeypot=values.get(HONEYPOT, ""),
    )


def _has_control_characters(text: str, allowed: str = "") -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cs") and c not in allowed for c in text)


def _too_long(name: str, value: str | tuple[str, ...] | None, rules: TriageRules) -> bool:
    return bool(length_problems({name: value}, rules.length_limits))


def field_errors(
    submission: Submission,
    *,
    post: PostEntry,
    rules: TriageRules,
    vocabulary: Vocabulary | None,
    require_email: bool,
) -> dict[str, str]:
    """One sentence per wrong field (empty when the comment may be received).

    Single-line fields refuse every control character, line breaks included: a browser's text
    box cannot hold one, so only a hand-made request sends it.
    """
    raw, limits = submission.values, rules.length_limits
    errors: dict[str, str] = {}
    if _has_control_characters(raw.get("author", "")):
        errors["author"] = "Your name can hold only ordinary letters, on one line."
    elif not submission.author:
        errors["author"] = "Please give a name to show with your comment (it need not be your real name)."
    elif _too_long("author", submission.author, rules):
        errors["author"] = (
            f"Your name is {len(submission.author)} characters long; at most {limits['author']} fit."
        )

    if _has_control_characters(raw.get("email", "")):
        errors["email"] = "Your e-mail address can hold only ordinary characters, on one line."
    elif submission.email is None:
        if require_email:
            errors["email"] = (
                "Please give your e-mail address: the writer asks for one. It is never published."
            )
    elif _too_long("email", submission.email, rules):
        errors["email"] = f"Your e-mail address is too long; at most {limits['email']} characters fit."
    elif not EMAIL.fullmatch(submission.email):
        errors["email"] = "This does not look like an e-mail address; write it as name@example.org."

    if submission.url is not None:
        if _has_control_characters(raw.get("url", "")) or http_url(submission.url) is None:
            errors["url"] = (
                "Your website must be a full address starting with https:// or http://, such as "
                "https://example.org/, or left empty."
            )
        elif _too_long("author_url", submission.url, rules):
            errors["url"] = (
                f"Your website's address is too long; at most {limits['author_url']} characters fit."
            )

    body_problem = _body_problem(submission, rules)
    if body_problem:
        errors["body"] = body_problem

    if submission.reply_to is not None and (
        not is_comment_id(submission.reply_to) or submission.reply_to not in post.approved
    ):
        errors["reply_to"] = (
            "The comment you are replying to is not published on this post (any more); send your "
            "comment without replying to it, or reply to another."
        )

    warning_problem = _warning_problem(submission, vocabulary)
    if warning_problem:
        errors["content_warning"] = warning_problem
    return errors


def _body_problem(submission: Submission, rules: TriageRules) -> str | None:
    body = submission.body
    if _has_control_characters(submission.values.get("body", ""), "\n\r\t"):
        return "Your comment holds control characters; please remove them (line breaks and tabs are fine)."
    if not body:
        return "Please write your comment."
    if _too_long("body", body, rules):
        return (
            f"Your comment is {len(body)} characters long; at most {rules.length_limits['body']} fit. "
            "Shorten it, or send it in two parts."
        )
    if nesting_problems(body):
        return (
            "Your comment nests lists or quotes too deeply; take out some '>' or '-' at the start of "
            "its lines."
        )
    return None


def _warning_problem(submission: Submission, vocabulary: Vocabulary | None) -> str | None:
    if not submission.content_warnings:
        return None
    (tag,) = submission.content_warnings
    if vocabulary is None:
        return "This site has no content notes to choose from; leave the content note empty."
    if _has_control_characters(tag) or vocabulary.get(tag) is None:
        return "Choose a content note from the list, or none."
    return None


def remaining_problems(submission: Submission, rules: TriageRules) -> list[str]:
    """What ``receive_comment`` would still refuse (nothing, once :func:`field_errors` passed)."""
    return arrival_problems(
        rules, post=submission.post, author=submission.author, body=submission.body,
        email=submission.email, author_url=submission.url, reply_to=submission.reply_to,
        content_warnings=submission.content_warnings,
    )
