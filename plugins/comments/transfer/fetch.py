"""Fetching new comments from the receiver's host into the writer's own private store.

`invoke comments-fetch` asks the receiver's token-protected ``/comments/queue`` for the records
it holds, checks each one as strictly as a record read from disk, and keeps those this store
does not have yet. Nothing fetched is ever published here: the writer approves on their own
machine, so a receiver that was broken into cannot put words on the site.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import logging
import socket
import ssl
import time
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from comments.config import CommentStores
from comments.desk.arrival import arrival_problems, clean_user_agent
from comments.desk.moderation import _entry, _id_taken, _save_step, current_moderator
from comments.desk.triage import CRISIS, TriageRules
from comments.model import (
    COMMENT_ID_HELP,
    POST_SLUG_HELP,
    STATUSES,
    PrivateRecord,
    is_comment_id,
    is_post_slug,
    parse_date,
)
from harbour.errors import HarbourError

logger = logging.getLogger(__name__)

QUEUE_FORMAT = "harbour-comment-queue"
RECORD_FORMAT = "harbour-comment-record"
TOKEN_FILE = "receiver-token"
# Far above a year of comments on a personal blog (a record is a few kB), far below what
# would fill the writer's memory if a wrong address streamed a video.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
TIMEOUT_SECONDS = 30.0
MAX_TOKEN_LENGTH = 4096

# What PrivateRecord.to_json writes, by kind; the queue's records must be exactly that.
_TEXT = ("id", "post", "author", "date", "body", "status", "received_at", "source")
_OPTIONAL_TEXT = ("reply_to", "author_url", "email", "ip", "user_agent")
_TEXT_LISTS = ("content_warnings", "flags", "notes")
_FIELDS = {"format", "version", "reason", "history", *_TEXT, *_OPTIONAL_TEXT, *_TEXT_LISTS}


@dataclass(frozen=True)
class Fetched:
    """What one fetch did: the records it added, how many were here already, which it skipped."""

    address: str
    new: list[PrivateRecord] = field(default_factory=list)
    already_here: int = 0
    skipped: list[str] = field(default_factory=list)

    @property
    def crises(self) -> int:
        return sum(CRISIS in r.flags for r in self.new)


# --- Where and how to ask ---------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def queue_address(receiver: str) -> str:
    """The queue's address from the receiver's ``/comments`` address, or a HarbourError.

    HTTPS is required, since the request carries the token and the answer carries e-mail
    and IP addresses; plain http only to this machine (a receiver run beside the site, or
    reached through an ssh tunnel).
    """
    example = "e.g. --from https://comments.example.org/comments"
    receiver = (receiver or "").strip()
    if not receiver:
        raise HarbourError(f"comments-fetch needs the receiver's address: {example}")
    try:
        parts = urlsplit(receiver)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as error:
        raise HarbourError(f"--from {receiver!r} is not an address ({error}); {example}") from None
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if scheme not in ("http", "https") or not host:
        raise HarbourError(f"--from {receiver!r} is not an http(s) address; {example}")
    if scheme == "http" and not _is_loopback(host):
        raise HarbourError(
            f"--from {receiver!r} uses plain http to another machine, which would send your token and "
            "the commenters' e-mail addresses readable on the way; use https:// (plain http is "
            "allowed only to 127.0.0.1, ::1 or localhost, e.g. through an ssh tunnel)"
        )
    if parts.username is not None or parts.password is not None:
        raise HarbourError(
            f"--from {receiver!r} holds a user name or password; the token goes in --token-file instead"
        )
    if parts.query or parts.fragment or any(c.isspace() for c in receiver):
        raise HarbourError(
            f"--from {receiver!r} has a query, fragment or space; give the bare address, {example}"
        )
    path = parts.path.rstrip("/")
    if path.endswith("/comments/queue"):
        raise HarbourError(
            f"--from {receiver!r} is the queue itself; give the address without /queue, {example}"
        )
    if not path.endswith("/comments"):
        raise HarbourError(
            f"--from {receiver!r} is not the receiver's /comments address (the form's "
            f"COMMENTS['form_action']); {example}"
        )
    return f"{scheme}://{parts.netloc}{path}/queue"


def read_token(path: str | Path) -> str:
    """The receiver's token from a file (never shown in a message), or a HarbourError."""
    path = Path(path)
    try:
        raw = path.read_bytes()[: MAX_TOKEN_LENGTH + 64]
    except FileNotFoundError:
        raise HarbourError(
            f"no receiver token at {path}: copy the token your receiver printed when it first started "
            f"(the file {TOKEN_FILE} in the receiver's private store) into it, readable by you only "
            "(chmod 600), or pass --token-file PATH"
        ) from None
    except OSError as error:
        raise HarbourError(f"cannot read the receiver token {path}: {error.strerror}") from None
    try:
        token = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        token = ""
    if not token or len(token) > MAX_TOKEN_LENGTH or not all("!" <= c <= "~" for c in token):
        raise HarbourError(
            f"{path} does not hold a receiver token (one line of letters, digits and punctuation, no "
            f"spaces, at most {MAX_TOKEN_LENGTH} characters); copy it again from the receiver's "
            f"{TOKEN_FILE}"
        )
    return token


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would carry the token to wherever it points (urllib keeps the header)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


