"""E-mail to the writer when a comment arrives (optional, off by default), through their own SMTP server.

The mail says that a comment came and how to moderate it; a possible crisis says URGENT in its
subject. It never holds the commenter's e-mail or IP address (they stay in the private store),
and no header points at the commenter: a reply reaches only the writer. Sending never fails a
submission: the comment is already kept when the mail goes, so a failure is logged, not raised.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import smtplib
import ssl
import threading
from collections.abc import Mapping
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from typing import Any

from comments.desk.triage import CRISIS
from comments.model import PrivateRecord
from harbour.errors import did_you_mean

logger = logging.getLogger(__name__)

# The keys of COMMENTS["notify"], with their defaults (None: required, or no value).
NOTIFY_DEFAULTS: dict[str, Any] = {
    "host": None,
    "port": None,  # 465 with ssl, else 587 with starttls, else 25
    "starttls": True,
    "ssl": False,
    "username": None,
    "password_env": None,
    "from": None,
    "to": None,
    "include_text": True,
    "timeout": 30,
}
NOTIFY_HELP = (
    "None (no e-mail), or a dict such as {'host': 'smtp.example.org', 'username': 'me', "
    "'password_env': 'COMMENTS_SMTP_PASSWORD', 'from': 'blog@example.org', 'to': 'me@example.org'}"
)
# Used with fullmatch: "$" would let a trailing newline into a header.
_ADDRESS = re.compile(r"[^@\s<>,;\"'()\\]+@[^@\s<>,;\"'()\\]+\.[^@\s<>,;\"'()\\]+")
_ENVIRONMENT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HOST = re.compile(r"[A-Za-z0-9.:_\[\]-]+")
SUBJECT_MAX = 160
EXCERPT_MAX = 5000
STATUS_WORDS = {"pending": "waiting for you", "approved": "published at once (a returning commenter)"}


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _addresses(value: Any) -> list[str] | None:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, (list, tuple)) or not values:
        return None
    if not all(isinstance(v, str) and _ADDRESS.fullmatch(v) for v in values):
        return None
    return list(values)


def notify_problem(value: Any) -> str | None:
    """What is wrong with a ``COMMENTS["notify"]`` dict (None when it is fine), for config.py's schema."""
    if not isinstance(value, Mapping):
        return "expected None or a dict of SMTP settings"
    problems = [
        f"unknown key {key!r}; allowed: {', '.join(NOTIFY_DEFAULTS)}"
        + did_you_mean(str(key), NOTIFY_DEFAULTS)
        for key in value
        if key not in NOTIFY_DEFAULTS
    ]
    conf = {**NOTIFY_DEFAULTS, **value}
    host = conf["host"]
    if not isinstance(host, str) or not _HOST.fullmatch(host):
        problems.append("'host' must be your SMTP server's name, e.g. 'smtp.example.org'")
    port = conf["port"]
    if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536):
        problems.append("'port' must be a whole number from 1 to 65535 (usually 587, or 465 with 'ssl')")
    for key in ("starttls", "ssl", "include_text"):
        if not isinstance(conf[key], bool):
            problems.append(f"{key!r} must be True or False")
    if conf["ssl"] is True and conf["starttls"] is True:
        problems.append("'ssl' (TLS from the start, port 465) and 'starttls' (port 587) exclude each other; "
                        "set 'starttls': False with 'ssl': True")
    timeout = conf["timeout"]
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 600:
        problems.append("'timeout' must be a number of seconds above 0, at most 600")
    problems += _login_problems(conf)
    if _addresses(conf["from"]) is None or not isinstance(conf["from"], str):
        problems.append(
            "'from' must be one e-mail address, e.g. 'blog@example.org' (a sender your server allows)"
        )
    if _addresses(conf["to"]) is None:
        problems.append("'to' must be an e-mail address or a list of them: yours")
    return "; ".join(problems) or None


