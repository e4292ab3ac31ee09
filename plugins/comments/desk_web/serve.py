"""Running the desk: the app made from the writer's settings, served by waitress on this machine
only (`python3 dev.py comments-desk`), and opened in the browser with its token."""

from __future__ import annotations

import logging
import sys
import webbrowser
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from comments.config import comment_stores, comments_settings
from comments.desk.triage import TriageRules
from comments.desk_web.actions import DeskActions
from comments.desk_web.app import MAX_FORM_BYTES, DeskApp, DeskState, desk_moderator, known_tags
from comments.desk_web.guard import DeskGuard
from comments.desk_web.site import SiteActions, publish_target
from comments.model import http_url
from comments.receiver.app import site_vocabulary_reader
from comments.receiver.serve import WaitressServer, is_loopback
from comments.sanitise import is_allowed_href
from comments.transfer.export import read_post_info
from harbour.build import load_settings
from harbour.errors import HarbourError
from safety.safety import safety_settings

logger = logging.getLogger(__name__)

DEFAULT_PORT = 8002
THREADS = 4


def desk_from_settings(
    settings_file: str | Path,
    *,
    private: str | Path | None = None,
    content: str | Path | None = None,
    publish_settings: str | Path | None = None,
    build_overrides: Mapping[str, Any] | None = None,
    publish_command: list[str] | None = None,
    guard: DeskGuard | None = None,
) -> DeskApp:
    """The desk for a settings file (pelicanconf.py), its stores and its site.

    ``private``/``content``: other stores than the settings' (as every comments task takes; the
    build then reads that content folder). ``publish_settings``: publishconf.py, for the live
    site's address (the support link) and whether publishing is set up; ``publish_command`` runs
    the publish (default: this project's `publish` task). ``build_overrides``: more settings for
    the build (tests build into tmp_path).
    """
    settings_file = Path(settings_file)
    overrides: dict[str, Any] = dict(build_overrides or {})
    if content:
        overrides.setdefault("PATH", str(content))
    settings = load_settings(settings_file, **overrides)
    conf = comments_settings(settings)
    root = settings_file.resolve().parent
    stores = comment_stores(settings, root=root, private=private, content=content)
    has_publish_settings = publish_settings is not None and Path(publish_settings).exists()
    published = load_settings(publish_settings) if has_publish_settings else {}
    target = publish_target(published)
    vocabulary = site_vocabulary_reader(settings)
    safety = safety_settings(settings)

    def post_titles() -> dict[str, str]:
        posts = read_post_info(stores.content_dir, settings["ARTICLE_PATHS"],
                               timezone_name=settings["TIMEZONE"])
        return {slug: post.title for slug, post in posts.items()}

    local_site = f"http://{settings.get('BIND') or '127.0.0.1'}:{settings.get('PORT') or 8000}"
    support_url, support_public = support_address(
        safety["support_url"], published.get("SITEURL") or settings.get("SITEURL"), local_site
    )
    state = DeskState(
        site_name=str(settings.get("SITENAME") or "Your site"),
        lang=str(settings.get("DEFAULT_LANG") or "en"),
        author=str(settings.get("AUTHOR") or "").strip(), support_url=support_url,
        support_public=support_public, support_label=safety["support_label"],
        output_path=str(settings["OUTPUT_PATH"]),
        post_titles=post_titles, vocabulary=vocabulary, body_limit=conf["length_limits"]["body"],
    )
    rules = TriageRules.from_settings(conf)
    actions = DeskActions(
        stores, rules, moderator=desk_moderator(), post_slugs=lambda: set(post_titles()),
        known_tags=known_tags(vocabulary), author=state.author,
        # Signed as comments-reply signs them: the writer's name, linking to the live site.
        author_url=http_url(published.get("SITEURL") or None),
    )
    site = SiteActions(
        settings_file, overrides=overrides, project_root=root, publish_target=target,
        publish_command=(publish_command or [sys.executable, "-m", "invoke", "publish"]) if target else None,
    )
    return DeskApp(state, actions, site, guard=guard or DeskGuard())


def support_address(support_url: str, site_url: object, local_site: str) -> tuple[str, bool]:
    """The support page's address, and whether it is one to send someone who needs it.

    A page of the site (``/support/``) is read against the published SITEURL; without one it is
    the local preview's page (``livereload``), which is for the writer only. Read against the
    desk's own address it would lead nowhere.
    """
    if not is_allowed_href(support_url):
        return "#", False
    if not support_url.startswith("/"):
        return support_url, True
    if isinstance(site_url, str) and site_url.startswith(("http://", "https://")):
        return urljoin(site_url.rstrip("/") + "/", support_url.lstrip("/")), True
    return urljoin(local_site + "/", support_url.lstrip("/")), False


def check_desk_host(host: str) -> None:
    """Refuse to listen beyond this machine: the desk shows e-mail addresses and changes the site."""
    if is_loopback(host):
        return
    raise HarbourError(
        f"--host {host} is not this machine: the desk shows your commenters' e-mail addresses and changes "
        "your site, so it listens on this machine only (127.0.0.1, ::1 or localhost). To moderate on a "
        f"server, reach its desk through ssh instead: ssh -L {DEFAULT_PORT}:127.0.0.1:{DEFAULT_PORT} SERVER"
    )


def serve_desk(
    settings_file: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    open_browser: bool = True,
    private: str | None = None,
    content: str | None = None,
    publish_settings: str | Path | None = None,
    out: Callable[[str], None] = lambda line: print(line, flush=True),
    opener: Callable[[str], Any] = webbrowser.open,
) -> None:
    """Serve the desk until interrupted, after opening it in the browser (unless ``open_browser`` is off)."""
    check_desk_host(host)
    app = desk_from_settings(settings_file, private=private, content=content,
                             publish_settings=publish_settings)
    try:
        server = WaitressServer(app, host, port, threads=THREADS, max_request_body_size=MAX_FORM_BYTES,
                                name="desk")
    except OSError as error:
        raise HarbourError(
            f"cannot listen on {host}:{port} ({error.strerror}); is a desk already running? Choose another "
            "--port"
        ) from None
    url = f"{server.url}/?token={app.guard.token}"
    out(f"The comments desk is at {url}")
    out("It answers only to this address, with its token, on this machine. Ctrl+C stops it.")
    if open_browser:
        opened = opener(url)
        out("Opened it in your browser." if opened else "No browser could be opened from here: open the "
            "address above in yours.")
    server.serve_forever()
