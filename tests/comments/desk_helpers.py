"""Factories for the desk tests: a queue to moderate, the real desk served by waitress on loopback,
and a plain HTTP client that shows the desk's cookie and Origin as its own page would.

Plain functions and classes rather than a conftest (see comment_helpers.py for why).
"""

from __future__ import annotations

import http.client
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from comment_helpers import ALL_PLUGINS, comment_file, make_stores, store_files, tiny_site, write_comments
from comments.config import CommentStores
from comments.desk.arrival import receive_comment
from comments.desk.queue_view import queue_report
from comments.desk.triage import TriageRules
from comments.desk_web.app import DeskApp
from comments.desk_web.guard import DeskGuard
from comments.desk_web.serve import desk_from_settings
from comments.receiver.serve import WaitressServer
from conftest import DEV_SETTINGS
from receiver_helpers import REQUEST_TIMEOUT, Reply

PUBLISHED = "0a1b2c3d4e5f"  # an approved comment on first-post, as a public file only
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


@dataclass(frozen=True)
class Queue:
    """The ids of a small queue: one of each kind the desk shows."""

    crisis: str
    waiting: str
    flagged: str
    reply: str  # waiting, answering PUBLISHED
    other: str  # waiting, on second-post


def seed_queue(stores: CommentStores) -> Queue:
    """A queue on tiny_site's two posts, received as the form would bring them in."""
    published = comment_file("Ada", "A published comment.")
    write_comments(stores.content_dir, {f"first-post/{PUBLISHED}": published})
    rules = TriageRules()

    def receive(author: str, body: str, **fields: Any) -> str:
        fields = {"post": "first-post", "email": f"{author.lower()}@example.invalid", **fields}
        received = receive_comment(stores, rules, author=author, body=body, moderator="tester", **fields)
        return received.record.id

    return Queue(
        crisis=receive("Sam", "I can't do this anymore, I want to die."),
        waiting=receive("Mina", "Thank you for *this* post. <script>alert(1)</script>",
                        author_url="https://mina.example.org/"),
        flagged=receive("Lee", "See [one](https://one.example) and [two](https://two.example)."),
        reply=receive("Jo", "Me too, Ada.", reply_to=PUBLISHED),
        other=receive("Kit", "A comment on the second post.", post="second-post"),
    )


def desk_settings_overrides(root: Path) -> dict[str, Any]:
    """What the desk's build needs to build the test's site into tmp_path."""
    return {
        "OUTPUT_PATH": str(root / "output"), "CACHE_PATH": str(root / "cache"), "PLUGINS": ALL_PLUGINS,
        "COMMENTS": {"private_path": str(root / "private")},
    }


def make_desk(root: Path, *, publish_settings: Path | None = None, publish_command: list[str] | None = None,
              guard: DeskGuard | None = None) -> DeskApp:
    return desk_from_settings(
        DEV_SETTINGS, private=root / "private", content=root / "content", publish_settings=publish_settings,
        build_overrides=desk_settings_overrides(root), publish_command=publish_command, guard=guard,
    )


@dataclass
class RunningDesk:
    """A desk answering on ``port``, with its stores; ``request`` shows its cookie and Origin."""

    app: DeskApp
    server: WaitressServer
    stores: CommentStores
    root: Path

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def cookie(self) -> str:
        return f"still-here-desk-{self.port}={self.app.guard.token}"

    @property
    def address(self) -> str:
        """The address the task prints and opens: with the token."""
        return f"{self.origin}/?token={self.app.guard.token}"

    def request(self, method: str, path: str, *, body: bytes | None = None,
                headers: Mapping[str, str] | None = None, cookie: bool = True) -> Reply:
        sent = {"Cookie": self.cookie} if cookie else {}
        sent.update(headers or {})
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()

    def form_token(self) -> str:
        """A fresh form token, from the queue page as a browser would get it."""
        page = self.request("GET", "/")
        assert page.status == 200, page.text
        found = FORM_TOKEN.search(page.text)
        assert found, "no form on the page"
        return found.group(1)

    def post(self, path: str, fields: Sequence[tuple[str, str]] | Mapping[str, str], *,
             token: str | None = None, origin: str | None = "", as_json: bool = False,
             cookie: bool = True) -> Reply:
        """Send a form as the desk's page sends it (its Origin, a fresh form token, its cookie)."""
        pairs = list(fields.items()) if isinstance(fields, Mapping) else list(fields)
        pairs.insert(0, ("form_token", self.form_token() if token is None else token))
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if origin is not None:
            headers["Origin"] = origin or self.origin
        if as_json:
            headers["Accept"] = "application/json"
        body = urlencode(pairs).encode("ascii")
        return self.request("POST", path, body=body, headers=headers, cookie=cookie)

    def act(self, action: str, *ids: str, **fields: str) -> Reply:
        return self.post("/act", [("action", action), *(("id", i) for i in ids), *fields.items()])

    def notice(self, reply: Reply) -> str:
        """The notice shown after a step (following the redirect, as a browser does)."""
        assert reply.status == 303, (reply.status, reply.text)
        page = self.request("GET", reply.headers["Location"]).text
        found = re.search(r'<div id="notice".*?</div>', page, re.S)
        assert found, page
        return found.group(0)

    def store_files(self) -> dict[str, bytes]:
        """Every file of both stores, to check that a refused request wrote nothing."""
        return store_files(self.stores)

    def queue_output(self) -> str:
        """What `python3 dev.py comments-queue` prints for these stores."""
        return queue_report(self.stores)

    def audit(self) -> list[dict[str, Any]]:
        return self.stores.private.audit_entries()


def desk_site(root: Path) -> CommentStores:
    """tiny_site's content and stores under ``root``."""
    tiny_site(root)
    return make_stores(root)


@contextmanager
def running_desk(
    root: Path, *, publish_settings: Path | None = None, publish_command: list[str] | None = None,
    guard: DeskGuard | None = None,
) -> Iterator[RunningDesk]:
    """The real desk on 127.0.0.1 (a free port) over the stores under ``root``, stopped afterwards."""
    stores = make_stores(root)
    app = make_desk(root, publish_settings=publish_settings, publish_command=publish_command, guard=guard)
    server = WaitressServer(app, "127.0.0.1", 0, threads=4, max_request_body_size=1 << 20, name="desk")
    thread = threading.Thread(target=server.serve_forever, name="desk", daemon=True)
    thread.start()
    try:
        yield RunningDesk(app=app, server=server, stores=stores, root=root)
    finally:
        server.shutdown()
        thread.join(timeout=15)
        assert not thread.is_alive(), "the desk did not stop"
