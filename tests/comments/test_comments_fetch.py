"""comments-fetch: new comments come from the receiver's queue over a real HTTP connection on loopback,
checked strictly, kept once, never published and never overwriting what the writer moderated."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from comment_helpers import make_stores, tiny_site
from comments.config import CommentStores
from comments.desk.public_store import public_comment_path
from comments.desk.arrival import receive_comment
from comments.desk.moderation import reject_comments
from comments.desk.triage import CRISIS, TriageRules
from comments.desk.arrival import clean_user_agent
from comments.transfer.fetch import APPROVED_THERE, fetch_comments, queue_address, read_token
from conftest import ROOT
from harbour.errors import HarbourError
from receiver_helpers import SITE_ORIGIN, comment_fields, raw_exchange, running_receiver

TOKEN = "k7Qz-receiver-token_0123456789"


@dataclass
class QueueServer:
    """A stand-in for the receiver's GET /comments/queue: serves what a test sets, records requests."""

    base: str  # the receiver's /comments address
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, Authorization)

    def serve_records(self, records: list[dict[str, Any]]) -> None:
        self.serve_json({"format": "harbour-comment-queue", "version": 1, "records": records})

    def serve_json(self, data: Any) -> None:
        self.body = json.dumps(data).encode()


@pytest.fixture
def queue_server() -> Iterator[QueueServer]:
    state = QueueServer(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            state.requests.append((self.path, self.headers.get("Authorization", "")))
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self.send_response(401)
                self.end_headers()
                return
            self.send_response(state.status)
            for name, value in state.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}/comments"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def remote(tmp_path: Path) -> CommentStores:
    """The receiver's own store, on 'the server'."""
    return make_stores(tmp_path / "server")


@pytest.fixture
def local(tmp_path: Path) -> CommentStores:
    """The writer's store, on their machine, with the receiver's token copied beside it."""
    stores = make_stores(tmp_path / "desk")
    stores.private.root.mkdir(parents=True)
    (stores.private.root / "receiver-token").write_text(TOKEN + "\n", encoding="utf-8")
    return stores


def arrive(stores: CommentStores, body: str = "Thank you for writing this.", **fields: Any) -> str:
    fields = {"post": "first-post", "author": "Mina", "email": "mina@example.invalid", "ip": "198.51.100.23",
              "user_agent": "Mozilla/5.0 (FetchTestOS)", **fields}
    return receive_comment(stores, TriageRules(), body=body, source="form", **fields).record.id


def queue_of(stores: CommentStores) -> list[dict[str, Any]]:
    return [r.to_json() for r in stores.private.all_records()]


def fetch(local: CommentStores, server: QueueServer, **options: Any):  # type: ignore[no-untyped-def]
    return fetch_comments(local, TriageRules(), server.base, local.private.root / "receiver-token",
                          moderator="writer", **options)


def files(stores: CommentStores) -> dict[str, bytes]:
    root = stores.private.root.parent
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_new_comments_are_kept_once_and_a_second_fetch_adds_nothing(
    queue_server: QueueServer, remote: CommentStores, local: CommentStores
) -> None:
    calm = arrive(remote)
    crisis = arrive(remote, "I want to die, honestly", author="Zoë")
    queue_server.serve_records(queue_of(remote))

    fetched = fetch(local, queue_server)

    assert sorted(r.id for r in fetched.new) == sorted([calm, crisis])
    assert (fetched.already_here, fetched.crises, fetched.skipped) == (0, 1, [])
    assert queue_server.requests == [("/comments/queue", f"Bearer {TOKEN}")]
    for comment_id in (calm, crisis):
        here, there = local.private.read(comment_id), remote.private.read(comment_id)
        assert here.comment == there.comment and here.status == "pending"
        private = ("email", "ip", "user_agent", "flags")
        assert [getattr(here, name) for name in private] == [getattr(there, name) for name in private]
        assert [s["action"] for s in here.history] == ["receive", "fetch"]
    assert CRISIS in local.private.read(crisis).flags
    assert sorted((e["action"], e["id"]) for e in local.private.audit_entries()) == sorted(
        [("fetch", calm), ("fetch", crisis)]
    )
    assert not local.public_dir.exists()  # nothing fetched is published

    before = files(local)
    again = fetch(local, queue_server)
    assert (again.new, again.already_here) == ([], 2)
    assert files(local) == before


