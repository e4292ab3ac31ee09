"""The receiver's routes answered by the real server (waitress on loopback) to a real HTTP client:
tokens, accepted comments (JSON and HTML), exactly once, the no-JavaScript flow, CORS, the reply
page and the queue."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest

from comment_helpers import tags_in
from comments.desk.arrival import receive_comment
from comments.desk.triage import CRISIS, TriageRules
from test_comments_notify import SmtpServer, smtp_server  # noqa: F401  (a fixture)
from receiver_helpers import (
    MIN_FILL,
    OTHER_POST_COMMENT,
    PARENT_ID,
    SITE_ORIGIN,
    WARNED_PARENT,
    RunningReceiver,
    comment_fields,
    running_receiver,
)


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningReceiver]:
    # A generous rate limit: these tests are about routes, not rates (test_receiver_refusals).
    with running_receiver(tmp_path_factory.mktemp("receiver"), rate_limit=1000) as running:
        yield running


def hidden_inputs(page: str) -> dict[str, str]:
    return {
        a["name"]: a.get("value", "")
        for tag, a in tags_in(page) if tag == "input" and a.get("type") == "hidden"
    }


def test_healthz_says_ok(receiver: RunningReceiver) -> None:
    reply = receiver.request("GET", "/healthz")
    assert (reply.status, reply.body) == (200, b"ok\n")


def test_token_route_gives_a_signed_token_and_the_fill_time(receiver: RunningReceiver) -> None:
    reply = receiver.request("GET", "/comments/token", headers={"Origin": SITE_ORIGIN})
    data = reply.json()
    assert reply.status == 200
    assert data["min_fill_seconds"] == MIN_FILL
    assert re.fullmatch(r"[0-9]+\.[0-9a-f]{16}\.[0-9a-f]{64}", data["token"])
    assert data["token"] != receiver.token(), "every token is new"
    assert reply.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_an_unknown_address_is_404(receiver: RunningReceiver, accept: str) -> None:
    reply = receiver.request("GET", "/comments/nothing", headers={"Accept": accept})
    assert reply.status == 404
    if accept == "application/json":
        assert reply.json()["ok"] is False
    else:
        assert reply.headers.get_content_type() == "text/html" and "<h1>" in reply.text


def test_a_wrong_method_is_405_naming_the_allowed_ones(receiver: RunningReceiver) -> None:
    reply = receiver.request("GET", "/comments", headers={"Accept": "application/json"})
    assert reply.status == 405
    assert reply.headers["Allow"] == "POST, OPTIONS"
    assert receiver.request("DELETE", "/comments/queue").status == 405


def test_a_comment_sent_by_javascript_is_received_with_what_receive_comment_keeps(
    receiver: RunningReceiver,
) -> None:
    source = "127.0.0.21"
    token = receiver.ripe_token(source=source)
    reply = receiver.post(
        comment_fields(token, author="  Mina  ", body="Thank you.\r\nIt helped.", url="https://mina.example/",
                       content_warning="grief"),
        source=source, headers={"User-Agent": "Test browser/1.0"},
    )
    data = reply.json()
    assert reply.status == 200
    assert data == {
        "ok": True, "id": data["id"], "status": "waiting",
        "message": "Thank you. Your comment waits for the writer to read it; it appears once approved.",
    }
    record = receiver.stores.private.read(data["id"])
    assert (record.status, record.source, record.ip) == ("pending", "form", source)
    assert record.user_agent == "Test browser/1.0"
    assert (record.comment.author, record.comment.body) == ("Mina", "Thank you.\nIt helped.")
    assert (record.email, record.comment.author_url) == ("mina@example.org", "https://mina.example/")
    assert record.comment.content_warnings == ("grief",)
    assert reply.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert not (receiver.stores.public_dir / "first-post").exists(), "nothing is published on arrival"


def test_a_comment_sent_without_javascript_thanks_and_links_back_to_the_post(
    receiver: RunningReceiver,
) -> None:
    token = receiver.ripe_token()
    reply = receiver.post(comment_fields(token, body="Sent from a plain form."), as_json=False)
    assert reply.status == 200
    assert reply.headers.get_content_type() == "text/html"
    assert "<h1>Thank you</h1>" in reply.text
    assert "waits for the writer to read it" in reply.text
    links = [a["href"] for tag, a in tags_in(reply.text) if tag == "a"]
    assert links[0] == "https://www.bbc.co.uk/weather", "the quick exit comes first"
    assert f"{SITE_ORIGIN}/support/" in links
    assert f"{SITE_ORIGIN}/posts/2024/04/first-post/" in links
    assert "First &lt;post&gt; &amp; more" in reply.text, "the post's title is escaped"
    assert any(r.comment.body == "Sent from a plain form." for r in receiver.records())


def test_the_same_form_sent_twice_makes_one_comment(receiver: RunningReceiver) -> None:
    token = receiver.ripe_token()
    fields = comment_fields(token, body="Double-clicked.")
    first, second = receiver.post(fields), receiver.post(fields)
    html = receiver.post(fields, as_json=False)
    assert first.status == second.status == html.status == 200
    assert first.json()["id"] == second.json()["id"]
    assert [r.comment.body for r in receiver.records()].count("Double-clicked.") == 1
    receipts = [e for e in receiver.stores.private.audit_entries() if e["id"] == first.json()["id"]]
    assert len(receipts) == 1


def test_a_used_token_cannot_send_another_comment(receiver: RunningReceiver) -> None:
    token = receiver.ripe_token()
    assert receiver.post(comment_fields(token, body="The first one.")).status == 200
    before = receiver.store_files()
    reply = receiver.post(comment_fields(token, body="A different one."))
    assert reply.status == 400
    assert set(reply.json()["errors"]) == {"token"}
    page = receiver.post(comment_fields(token, body="A different one."), as_json=False)
    assert page.status == 200 and "<h1>Check your comment</h1>" in page.text
    assert hidden_inputs(page.text)["token"] != token, "the check page brings a fresh token"
    assert receiver.store_files() == before


def test_without_javascript_a_post_goes_through_the_check_page(receiver: RunningReceiver) -> None:
    """The site's page sends Origin: null (its referrer policy) and no token: the receiver shows
    the comment as it will look, with a fresh token; sending that page sends the comment."""
    before = receiver.store_files()
    fields = comment_fields("", author="Ana <i>", body="Plain *form*, no script.")
    check = receiver.post(fields, as_json=False, origin="null")
    assert check.status == 200
    assert "<h1>Check your comment</h1>" in check.text
    assert "<em>form</em>" in check.text, "the preview is the sanitised Markdown"
    assert "Ana &lt;i&gt;" in check.text and "Ana <i>" not in check.text
    assert receiver.store_files() == before, "the check page writes nothing"
    sent = {**fields, **hidden_inputs(check.text)}
    assert sent["token"]
    receiver.clock.advance(MIN_FILL)
    own_origin = f"http://127.0.0.1:{receiver.port}"
    reply = receiver.post(sent, as_json=False, origin=own_origin)
    assert reply.status == 200 and "<h1>Thank you</h1>" in reply.text
    assert any(r.comment.author == "Ana <i>" for r in receiver.records())


def test_a_post_from_an_unknown_origin_never_writes_even_with_a_good_token(receiver: RunningReceiver) -> None:
    token = receiver.ripe_token()
    before = receiver.store_files()
    for origin in ("null", None):
        page = receiver.post(comment_fields(token, body="From nowhere."), as_json=False, origin=origin)
        assert page.status == 200 and "<h1>Check your comment</h1>" in page.text
        refused = receiver.post(comment_fields(token, body="From nowhere."), origin=origin)
        assert refused.status == 403, "JavaScript always sends its origin"
    assert receiver.store_files() == before


def test_cors_answers_only_the_sites_origins(receiver: RunningReceiver) -> None:
    allowed = receiver.request("GET", "/comments/token", headers={"Origin": SITE_ORIGIN})
    other = receiver.request("GET", "/comments/token", headers={"Origin": "https://evil.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert "Access-Control-Allow-Origin" not in other.headers
    assert allowed.headers["Vary"] == other.headers["Vary"] == "Origin"
    preflight = receiver.request("OPTIONS", "/comments", headers={
        "Origin": SITE_ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    refused = receiver.request("OPTIONS", "/comments", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert refused.status == 403 and "Access-Control-Allow-Origin" not in refused.headers


def test_the_reply_page_quotes_the_parent_as_the_site_shows_it(receiver: RunningReceiver) -> None:
    reply = receiver.request("GET", f"/comments/reply?post=first-post&to={PARENT_ID}")
    page = reply.text
    assert reply.status == 200
    assert "<h1>Reply to Mina &lt;b&gt;</h1>" in page
    assert "<em>this</em>" in page and "<script" not in page.lower()
    inputs = hidden_inputs(page)
    assert (inputs["post"], inputs["reply_to"]) == ("first-post", PARENT_ID)
    assert inputs["token"]
    assert page.count("<h1") == 1 and '<html lang="en">' in page
    labelled = {a["for"] for tag, a in tags_in(page) if tag == "label"}
    fields = {
        a["id"] for tag, a in tags_in(page)
        if tag in ("input", "textarea", "select") and a.get("type") != "hidden"
    }
    assert fields <= labelled, "every field has a label"
    assert not [a for tag, a in tags_in(page) if tag in ("link", "script", "img", "iframe")], "self-contained"


def test_the_reply_page_never_shows_a_withheld_comment(receiver: RunningReceiver) -> None:
    page = receiver.request("GET", f"/comments/reply?post=first-post&to={WARNED_PARENT}").text
    assert "self-harm" in page and "not shown here" in page
    assert "<blockquote>" not in page


@pytest.mark.parametrize("query, status", [
    (f"post=second-post&to={PARENT_ID}", 404),
    ("post=no-such-post&to=", 404),
    ("post=closed-post", 403),
    ("post=first-post", 200),
])
def test_the_reply_page_checks_the_post_and_the_parent(
    receiver: RunningReceiver, query: str, status: int
) -> None:
    assert receiver.request("GET", f"/comments/reply?{query}").status == status


def test_a_reply_to_a_comment_only_the_live_site_holds_is_received(receiver: RunningReceiver) -> None:
    """A receiver beside the static host has no copy of the approved comments: the manifest vouches."""
    assert not receiver.stores.private.exists(PARENT_ID)
    token = receiver.ripe_token()
    reply = receiver.post(comment_fields(token, reply_to=PARENT_ID, body="Same here."))
    assert reply.status == 200, reply.body
    assert receiver.stores.private.read(reply.json()["id"]).comment.reply_to == PARENT_ID


def test_the_queue_needs_the_fetch_token(receiver: RunningReceiver) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"},
                    {"Authorization": "Bearer " + receiver.app.fetch_token + "x"}):
        reply = receiver.request("GET", "/comments/queue", headers=headers)
        assert (reply.status, reply.body) == (401, b"unauthorized\n")


def test_the_queue_holds_every_form_comment_and_nothing_else(receiver: RunningReceiver) -> None:
    token = receiver.ripe_token()
    sent = receiver.post(comment_fields(token, body="For the queue.")).json()["id"]
    imported = receive_comment(
        receiver.stores, TriageRules(), post="first-post", author="Old", body="Imported.", source="wxr"
    ).record.id
    auth = {"Authorization": "Bearer " + receiver.app.fetch_token}
    queue = receiver.request("GET", "/comments/queue", headers=auth).json()
    assert (queue["format"], queue["version"]) == ("harbour-comment-queue", 1)
    ids = [r["id"] for r in queue["records"]]
    assert sent in ids and imported not in ids
    assert all(r["source"] == "form" for r in queue["records"])
    assert len(ids) == len(set(ids)) == len([r for r in receiver.records() if r.source == "form"])
    record = next(r for r in queue["records"] if r["id"] == sent)
    assert record == receiver.stores.private.read(sent).to_json()
    later = receiver.request("GET", "/comments/queue?since=9000-01-01T00:00:00%2B00:00", headers=auth).json()
    assert later["records"] == []
    bad = receiver.request("GET", "/comments/queue?since=yesterday", headers=auth)
    assert bad.status == 400


def test_a_possible_crisis_is_thanked_with_the_support_link(receiver: RunningReceiver) -> None:
    token = receiver.ripe_token()
    reply = receiver.post(comment_fields(token, body="I want to die tonight."), as_json=False)
    assert reply.status == 200
    crisis = [r for r in receiver.records() if r.comment.body == "I want to die tonight."]
    assert len(crisis) == 1 and CRISIS in crisis[0].flags
    assert "lists people you can talk to today" in reply.text
    assert unescape(reply.text).count(f"{SITE_ORIGIN}/support/") == 2


def test_a_returning_commenter_is_published_at_once_where_the_writer_allows_it(tmp_path: Path) -> None:
    with running_receiver(tmp_path, moderation="auto-approve-returning") as receiver:
        receive_comment(
            receiver.stores, TriageRules(), post="first-post", author="Mina", email="mina@example.org",
            body="An earlier comment.", status="approved", source="form",
        )
        token = receiver.ripe_token()
        reply = receiver.post(comment_fields(token, body="Back again."))
        assert reply.status == 200
        assert reply.json()["status"] == "published"
        assert "appears on the post once the site is next published" in reply.json()["message"]


def test_other_posts_comments_are_not_replies_here(receiver: RunningReceiver) -> None:
    token = receiver.ripe_token()
    before = receiver.store_files()
    reply = receiver.post(comment_fields(token, reply_to=OTHER_POST_COMMENT))
    assert reply.status == 400 and set(reply.json()["errors"]) == {"reply_to"}
    assert receiver.store_files() == before


def test_the_writer_is_mailed_once_about_a_new_comment(tmp_path: Path, smtp_server: SmtpServer) -> None:
    notify = {"host": "127.0.0.1", "port": smtp_server.port, "starttls": False, "from": "blog@example.org",
              "to": "writer@example.org", "timeout": 10}
    with running_receiver(tmp_path, notify=notify) as receiver:
        fields = comment_fields(receiver.ripe_token(), body="Mail the writer.")
        first, again = receiver.post(fields), receiver.post(fields)
        assert first.status == again.status == 200
        deadline = time.monotonic() + 20
        while not smtp_server.messages and time.monotonic() < deadline:
            time.sleep(0.05)  # bounded: the mail goes in a thread of its own
        receiver.post(comment_fields(receiver.ripe_token(), body="Spam words.", subject="x"))  # refused
    assert len(smtp_server.messages) == 1, "a retried send is not mailed again"
    mail = smtp_server.messages[0].decode("utf-8", "replace")
    assert "Mail the writer." in mail
    assert "mina@example.org" not in mail, "the commenter's e-mail never goes in the mail"


def test_a_hidden_post_named_only_by_its_hash_in_the_manifest_takes_comments(tmp_path: Path) -> None:
    from comments.model import MANIFEST_FORMAT, MANIFEST_VERSION, unlisted_key
    from comments.receiver.manifest import parse_manifest

    manifest = parse_manifest(json.dumps({
        "format": MANIFEST_FORMAT, "version": MANIFEST_VERSION, "site": "",
        "posts": {},
        "unlisted": {unlisted_key("a-hidden-post"): {"open": True, "approved": ["aaa111aaa111"]}},
    }).encode(), "open.json")
    post = manifest.post("a-hidden-post")
    assert post is not None and post.slug == "a-hidden-post" and post.approved == {"aaa111aaa111"}
    assert (post.title, post.url) == ("", "")  # the pages say "the post"
    assert manifest.post("another-post") is None