def _opener(address: str) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = [
        _RefuseRedirects(),
        urllib.request.HTTPSHandler(context=ssl.create_default_context()),
    ]
    if _is_loopback(urlsplit(address).hostname or ""):
        handlers.append(urllib.request.ProxyHandler({}))  # plain http must not leave the machine
    return urllib.request.build_opener(*handlers)


def _http_problem(address: str, error: urllib.error.HTTPError, token_path: str | Path) -> str:
    code = error.code
    if code == 401:
        return (
            f"{address}: the receiver refused the token (HTTP 401); the token in {token_path} is not the "
            f"one in the receiver's private store ({TOKEN_FILE}): copy it again"
        )
    if code == 404:
        return (
            f"{address}: no queue there (HTTP 404); check that --from is the receiver's /comments "
            "address and that the receiver is recent enough to serve /comments/queue"
        )
    if 300 <= code < 400:
        location = error.headers.get("Location", "") if error.headers else ""
        return (
            f"{address}: the receiver answered with a redirect (HTTP {code}) to {location[:200]!r}, which "
            "is not followed (it would carry your token along); give --from the final address"
        )
    if code in (429, 502, 503, 504):
        return (
            f"{address}: the receiver is busy or unreachable behind its proxy (HTTP {code}); "
            "try again in a minute"
        )
    return f"{address}: the receiver answered HTTP {code} instead of the queue; see its log"


def download_queue(
    address: str,
    token: str,
    *,
    token_path: str | Path = TOKEN_FILE,
    timeout: float = TIMEOUT_SECONDS,
    max_bytes: int = MAX_RESPONSE_BYTES,
) -> bytes:
    """The queue's body (at most ``max_bytes``), or a HarbourError in one line."""
    request = urllib.request.Request(
        address,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json",
                 "User-Agent": "still-here-comments-fetch/1"},
    )
    try:
        with _opener(address).open(request, timeout=timeout) as response:
            if response.status != 200:
                raise HarbourError(
                    f"{address}: the receiver answered HTTP {response.status} instead of the queue"
                )
            kind = response.headers.get_content_type()
            if kind != "application/json":
                raise HarbourError(
                    f"{address}: the answer is {kind}, not the queue's JSON; is --from the receiver's "
                    "/comments address?"
                )
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise HarbourError(_too_large(address, max_bytes))
            data = _read_bounded(response, address, max_bytes, timeout)
    except urllib.error.HTTPError as error:
        error.close()
        raise HarbourError(_http_problem(address, error, token_path)) from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, ssl.SSLCertVerificationError):
            raise HarbourError(
                f"{address}: the receiver's certificate cannot be trusted ({reason.verify_message}); "
                "fix its certificate (e.g. with Let's Encrypt) rather than turning the check off"
            ) from None
        raise HarbourError(
            f"{address}: could not reach the receiver ({reason}); check the address and that it runs"
        ) from None
    except (TimeoutError, socket.timeout):
        raise HarbourError(
            f"{address}: no answer within {timeout:g} s; check that the receiver runs"
        ) from None
    except (http.client.HTTPException, OSError) as error:
        raise HarbourError(
            f"{address}: the connection broke ({error.__class__.__name__}); try again"
        ) from None
    return data