def test_a_comment_the_writer_moderated_is_never_overwritten_by_the_receivers_copy(
    queue_server: QueueServer, remote: CommentStores, local: CommentStores
) -> None:
    comment_id = arrive(remote)
    queue_server.serve_records(queue_of(remote))
    fetch(local, queue_server)
    reject_comments(local, [comment_id], "personal details", moderator="writer")
    moderated = files(local)

    fetched = fetch(local, queue_server)  # the receiver still says "pending"

    assert (fetched.new, fetched.already_here) == ([], 1)
    assert files(local) == moderated and local.private.read(comment_id).status == "rejected"


def test_a_comment_published_on_arrival_by_the_receiver_waits_for_the_writer_here(
    queue_server: QueueServer, remote: CommentStores, local: CommentStores
) -> None:
    arrive(remote)
    (item,) = queue_of(remote)
    queue_server.serve_records([{**item, "status": "approved"}])

    (record,) = fetch(local, queue_server).new

    here = local.private.read(record.id)
    assert here.status == "pending" and APPROVED_THERE in here.notes
    assert (here.history[-1]["from"], here.history[-1]["to"]) == ("approved", "pending")
    assert not local.public_dir.exists()


def test_a_wrong_token_is_refused_and_nothing_is_written(
    queue_server: QueueServer, remote: CommentStores, local: CommentStores
) -> None:
    arrive(remote)
    queue_server.serve_records(queue_of(remote))
    (local.private.root / "receiver-token").write_text("not-the-token", encoding="utf-8")
    before = files(local)
    with pytest.raises(HarbourError, match=r"refused the token \(HTTP 401\).*receiver-token.*copy it again"):
        fetch(local, queue_server)
    assert files(local) == before


def test_a_redirect_is_not_followed_since_it_would_carry_the_token(
    queue_server: QueueServer, local: CommentStores
) -> None:
    queue_server.status = 302
    queue_server.headers = {"Location": queue_server.base.replace("/comments", "/elsewhere")}
    with pytest.raises(HarbourError, match=r"redirect \(HTTP 302\) to '.*/elsewhere'.*not followed"):
        fetch(local, queue_server)
    assert [path for path, _ in queue_server.requests] == ["/comments/queue"]


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "until-close"])
def test_an_answer_larger_than_the_bound_is_refused(
    queue_server: QueueServer, remote: CommentStores, local: CommentStores, declared: bool
) -> None:
    arrive(remote, "A long comment. " * 100)
    queue_server.serve_records(queue_of(remote))
    assert len(queue_server.body) > 1000
    if declared:
        queue_server.headers["Content-Length"] = str(len(queue_server.body))
    before = files(local)
    with pytest.raises(HarbourError, match="larger than 1,000 bytes"):
        fetch(local, queue_server, max_bytes=1000)
    assert files(local) == before


def test_an_answer_that_is_not_json_is_refused(queue_server: QueueServer, local: CommentStores) -> None:
    queue_server.headers = {"Content-Type": "text/html; charset=utf-8"}
    queue_server.body = b"<!doctype html><title>Login</title>"
    with pytest.raises(HarbourError, match="the answer is text/html, not the queue's JSON"):
        fetch(local, queue_server)


def test_an_unreachable_receiver_is_one_line(tmp_path: Path, local: CommentStores) -> None:
    import socket

    with socket.socket() as unused:  # a port nobody listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(HarbourError, match="could not reach the receiver"):
        fetch_comments(
            local, TriageRules(), f"http://127.0.0.1:{port}/comments", local.private.root / "receiver-token"
        )


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("http://comments.example.org/comments", "plain http to another machine"),
        ("http://10.0.0.2/comments", "plain http to another machine"),
        ("ftp://comments.example.org/comments", r"not an http\(s\) address"),
        ("https://comments.example.org/", "not the receiver's /comments address"),
        ("https://comments.example.org/comments/queue", "the queue itself"),
        ("https://me:secret@comments.example.org/comments", "user name or password"),
        ("https://comments.example.org/comments?x=1", "query, fragment or space"),
        ("https://comments.example.org:http/comments", "is not an address"),
        ("", "needs the receiver's address"),
    ],
)
def test_addresses_that_would_expose_the_token_or_miss_the_queue_are_refused(
    address: str, message: str
) -> None:
    with pytest.raises(HarbourError, match=message):
        queue_address(address)


