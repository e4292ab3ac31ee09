"""The receiver as a WSGI application: its routes, who may call them, and the answers' headers.

Routes (fixed paths; a reverse proxy passes them unchanged):

    POST /comments        a comment from the form (see :mod:`comments.receiver.submit`)
    GET  /comments/token  a fresh form token, for the page's JavaScript
    GET  /comments/reply  the form without JavaScript, to reply to a comment (?post=slug&to=id)
    GET  /comments/queue  the received comments, for `invoke comments-fetch` (bearer token)
    GET  /healthz         "ok"
"""

from __future__ import annotations

import hmac
import logging
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from comments.config import CommentStores, comments_settings
from comments.desk.notify import notify_environment_problem
from comments.desk.triage import TriageRules
from comments.receiver.keys import ReceiverKeys
from comments.receiver.limits import SlidingWindowLimiter, trusted_networks
from comments.receiver.manifest import Manifest, PostEntry, SiteFiles, SiteReader, SiteUnavailable
from comments.receiver.pages import FormSettings, PageChrome, form_page, message_page, parent_quote
from comments.receiver.retention import Erase, RetentionSchedule, privacy_erase
from comments.receiver.submit import CLOSED, NO_SUCH_POST, SITE_UNAVAILABLE, submit_comment
from comments.receiver.tokens import FormTokens
from comments.receiver.web import (
    SECURITY_HEADERS,
    Request,
    Response,
    html_response,
    json_response,
    refusal_json,
)
from harbour.errors import HarbourError
from safety.safety import safety_settings
from trigger_tags.vocabulary import Vocabulary

logger = logging.getLogger(__name__)

DEBUG = os.environ.get("HARBOUR_DEBUG", "") not in ("", "0")
QUEUE_FORMAT = "harbour-comment-queue"
QUEUE_VERSION = 1
PREFLIGHT_MAX_AGE = 600
SUBMIT_PATH = "/comments"
_FROM_SETTINGS: Any = object()

NOT_FOUND = "There is nothing here."


def origin_of(address: str) -> str:
    """``scheme://host[:port]`` of an address, lower-case, or '' when it has none."""
    try:
        parts = urlsplit(address)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}".lower()


