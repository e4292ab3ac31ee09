"""Running the receiver: `invoke comments-receive` (waitress), where it may listen, its keys, reading
the site's manifest from a folder or an address, the daily erase, and the gunicorn factory."""

from __future__ import annotations

import json
import os
import queue
import signal
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from comment_helpers import make_stores, post_text
from comments.desk.arrival import receive_comment
from comments.desk.triage import TriageRules
from comments.receiver import Receiver, make_app
from comments.receiver.keys import FETCH_TOKEN_FILE, SECRET_FILE, receiver_keys
from comments.receiver.manifest import SiteAddress, SiteFolder, SiteUnavailable, parse_manifest, site_files
from comments.receiver.serve import ReceiverServer, check_bind_host, gunicorn_app, receiver_from_settings
from conftest import DEV_SETTINGS, ROOT, write_site
from harbour.errors import HarbourError
from harbour.serve import site_server
from receiver_helpers import (
    DEFAULT_POSTS,
    START,
    FakeClock,
    comment_fields,
    manifest_entry,
    receiver_settings,
    running_receiver,
    write_manifest,
)

DAY = 24 * 60 * 60
STARTUP_SECONDS = 60


# --- Where it may listen ----------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.9.9.9", "::1", "[::1]", "localhost"])
def test_loopback_addresses_need_no_permission(host: str) -> None:
    check_bind_host(host, public=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "example.org"])
def test_other_addresses_need_public(host: str) -> None:
    with pytest.raises(HarbourError, match="--public"):
        check_bind_host(host, public=False)
    check_bind_host(host, public=True)


# --- Keys ---------------------------------------------------------------------------------


def test_the_keys_are_made_once_readable_by_their_owner_only(tmp_path: Path) -> None:
    store = make_stores(tmp_path).private
    first = receiver_keys(store)
    assert first.fetch_token_created
    for name in (SECRET_FILE, FETCH_TOKEN_FILE):
        assert stat.S_IMODE((store.root / name).stat().st_mode) == 0o600
    again = receiver_keys(store)
    assert not again.fetch_token_created
    assert (again.secret, again.fetch_token) == (first.secret, first.fetch_token)
    assert (store.root / FETCH_TOKEN_FILE).read_text() == first.fetch_token + "\n"