@pytest.mark.parametrize(
    ("address", "queue"),
    [
        ("https://comments.example.org/comments", "https://comments.example.org/comments/queue"),
        ("https://example.org/blog/comments/", "https://example.org/blog/comments/queue"),
        ("http://127.0.0.1:8001/comments", "http://127.0.0.1:8001/comments/queue"),
        ("http://[::1]:8001/comments", "http://[::1]:8001/comments/queue"),
        ("http://localhost:8001/comments", "http://localhost:8001/comments/queue"),
    ],
)
def test_https_anywhere_and_plain_http_on_this_machine_are_allowed(address: str, queue: str) -> None:
    assert queue_address(address) == queue


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no receiver token at"), (b"", "does not hold a receiver token"),
     (b"two words", "does not hold a receiver token"), (b"tok\x00en", "does not hold a receiver token"),
     ("tökén".encode(), "does not hold a receiver token")],
)
def test_a_missing_or_malformed_token_file_is_one_line_that_never_shows_it(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "receiver-token"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(HarbourError, match=message) as raised:
        read_token(path)
    assert content is None or not content or content.decode("utf-8", "replace") not in str(raised.value)


# --- A queue that is not what the receiver writes --------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not JSON (Expecting property name enclosed in double quotes at line 1 column 2)"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"format": "harbour-comment-queue", "version": 1, "records": [], "records": []}', "appears twice"),
        (b'{"format": "harbour-comment-queue", "version": NaN, "records": []}', "NaN is not a JSON number"),
        (b"[]", "expected the queue (a JSON object)"),
        (b'{"format": "harbour-comments", "version": 1, "records": []}',
         "is not a harbour-comment-queue of version 1"),
        (b'{"format": "harbour-comment-queue", "version": true, "records": []}', "version true"),
        (b'{"format": "harbour-comment-queue", "version": 2, "records": []}', "version 2"),
        (b'{"format": "harbour-comment-queue", "version": 1, "records": {}}', "records: expected a list"),
        (b"[" * 100_000 + b"]" * 100_000, "not the queue's JSON"),
    ],
    ids=["broken", "utf16", "dup-key", "nan", "list", "format", "bool-version", "version", "records", "deep"],
)
def test_a_queue_broken_as_a_whole_changes_nothing(
    queue_server: QueueServer, local: CommentStores, body: bytes, message: str
) -> None:
    queue_server.body = body
    before = files(local)
    with pytest.raises(HarbourError, match=message.replace("(", r"\(").replace(")", r"\)")):
        fetch(local, queue_server)
    assert files(local) == before


def test_the_same_id_twice_in_the_queue_changes_nothing(
    queue_server: QueueServer, remote: CommentStores, local: CommentStores
) -> None:
    arrive(remote)
    (item,) = queue_of(remote)
    queue_server.serve_records([item, {**item, "body": "A second text under the same id"}])
    before = files(local)
    with pytest.raises(HarbourError, match=f"the id '{item['id']}' is in the queue twice"):
        fetch(local, queue_server)
    assert files(local) == before


BAD_RECORDS = [
    ({"id": "../../content/x"}, "id \"../../content/x\" is not a comment id"),
    ({"id": "abc123def456\n"}, "is not a comment id"),
    ({"id": 5}, "id 5 is not a comment id"),
    ({"surprise": 1}, "unknown field 'surprise'"),
    # Only the writer's own tools mark a comment as theirs: a receiver cannot give one the badge.
    ({"by_writer": True}, "unknown field 'by_writer'"),
    ({"format": "harbour-comment"}, "is not a harbour-comment-record of version 1"),
    ({"author": 5}, "author: expected text, got 5"),
    ({"email": ["x"]}, "email: expected text or null"),
    ({"flags": "spam"}, "flags: expected a list of texts"),
    ({"history": [{"at": {"x": 1}}]}, "history: expected a list of steps"),
    ({"status": "published"}, "status 'published' is not one of"),
    ({"source": "import"}, "source 'import' is not 'form'"),
    ({"post": "../secrets"}, "post '../secrets' is not a post slug"),
    ({"reply_to": "x"}, "reply_to 'x' is not a comment id"),
    ({"date": "yesterday"}, "date: 'yesterday' is not a date"),
    ({"received_at": "2024-04-03 09:12:00"}, "received_at: '2024-04-03 09:12:00' has no UTC offset"),
    ({"email": "a\x1b[2J@example.invalid"}, "email contains control characters"),
    ({"notes": ["fine", "bad\u2028line"]}, "notes[1] contains control characters"),
    ({"body": "x" * 5001}, "body is 5001 characters long"),
    ({"email": "not-an-address"}, "does not look like an e-mail address"),
    ({"ip": "localhost"}, "is not an IPv4 or IPv6 address"),
]


