"""The desk as a WSGI application: who may ask (see :mod:`comments.desk_web.guard`), its routes, and
the answers, as a page for a browser without JavaScript or as JSON for the page's script.

Routes:

    GET  /          the queue (``?token=...`` on the first visit: sets the cookie, then drops it)
    GET  /desk.js   the page's script (keyboard shortcuts, steps without a reload)
    POST /act       a moderation step: approve, reject, spam, warn, reply or undo
    POST /build     rebuild the site
    POST /publish   publish it, where PUBLISH_RSYNC_TARGET is set
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import traceback
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl

from comments.desk.moderation import current_moderator
from comments.desk.public_store import find_public_comment
from comments.desk.queue_view import comment_problems, queue_sections
from comments.desk_web.actions import REPLY, DeskActions, StepReport
from comments.desk_web.guard import DeskGuard
from comments.desk_web.pages import CommentCard, DeskView, Notice, desk_main, desk_page, refusal_page
from comments.desk_web.site import SiteActions, SiteRun
from comments.model import PrivateRecord
from comments.receiver.web import Request, Response, html_response, json_response
from harbour.errors import HarbourError
from trigger_tags.vocabulary import Vocabulary

logger = logging.getLogger(__name__)

MAX_FORM_BYTES = 256 * 1024
KEPT_NOTICES = 50
SECURITY_HEADERS = (
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy",
     "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; "
     "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
)
NO_ACCESS = (
    "The desk opens only from the address `python3 dev.py comments-desk` printed when it started (it "
    "carries a token), in the browser it opened. Open that address again, or restart the desk."
)
NOT_THIS_MACHINE = "The desk answers only to this machine's own addresses (127.0.0.1, ::1, localhost)."
FOREIGN_ORIGIN = "This form was not sent from the desk's own page, so nothing was changed."
SPENT_FORM = (
    "This form was sent already, or is older than the desk (it was restarted), so nothing was changed. "
    "The desk now shows the queue as it is: take the step again from there if you still want it."
)
_LENGTH = re.compile(r"[0-9]{1,12}")


@dataclass
class DeskState:
    """What the desk knows beside the stores: the site's posts, its vocabulary, what the page links to."""

    site_name: str
    lang: str
    author: str
    support_url: str
    support_label: str
    output_path: str
    post_titles: Callable[[], Mapping[str, str]]
    vocabulary: Callable[[], Vocabulary | None]
    body_limit: int = 5000
    # Whether support_url is the live site's page (one to send a reader), not the local preview's.
    support_public: bool = False


class FormRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Fields:
    """A form's fields; a name may come more than once (the ticked comments' ids)."""

    pairs: list[tuple[str, str]]

    def first(self, name: str) -> str:
        return next((v for k, v in self.pairs if k == name), "")

    def every(self, name: str) -> list[str]:
        return [v for k, v in self.pairs if k == name]


