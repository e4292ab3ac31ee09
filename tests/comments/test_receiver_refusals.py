"""Every refusal of the receiver, from the real server: the right status, a clear answer as JSON
or as a page, and nothing written to either store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from comment_helpers import tags_in
from receiver_helpers import (
    MIN_FILL,
    PARENT_ID,
    SITE_ORIGIN,
    RunningReceiver,
    comment_fields,
    raw_exchange,
    running_receiver,
    write_manifest,
)

MAX_BYTES = 8192


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningReceiver]:
    with running_receiver(tmp_path_factory.mktemp("refusals"), rate_limit=1000, max_request_bytes=MAX_BYTES,
                          lock_timeout=0.3) as running:
        yield running


@pytest.fixture
def unchanged(receiver: RunningReceiver) -> Iterator[None]:
    """The test's requests must leave both stores exactly as they were."""
    before = receiver.store_files()
    yield
    assert receiver.store_files() == before, "a refused request wrote something"
    assert receiver.still_serving()


def refused(reply, status: int, *fields: str) -> dict:  # type: ignore[no-untyped-def]
    assert reply.status == status, reply.body
    data = reply.json()
    assert data["ok"] is False and data["message"]
    assert set(data["errors"]) == set(fields)
    return data


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "https://site.example.evil.example"},
    {"Referer": "https://evil.example/posts/x/"},
])
def test_a_foreign_page_may_not_post(
    receiver: RunningReceiver, unchanged: None, headers: dict[str, str]
) -> None:
    token = receiver.ripe_token()
    for as_json in (True, False):
        reply = receiver.post(comment_fields(token), origin=None, headers=headers, as_json=as_json)
        assert reply.status == 403
        assert "Access-Control-Allow-Origin" not in reply.headers
    assert "only be sent from the pages of this site" in reply.text


def test_the_referer_stands_for_a_missing_origin(receiver: RunningReceiver) -> None:
    token = receiver.ripe_token()
    reply = receiver.post(comment_fields(token, body="Via referer."), origin=None,
                          headers={"Referer": SITE_ORIGIN + "/posts/2024/04/first-post/"})
    assert reply.status == 200, reply.body


def test_the_honeypot_refuses(receiver: RunningReceiver, unchanged: None) -> None:
    token = receiver.ripe_token()
    refused(receiver.post(comment_fields(token, subject="ACME Ltd")), 403, "subject")
    page = receiver.post(comment_fields(token, subject="ACME Ltd", body="Kept for you."), as_json=False)
    assert page.status == 403
    values = {a.get("name"): a.get("value") for tag, a in tags_in(page.text) if tag == "input"}
    assert values["subject"] == "" and values["author"] == "Mina"
    assert "Kept for you.</textarea>" in page.text, "the reader's words come back to them"
    assert "Leave this empty" in page.text


@pytest.mark.parametrize("age, token_text", [
    (MIN_FILL - 1, None),
    (24 * 3600 + 1, None),
    (MIN_FILL, "forged"),
    (MIN_FILL, ""),
])
def test_a_bad_token_is_refused_to_javascript_and_checked_again_without_it(
    receiver: RunningReceiver, unchanged: None, age: int, token_text: str | None
) -> None:
    token = receiver.token()
    receiver.clock.advance(age)
    if token_text == "forged":
        token = token[:-1] + ("0" if token[-1] != "0" else "1")
    elif token_text == "":
        token = ""
    refused(receiver.post(comment_fields(token)), 400, "token")
    page = receiver.post(comment_fields(token), as_json=False)
    assert page.status == 200 and "<h1>Check your comment</h1>" in page.text


def test_tokens_of_another_receiver_are_forged(tmp_path: Path, receiver: RunningReceiver) -> None:
    with running_receiver(tmp_path) as other:
        token = other.ripe_token()
    receiver.clock.advance(MIN_FILL)
    before = receiver.store_files()
    refused(receiver.post(comment_fields(token)), 400, "token")
    assert receiver.store_files() == before


def test_one_client_is_rate_limited_and_the_others_are_not(tmp_path: Path) -> None:
    with running_receiver(tmp_path, rate_limit=2, rate_window_seconds=600) as receiver:
        flooder, other = "127.0.3.1", "127.0.3.2"

        def send(body: str, source: str = flooder, **options: bool) -> Any:
            return receiver.post(comment_fields(receiver.ripe_token(), body=body), source=source, **options)

        for n in range(2):
            assert send(f"Number {n}").status == 200
        before = receiver.store_files()
        reply = send("One too many")
        refused(reply, 429)
        assert 1 <= int(reply.headers["Retry-After"]) <= 600
        page = send("Kept.", as_json=False)
        assert page.status == 429 and "Kept.</textarea>" in page.text and page.headers["Retry-After"]
        assert receiver.store_files() == before
        assert send("Someone else", source=other).status == 200
        receiver.clock.advance(600)
        assert send("Later").status == 200


