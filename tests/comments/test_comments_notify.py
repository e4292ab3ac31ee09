"""Notification of new comments by e-mail, through a real SMTP conversation with a tiny server on loopback."""

from __future__ import annotations

import base64
import email
import email.policy
import logging
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from comment_helpers import BASE_DATE
from comments.config import comments_settings
from comments.desk.notify import notify_new_comment, notify_new_comment_later
from comments.desk.triage import CRISIS
from comments.model import PrivateRecord, PublicComment
from harbour.errors import HarbourError
from receiver_helpers import comment_fields, running_receiver

COMMENTER_EMAIL = "mina.private@example.invalid"
COMMENTER_IP = "198.51.100.23"
PASSWORD = "correct horse battery staple"


@dataclass
class SmtpServer:
    """What the server saw: the envelope, each message, each login; ``refuse`` answers RCPT with 550."""

    port: int = 0
    mail_from: list[str] = field(default_factory=list)
    rcpt_to: list[str] = field(default_factory=list)
    messages: list[bytes] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    refuse: bool = False
    delivered: threading.Event = field(default_factory=threading.Event)


def envelope_address(command: str) -> str:
    """The address of ``mail FROM:<a@b> size=1`` or ``rcpt TO:<a@b>`` (smtplib's case)."""
    return command.split(":", 1)[1].split(">", 1)[0].lstrip(" <")


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    state = SmtpServer()

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")

        def handle(self) -> None:
            self.reply("220 loopback test ESMTP")
            while line := self.rfile.readline():
                command = line.decode().rstrip("\r\n")
                verb = command.split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    self.reply("250-loopback")
                    self.reply("250 AUTH PLAIN")
                elif verb == "AUTH":
                    state.logins.append(base64.b64decode(command.split()[2]).decode())
                    self.reply("235 2.7.0 accepted")
                elif verb == "MAIL":
                    state.mail_from.append(envelope_address(command))
                    self.reply("250 ok")
                elif verb == "RCPT":
                    state.rcpt_to.append(envelope_address(command))
                    self.reply("550 no such user" if state.refuse else "250 ok")
                elif verb == "DATA":
                    self.reply("354 go on")
                    data = b""
                    while (chunk := self.rfile.readline()) != b".\r\n":
                        data += chunk
                    state.messages.append(data)
                    self.reply("250 queued")
                    state.delivered.set()
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("250 ok")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def settings_for(server: SmtpServer, **changes: Any) -> dict[str, Any]:
    notify = {"host": "127.0.0.1", "port": server.port, "starttls": False, "from": "blog@example.org",
              "to": "writer@example.org", "timeout": 10, **changes}
    return comments_settings({"COMMENTS": {"notify": notify}})["notify"]  # validated as a build would


def record(
    body: str = "Thank you for writing this.", *, flags: tuple[str, ...] = (), **changes: Any
) -> PrivateRecord:
    comment = PublicComment(id="3f9c2a7b1d4e", post="a-harder-week", author=changes.pop("author", "Mina"),
                            date=BASE_DATE, body=body, content_warnings=changes.pop("warnings", ()))
    return PrivateRecord(comment=comment, status=changes.pop("status", "pending"), email=COMMENTER_EMAIL,
                         ip=COMMENTER_IP, user_agent="Mozilla/5.0 (NotifyTestOS)", flags=list(flags),
                         **changes)


def delivered(server: SmtpServer) -> email.message.EmailMessage:
    (raw,) = server.messages
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def test_a_new_comment_mails_the_writer_and_nothing_points_at_the_commenter(smtp_server: SmtpServer) -> None:
    sent = notify_new_comment(settings_for(smtp_server), record(), post_title="A harder week",
                              post_url="https://example.org/posts/a-harder-week/", site_name="Still Here",
                              receiver_url="https://comments.example.org/comments")
    assert sent is True
    message = delivered(smtp_server)
    assert message["Subject"] == "[Still Here] New comment on “A harder week” from Mina"
    assert (message["From"], message["To"]) == ("blog@example.org", "writer@example.org")
    assert message["Reply-To"] is None and message["Auto-Submitted"] == "auto-generated"
    assert (smtp_server.mail_from, smtp_server.rcpt_to) == (["blog@example.org"], ["writer@example.org"])
    text = message.get_content()
    assert "Thank you for writing this." in text and "python3 dev.py comments-show --id 3f9c2a7b1d4e" in text
    assert "python3 dev.py comments-fetch --from https://comments.example.org/comments" in text
    raw = smtp_server.messages[0].lower()
    for private in (COMMENTER_EMAIL, COMMENTER_IP, "notifytestos"):
        assert private.encode() not in raw


def test_a_possible_crisis_is_marked_urgent(smtp_server: SmtpServer) -> None:
    crisis = record("I want to die", flags=(CRISIS,))
    notify_new_comment(settings_for(smtp_server), crisis, post_title="A week")
    message = delivered(smtp_server)
    assert message["Subject"] == "URGENT, possible crisis: New comment on “A week” from Mina"
    assert (message["Importance"], message["X-Priority"]) == ("high", "1")
    assert message.get_content().index("POSSIBLE CRISIS") < message.get_content().index("I want to die")


def test_the_text_can_stay_out_of_the_mail(smtp_server: SmtpServer) -> None:
    notify_new_comment(settings_for(smtp_server, include_text=False), record("Words for the site only"))
    assert b"Words for the site only" not in smtp_server.messages[0]
    assert "comments-show --id 3f9c2a7b1d4e" in delivered(smtp_server).get_content()