@dataclass
class DeskApp:
    """The WSGI application. Make it with :func:`comments.desk_web.serve.desk_from_settings`."""

    state: DeskState
    actions: DeskActions
    site: SiteActions
    guard: DeskGuard = field(default_factory=DeskGuard)
    # Notices waiting to be shown after a redirect, and replies kept after a refusal, by comment id.
    _notices: OrderedDict[str, Notice] = field(default_factory=OrderedDict)
    _drafts: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self.answer(request)
        except HarbourError as error:  # a damaged record, say: what to do is in the message
            response = self._refuse(request, 500, "The desk cannot read the stores", str(error))
        except Exception as error:  # the last line of defence: one clear page, never a traceback
            where = traceback.extract_tb(error.__traceback__)[-1]
            logger.error("unexpected %s answering %s %s (at %s:%s): %s", type(error).__name__, request.method,
                         request.path, where.filename, where.lineno, error)
            response = self._refuse(request, 500, "Something went wrong in the desk",
                                    f"{type(error).__name__}: {error}. The terminal where the desk runs "
                                    "says where; nothing else was changed.")
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body))),
                   *SECURITY_HEADERS, *response.headers]
        start_response(response.status_line, headers)
        return [b""] if request.method == "HEAD" else [response.body]

    def answer(self, request: Request) -> Response:
        if not self.guard.from_this_machine(request):
            return self._refuse(request, 403, "Not this machine", NOT_THIS_MACHINE)
        if not self.guard.has_access(request):
            return self._refuse(request, 403, "This desk needs its address", NO_ACCESS)
        method = "GET" if request.method == "HEAD" else request.method
        routes: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("GET", "/"): self.queue_page,
            ("GET", "/desk.js"): self.script,
            ("POST", "/act"): lambda r: self._post(r, self.act),
            ("POST", "/build"): lambda r: self._post(r, self.build),
            ("POST", "/publish"): lambda r: self._post(r, self.publish),
        }
        handler = routes.get((method, request.path))
        if handler is None:
            known = any(path == request.path for _, path in routes)
            return self._refuse(request, 405 if known else 404, "Not here",
                                "The desk has no such page; its queue is at /." if not known
                                else "This address does not take that kind of request.")
        if method == "GET" and self.guard.token_in_address(request):
            # Keep the token out of the address bar, history and bookmarks: the cookie carries it now.
            return Response(303, headers=[("Location", request.path), self.guard.access_cookie(request)])
        return handler(request)

    # --- Pages -------------------------------------------------------------------------------

    def queue_page(self, request: Request) -> Response:
        with self._lock:
            notice = self._notices.get(request.query().get("notice", ""))
        return html_response(200, desk_page(self.view(notice)))

    def script(self, request: Request) -> Response:
        text = resources.files("comments.desk_web").joinpath("desk.js").read_bytes()
        return Response(200, text, "text/javascript; charset=utf-8")

    def view(self, notice: Notice | None = None) -> DeskView:
        """The page as the stores are now, with a fresh form token."""
        stores = self.actions.stores
        records = stores.private.all_records()
        sections = queue_sections(stores, records)
        titles = self.state.post_titles()
        with self._lock:
            drafts = dict(self._drafts)

        def cards(chosen: list[PrivateRecord]) -> list[CommentCard]:
            return [self._card(r, titles, drafts.get(r.id, "")) for r in chosen]

        last = self.actions.last
        return DeskView(
            site_name=self.state.site_name, lang=self.state.lang, author=self.state.author,
            support_url=self.state.support_url, support_label=self.state.support_label,
            support_public=self.state.support_public,
            form_token=self.guard.issue_form_token(), crises=cards(sections.crises),
            waiting=cards(sections.waiting), flagged=cards(sections.flagged),
            attention=[p for r in records for p in comment_problems(stores, r)],
            vocabulary=self.state.vocabulary(), notice=notice,
            undo_label=last.label() if last is not None else None,
            changes_since_build=self.actions.changes_since_build, site_run=self.site.last,
            output_path=self.state.output_path, publish_target=self.site.publish_target,
            body_limit=self.state.body_limit, zone=stores.zone, replies=bool(self.state.author),
        )

    def _card(self, record: PrivateRecord, titles: Mapping[str, str], draft: str) -> CommentCard:
        stores = self.actions.stores
        parent, parent_status = None, None
        reply_to = record.comment.reply_to
        if reply_to:
            if stores.private.exists(reply_to):
                parent_record = stores.private.read(reply_to)
                parent, parent_status = parent_record.comment, parent_record.status
            else:
                parent = find_public_comment(stores.public_dir, reply_to, zone=stores.zone)
                parent_status = "approved" if parent is not None else None
        return CommentCard(record, titles.get(record.comment.post), parent, parent_status, draft=draft)

    # --- Steps -------------------------------------------------------------------------------

    def _post(self, request: Request, step: Callable[[Fields], Notice]) -> Response:
        if not self.guard.from_own_page(request):
            return self._refuse(request, 403, "Nothing was changed", FOREIGN_ORIGIN)
        try:
            fields = read_form(request)
        except FormRefused as refused:
            return self._refuse(request, refused.status, "Nothing was changed", refused.message, back=True)
        if not self.guard.spend_form_token(fields.first("form_token")):
            return self._refuse(request, 403, "Nothing was changed", SPENT_FORM, back=True)
        return self._after_step(request, step(fields))

    def act(self, fields: Fields) -> Notice:
        action, ids, body = fields.first("action"), fields.every("id"), fields.first("body")
        report = self.actions.run(
            action, ids, reason=fields.first("reason"), warning=fields.first("warning"), body=body,
            approve_parent=fields.first("approve_parent") == "1",
        )
        if action == REPLY and len(ids) == 1:
            with self._lock:
                # A reply that was not published stays in its box, so the writer's words are not lost.
                if report.ok and report.changed:
                    self._drafts.pop(ids[0], None)
                else:
                    self._drafts[ids[0]] = body
        return step_notice(report)

    def build(self, fields: Fields) -> Notice:
        run = self.site.build()
        if run.ok:
            self.actions.changes_since_build = 0
        return site_notice("The site was built" if run.ok else "The build failed", run)

    def publish(self, fields: Fields) -> Notice:
        try:
            run = self.site.publish()
        except HarbourError as error:
            return Notice("Nothing was published", [str(error)], ok=False)
        return site_notice("The site was published" if run.ok else "Publishing failed", run)

    def _after_step(self, request: Request, notice: Notice) -> Response:
        if request.wants_json:
            return self._json(200, notice)
        key = secrets.token_urlsafe(9)
        with self._lock:
            self._notices[key] = notice
            while len(self._notices) > KEPT_NOTICES:
                self._notices.popitem(last=False)
        # Post/Redirect/Get: reloading the page that follows takes no step a second time.
        return Response(303, headers=[("Location", f"/?notice={key}")])

    def _json(self, status: int, notice: Notice) -> Response:
        view = self.view(notice)
        return json_response(status, {"ok": notice.ok, "title": view.title(), "main": desk_main(view)})

    def _refuse(
        self, request: Request, status: int, heading: str, message: str, *, back: bool = False
    ) -> Response:
        """A refusal that changed nothing. The script gets the page's main region with it (fresh form
        tokens) only when the request showed the desk's token."""
        if request.wants_json and back:
            return self._json(status, Notice(heading, [message], ok=False))
        if request.wants_json:
            return json_response(status, {"ok": False, "message": message})
        return html_response(status, refusal_page(self.state.lang, heading, message, back=back))