def test_workers_starting_at_once_agree_on_one_secret(tmp_path: Path) -> None:
    store = make_stores(tmp_path).private
    found: list[Any] = []
    threads = [threading.Thread(target=lambda: found.append(receiver_keys(store))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(found) == 8
    assert len({k.secret for k in found}) == len({k.fetch_token for k in found}) == 1
    assert sum(k.fetch_token_created for k in found) == 1, "the token is shown by one start only"


def test_a_damaged_key_file_says_what_to_do(tmp_path: Path) -> None:
    store = make_stores(tmp_path).private
    store.root.mkdir(parents=True)
    (store.root / SECRET_FILE).write_text("short\n")
    with pytest.raises(HarbourError, match=f"{SECRET_FILE}.*delete it"):
        receiver_keys(store)


# --- The site's manifest ------------------------------------------------------------------


def test_the_manifest_is_read_again_when_the_build_rewrites_it(tmp_path: Path) -> None:
    with running_receiver(tmp_path) as receiver:
        assert receiver.post(comment_fields(receiver.ripe_token(), post="new-post")).status == 404
        write_manifest(receiver.output, {**DEFAULT_POSTS, "new-post": manifest_entry("New", "/new/")})
        assert receiver.post(comment_fields(receiver.ripe_token(), post="new-post")).status == 200
        (receiver.output / "comments" / "open.json").write_text("{broken", encoding="utf-8")
        reply = receiver.post(comment_fields(receiver.ripe_token(), post="new-post", body="Still open."))
        assert reply.status == 200, "a broken manifest leaves the last good one in use"


def test_a_manifest_of_the_wrong_shape_names_the_file_and_field(tmp_path: Path) -> None:
    posts = {
        "ok": manifest_entry("Ok", "/ok/"),
        "bad": {"title": "x", "url": "/x/", "open": "yes", "approved": ["../x"]},
        "../etc": manifest_entry("x", "/x/"),
    }
    document = {"format": "harbour-comment-manifest", "version": 1, "site": "", "posts": posts}
    with pytest.raises(HarbourError) as raised:
        parse_manifest(json.dumps(document).encode(), "out/comments/open.json")
    text = str(raised.value)
    assert "out/comments/open.json: posts['bad'].open: expected true or false" in text
    assert "posts['../etc']: not a post slug" in text
    with pytest.raises(HarbourError, match="version 2"):
        parse_manifest(json.dumps({**document, "version": 2}).encode(), "m.json")


def test_a_site_address_is_fetched_and_kept_for_a_minute(tmp_path: Path) -> None:
    output = tmp_path / "output"
    write_manifest(output, {"first-post": manifest_entry("First", "/first/")})
    server = site_server(output, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    clock = FakeClock()
    try:
        files = site_files(f"http://127.0.0.1:{server.server_address[1]}/", clock=clock)
        assert isinstance(files, SiteAddress)
        assert set(files.load("comments/open.json", parse_manifest).posts) == {"first-post"}
        write_manifest(output, {"second-post": manifest_entry("Second", "/second/")})
        assert set(files.load("comments/open.json", parse_manifest).posts) == {"first-post"}, "cached"
        clock.advance(61)
        assert set(files.load("comments/open.json", parse_manifest).posts) == {"second-post"}
        (output / "comments" / "open.json").unlink()
        clock.advance(61)
        assert set(files.load("comments/open.json", parse_manifest).posts) == {"second-post"}, "last good"
        with pytest.raises(SiteUnavailable):
            files.load("comments/other.json", parse_manifest)
    finally:
        server.shutdown()
        server.server_close()


def test_a_site_is_a_folder_or_an_http_address() -> None:
    assert isinstance(site_files("output"), SiteFolder)
    with pytest.raises(HarbourError, match="neither a folder nor an http"):
        site_files("ftp://example.org/")


def test_the_receiver_will_not_start_without_a_manifest(tmp_path: Path) -> None:
    with pytest.raises(HarbourError, match=r"Build the site first"):
        receiver_from_settings(DEV_SETTINGS, site=str(tmp_path / "output"), private=str(tmp_path / "private"))
    assert not (tmp_path / "private").exists(), "nothing made before refusing"


# --- Retention ----------------------------------------------------------------------------


def test_the_erase_runs_at_start_and_once_a_day(tmp_path: Path) -> None:
    with running_receiver(tmp_path) as receiver:
        assert len(receiver.erased) == 1, "at start"
        assert receiver.erased[0][1:] == (30, datetime.fromtimestamp(START, timezone.utc))
        receiver.request("GET", "/healthz")
        receiver.clock.advance(DAY - 1)
        receiver.request("GET", "/healthz")
        assert len(receiver.erased) == 1
        receiver.clock.advance(1)
        receiver.request("GET", "/healthz")
        assert len(receiver.erased) == 2


def test_an_idle_server_still_erases_daily(tmp_path: Path) -> None:
    with running_receiver(tmp_path) as receiver:
        server = ReceiverServer(receiver.app, "127.0.0.1", 0, upkeep_seconds=0.05)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            receiver.clock.advance(DAY)
            deadline = time.monotonic() + 10
            while len(receiver.erased) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)  # bounded: the upkeep thread runs every 0.05 s
            assert len(receiver.erased) == 2
        finally:
            server.shutdown()
            thread.join(timeout=15)


def test_the_real_erase_blanks_old_addresses_at_start(tmp_path: Path) -> None:
    content = write_site(tmp_path, {"first-post.md": post_text("First post", "first-post")})
    stores = make_stores(tmp_path)
    old = receive_comment(stores, TriageRules(), post="first-post", author="Old", body="Long ago.",
                          ip="192.0.2.1", user_agent="Old browser", source="form").record
    old.received_at = datetime.fromtimestamp(START, timezone.utc) - timedelta(days=31)
    stores.private.write(old)
    recent = receive_comment(stores, TriageRules(), post="first-post", author="New", body="Lately.",
                             ip="192.0.2.2", source="form").record
    recent.received_at = datetime.fromtimestamp(START, timezone.utc) - timedelta(days=2)
    stores.private.write(recent)
    write_manifest(tmp_path / "output")
    make_app(receiver_settings(tmp_path, content), stores=stores, site=SiteFolder(tmp_path / "output"),
             keys=receiver_keys(stores.private), clock=FakeClock())
    assert (stores.private.read(old.id).ip, stores.private.read(old.id).user_agent) == (None, None)
    assert stores.private.read(recent.id).ip == "192.0.2.2"


# --- The task and the gunicorn factory ----------------------------------------------------


def start_task(*args: str) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "invoke", "comments-receive", *args], cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=read, daemon=True).start()
    return process, lines