def _read_bounded(response: Any, address: str, max_bytes: int, timeout: float) -> bytes:
    """The body, in pieces, stopping at ``max_bytes`` and at an overall deadline: the socket's
    timeout holds for each read, and a server sending a byte a second would never trip it."""
    deadline = time.monotonic() + 4 * timeout
    chunks, size = [], 0
    while chunk := response.read(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise HarbourError(_too_large(address, max_bytes))
        if time.monotonic() > deadline:
            raise HarbourError(f"{address}: the answer took more than {4 * timeout:g} s; try again")
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(address: str, max_bytes: int) -> str:
    return (
        f"{address}: the answer is larger than {max_bytes:,} bytes, more than any queue of comments; "
        "is --from the receiver's address?"
    )


# --- What the receiver sent ------------------------------------------------------------------


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    duplicate = next((k for k in keys if keys.count(k) > 1), None)
    if duplicate is not None:
        raise ValueError(f"the key {duplicate!r} appears twice in one object")
    return dict(pairs)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 60 else text[:57] + "..."


def _has_control_characters(text: str, allowed: str = "") -> bool:
    return any(unicodedata.category(c) in ("Cc", "Zl", "Zp") and c not in allowed for c in text)


def _type_problems(item: Mapping[str, Any]) -> list[str]:
    """What in one record is not what PrivateRecord.to_json writes."""
    problems = []
    unknown = sorted(set(item) - _FIELDS)
    if unknown:
        problems.append(f"unknown field {unknown[0]!r}; a record has only {', '.join(sorted(_FIELDS))}")
    version = item.get("version")
    if item.get("format") != RECORD_FORMAT or version != 1 or isinstance(version, bool):
        problems.append(
            f"format {_shown(item.get('format'))} version {_shown(item.get('version'))} is not a "
            f"{RECORD_FORMAT} of version 1; update this project or the receiver so both are the same"
        )
    for name in _TEXT:
        if not isinstance(item.get(name), str):
            problems.append(f"{name}: expected text, got {_shown(item.get(name))}")
    for name in _OPTIONAL_TEXT:
        if item.get(name) is not None and not isinstance(item.get(name), str):
            problems.append(f"{name}: expected text or null, got {_shown(item.get(name))}")
    if not isinstance(item.get("reason", ""), str):
        problems.append(f"reason: expected text, got {_shown(item.get('reason'))}")
    for name in _TEXT_LISTS:
        value = item.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"{name}: expected a list of texts, got {_shown(value)}")
    history = item.get("history", [])
    if not isinstance(history, list) or not all(_is_history_step(step) for step in history):
        problems.append(f"history: expected a list of steps (objects of texts), got {_shown(history)}")
    return problems


def _is_history_step(step: Any) -> bool:
    def plain(value: Any) -> bool:
        return value is None or isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        )

    return isinstance(step, dict) and all(plain(v) for v in step.values())


def _texts_of(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    texts = [
        (name, item[name]) for name in (*_TEXT, *_OPTIONAL_TEXT, "reason") if isinstance(item.get(name), str)
    ]
    texts += [(f"{name}[{i}]", v) for name in _TEXT_LISTS for i, v in enumerate(item.get(name) or [])]
    for i, step in enumerate(item.get("history") or []):
        for key, value in step.items():
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, str):
                    texts.append((f"history[{i}].{key}", v))
    return texts


def _value_problems(item: Mapping[str, Any], rules: TriageRules) -> list[str]:
    """What in a well-typed record a record of this store could not hold, or a new comment could not."""
    problems = []
    if item["source"] != "form":
        problems.append(
            f"source {item['source']!r} is not 'form'; the queue holds only comments sent with the form"
        )
    if item["status"] not in STATUSES:
        problems.append(f"status {item['status']!r} is not one of {', '.join(STATUSES)}")
    if not is_post_slug(item["post"]):
        problems.append(f"post {item['post']!r} is not a post slug ({POST_SLUG_HELP})")
    if item.get("reply_to") is not None and not is_comment_id(item["reply_to"]):
        problems.append(f"reply_to {item['reply_to']!r} is not a comment id ({COMMENT_ID_HELP})")
    # Every field is printed in the writer's terminal by comments-show: an escape sequence
    # there could rewrite what they read. Only the body may hold line breaks and tabs.
    problems += [
        f"{name} contains control characters; a comment's fields never do"
        for name, value in _texts_of(item)
        if _has_control_characters(value, "\n\t" if name == "body" else "")
    ]
    dates = {}
    for name in ("date", "received_at"):
        try:
            dates[name] = parse_date(item[name])
        except ValueError as error:
            problems.append(f"{name}: {error}")
    if problems:
        return problems
    return arrival_problems(
        rules, post=item["post"], author=item["author"], body=item["body"], email=item.get("email"),
        ip=item.get("ip"), user_agent=item.get("user_agent"), author_url=item.get("author_url"),
        reply_to=item.get("reply_to"), content_warnings=tuple(item.get("content_warnings") or ()),
        date=dates["date"], comment_id=item["id"], status=item["status"],
    )