def step_notice(report: StepReport) -> Notice:
    if not report.ok:
        return Notice(report.heading, [report.problem], ok=False)
    return Notice(report.heading, [o.message for o in report.outcomes])


def site_notice(heading: str, run: SiteRun) -> Notice:
    return Notice(heading, [run.summary], ok=run.ok)


def read_form(request: Request) -> Fields:
    """An ``application/x-www-form-urlencoded`` body in UTF-8, at most MAX_FORM_BYTES."""
    mime, _, parameters = (request.header("Content-Type") or "").partition(";")
    charset = re.search(r"charset\s*=\s*\"?([^\";\s]+)", parameters, re.I)
    if mime.strip().lower() != "application/x-www-form-urlencoded" or (
        charset and charset.group(1).lower() not in ("utf-8", "utf8")
    ):
        raise FormRefused(415, "The desk takes its own forms only (UTF-8, url-encoded).")
    length = (request.header("Content-Length") or "").strip()
    if not _LENGTH.fullmatch(length):
        raise FormRefused(411, "The form came without its length; send it again from the desk.")
    if int(length) > MAX_FORM_BYTES:
        raise FormRefused(413, f"The form is larger than the desk takes ({MAX_FORM_BYTES // 1024} kB); "
                               "shorten the reply.")
    body = request.environ["wsgi.input"].read(int(length))
    try:
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise FormRefused(400, "The form could not be read as UTF-8 text; send it again from the desk.") \
            from None
    return Fields(pairs)


def known_tags(vocabulary: Callable[[], Vocabulary | None]) -> Callable[[], Collection[str] | None]:
    def slugs() -> Collection[str] | None:
        found = vocabulary()
        return None if found is None else set(found.slugs)

    return slugs


def desk_moderator() -> str:
    """Who the audit log says took a desk step: the user, and that it was at the desk."""
    return f"{current_moderator()} (desk)"