@pytest.mark.parametrize(("change", "message"), BAD_RECORDS, ids=[m[:30] for _, m in BAD_RECORDS])
def test_a_record_that_cannot_be_kept_is_skipped_with_one_line_and_the_others_kept(
    queue_server: QueueServer, remote: CommentStores, local: CommentStores, change: dict, message: str
) -> None:
    good = arrive(remote, "A good one")
    bad = arrive(remote, "A bad one")
    items = {i["id"]: i for i in queue_of(remote)}
    queue_server.serve_records([items[good], {**items[bad], **change}])

    fetched = fetch(local, queue_server)

    assert [r.id for r in fetched.new] == [good]
    where = f"{queue_server.base}/queue: records[1]"
    assert fetched.skipped and all(line.startswith(where) for line in fetched.skipped)
    assert any(message in line for line in fetched.skipped), fetched.skipped
    assert all("\n" not in line and "\x1b" not in line for line in fetched.skipped)
    assert local.private.ids() == [good]


# --- The task, as a writer runs it --------------------------------------------------------------


def invoke(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_the_task_fetches_then_says_how_many_and_what_to_run(
    queue_server: QueueServer, remote: CommentStores, local: CommentStores
) -> None:
    arrive(remote)
    arrive(remote, "I want to die, honestly", author="Zoë")
    queue_server.serve_records(queue_of(remote))
    where = ["--private", str(local.private.root), "--content", str(local.content_dir)]

    first = invoke("comments-fetch", "--from", queue_server.base, *where)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        f"Fetched 2 new comments from {queue_server.base}/queue.",
        "1 of them may be in crisis (!! in the queue): read those first.",
        "Run `python3 dev.py comments-queue` to read them.",
    ]
    queue = invoke("comments-queue", *where)
    assert "2 waiting" in queue.stdout and "!! possible-crisis" in queue.stdout

    second = invoke("comments-fetch", "--from", queue_server.base, *where)
    assert second.returncode == 0
    assert second.stdout.splitlines() == [
        f"Fetched 0 new comments from {queue_server.base}/queue (2 already here)."
    ]


def test_the_task_refuses_bad_arguments_and_skipped_records_in_one_line_each(
    queue_server: QueueServer, remote: CommentStores, local: CommentStores, tmp_path: Path
) -> None:
    where = ["--private", str(local.private.root), "--content", str(local.content_dir)]
    injected = invoke("comments-fetch", "--from", queue_server.base + "\r\nX-Evil: 1", *where)
    assert injected.returncode == 1 and "--from contains a carriage return" in injected.stderr
    missing = invoke(
        "comments-fetch", "--from", queue_server.base, "--token-file", str(tmp_path / "nope"), *where
    )
    assert missing.returncode == 1 and "no receiver token at" in missing.stderr

    arrive(remote)
    queue_server.serve_records([{**queue_of(remote)[0], "author": 5}])
    skipped = invoke("comments-fetch", "--from", queue_server.base, *where)
    assert skipped.returncode == 1
    assert skipped.stdout.splitlines()[0].startswith(f"Skipped: {queue_server.base}/queue: records[0]")
    assert "what is listed above could not be kept" in skipped.stderr
    for result in (injected, missing, skipped):
        assert "Traceback" not in result.stdout + result.stderr


