"""Factories for the receiver tests: a built site's manifest, a clock the test moves, and the real
receiver served by waitress on loopback, with a plain HTTP client bound to any 127.0.0.x address.

Plain functions and classes rather than a conftest (see comment_helpers.py for why).
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from comment_helpers import make_stores, post_text, store_files
from comments.config import CommentStores
from comments.desk.private_store import PrivateStore
from comments.receiver.app import Receiver, make_app
from comments.receiver.keys import receiver_keys
from comments.receiver.manifest import SiteFolder
from comments.receiver.serve import ReceiverServer
from conftest import DEV_SETTINGS, write_site
from harbour.build import load_settings

SITE_ORIGIN = "https://site.example"
START = 1_750_000_000.0
MIN_FILL = 3
PARENT_ID = "0a1b2c3d4e5f"  # approved on first-post, in the manifest only (as on a receiver's own host)
OTHER_POST_COMMENT = "1b2c3d4e5f6a"  # approved on second-post
WARNED_PARENT = "2c3d4e5f6a7b"  # approved on first-post, its text withheld by the site's JSON
REQUEST_TIMEOUT = 20


class FakeClock:
    """The receiver's time, moved by the test instead of waited for."""

    def __init__(self, now: float = START) -> None:
        self.now = now
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


def manifest_entry(
    title: str, url: str, *, open: bool = True, approved: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {"title": title, "url": url, "open": open, "approved": list(approved)}


DEFAULT_POSTS = {
    "first-post": manifest_entry("First <post> & more", "/posts/2024/04/first-post/",
                                 approved=(PARENT_ID, WARNED_PARENT)),
    "second-post": manifest_entry(
        "Second post", "/posts/2024/05/second-post/", approved=(OTHER_POST_COMMENT,)
    ),
    "closed-post": manifest_entry("Closed post", "/posts/2023/01/closed-post/", open=False),
}


def write_manifest(output: Path, posts: Mapping[str, Any] = DEFAULT_POSTS, *, site: str = "",
                   path: str = "comments/open.json") -> Path:
    """The manifest the build writes (the contract's shape), written by the test."""
    target = output / path
    target.parent.mkdir(parents=True, exist_ok=True)
    document = {"format": "harbour-comment-manifest", "version": 1, "site": site, "posts": dict(posts)}
    target.write_text(json.dumps(document), encoding="utf-8")
    return target


def write_post_json(output: Path) -> None:
    """first-post's public comments JSON as the build writes it: one shown, one withheld."""
    document = {
        "post": "first-post", "url": "/posts/2024/04/first-post/", "count": 2,
        "comments": [
            {"id": PARENT_ID, "reply_to": None, "author": "Mina <b>", "author_url": None,
             "date": "2024-04-03T09:12:00+01:00", "anchor": f"comment-{PARENT_ID}",
             "body": "It helped to read *this*. <script>alert(1)</script>", "body_html": "<p>unused</p>"},
            {"id": WARNED_PARENT, "reply_to": None, "author": "Sam", "author_url": None,
             "date": "2024-04-04T09:12:00+01:00", "anchor": f"comment-{WARNED_PARENT}",
             "content_warnings": ["self-harm"], "body_withheld": True},
        ],
    }
    (output / "comments" / "first-post.json").write_text(json.dumps(document), encoding="utf-8")


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        assert self.headers.get_content_type() == "application/json", self.headers.get("Content-Type")
        return json.loads(self.body)


@dataclass
class RunningReceiver:
    """A receiver answering on ``url``, with its stores, clock and site folder."""

    app: Receiver
    server: ReceiverServer
    stores: CommentStores
    clock: FakeClock
    output: Path
    root: Path
    erased: list[Any] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.server.port

    def request(
        self, method: str, path: str, *, body: bytes | None = None, headers: Mapping[str, str] | None = None,
        source: str = "127.0.0.1",
    ) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT,
                                                source_address=(source, 0))
        try:
            connection.request(method, path, body=body, headers=dict(headers or {}))
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()

    def token(self, *, source: str = "127.0.0.1") -> str:
        reply = self.request("GET", "/comments/token", headers={"Origin": SITE_ORIGIN}, source=source)
        assert reply.status == 200, reply.body
        return str(reply.json()["token"])

    def ripe_token(self, *, source: str = "127.0.0.1") -> str:
        """A token old enough to send a comment with."""
        token = self.token(source=source)
        self.clock.advance(MIN_FILL)
        return token

    def post(
        self, fields: Mapping[str, str] | bytes, *, as_json: bool = True, origin: str | None = SITE_ORIGIN,
        source: str = "127.0.0.1", headers: Mapping[str, str] | None = None,
    ) -> Reply:
        body = fields if isinstance(fields, bytes) else urlencode(dict(fields)).encode("ascii")
        sent = {"Content-Type": "application/x-www-form-urlencoded"}
        if as_json:
            sent["Accept"] = "application/json"
        if origin is not None:
            sent["Origin"] = origin
        sent.update(headers or {})
        return self.request("POST", "/comments", body=body, headers=sent, source=source)

    def records(self) -> list[Any]:
        return self.stores.private.all_records()

    def store_files(self) -> dict[str, bytes]:
        """Every file of the private store and the public store, to check nothing was written."""
        return store_files(self.stores)

    def still_serving(self) -> bool:
        return self.request("GET", "/healthz").body == b"ok\n"