def test_behind_a_trusted_proxy_the_forwarded_client_is_limited(tmp_path: Path) -> None:
    with running_receiver(tmp_path, rate_limit=1, trusted_proxies=["127.0.4.1"]) as receiver:
        def send(forwarded: str, source: str = "127.0.4.1") -> int:
            return receiver.post(comment_fields(receiver.ripe_token(), body=f"From {forwarded} {source}"),
                                 source=source, headers={"X-Forwarded-For": forwarded}).status

        assert send("203.0.113.5, 10.9.9.9") == 200  # 10.9.9.9 is the client (the last hop not trusted)
        assert send("10.9.9.9") == 429
        assert send("203.0.113.5") == 200
        assert send("10.9.9.9", source="127.0.4.2") == 200, "an untrusted peer's header is ignored"
        assert sorted(r.ip for r in receiver.records()) == sorted(["10.9.9.9", "203.0.113.5", "127.0.4.2"])


def test_a_body_over_the_cap_is_refused_unread(receiver: RunningReceiver, unchanged: None) -> None:
    body = b"body=" + b"x" * MAX_BYTES
    reply = receiver.post(body)
    refused(reply, 413, "body")
    page = receiver.post(body, as_json=False)
    assert page.status == 413 and "kB" in page.text


def test_a_ten_megabyte_body_is_refused_before_it_is_sent(receiver: RunningReceiver, unchanged: None) -> None:
    length = 10 * 1024 * 1024
    head = (
        "POST /comments HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {}\r\nAccept: application/json\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n"
    ).format(SITE_ORIGIN, length).encode("ascii")
    answer = raw_exchange(receiver.port, head, b"body=" + b"x" * 1000)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]


def test_a_chunked_flood_is_cut_off(receiver: RunningReceiver, unchanged: None) -> None:
    head = (
        "POST /comments HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).format(SITE_ORIGIN).encode("ascii")
    chunk = b"%x\r\n%s\r\n" % (4096, b"x" * 4096)
    answer = raw_exchange(receiver.port, head, chunk * 4)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]


def test_a_post_without_a_length_is_refused(receiver: RunningReceiver, unchanged: None) -> None:
    head = (
        "POST /comments HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {}\r\nAccept: application/json\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\n"
    ).format(SITE_ORIGIN).encode("ascii")
    answer = raw_exchange(receiver.port, head)
    assert answer.startswith(b"HTTP/1.1 411 Length Required\r\n"), answer[:300]
    assert b'"ok": false' in answer


@pytest.mark.parametrize("content_type", [
    "application/json", "multipart/form-data; boundary=x", "text/plain",
    "application/x-www-form-urlencoded; charset=latin-1",
])
def test_anything_but_a_utf8_form_is_refused(
    receiver: RunningReceiver, unchanged: None, content_type: str
) -> None:
    token = receiver.ripe_token()
    body = json.dumps(comment_fields(token)).encode() if "json" in content_type else b"author=x"
    refused(receiver.post(body, headers={"Content-Type": content_type}), 415)


def test_a_form_with_utf8_in_any_case_is_read(receiver: RunningReceiver) -> None:
    token = receiver.ripe_token()
    reply = receiver.post(comment_fields(token, body="Charset spelled oddly."),
                          headers={"Content-Type": "application/x-www-form-urlencoded; Charset=\"UTF-8\""})
    assert reply.status == 200, reply.body


@pytest.mark.parametrize("field", ["author", "body", "email", "post", "content_warning"])
def test_bytes_that_are_not_utf8_are_refused_naming_the_field(
    receiver: RunningReceiver, unchanged: None, field: str
) -> None:
    token = receiver.ripe_token()
    fields = comment_fields(token)
    del fields[field]
    body = (f"{'&'.join(f'{k}={v}' for k, v in fields.items())}&{field}=caf%E9%FF").encode("ascii")
    data = refused(receiver.post(body), 400, field)
    assert "UTF-8" in data["message"]
    page = receiver.post(body, as_json=False)
    assert page.status == 400 and "UTF-8" in page.text


def test_a_field_sent_twice_is_refused(receiver: RunningReceiver, unchanged: None) -> None:
    token = receiver.ripe_token()
    body = f"post=first-post&author=A&author=B&body=Hi&token={token}".encode()
    refused(receiver.post(body), 400, "author")