def _login_problems(conf: Mapping[str, Any]) -> list[str]:
    username, password_env = conf["username"], conf["password_env"]
    problems = []
    if username is not None and (not isinstance(username, str) or not username.strip()):
        problems.append("'username' must be text, or None to send without logging in")
    named = isinstance(password_env, str) and _ENVIRONMENT_NAME.fullmatch(password_env)
    if password_env is not None and not named:
        problems.append(
            "'password_env' must be the name of an environment variable holding the password, e.g. "
            "'COMMENTS_SMTP_PASSWORD' (never the password itself: settings files end up in git)"
        )
    if (username is None) != (password_env is None):
        problems.append("'username' and 'password_env' go together: give both to log in, or neither")
    encrypted = conf["starttls"] is True or conf["ssl"] is True
    local = isinstance(conf["host"], str) and _is_loopback(conf["host"])
    if username is not None and not encrypted and not local:
        problems.append(
            "logging in without 'starttls' or 'ssl' would send your password readable; turn one on"
        )
    return problems


def notify_settings(value: Mapping[str, Any]) -> dict[str, Any]:
    """A valid notify dict with its defaults filled in (the port chosen from ssl and starttls)."""
    conf = {**NOTIFY_DEFAULTS, **value}
    if conf["port"] is None:
        conf["port"] = 465 if conf["ssl"] else 587 if conf["starttls"] else 25
    conf["to"] = _addresses(conf["to"]) or []
    return conf


def notify_environment_problem(
    notify: Mapping[str, Any] | None, environ: Mapping[str, str] = os.environ
) -> str | None:
    """What keeps notifications from being sent in this environment (for the receiver to say at start)."""
    if not notify or notify.get("password_env") is None:
        return None
    name = notify["password_env"]
    if not environ.get(name):
        return (
            f"COMMENTS['notify'] logs in with the password in the environment variable {name}, which is "
            f"not set for the receiver; set it (e.g. Environment= or EnvironmentFile= in its systemd unit), "
            "or new comments are not e-mailed to you"
        )
    return None


# --- The message ------------------------------------------------------------------------------


def _one_line(text: str, limit: int) -> str:
    """Text fit for a header: every run of whitespace and control characters one space, cut to ``limit``."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def notification_message(
    notify: Mapping[str, Any],
    record: PrivateRecord,
    *,
    post_title: str = "",
    post_url: str = "",
    site_name: str = "",
    receiver_url: str = "",
) -> EmailMessage:
    """The e-mail for one new comment. Its headers name only the writer's own addresses."""
    conf = notify_settings(notify)
    comment = record.comment
    crisis = CRISIS in record.flags
    title = _one_line(post_title or comment.post, 80)
    author = _one_line(comment.author, 40)
    subject = f"New comment on “{title}” from {author}"
    if crisis:
        subject = "URGENT, possible crisis: " + subject
    if site_name:
        subject = f"[{_one_line(site_name, 40)}] {subject}"

    message = EmailMessage(policy=SMTP)
    message["Subject"] = _one_line(subject, SUBJECT_MAX)
    message["From"] = conf["from"]
    message["To"] = ", ".join(conf["to"])
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=conf["from"].rsplit("@", 1)[1])
    # RFC 3834: no vacation replies or other robots answering it.
    message["Auto-Submitted"] = "auto-generated"
    if crisis:
        message["Importance"] = "high"
        message["X-Priority"] = "1"
    message.set_content(_text(conf, record, title=title, post_url=post_url, receiver_url=receiver_url))
    return message