def _record(item: Any, where: str, rules: TriageRules) -> tuple[PrivateRecord | None, list[str]]:
    """One queue item as a record, or the lines saying why it cannot be one."""
    if not isinstance(item, dict):
        return None, [f"{where}: expected a record (an object), got {_shown(item)}"]
    comment_id = item.get("id")
    if not is_comment_id(comment_id):
        return None, [f"{where}: id {_shown(comment_id)} is not a comment id ({COMMENT_ID_HELP})"]
    where = f"{where} (id {comment_id})"
    problems = _type_problems(item)
    if not problems and item.get("user_agent") is not None:
        # Cleaned as arrival cleans it now: a receiver's store may hold one kept before it did.
        item = {**item, "user_agent": clean_user_agent(item["user_agent"], rules.length_limits["user_agent"])}
    if not problems:
        problems = _value_problems(item, rules)
    if not problems:
        try:
            # The same reading as a record on disk: the name stands for the file it becomes.
            return PrivateRecord.from_json(item, Path(f"{comment_id}.json")), []
        except HarbourError as error:
            problems = error.problems
    return None, [f"{where}: {problem}" for problem in problems]


@dataclass(frozen=True)
class QueueRead:
    records: list[PrivateRecord]
    skipped: list[str]


def read_queue(data: bytes, address: str, rules: TriageRules) -> QueueRead:
    """The queue's records. A queue broken as a whole is a HarbourError listing every problem;
    a record that cannot be kept is skipped with a line, and the others kept."""
    try:
        queue = json.loads(
            data.decode("utf-8"), object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant
        )
    except UnicodeDecodeError as error:
        raise HarbourError(
            f"{address}: the answer is not UTF-8 (byte {error.start}); is it the receiver?"
        ) from None
    except json.JSONDecodeError as error:
        raise HarbourError(
            f"{address}: the answer is not JSON ({error.msg} at line {error.lineno} column {error.colno}); "
            "is --from the receiver's address?"
        ) from None
    except (ValueError, RecursionError) as error:
        raise HarbourError(
            f"{address}: the answer is not the queue's JSON ({error or 'nested too deeply'})"
        ) from None
    if not isinstance(queue, dict):
        raise HarbourError(f"{address}: expected the queue (a JSON object), got {_shown(queue)}")
    problems = []
    version = queue.get("version")
    if queue.get("format") != QUEUE_FORMAT or version != 1 or isinstance(version, bool):
        problems.append(
            f"{address}: format {_shown(queue.get('format'))} version {_shown(version)} is not a "
            f"{QUEUE_FORMAT} of version 1; update this project or the receiver so both are the same"
        )
    items = queue.get("records")
    if not isinstance(items, list):
        problems.append(f"{address}: records: expected a list, got {_shown(items)}")
        items = []
    ids = [item.get("id") for item in items if isinstance(item, dict)]
    twice = sorted({i for i in ids if isinstance(i, str) and ids.count(i) > 1})
    if twice:
        problems.append(
            f"{address}: the id {twice[0]!r} is in the queue twice; the receiver's store is damaged"
        )
    if problems:
        raise HarbourError(problems)
    records, skipped = [], []
    for index, item in enumerate(items):
        record, item_problems = _record(item, f"{address}: records[{index}]", rules)
        if record is not None:
            records.append(record)
        skipped += item_problems
    return QueueRead(records, skipped)


# --- Keeping them ------------------------------------------------------------------------------

APPROVED_THERE = (
    "the receiver published it on arrival (auto-approve-returning); a fetched comment waits for "
    "you here all the same: approve it to publish it"
)


def keep_new_records(
    stores: CommentStores, read: QueueRead, address: str, *, moderator: str | None = None
) -> Fetched:
    """Save each record this store does not have yet (by id, in either store); leave the rest.

    A record already here is the writer's copy, which they may have moderated since: never
    overwritten. Each new record is written atomically with its own history step and audit
    line, as an arrival is, so an interrupted fetch leaves whole records and the next one
    adds the rest.
    """
    moderator = moderator or current_moderator()
    new, already_here = [], 0
    with stores.private.locked():
        for record in read.records:
            if _id_taken(stores, record.id):
                already_here += 1
                continue
            before = record.status
            if record.status == "approved":
                record.status = "pending"
                record.notes.append(APPROVED_THERE)
            _save_step(stores, record, _entry("fetch", record, before, moderator, source=address,
                                              flags=list(record.flags)))
            new.append(record)
    return Fetched(address, new, already_here, list(read.skipped))


def fetch_comments(
    stores: CommentStores,
    rules: TriageRules,
    receiver: str,
    token_path: str | Path,
    *,
    moderator: str | None = None,
    timeout: float = TIMEOUT_SECONDS,
    max_bytes: int = MAX_RESPONSE_BYTES,
) -> Fetched:
    """Fetch the receiver's queue into ``stores``: the whole of `invoke comments-fetch`."""
    address = queue_address(receiver)
    token = read_token(token_path)
    data = download_queue(address, token, token_path=token_path, timeout=timeout, max_bytes=max_bytes)
    read = read_queue(data, address, rules)
    logger.debug("fetched %d records from %s", len(read.records), address)
    return keep_new_records(stores, read, address, moderator=moderator)