def test_a_name_made_to_break_the_headers_stays_inside_the_subject(smtp_server: SmtpServer) -> None:
    # Arrival refuses such a name; the mail does not rely on it.
    notify_new_comment(settings_for(smtp_server), record(author="Mina\r\nBcc: victim@example.invalid\r\n"))
    message = delivered(smtp_server)
    assert message["Bcc"] is None and message["Subject"].endswith("from Mina Bcc: victim@example.invalid")
    assert smtp_server.rcpt_to == ["writer@example.org"]


def test_it_logs_in_with_the_password_from_the_environment_and_never_logs_it(
    smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    conf = settings_for(smtp_server, username="writer", password_env="COMMENTS_SMTP_PASSWORD")
    caplog.set_level(logging.DEBUG)
    assert notify_new_comment(conf, record(), environ={"COMMENTS_SMTP_PASSWORD": PASSWORD}) is True
    assert smtp_server.logins == [f"\0writer\0{PASSWORD}"]
    assert PASSWORD not in caplog.text


def test_without_its_password_nothing_is_sent_and_the_variable_is_named(
    smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    conf = settings_for(smtp_server, username="writer", password_env="COMMENTS_SMTP_PASSWORD")
    assert notify_new_comment(conf, record(), environ={}) is False
    assert smtp_server.mail_from == [] and "COMMENTS_SMTP_PASSWORD, which is not set" in caplog.text


def test_a_refusing_or_missing_server_is_logged_never_raised(
    smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    smtp_server.refuse = True
    assert notify_new_comment(settings_for(smtp_server), record()) is False
    assert "SMTPRecipientsRefused" in caplog.text and smtp_server.messages == []
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    assert notify_new_comment({**settings_for(smtp_server), "port": port}, record()) is False
    assert "ConnectionRefusedError" in caplog.text


def test_off_by_default_and_quiet_about_spam(smtp_server: SmtpServer) -> None:
    assert comments_settings({})["notify"] is None
    assert notify_new_comment(None, record()) is False
    assert notify_new_comment_later(None, record()) is None
    assert notify_new_comment(settings_for(smtp_server), record(status="spam")) is False
    assert smtp_server.mail_from == []


def test_in_the_background_the_mail_still_goes(smtp_server: SmtpServer) -> None:
    thread = notify_new_comment_later(settings_for(smtp_server), record(), post_title="A harder week")
    assert thread is not None
    thread.join(timeout=20)
    assert not thread.is_alive() and len(smtp_server.messages) == 1


@pytest.mark.parametrize(
    ("notify", "message"),
    [
        ("smtp.example.org", "expected None or a dict"),
        ({"from": "a@example.org", "to": "b@example.org"}, "'host' must be your SMTP server's name"),
        ({"host": "smtp.example.org", "to": "b@example.org"}, "'from' must be one e-mail address"),
        ({"host": "smtp.example.org", "from": "a@example.org", "to": []}, "'to' must be an e-mail address"),
        ({"host": "smtp.example.org", "from": "a@example.org", "to": "b@example.org\nBcc: c@example.org"},
         "'to' must be an e-mail address"),
        ({"host": "smtp.example.org", "from": "a@example.org", "to": "b@example.org", "prot": 25},
         "unknown key 'prot'.*did you mean 'port'"),
        ({"host": "smtp.example.org", "from": "a@example.org", "to": "b@example.org", "port": 0},
         "'port' must be"),
        ({"host": "smtp.example.org", "from": "a@example.org", "to": "b@example.org", "ssl": True},
         "exclude each other"),
        ({"host": "smtp.example.org", "from": "a@example.org", "to": "b@example.org", "username": "me"},
         "'username' and 'password_env' go together"),
        ({"host": "smtp.example.org", "from": "a@example.org", "to": "b@example.org", "username": "me",
          "password_env": "hunter2 is my password"}, "name of an environment variable"),
        ({"host": "smtp.example.org", "from": "a@example.org", "to": "b@example.org", "username": "me",
          "password_env": "PW", "starttls": False}, "would send your password readable"),
    ],
)
def test_notify_settings_are_checked_at_start_and_never_echo_a_password(notify: Any, message: str) -> None:
    with pytest.raises(HarbourError, match=message) as raised:
        comments_settings({"COMMENTS": {"notify": notify}})
    assert "hunter2" not in str(raised.value)


def test_good_notify_settings_pass() -> None:
    notify = {"host": "smtp.example.org", "username": "me", "password_env": "COMMENTS_SMTP_PASSWORD",
              "from": "blog@example.org", "to": ["me@example.org", "co-writer@example.org"]}
    assert comments_settings({"COMMENTS": {"notify": notify}})["notify"] == notify


def test_the_real_receiver_mails_the_writer_once_a_comment_is_kept(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    notify = {"host": "127.0.0.1", "port": smtp_server.port, "starttls": False, "from": "blog@example.org",
              "to": "writer@example.org", "timeout": 10}
    with running_receiver(tmp_path, notify=notify) as receiver:
        answer = receiver.post(comment_fields(receiver.ripe_token(), body="I want to die, honestly"))
        assert answer.status == 200, answer.body
        assert smtp_server.delivered.wait(timeout=20), "no mail reached the SMTP server"
        (kept,) = receiver.records()
    message = delivered(smtp_server)
    assert message["Subject"].startswith("[")  # the site's name
    assert "URGENT, possible crisis: New comment on" in message["Subject"]
    assert f"comments-show --id {kept.id}" in message.get_content()
    assert b"mina@example.org" not in smtp_server.messages[0] and message["Reply-To"] is None
