"""Hostile values in every field, header and query of the receiver, sent to the real server: each
gets the status it should, nothing is written for a refusal (what is accepted is kept exactly
once, as sent), nothing comes back unescaped, and the server keeps serving."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote, quote_from_bytes

import pytest

from comment_helpers import tags_in
from receiver_helpers import SITE_ORIGIN, RunningReceiver, comment_fields, raw_exchange, running_receiver

MAX_BYTES = 65536
HUGE = b"h" * (MAX_BYTES + 10)
HOSTILE: dict[str, bytes] = {
    "huge": HUGE,
    "long": b"l" * 6000,
    "binary": bytes(range(256)),
    "invalid-utf8": b"caf\xe9\xff\xfe\xc3\x28",
    "control": "a\x00b\x1bc\x7fd\u0085".encode(),
    "crlf": b"x\r\nSet-Cookie: evil=1\r\nX-Injected: 1",
    "script": "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>".encode(),
}
# What the JavaScript client is answered, per field and value (200: accepted, and kept as sent).
EXPECTED = {
    #                   huge long binary invalid control crlf script
    "post":            (413, 404, 400, 400, 404, 404, 404),
    "reply_to":        (413, 400, 400, 400, 400, 400, 400),
    "author":          (413, 400, 400, 400, 400, 400, 200),
    "email":           (413, 400, 400, 400, 400, 400, 400),
    "url":             (413, 400, 400, 400, 400, 400, 400),
    "body":            (413, 400, 400, 400, 400, 200, 200),
    "content_warning": (413, 400, 400, 400, 400, 400, 400),
    "token":           (413, 400, 400, 400, 400, 400, 400),
    "subject":         (413, 403, 400, 400, 403, 403, 403),
}
CASES = [(field, name) for field in EXPECTED for name in HOSTILE]
# Markup or headers a hostile value would bring if it came back raw.
RAW_MARKS = re.compile(rb"<script|<img|onerror=|set-cookie|x-injected", re.I)


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningReceiver]:
    root = tmp_path_factory.mktemp("fuzz")
    with running_receiver(root, rate_limit=10000, max_request_bytes=MAX_BYTES) as running:
        yield running


def form_body(token: str, field: str, value: bytes) -> bytes:
    fields = {k: v for k, v in comment_fields(token).items() if k != field}
    encoded = "&".join(f"{k}={quote(v)}" for k, v in fields.items())
    return f"{encoded}&{field}=".encode() + quote_from_bytes(value).encode()


def assert_nothing_raw(reply) -> None:  # type: ignore[no-untyped-def]
    headers = "\n".join(f"{k}: {v}" for k, v in reply.headers.items()).encode("latin-1")
    assert not RAW_MARKS.search(headers), headers
    assert b"evil" not in headers
    if reply.headers.get_content_type() == "application/json":
        assert b"<" not in reply.body and b">" not in reply.body
        return
    body = reply.body.decode("utf-8")
    # Only the receiver's own markup: no script, image or event handler, whatever was sent.
    assert not [t for t, _ in tags_in(body) if t in ("script", "img", "iframe", "svg", "object")]
    assert not [a for _, attrs in tags_in(body) for a in attrs if a.startswith("on")]
    assert "<script>alert(1)</script>" not in body


@pytest.mark.parametrize("field, name", CASES)
def test_a_hostile_value_in_a_field(receiver: RunningReceiver, field: str, name: str) -> None:
    value = HOSTILE[name]
    expected = EXPECTED[field][list(HOSTILE).index(name)]
    for as_json in (True, False):
        token = receiver.ripe_token()
        before, known = receiver.store_files(), {r.id for r in receiver.records()}
        reply = receiver.post(form_body(token, field, value), as_json=as_json)
        wanted = expected
        if not as_json and field == "token" and name not in ("huge", "binary", "invalid-utf8"):
            wanted = 200  # without JavaScript a bad token leads to the check page, which writes nothing
        assert reply.status == wanted, (field, name, as_json, reply.body[:300])
        assert_nothing_raw(reply)
        if expected == 200:
            kept = [r for r in receiver.records() if r.id not in known]
            assert len(kept) == 1, "accepted exactly once"
            stored = kept[0].comment.author if field == "author" else kept[0].comment.body
            assert stored == value.decode().replace("\r\n", "\n").strip()
        else:
            assert receiver.store_files() == before, (field, name, as_json)
    assert receiver.still_serving()


@pytest.mark.parametrize("query", [
    "post=" + quote("<script>alert(1)</script>") + "&to=x",
    "post=first-post&to=" + quote("\"><img src=x onerror=alert(1)>"),
    "post=%FF%FE&to=%00",
    "post=" + "a" * 10000,
    "post=first-post&to=0a1b2c3d4e5f%0D%0ASet-Cookie:%20evil=1",
])
def test_hostile_reply_page_queries(receiver: RunningReceiver, query: str) -> None:
    reply = receiver.request("GET", "/comments/reply?" + query)
    assert reply.status == 404
    assert_nothing_raw(reply)


@pytest.mark.parametrize("header, value, status", [
    ("Origin", "https://site.example\u00e9", 403),
    ("Origin", "javascript:alert(1)", 403),
    ("Referer", "https://evil.example/<script>alert(1)</script>", 403),
    ("Accept", "application/json" + "x" * 5000, 200),
    ("User-Agent", "<script>alert(1)</script>" + "u" * 5000, 200),
    ("X-Forwarded-For", "<script>alert(1)</script>, 1.2.3.4", 200),
])
def test_hostile_headers(receiver: RunningReceiver, header: str, value: str, status: int) -> None:
    token = receiver.ripe_token()
    before = len(receiver.records())
    reply = receiver.post(comment_fields(token, body=f"Header {header} {status}"),
                          origin=None if header in ("Origin", "Referer") else SITE_ORIGIN,
                          headers={header: value.encode("utf-8").decode("latin-1")})
    assert reply.status == status, reply.body[:300]
    assert_nothing_raw(reply)
    records = receiver.records()
    assert len(records) == before + (1 if status == 200 else 0)
    for record in records:
        assert record.ip == "127.0.0.1", "an untrusted X-Forwarded-For is ignored"
        assert record.user_agent is None or len(record.user_agent) <= 400


@pytest.mark.parametrize("head", [
    b"POST /comments HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: 99999999999999999999\r\n\r\n",
    b"POST /comments HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n\r\n",
    b"POST /comments HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: " + SITE_ORIGIN.encode()
    + b"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5\r\n"
    b"Content-Length: 6\r\n\r\npost=",
    b"GET /comments/queue HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \xff\xfe\r\n"
    b"Connection: close\r\n\r\n",
    b"\x00\xff garbage \r\n\r\n",
])
def test_malformed_requests_do_not_stop_the_server(receiver: RunningReceiver, head: bytes) -> None:
    before = receiver.store_files()
    answer = raw_exchange(receiver.port, head)
    assert re.match(rb"HTTP/1\.[01] (400|401|411|413|415) ", answer), answer[:200]
    assert receiver.store_files() == before
    assert receiver.still_serving()
