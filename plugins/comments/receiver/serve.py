"""Running the receiver: the app made from a settings file, served by waitress
(`invoke comments-receive`), or by gunicorn through :func:`gunicorn_app`.

waitress reads a whole request body before the app sees it, so its own cap is set at twice
``max_request_bytes``: a body up to that is refused by the app with a proper 413 page or JSON
answer, anything larger by waitress itself (a short plain 413) before it is read.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from comments.config import CommentStores, comment_stores, comments_settings
from comments.desk.notify import notify_environment_problem
from comments.receiver.app import Receiver, make_app
from comments.receiver.keys import ReceiverKeys, receiver_keys
from comments.receiver.manifest import SiteReader, SiteUnavailable, site_files
from harbour.build import load_settings
from harbour.errors import HarbourError

logger = logging.getLogger(__name__)

DEFAULT_THREADS = 4
# How often the server's own thread looks whether the daily erase is due.
UPKEEP_SECONDS = 60 * 60


@dataclass(frozen=True)
class ReceiverSetup:
    app: Receiver
    keys: ReceiverKeys
    stores: CommentStores
    settings: dict[str, Any]
    site: str


def receiver_from_settings(
    settings_file: str | Path,
    *,
    site: str | None = None,
    private: str | None = None,
    content: str | None = None,
    clock: Callable[[], float] = time.time,
) -> ReceiverSetup:
    """The receiver for a settings file, its keys made on first start; a HarbourError says what is wrong.

    ``site``: the built output folder or the published site's address (default OUTPUT_PATH);
    ``private``/``content``: other stores than the settings' (as every comments task takes).
    """
    settings_file = Path(settings_file)
    settings = load_settings(settings_file)
    conf = comments_settings(settings)
    stores = comment_stores(settings, root=settings_file.resolve().parent, private=private, content=content)
    site = site or str(settings["OUTPUT_PATH"])
    files = site_files(site)
    reader = SiteReader(files, conf["manifest_path"], conf["json_path"])
    try:
        reader.manifest()
    except SiteUnavailable as error:
        raise HarbourError(
            f"the site's comment manifest cannot be read: {error}. Build the site first "
            "(`python3 dev.py build`), or point --site at the built output folder or the published "
            "site's address"
        ) from None
    keys = receiver_keys(stores.private)
    app = make_app(settings, stores=stores, site=files, keys=keys, clock=clock)
    return ReceiverSetup(app=app, keys=keys, stores=stores, settings=settings, site=site)


def gunicorn_app(settings: str = "publishconf.py", site: str = "", private: str = "") -> Receiver:
    """The app factory for gunicorn: ``gunicorn 'comments.receiver.serve:gunicorn_app()'``.

    Paths are relative to gunicorn's working folder (``--chdir``, the project's folder).
    """
    setup = receiver_from_settings(settings, site=site or None, private=private or None)
    if setup.keys.fetch_token_created:
        logger.warning(
            "made the fetch token for `python3 dev.py comments-fetch`; it is in %s "
            "(readable by its owner only)",
            setup.keys.fetch_token_path,
        )
    return setup.app


# --- Where it may listen -------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` stands for is this machine's own (127.0.0.0/8, ::1)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def check_bind_host(host: str, public: bool) -> None:
    """Refuse to listen beyond this machine unless the writer says so with --public."""
    if public or is_loopback(host):
        return
    raise HarbourError(
        f"--host {host} would take comments straight from the internet, over plain HTTP and with no "
        "proxy in front; run the receiver on 127.0.0.1 behind your web server's HTTPS (README: The "
        "receiver), or pass --public if this is what you mean"
    )


# --- The server ----------------------------------------------------------------------------


class WaitressServer:
    """waitress serving a WSGI app on one address, stoppable from another thread (tests, Ctrl+C).

    ``upkeep``, when given, is called every ``upkeep_seconds`` from a thread of its own, so that
    work that is due happens even while no request comes. The desk serves with it too.
    """

    def __init__(
        self, app: Callable[..., Any], host: str, port: int, *, threads: int, max_request_body_size: int,
        upkeep: Callable[[], None] | None = None, upkeep_seconds: float = UPKEEP_SECONDS,
        name: str = "server", **options: Any,
    ) -> None:
        from waitress.server import create_server

        self._server = create_server(
            app, host=host, port=port, threads=threads, ident="",
            max_request_body_size=max_request_body_size, expose_tracebacks=False, **options,
        )
        self.host = host
        self.port: int = self._server.effective_port  # type: ignore[union-attr]
        self.name = name
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._upkeep = upkeep
        self._upkeep_seconds = upkeep_seconds

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        """Answer requests until :meth:`shutdown` (or Ctrl+C), then close every connection."""
        from waitress import wasyncore

        if self._upkeep is not None:
            threading.Thread(target=self._upkeep_loop, name=f"{self.name}-upkeep", daemon=True).start()
        adj = self._server.adj
        socket_map = self._server._map  # type: ignore[union-attr]
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=adj.asyncore_loop_timeout, map=socket_map,
                               use_poll=adj.asyncore_use_poll, count=1)
        except KeyboardInterrupt:
            pass
        finally:
            self._stopping.set()
            self._server.task_dispatcher.shutdown()  # lets the requests under way finish
            wasyncore.close_all(socket_map)
            self._stopped.set()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop serving; returns once every connection is closed (or after ``timeout``)."""
        self._stopping.set()
        try:
            self._server.pull_trigger()  # wakes the loop at once
        except OSError:
            pass
        self._stopped.wait(timeout)

    def _upkeep_loop(self) -> None:
        assert self._upkeep is not None
        while not self._stopping.wait(self._upkeep_seconds):
            self._upkeep()