def comment_fields(token: str = "", **changes: str) -> dict[str, str]:
    fields = {
        "post": "first-post", "reply_to": "", "author": "Mina", "email": "mina@example.org",
        "url": "", "body": "Thank you for writing this.", "content_warning": "", "token": token,
        "subject": "",
    }
    fields.update(changes)
    return fields


def receiver_settings(root: Path, content: Path, **comments: Any) -> dict[str, Any]:
    return load_settings(
        DEV_SETTINGS, PATH=str(content), OUTPUT_PATH=str(root / "output"),
        COMMENTS={
            "private_path": str(root / "private"), "form_action": None, "allowed_origins": [SITE_ORIGIN],
            "min_fill_seconds": MIN_FILL, **comments,
        },
    )


@contextmanager
def running_receiver(
    root: Path, *, lock_timeout: float = 20, threads: int = 4, manifest: bool = True, erase: Any = None,
    built: Path | None = None, **comments: Any,
) -> Iterator[RunningReceiver]:
    """The real receiver on 127.0.0.1 (a free port), stopped cleanly afterwards.

    The site has two posts and a closed one (DEFAULT_POSTS), unless ``built`` names the output of
    a real build (beside its content folder); ``comments`` overrides COMMENTS. ``erase`` replaces
    the retention erase (default: one that records its calls).
    """
    if built is None:
        content = write_site(root, {"first-post.md": post_text("First post", "first-post")})
        output = root / "output"
        if manifest:
            write_manifest(output)
            write_post_json(output)
    else:
        content, output = built.parent / "content", built
    stores = make_stores(root)
    stores = CommentStores(
        private=PrivateStore(stores.private.root, lock_timeout=lock_timeout),
        public_dir=content / "comments", content_dir=content,
    )
    clock = FakeClock()
    erased: list[Any] = []
    app = make_app(
        receiver_settings(root, content, **comments), stores=stores, site=SiteFolder(output),
        keys=receiver_keys(stores.private), clock=clock,
        erase=erase if erase is not None else (lambda *args: erased.append(args)),
    )
    server = ReceiverServer(app, "127.0.0.1", 0, threads=threads)
    thread = threading.Thread(target=server.serve_forever, name="receiver", daemon=True)
    thread.start()
    try:
        yield RunningReceiver(app=app, server=server, stores=stores, clock=clock, output=output, root=root,
                              erased=erased)
    finally:
        server.shutdown()
        thread.join(timeout=15)
        assert not thread.is_alive(), "the receiver did not stop"


def raw_exchange(port: int, head: bytes, body_part: bytes = b"", *, source: str = "127.0.0.1") -> bytes:
    """Send ``head`` and ``body_part`` on a raw socket and read the answer until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=REQUEST_TIMEOUT,
                                  source_address=(source, 0)) as sock:
        sock.sendall(head + body_part)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