class Receiver:
    """The WSGI application. Make it with :func:`make_app`."""

    def __init__(
        self,
        settings: Mapping[str, Any],
        *,
        stores: CommentStores,
        site: SiteFiles,
        keys: ReceiverKeys,
        vocabulary: Callable[[], Vocabulary | None],
        clock: Callable[[], float],
        erase: Erase | None,
    ) -> None:
        self.conf = comments_settings(settings)
        self.rules = TriageRules.from_settings(self.conf)
        self.safety = safety_settings(settings)
        self.stores = stores
        self.store_turn = threading.Lock()  # see submit._accept
        self.site = SiteReader(site, self.conf["manifest_path"], self.conf["json_path"])
        self.fetch_token = keys.fetch_token
        self.tokens = FormTokens(keys.secret, clock=clock)
        self.clock = clock
        self.limiter = SlidingWindowLimiter(
            self.conf["rate_limit"], self.conf["rate_window_seconds"], clock=clock
        )
        self.trusted = trusted_networks(self.conf["trusted_proxies"])
        self.lang = str(settings.get("DEFAULT_LANG") or "en")
        self.site_name = str(settings.get("SITENAME") or "")
        # The pages of these origins may send comments; the receiver's own pages always may.
        site_origin = origin_of(str(settings.get("SITEURL") or ""))
        self.site_origins = tuple(dict.fromkeys(
            o for o in (site_origin, *(origin_of(o) for o in self.conf["allowed_origins"])) if o
        ))
        form_origin = origin_of(self.conf["form_action"] or "")
        self.own_origins = frozenset({form_origin} - {""})
        self._vocabulary = vocabulary
        notify_problem = notify_environment_problem(self.conf["notify"])
        if notify_problem:
            logger.warning("%s", notify_problem)
        self.retention = RetentionSchedule(stores, self.conf["retention_days"], erase=erase, clock=clock)
        self.retention.run_if_due()
        self._routes: dict[str, dict[str, Callable[[Request], Response]]] = {
            SUBMIT_PATH: {"POST": lambda r: submit_comment(self, r), "OPTIONS": self.preflight},
            SUBMIT_PATH + "/token": {"GET": self.token, "OPTIONS": self.preflight},
            SUBMIT_PATH + "/reply": {"GET": self.reply_page},
            SUBMIT_PATH + "/queue": {"GET": self.queue},
            "/healthz": {"GET": lambda r: Response(200, b"ok\n")},
        }

    # --- WSGI --------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        self.upkeep()
        try:
            response = self.route(request)
        except Exception as error:  # the last line of defence: one clear 500, never a traceback page
            self._log_unexpected(request, error)
            response = self.refuse(request, 500, "Something went wrong on our side; please try again later.")
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body))),
                   *SECURITY_HEADERS, *response.headers]
        if request.path in (SUBMIT_PATH, SUBMIT_PATH + "/token"):
            headers += self.cors_headers(request)
        start_response(response.status_line, headers)
        return [b""] if request.method == "HEAD" else [response.body]

    def upkeep(self) -> None:
        """Run what is due once in a while (the daily erase); called on requests and by the server."""
        try:
            self.retention.run_if_due()
        except Exception as error:
            logger.error("erasing expired IP addresses failed: %s: %s", type(error).__name__, error)

    @staticmethod
    def _log_unexpected(request: Request, error: Exception) -> None:
        # A message may quote what a commenter typed (an e-mail address): only with HARBOUR_DEBUG.
        if DEBUG:
            logger.exception("unexpected error answering %s %s", request.method, request.path)
            return
        where = traceback.extract_tb(error.__traceback__)[-1]
        logger.error(
            "unexpected %s answering %s %s (at %s:%s; set HARBOUR_DEBUG=1 for the details)",
            type(error).__name__, request.method, request.path, where.filename, where.lineno,
        )

    def route(self, request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        handlers = self._routes.get(request.path)
        if handlers is None:
            return self.refuse(request, 404, NOT_FOUND)
        handler = handlers.get(method)
        if handler is None:
            allowed = ", ".join(handlers)
            return self.refuse(request, 405, f"This address takes {allowed} requests only.",
                               headers=[("Allow", allowed)])
        return handler(request)

    # --- Origins -----------------------------------------------------------------------

    def site_origin_of(self, request: Request) -> str | None:
        """The request's Origin when it is one of the site's (the exact configured text), else None."""
        origin = (request.origin() or "").lower()
        return origin if origin in self.site_origins else None

    def is_own_origin(self, request: Request) -> bool:
        """Whether the request comes from one of the receiver's own pages (the check or reply page).

        A browser's Origin and Host name the same server only when the page is the receiver's
        own; behind a reverse proxy the proxy must pass the Host header (README: The receiver).
        """
        origin = (request.origin() or "").lower()
        if origin in self.own_origins:
            return True
        host = (request.header("Host") or "").strip().lower()
        return bool(host) and origin in (f"http://{host}", f"https://{host}")

    def cors_headers(self, request: Request) -> list[tuple[str, str]]:
        origin = self.site_origin_of(request)
        headers = [("Vary", "Origin")]
        if origin is not None and request.header("Origin") is not None:
            headers.append(("Access-Control-Allow-Origin", origin))
        return headers

    def preflight(self, request: Request) -> Response:
        if self.site_origin_of(request) is None or request.header("Origin") is None:
            return Response(403, b"This origin may not send comments here.\n")
        return Response(204, headers=[
            ("Access-Control-Allow-Methods", "GET, POST"),
            ("Access-Control-Allow-Headers", "Accept, Content-Type"),
            ("Access-Control-Max-Age", str(PREFLIGHT_MAX_AGE)),
        ])

    # --- What pages need ---------------------------------------------------------------

    def vocabulary(self) -> Vocabulary | None:
        return self._vocabulary()

    def manifest(self) -> Manifest:
        return self.site.manifest()

    def chrome(self, request: Request, manifest: Manifest | None = None) -> PageChrome:
        """The safety chrome and site links, pointing at the site (not at the receiver)."""
        site_base = manifest.site if manifest is not None and manifest.site else ""
        if not site_base:
            site_base = self.site_origin_of(request) or (self.site_origins[0] if self.site_origins else "")
        return PageChrome(
            lang=self.lang, site_name=self.site_name, site_base=site_base,
            quick_exit_url=self.safety["quick_exit_url"], quick_exit_label=self.safety["quick_exit_label"],
            support_url=self.safety["support_url"], support_label=self.safety["support_label"],
            policy_url=self.conf["policy_url"],
        )

    def form_settings(self, request: Request) -> FormSettings:
        script = str(request.environ.get("SCRIPT_NAME", "")).rstrip("/")
        return FormSettings(
            action=script + SUBMIT_PATH, limits=self.rules.length_limits,
            require_email=self.conf["require_email"], vocabulary=self.vocabulary(),
        )

    def refuse(
        self, request: Request, status: int, message: str, *, errors: Mapping[str, str] | None = None,
        post: PostEntry | None = None, kept_text: str = "", headers: list[tuple[str, str]] | None = None,
        manifest: Manifest | None = None,
    ) -> Response:
        """A refusal without a form: JSON for the page's JavaScript, a plain page otherwise."""
        if request.wants_json:
            return refusal_json(status, message, errors, headers)
        page = message_page(
            self.chrome(request, manifest), _heading(status), message, post=post,
            errors=list((errors or {}).values()), kept_text=kept_text,
        )
        return html_response(status, page, headers)

    # --- Routes ------------------------------------------------------------------------

    def token(self, request: Request) -> Response:
        return json_response(
            200, {"token": self.tokens.issue(), "min_fill_seconds": self.conf["min_fill_seconds"]}
        )

    def reply_page(self, request: Request) -> Response:
        """The form for one post without JavaScript, replying to comment ``to`` when given."""
        query = request.query()
        try:
            manifest = self.manifest()
        except SiteUnavailable as error:
            logger.error("%s", error)
            return self.refuse(request, 503, SITE_UNAVAILABLE)
        post = manifest.post(query.get("post", ""))
        if post is None:
            return self.refuse(request, 404, NO_SUCH_POST, manifest=manifest)
        if not post.open:
            return self.refuse(request, 403, CLOSED, post=post, manifest=manifest)
        parent_id = query.get("to", "")
        if parent_id and parent_id not in post.approved:
            return self.refuse(request, 404, "That comment is not published on this post (any more).",
                               post=post, manifest=manifest)
        parent = self.site.published_comments(post.slug).get(parent_id) if parent_id else None
        chrome = self.chrome(request, manifest)
        if parent_id:
            author = parent.author if parent is not None else ""
            heading = f"Reply to {author}" if author else "Reply to a comment"
        else:
            heading = "Leave a comment"
        page = form_page(
            chrome, self.form_settings(request), post, heading=heading,
            values={"reply_to": parent_id}, token=self.tokens.issue(),
            parent=parent_quote(chrome, post, parent) if parent_id else "",
        )
        return html_response(200, page)

    def queue(self, request: Request) -> Response:
        """Every comment the form brought in, for `invoke comments-fetch`; 401 without the token."""
        if not self._authorised(request):
            return Response(401, b"unauthorized\n", headers=[("WWW-Authenticate", 'Bearer realm="comments"')])
        since_text = request.query().get("since", "")
        since = None
        if since_text:
            try:
                since = datetime.fromisoformat(since_text)
            except ValueError:
                since = None
            if since is None or since.tzinfo is None:
                return refusal_json(400, "since must be an ISO time with a UTC offset, URL-encoded "
                                         "(2024-04-03T09:12:00%2B00:00)")
        try:
            records = [
                r for r in self.stores.private.all_records()
                if r.source == "form" and (since is None or r.received_at >= since)
            ]
        except HarbourError as error:
            return refusal_json(500, str(error))
        return json_response(200, {"format": QUEUE_FORMAT, "version": QUEUE_VERSION,
                                   "records": [r.to_json() for r in records]})

    def _authorised(self, request: Request) -> bool:
        scheme, _, given = (request.header("Authorization") or "").strip().partition(" ")
        if scheme.lower() != "bearer":
            return False
        # WSGI hands headers over as latin-1 text: encoding them back gives the bytes that came.
        return hmac.compare_digest(given.strip().encode("latin-1"), self.fetch_token.encode("ascii"))


def _heading(status: int) -> str:
    if status in (404, 405):
        return "Not found" if status == 404 else "Not here"
    if status in (500, 503):
        return "Please try again later"
    return "Your comment was not sent"


def make_app(
    settings: Mapping[str, Any],
    *,
    stores: CommentStores,
    site: SiteFiles,
    keys: ReceiverKeys,
    vocabulary: Callable[[], Vocabulary | None] | None = None,
    clock: Callable[[], float] = time.time,
    erase: Erase | None = _FROM_SETTINGS,
) -> Receiver:
    """The receiver for a site's settings (pelicanconf.py or publishconf.py, as read by Pelican).

    ``site`` is where the built site's manifest is read; ``keys`` the secret and fetch token
    (:func:`comments.receiver.keys.receiver_keys`); ``vocabulary`` gives the trigger tags a
    comment's content note is chosen from (default: the site's, when trigger_tags is on);
    ``clock`` the time in seconds (tests pass their own); ``erase`` the retention erase
    (default ``comments.desk.privacy.erase_expired``; None: none).
    """
    return Receiver(
        settings, stores=stores, site=site, keys=keys,
        vocabulary=vocabulary if vocabulary is not None else site_vocabulary_reader(settings),
        clock=clock, erase=privacy_erase() if erase is _FROM_SETTINGS else erase,
    )


def site_vocabulary_reader(settings: Mapping[str, Any]) -> Callable[[], Vocabulary | None]:
    """The site's trigger vocabulary, re-read when it changes; the last good one while it is broken."""
    if "trigger_tags" not in [str(p).rsplit(".", 1)[-1] for p in settings.get("PLUGINS") or []]:
        return lambda: None
    from trigger_tags.trigger_tags import site_vocabulary

    last_good = [site_vocabulary(settings)]  # a broken vocabulary at start stops the receiver

    def read() -> Vocabulary | None:
        try:
            last_good[0] = site_vocabulary(settings)
        except (HarbourError, OSError) as error:
            logger.warning("the trigger vocabulary cannot be read, using the last good one: %s", error)
        return last_good[0]

    return read