def _text(
    conf: Mapping[str, Any], record: PrivateRecord, *, title: str, post_url: str, receiver_url: str
) -> str:
    comment = record.comment
    where = f"“{title}”" + (f" ({post_url})" if post_url else "")
    when = comment.date.isoformat(sep=" ")
    lines = [f"{_one_line(comment.author, 80)} commented on {where} on {when}.", ""]
    if CRISIS in record.flags:
        lines += [
            "POSSIBLE CRISIS: the words may be someone in danger. Read it first, and consider writing to "
            f"them privately before deciding: `python3 dev.py comments-show --id {comment.id}` shows how to reach "
            "them.",
            "",
        ]
    status = STATUS_WORDS.get(record.status, record.status)
    lines.append(f"Status: {status}" + (f"; flags: {', '.join(record.flags)}" if record.flags else ""))
    if comment.reply_to:
        lines.append(f"It replies to comment {comment.reply_to}.")
    if comment.content_warnings:
        lines.append(f"Their content note: {', '.join(comment.content_warnings)}.")
    lines.append("")
    if conf["include_text"]:
        body = comment.body if len(comment.body) <= EXCERPT_MAX else comment.body[:EXCERPT_MAX] + "…"
        lines += ["----- their comment -----", body, "-------------------------", ""]
    fetch = f"python3 dev.py comments-fetch --from {receiver_url or '...'}"
    lines += [
        "To read and moderate it:",
        f"  {fetch}    (when the receiver runs on another machine)",
        "  python3 dev.py comments-queue",
        f"  python3 dev.py comments-show --id {comment.id}",
        f"  python3 dev.py comments-approve --id {comment.id}",
        "",
        "This e-mail holds neither the commenter's e-mail nor their IP address, and replying to it does "
        "not reach them.",
    ]
    return "\n".join(lines) + "\n"


# --- Sending ------------------------------------------------------------------------------------


def _connect(conf: Mapping[str, Any]) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if conf["ssl"]:
        return smtplib.SMTP_SSL(conf["host"], conf["port"], timeout=conf["timeout"], context=context)
    smtp = smtplib.SMTP(conf["host"], conf["port"], timeout=conf["timeout"])
    if conf["starttls"]:
        smtp.starttls(context=context)
    return smtp


def send_notification(
    notify: Mapping[str, Any], message: EmailMessage, environ: Mapping[str, str] = os.environ
) -> bool:
    """Send one message through the writer's server; whether it went. Logs why it did not."""
    conf = notify_settings(notify)
    password = None
    if conf["password_env"] is not None:
        password = environ.get(conf["password_env"])
        if not password:
            logger.warning("comment notification not sent: %s", notify_environment_problem(conf, environ))
            return False
    try:
        with _connect(conf) as smtp:
            if conf["username"] is not None:
                smtp.login(conf["username"], password or "")
            smtp.send_message(message, from_addr=conf["from"], to_addrs=conf["to"])
    except smtplib.SMTPAuthenticationError as error:
        logger.warning("comment notification not sent: %s:%s refused the login of %r (%s); check the "
                       "username and the password in %s", conf["host"], conf["port"], conf["username"],
                       error.smtp_code, conf["password_env"])
        return False
    except (smtplib.SMTPException, OSError, ssl.SSLError) as error:
        logger.warning("comment notification not sent: %s:%s: %s: %s", conf["host"], conf["port"],
                       error.__class__.__name__, error)
        return False
    return True


def notify_new_comment(
    notify: Mapping[str, Any] | None,
    record: PrivateRecord,
    *,
    post_title: str = "",
    post_url: str = "",
    site_name: str = "",
    receiver_url: str = "",
    environ: Mapping[str, str] = os.environ,
) -> bool:
    """E-mail the writer about a comment just received; whether a mail went (False when off).

    Never raises for a mail problem: call it after the comment is kept, outside the store's lock.
    """
    if not notify:
        return False
    if record.status == "spam":  # triage's verdict; the queue keeps it, the writer's inbox need not
        logger.debug("no notification for %s: triage marked it as spam", record.id)
        return False
    try:
        message = notification_message(notify, record, post_title=post_title, post_url=post_url,
                                       site_name=site_name, receiver_url=receiver_url)
    except (ValueError, TypeError) as error:  # settings not validated through config.py
        logger.warning("comment notification not sent: %s", error)
        return False
    return send_notification(notify, message, environ)


def notify_new_comment_later(
    notify: Mapping[str, Any] | None, record: PrivateRecord, **details: Any
) -> threading.Thread | None:
    """:func:`notify_new_comment` in a thread of its own, so the commenter never waits for the mail
    server. Not a daemon: a receiver shutting down lets the mail finish (``timeout`` bounds it)."""
    if not notify:
        return None
    thread = threading.Thread(
        target=notify_new_comment, args=(notify, record), kwargs=details, name=f"notify-{record.id}"
    )
    thread.start()
    return thread