def test_a_comment_sent_to_the_real_receiver_reaches_the_writers_queue_and_then_the_site(
    tmp_path: Path,
) -> None:
    """End to end, as the README tells a writer: the form's POST, comments-fetch, comments-queue, approve."""
    with running_receiver(tmp_path / "server") as receiver:
        calm = receiver.post(comment_fields(receiver.ripe_token(), body="Thank you, this helped.")).json()
        crisis = receiver.post(comment_fields(receiver.ripe_token(), author="Zoë",
                                              body="I want to die, honestly")).json()
        assert calm["ok"] and crisis["ok"], (calm, crisis)
        tiny_site(tmp_path / "desk")  # the writer's own copy of the site, with first-post
        writer = make_stores(tmp_path / "desk")
        writer.private.root.mkdir(parents=True)
        (writer.private.root / "receiver-token").write_text(receiver.app.fetch_token + "\n", encoding="utf-8")
        where = ["--private", str(writer.private.root), "--content", str(writer.content_dir)]
        receiver_address = f"http://127.0.0.1:{receiver.port}/comments"

        fetched = invoke("comments-fetch", "--from", receiver_address, *where)
        assert fetched.returncode == 0, fetched.stderr
        assert fetched.stdout.splitlines()[0] == f"Fetched 2 new comments from {receiver_address}/queue."

        queue = invoke("comments-queue", *where)
        assert queue.returncode == 0, queue.stderr
        assert queue.stdout.splitlines()[2].startswith(crisis["id"])  # the possible crisis first
        assert queue.stdout.splitlines()[3].startswith(calm["id"]) and "2 waiting" in queue.stdout

        approved = invoke("comments-approve", "--id", calm["id"], *where)
        assert approved.returncode == 0, approved.stderr
        assert public_comment_path(writer.public_dir, "first-post", calm["id"]).is_file()

        again = invoke("comments-fetch", "--from", receiver_address, *where)
        assert again.stdout.splitlines() == [
            f"Fetched 0 new comments from {receiver_address}/queue (2 already here)."
        ]
        assert writer.private.read(calm["id"]).status == "approved"  # the writer's decision stands


HOSTILE_AGENT = "Mozilla\x9b31m/5.0\x1b]0;owned\x07 (X11)\u2028"


def test_a_user_agent_is_cleaned_not_refused_since_the_commenter_never_chose_it() -> None:
    assert clean_user_agent(HOSTILE_AGENT, 400) == "Mozilla 31m/5.0 ]0;owned (X11)"
    assert clean_user_agent("  \x00 ", 400) is None and clean_user_agent(None, 400) is None
    assert clean_user_agent("a" * 500, 400) == "a" * 400


def test_a_control_character_in_a_stored_user_agent_does_not_keep_the_comment_from_the_writer(
    queue_server: QueueServer, remote: CommentStores, local: CommentStores
) -> None:
    # A receiver's store from before user agents were cleaned on arrival.
    comment_id = arrive(remote)
    (item,) = queue_of(remote)
    queue_server.serve_records([{**item, "user_agent": HOSTILE_AGENT}])

    fetched = fetch(local, queue_server)

    assert ([r.id for r in fetched.new], fetched.skipped) == ([comment_id], [])
    assert local.private.read(comment_id).user_agent == "Mozilla 31m/5.0 ]0;owned (X11)"


def test_a_browser_sending_a_c1_control_in_its_user_agent_still_reaches_the_writer(tmp_path: Path) -> None:
    """waitress refuses C0 controls in headers but passes bytes 0x80-0xFF, which WSGI reads as
    Latin-1: 0x9b arrives as U+009B, the 8-bit CSI that starts a terminal escape sequence."""
    from urllib.parse import urlencode

    with running_receiver(tmp_path / "server") as receiver:
        body = urlencode(comment_fields(receiver.ripe_token())).encode()
        head = (
            b"POST /comments HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\n"
            b"Origin: " + SITE_ORIGIN.encode() + b"\r\nUser-Agent: Evil\x9b2JAgent\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
        )
        assert raw_exchange(receiver.port, head, body).startswith(b"HTTP/1.1 200 ")
        (kept,) = receiver.records()
        assert kept.user_agent == "Evil 2JAgent"
        writer = make_stores(tmp_path / "desk")
        token_file = tmp_path / "desk" / "receiver-token"
        token_file.parent.mkdir(parents=True, exist_ok=True)
        token_file.write_text(receiver.app.fetch_token, encoding="utf-8")
        address = f"http://127.0.0.1:{receiver.port}/comments"
        fetched = fetch_comments(writer, TriageRules(), address, token_file)
        assert ([r.id for r in fetched.new], fetched.skipped) == ([kept.id], [])