def lines_until(lines: queue.Queue[str], marker: str) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        seen.append(line)
        if marker in line or line == "":
            return seen
    raise AssertionError(f"no {marker!r} in {seen}")


def test_the_task_serves_prints_the_token_once_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    write_manifest(tmp_path / "output")
    stores = ["--private", str(tmp_path / "private"), "--content", str(tmp_path / "content"),
              "--site", str(tmp_path / "output")]
    (tmp_path / "content").mkdir()
    printed = []
    for run in range(2):
        process, lines = start_task("--port", "0", *stores)
        try:
            seen = lines_until(lines, "Receiving comments")
            assert "Receiving comments" in seen[-1], seen
            url = seen[-1].split(" at ", 1)[1].split()[0]
            with urllib.request.urlopen(url.replace("/comments", "/healthz"), timeout=20) as response:
                assert response.read() == b"ok\n"
            printed.append("".join(seen))
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=30) == 0
    token = (tmp_path / "private" / FETCH_TOKEN_FILE).read_text().strip()
    assert token in printed[0] and "dev.py comments-fetch --from" in printed[0]
    assert token not in printed[1]


def test_the_task_refuses_a_public_address_without_public(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "comments-receive", "--host", "0.0.0.0", "--private",
         str(tmp_path / "private")], cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert "comments-receive: --host 0.0.0.0 would take comments straight from the internet" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "private").exists(), "nothing made before refusing"


def test_the_task_is_listed() -> None:
    listed = subprocess.run([sys.executable, "-m", "invoke", "--list"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert any(line.split()[:1] == ["comments-receive"] and "Receive comments" in line
               for line in listed.stdout.splitlines())


def test_the_gunicorn_factory_makes_the_app(tmp_path: Path) -> None:
    write_manifest(tmp_path / "output")
    app = gunicorn_app(str(ROOT / "publishconf.py"), site=str(tmp_path / "output"),
                       private=str(tmp_path / "private"))
    assert isinstance(app, Receiver)
    answers: list[str] = []
    body = app({"REQUEST_METHOD": "GET", "PATH_INFO": "/healthz", "wsgi.input": None},
               lambda status, headers: answers.append(status))
    assert answers == ["200 OK"] and list(body) == [b"ok\n"]


def test_comments_fetch_takes_what_the_receiver_received(tmp_path: Path) -> None:
    """The writer's side of the queue (comments.transfer.fetch) reads this receiver's answer."""
    from comments.transfer.fetch import fetch_comments

    with running_receiver(tmp_path / "server") as receiver:
        sent = [receiver.post(comment_fields(receiver.ripe_token(), body=f"Fetched {n}.")).json()["id"]
                for n in range(3)]
        writer = make_stores(tmp_path / "writer")
        token_file = tmp_path / "writer" / "receiver-token"
        token_file.write_text(receiver.app.fetch_token + "\n")
        address = f"http://127.0.0.1:{receiver.port}/comments"
        fetched = fetch_comments(writer, TriageRules(), address, token_file)
        assert sorted(r.id for r in fetched.new) == sorted(sent)
        assert sorted(writer.private.ids()) == sorted(sent)
        again = fetch_comments(writer, TriageRules(), address, token_file)
        assert again.new == [] and sorted(writer.private.ids()) == sorted(sent)


def test_the_receiver_takes_comments_for_a_real_build(tmp_path: Path) -> None:
    """The build's own manifest and comments JSON (comments plugin), not a hand-written one."""
    from comment_helpers import build_comments_site, comment_file, tiny_site

    content = tiny_site(
        tmp_path, {"first-post/0a1b2c3d4e5f": comment_file("Mina", "A first comment.")},
        posts={
            "first-post.md": post_text("First post", "first-post"),
            "second-post.md": post_text("Second post", "second-post").replace(
                "Summary:", "Comments: closed\nSummary:"),
        },
    )
    output = build_comments_site(tmp_path, content, form_action="https://comments.example/comments",
                                 allowed_origins=["https://site.example"])
    with running_receiver(tmp_path, built=output) as receiver:
        reply = receiver.post(comment_fields(receiver.ripe_token(), reply_to="0a1b2c3d4e5f", body="Me too."))
        assert reply.status == 200, reply.body
        assert receiver.post(comment_fields(receiver.ripe_token(), post="second-post")).status == 403
        page = receiver.request("GET", "/comments/reply?post=first-post&to=0a1b2c3d4e5f").text
        assert "<h1>Reply to Mina</h1>" in page and "A first comment." in page