@pytest.mark.parametrize("changes, field", [
    ({"author": ""}, "author"),
    ({"author": "   "}, "author"),
    ({"author": "x" * 81}, "author"),
    ({"body": ""}, "body"),
    ({"body": "y" * 5001}, "body"),
    ({"body": "> " * 120 + "deep"}, "body"),
    ({"email": "not an address"}, "email"),
    ({"url": "javascript:alert(1)"}, "url"),
    ({"url": "ftp://example.org/"}, "url"),
    ({"url": "https://bank.example@evil.example/"}, "url"),
    ({"reply_to": "ffffffffffff"}, "reply_to"),
    ({"reply_to": "../../etc"}, "reply_to"),
    ({"content_warning": "not-a-tag"}, "content_warning"),
    ({"content_warning": "grief, self-harm"}, "content_warning"),
])
def test_a_wrong_field_is_refused_beside_it(
    receiver: RunningReceiver, unchanged: None, changes: dict[str, str], field: str
) -> None:
    token = receiver.ripe_token()
    refused(receiver.post(comment_fields(token, **changes)), 400, field)
    page = receiver.post(comment_fields(token, **changes), as_json=False)
    assert page.status == 400
    described = [a for tag, a in tags_in(page.text) if a.get("id") == f"f-{field}"]
    if described:  # hidden fields (reply_to) are named in the summary instead
        assert described[0]["aria-invalid"] == "true"
        assert f"f-{field}-error" in described[0]["aria-describedby"]
    assert 'role="alert"' in page.text


@pytest.mark.parametrize("sent, kept", [
    ("self-harm", "self-harm"),
    # The site's form leaves the value out of an option whose label names its topic, so the
    # browser sends the label (comments.render.form.WarningChoice).
    ("Self-harm", "self-harm"),
    ("Suicidal thoughts", "suicidal-thoughts"),
])
def test_a_valid_content_warning_is_kept(receiver: RunningReceiver, sent: str, kept: str) -> None:
    token = receiver.ripe_token()
    reply = receiver.post(comment_fields(token, content_warning=sent, body="About a hard week."))
    assert reply.status == 200
    assert receiver.stores.private.read(reply.json()["id"]).comment.content_warnings == (kept,)


def test_a_content_warning_sent_by_its_label_stays_chosen_when_the_form_comes_back(
    receiver: RunningReceiver, unchanged: None
) -> None:
    token = receiver.ripe_token()
    page = receiver.post(comment_fields(token, content_warning="Suicidal thoughts", body=""), as_json=False)
    assert page.status == 400
    chosen = [a.get("value") for tag, a in tags_in(page.text) if tag == "option" and "selected" in a]
    assert chosen == ["suicidal-thoughts"]


def test_a_closed_post_refuses_and_keeps_the_text(receiver: RunningReceiver, unchanged: None) -> None:
    token = receiver.ripe_token()
    refused(receiver.post(comment_fields(token, post="closed-post")), 403)
    page = receiver.post(comment_fields(token, post="closed-post", body="My <words>"), as_json=False)
    assert page.status == 403 and "closed" in page.text
    assert "My &lt;words&gt;</textarea>" in page.text


def test_an_unknown_post_is_404(receiver: RunningReceiver, unchanged: None) -> None:
    token = receiver.ripe_token()
    refused(receiver.post(comment_fields(token, post="no-such-post")), 404)
    assert receiver.post(comment_fields(token, post="no-such-post"), as_json=False).status == 404


def test_the_email_is_required_where_the_writer_asks_for_it(tmp_path: Path) -> None:
    with running_receiver(tmp_path, require_email=True) as receiver:
        token = receiver.ripe_token()
        refused(receiver.post(comment_fields(token, email="")), 400, "email")
        page = receiver.request("GET", "/comments/reply?post=first-post").text
        email = [a for tag, a in tags_in(page) if a.get("name") == "email"][0]
        assert "required" in email
        assert receiver.records() == []


def test_a_busy_store_is_503_and_nothing_is_lost(receiver: RunningReceiver, unchanged: None) -> None:
    token = receiver.ripe_token()
    lock = FileLock(receiver.stores.private.lock_path)
    with lock:
        reply = receiver.post(comment_fields(token, body="While busy."))
        page = receiver.post(comment_fields(token, body="While busy."), as_json=False)
    refused(reply, 503)
    assert page.status == 503 and "While busy.</textarea>" in page.text


def test_a_missing_manifest_is_503(tmp_path: Path) -> None:
    with running_receiver(tmp_path, manifest=False) as receiver:
        token = receiver.ripe_token()
        refused(receiver.post(comment_fields(token)), 503)
        assert receiver.request("GET", "/comments/reply?post=first-post").status == 503
        write_manifest(receiver.output)
        assert receiver.post(comment_fields(token)).status == 200, "read as soon as the build writes it"


def test_a_reply_to_a_comment_not_approved_on_the_site_is_refused(
    receiver: RunningReceiver, unchanged: None
) -> None:
    token = receiver.ripe_token()
    refused(receiver.post(comment_fields(token, post="second-post", reply_to=PARENT_ID)), 400, "reply_to")