class ReceiverServer(WaitressServer):
    """waitress serving the receiver, stoppable from another thread (tests, Ctrl+C)."""

    def __init__(
        self, app: Receiver, host: str = "127.0.0.1", port: int = 8001, *, threads: int = DEFAULT_THREADS,
        upkeep_seconds: float = UPKEEP_SECONDS,
    ) -> None:
        self.app = app
        super().__init__(
            app, host, port, threads=threads, max_request_body_size=2 * app.conf["max_request_bytes"],
            upkeep=app.upkeep, upkeep_seconds=upkeep_seconds, name="receiver",
            # The app reads X-Forwarded-For itself, trusting only COMMENTS['trusted_proxies'];
            # waitress would otherwise drop it before the app sees it.
            clear_untrusted_proxy_headers=False,
        )


def serve_receiver(
    settings_file: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8001,
    site: str | None = None,
    public: bool = False,
    private: str | None = None,
    content: str | None = None,
    threads: int = DEFAULT_THREADS,
    out: Callable[[str], None] = lambda line: print(line, flush=True),
) -> None:
    """Serve the receiver until interrupted, printing the fetch token on the start that makes it."""
    check_bind_host(host, public)
    setup = receiver_from_settings(settings_file, site=site, private=private, content=content)
    try:
        server = ReceiverServer(setup.app, host, port, threads=threads)
    except OSError as error:
        raise HarbourError(
            f"cannot listen on {host}:{port} ({error.strerror}); is the receiver already running? "
            "Choose another --port"
        ) from None
    for line in startup_lines(setup, server.url):
        out(line)
    server.serve_forever()


def startup_lines(setup: ReceiverSetup, url: str) -> list[str]:
    """What the task prints when the receiver starts."""
    conf = comments_settings(setup.settings)
    lines = []
    if setup.keys.fetch_token_created:
        receiver = conf["form_action"] or "https://YOUR-RECEIVER/comments"
        lines += [
            "Made the token that lets `python3 dev.py comments-fetch` read the comments received here. It is "
            "shown this once, and kept in",
            f"  {setup.keys.fetch_token_path} (readable by you only):",
            "",
            f"  {setup.keys.fetch_token}",
            "",
            "On the machine you moderate on, save it as private/comments/receiver-token (chmod 600; git "
            "ignores that folder; where this receiver shares your private store it is there already), "
            "then fetch new comments with:",
            f"  python3 dev.py comments-fetch --from {receiver}",
            "",
        ]
    notify_problem = notify_environment_problem(conf["notify"])
    if notify_problem:
        lines.append(f"Note: {notify_problem}")
    if not conf["form_action"]:
        lines.append(
            "Note: COMMENTS['form_action'] is not set in these settings, so the site shows no form "
            "that sends here."
        )
    lines.append(f"Receiving comments for {setup.site} at {url}/comments (Ctrl+C to stop)")
    return lines
