"""The desk over HTTP, as a browser or another site's page would reach it: only with its token, only
from its own pages, each form once; the queue it shows; rebuilding and publishing; two desks and
a command at once; and the task that starts it."""

from __future__ import annotations

from html import unescape
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from comment_helpers import comment_file, make_stores, write_comments
from comments.desk.moderation import DONE, UNCHANGED, approve_comments, mark_spam
from comments.desk.public_store import find_public_comment, read_public_comments
from comments.desk_web.serve import check_desk_host, support_address
from comments.desk_web.site import publish_target
from conftest import ROOT
from desk_helpers import PUBLISHED, FORM_TOKEN, Queue, RunningDesk, desk_site, running_desk, seed_queue
from harbour.errors import HarbourError

STARTUP_SECONDS = 60


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[RunningDesk]:
    desk_site(tmp_path)
    with running_desk(tmp_path) as running:
        yield running


@pytest.fixture
def queued(desk: RunningDesk) -> Queue:
    return seed_queue(desk.stores)


def assert_nothing_changed(desk: RunningDesk, before: dict[str, bytes]) -> None:
    assert desk.store_files() == before, "a refused request changed the stores"


# --- Who may ask -----------------------------------------------------------------------------


def test_without_the_token_nothing_is_shown_or_changed(desk: RunningDesk, queued: Queue) -> None:
    token = desk.form_token()
    before = desk.store_files()
    for method, path in (("GET", "/"), ("GET", "/desk.js"), ("GET", "/?token=wrong"), ("GET", "/nowhere")):
        reply = desk.request(method, path, cookie=False)
        assert reply.status == 403, (path, reply.status)
        assert "opens only from the address `python3 dev.py comments-desk` printed" in reply.text
        assert queued.waiting not in reply.text and "example.invalid" not in reply.text
    refused = desk.post("/act", {"action": "approve", "id": queued.waiting}, token=token, cookie=False)
    assert refused.status == 403
    guessed = {"Cookie": f"still-here-desk-{desk.port}=guess"}
    wrong_cookie = desk.request("GET", "/", headers=guessed, cookie=False)
    assert wrong_cookie.status == 403
    assert_nothing_changed(desk, before)


def test_the_first_visit_trades_the_token_for_a_strict_cookie_and_drops_it_from_the_address(
    desk: RunningDesk, queued: Queue
) -> None:
    first = desk.request("GET", f"/?token={desk.app.guard.token}", cookie=False)
    assert first.status == 303 and first.headers["Location"] == "/"
    cookie = first.headers["Set-Cookie"]
    assert cookie.split(";")[0] == desk.cookie
    assert {part.strip() for part in cookie.split(";")[1:]} == {"HttpOnly", "SameSite=Strict", "Path=/"}
    page = desk.request("GET", "/", headers={"Cookie": cookie.split(";")[0]}, cookie=False)
    assert page.status == 200 and "Comments desk" in page.text and queued.waiting in page.text


def test_a_name_that_is_not_this_machine_is_refused_even_with_the_token(
    desk: RunningDesk, queued: Queue
) -> None:
    """A site that points its own name at 127.0.0.1 (DNS rebinding) reaches the desk under that name."""
    for host in ("evil.example", f"evil.example:{desk.port}", "192.0.2.1"):
        reply = desk.request("GET", "/", headers={"Host": host})
        assert reply.status == 403 and "answers only to this machine" in reply.text
    assert desk.request("GET", "/", headers={"Host": f"localhost:{desk.port}"}).status == 200


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "null", "http://127.0.0.1:1", "http://localhost:8000", None]
)
def test_a_form_from_another_origin_changes_nothing(
    desk: RunningDesk, queued: Queue, origin: str | None
) -> None:
    before = desk.store_files()
    reply = desk.post("/act", {"action": "approve", "id": queued.waiting}, origin=origin)
    assert reply.status == 403 and "not sent from the desk's own page" in unescape(reply.text)
    as_json = desk.post("/act", {"action": "approve", "id": queued.waiting}, origin=origin, as_json=True)
    assert as_json.status == 403 and as_json.json() == {"ok": False, "message": as_json.json()["message"]}
    assert desk.post("/build", {}, origin=origin).status == 403
    assert_nothing_changed(desk, before)


def test_a_replayed_form_changes_nothing(desk: RunningDesk, queued: Queue) -> None:
    token = desk.form_token()
    first = desk.post("/act", {"action": "approve", "id": queued.waiting}, token=token)
    assert first.status == 303 and "approved: published" in desk.notice(first)
    before = desk.store_files()
    replayed = desk.post("/act", {"action": "approve", "id": queued.other}, token=token)
    assert replayed.status == 403 and "This form was sent already" in replayed.text
    assert '<a href="/">Back to the desk</a>' in replayed.text
    for forged in ("", "x" * 32):
        assert desk.post("/act", {"action": "approve", "id": queued.other}, token=forged).status == 403
    assert_nothing_changed(desk, before)
    assert desk.stores.private.read(queued.other).status == "pending"


def test_bodies_the_desk_does_not_send_are_refused_unread(desk: RunningDesk, queued: Queue) -> None:
    before = desk.store_files()
    base = {"Origin": desk.origin}
    json_body = desk.request("POST", "/act", body=b'{"action": "approve"}',
                             headers={**base, "Content-Type": "application/json"})
    assert json_body.status == 415
    huge = desk.request("POST", "/act", body=b"a=" + b"b" * (300 * 1024),
                        headers={**base, "Content-Type": "application/x-www-form-urlencoded"})
    assert huge.status == 413
    latin1 = desk.request("POST", "/act", body=b"form_token=x&reason=caf%E9",
                          headers={**base, "Content-Type": "application/x-www-form-urlencoded"})
    assert latin1.status == 400
    assert desk.request("GET", "/act").status == 405
    assert_nothing_changed(desk, before)


def test_every_answer_forbids_framing_caching_and_anything_from_elsewhere(
    desk: RunningDesk, queued: Queue
) -> None:
    reply = desk.request("GET", "/")
    csp = reply.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert reply.headers["Cache-Control"] == "no-store" and reply.headers["X-Frame-Options"] == "DENY"
    assert re.findall(r'src="([^"]*)"', reply.text) == ["/desk.js"] and "<link" not in reply.text
    script = desk.request("GET", "/desk.js")
    assert script.status == 200 and script.headers["Content-Type"].startswith("text/javascript")


# --- The queue as a writer reads it ------------------------------------------------------------


def test_the_page_shows_possible_crises_first_then_waiting_then_flagged(
    desk: RunningDesk, queued: Queue
) -> None:
    page = desk.request("GET", "/").text
    order = [page.index(f'id="c-{i}"') for i in (queued.crisis, queued.waiting, queued.flagged)]
    assert order == sorted(order)
    headings = [page.index(f'id="{key}-heading"') for key in ("crises", "waiting", "flagged")]
    assert headings == sorted(headings)
    assert "1 possible crisis · 3 waiting · 1 flagged" in page
    crisis_note = page[page.index('class="crisis-note"'):page.index(f'id="c-{queued.crisis}"')]
    assert "you do not have to answer in public, or alone" in crisis_note
    assert '<a href="http://127.0.0.1:8000/support/">Support &amp; crisis resources</a>' in crisis_note
    assert "<code>" not in crisis_note, "the local preview's address is not one to send anyone"


def test_each_comment_shows_its_post_what_it_answers_its_writer_and_why_it_waits(
    desk: RunningDesk, queued: Queue
) -> None:
    page = desk.request("GET", "/").text
    card = page[page.index(f'id="c-{queued.waiting}"'):]
    card = card[:card.index("</article>")]
    assert "Mina on “First post”" in card
    assert '<a href="mailto:mina@example.invalid">mina@example.invalid</a>' in card
    assert '<a href="https://mina.example.org/" rel="nofollow noreferrer noopener">' in card
    # Rendered exactly as published: Markdown, and raw HTML shown as text.
    assert "<p>Thank you for <em>this</em> post. &lt;script&gt;alert(1)&lt;/script&gt;</p>" in card
    assert "<script>alert" not in page
    reply = page[page.index(f'id="c-{queued.reply}"'):]
    assert "It answers Ada (published)" in reply and "A published comment." in reply.split("</article>")[0]
    crisis = page[page.index(f'id="c-{queued.crisis}"'):].split("</article>")[0]
    assert "flagged: possible crisis" in crisis and "crisis language: " in crisis
    flagged = page[page.index(f'id="c-{queued.flagged}"'):].split("</article>")[0]
    assert "flagged: several links" in flagged and "2 links (flagged from 2)" in flagged
    assert "Second post" in page[page.index(f'id="c-{queued.other}"'):]


def test_the_support_link_is_the_live_sites_page() -> None:
    local = "http://127.0.0.1:8000"
    live = support_address("/support/", "https://still-here.example.org", local)
    assert live == ("https://still-here.example.org/support/", True)
    assert support_address("/support/", "", local) == ("http://127.0.0.1:8000/support/", False)
    assert support_address("https://help.example/", "", local) == ("https://help.example/", True)
    assert support_address("javascript:alert(1)", "", local) == ("#", False)


def test_ticked_comments_are_moderated_together_and_json_answers_carry_the_new_page(
    desk: RunningDesk, queued: Queue
) -> None:
    fields = [("action", "approve"), ("id", queued.waiting), ("id", queued.other)]
    reply = desk.post("/act", fields, as_json=True)
    answer = reply.json()
    assert reply.status == 200 and answer["ok"] is True
    assert answer["title"].startswith("Comments desk (3 waiting)")
    assert f'id="c-{queued.waiting}"' not in answer["main"]
    assert "Undo the approval of 2 comments" in answer["main"]
    published = {c.id for c in read_public_comments(desk.stores.public_dir)}
    assert published == {PUBLISHED, queued.waiting, queued.other}
    token = FORM_TOKEN.search(answer["main"]).group(1)  # type: ignore[union-attr]
    again = desk.post("/act", {"action": "undo"}, token=token, as_json=True).json()
    assert again["ok"] and "Undid the approval of 2 comments" in again["main"]
    replayed = desk.post("/act", {"action": "undo"}, token=token, as_json=True)
    assert replayed.status == 403 and replayed.json()["ok"] is False
    assert "This form was sent already" in replayed.json()["main"]


def test_a_content_note_comes_from_the_sites_vocabulary(desk: RunningDesk, queued: Queue) -> None:
    page = desk.request("GET", "/").text
    assert '<option value="grief">' in page and '<option value="self-harm">' in page
    assert "content warnings: grief" in desk.notice(desk.act("warn", queued.other, warning="grief"))
    refused = desk.notice(desk.act("warn", queued.other, warning="greif"))
    assert "'greif' is not a trigger tag" in unescape(refused) and "did you mean 'grief'" in unescape(refused)
    assert desk.stores.private.read(queued.other).comment.content_warnings == ("grief",)


def test_a_refused_reply_is_kept_in_its_box(desk: RunningDesk, queued: Queue) -> None:
    words = "Dear Sam,\n\nI read this twice. <b>Please</b> write to me."
    refused = desk.act("reply", queued.crisis, body=words)  # no approve_parent: the comment is waiting
    notice = desk.notice(refused)
    assert "Your reply was not published" in notice and "still waiting" in notice
    page = desk.request("GET", "/").text
    box = page[page.index(f'id="reply-{queued.crisis}"'):]
    assert box.split(">", 1)[1].startswith("\nDear Sam,\n\nI read this twice. &lt;b&gt;Please&lt;/b&gt;")
    assert desk.stores.private.read(queued.crisis).status == "pending"


def test_a_damaged_record_is_named_with_what_to_do_not_a_traceback(desk: RunningDesk, queued: Queue) -> None:
    desk.stores.private.record_path(queued.other).write_text("{broken", encoding="utf-8")
    reply = desk.request("GET", "/")
    assert reply.status == 500 and "The desk cannot read the stores" in reply.text
    assert f"{queued.other}.json:1: the private record is not valid JSON" in reply.text
    assert "restore it from your backup" in reply.text and "Traceback" not in reply.text


# --- The site ----------------------------------------------------------------------------------


def test_rebuilding_shows_the_outcome_and_the_comment_reaches_the_site(
    desk: RunningDesk, queued: Queue
) -> None:
    desk.act("approve", queued.waiting)
    assert "1 change since the desk last built the site" in desk.request("GET", "/").text
    notice = desk.notice(desk.post("/build", {}))
    assert "The site was built" in notice and f"Built: the site is in {desk.root / 'output'}" in notice
    article = next((desk.root / "output").glob("posts/*/*/first-post/index.html")).read_text(encoding="utf-8")
    assert f'id="comment-{queued.waiting}"' in article
    assert "No changes since the desk last built the site" in desk.request("GET", "/").text


def test_a_failed_build_names_the_file_and_line_and_keeps_the_previous_site(desk: RunningDesk) -> None:
    broken = "Author: Mina\nDate: someday\n\nHi.\n"
    write_comments(desk.stores.content_dir, {"first-post/abcabcabcabc": broken})
    notice = desk.notice(desk.post("/build", {}))
    assert "The build failed" in notice
    page = desk.request("GET", "/").text
    site_run = page[page.index('id="site-run"'):].split("</div>")[0]
    assert "the site in the output folder is the one built before" in site_run
    assert "first-post/abcabcabcabc.md:2" in site_run and "someday" in site_run
    assert not (desk.root / "output" / "index.html").exists()


def test_publishing_runs_the_publish_command_where_a_target_is_set(tmp_path: Path) -> None:
    desk_site(tmp_path)
    conf = tmp_path / "publishconf.py"
    conf.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\n"
                    "SITEURL = 'https://blog.example.net'\n"
                    "PUBLISH_RSYNC_TARGET = 'blog@server.blog.net:/srv/'\n",
                    encoding="utf-8")
    script = "import sys; print('uploading'); print('oops', file=sys.stderr); sys.exit(3)"
    command = [sys.executable, "-c", script]
    with running_desk(tmp_path, publish_settings=conf, publish_command=command) as desk:
        page = desk.request("GET", "/").text
        assert "Publish to blog@server.blog.net:/srv/" in page
        assert '<a href="https://blog.example.net/support/">' in page, "the live site's support page"
        notice = desk.notice(desk.post("/publish", {}))
        assert "Publishing failed" in notice
        site_run = desk.request("GET", "/").text.split('id="site-run"')[1].split("</div>")[0]
        assert "exit code 3" in site_run
        assert "<code>uploading</code>" in site_run and "<code>oops</code>" in site_run


def test_without_a_target_of_the_writers_own_there_is_no_publish_button(desk: RunningDesk) -> None:
    page = desk.request("GET", "/").text
    assert 'action="/publish"' not in page and "set <code>PUBLISH_RSYNC_TARGET</code>" in page
    notice = desk.notice(desk.post("/publish", {}))
    assert "Nothing was published" in notice and "publishing is not set up" in notice


@pytest.mark.parametrize("target, expected", [
    ("", None),
    ("still-here.example.org:/var/www/still-here/", None),
    ("me@www.example.com:/srv/", None),
    ("me@blog.example.net.:/srv/", None),
    ("me@my-host.org:/srv/www/", "me@my-host.org:/srv/www/"),
    ("/mnt/usb/site/", "/mnt/usb/site/"),
])
def test_the_templates_example_target_is_not_a_target(target: str, expected: str | None) -> None:
    assert publish_target({"PUBLISH_RSYNC_TARGET": target}) == expected


# --- Two desks and a command at once -----------------------------------------------------------


def test_two_desks_and_a_command_acting_at_once_lose_nothing(tmp_path: Path) -> None:
    desk_site(tmp_path)
    stores = make_stores(tmp_path)
    from comments.desk.arrival import receive_comment
    from comments.desk.triage import TriageRules

    ids = [receive_comment(stores, TriageRules(), post="first-post", author=f"Reader {n}",
                           body=f"Comment number {n}.").record.id for n in range(12)]
    # Desk A approves 0-3 one by one, desk B rejects 4-7 and also approves 0 (A's), the command
    # marks 8-11 as spam; all at once.
    with running_desk(tmp_path) as desk_a, running_desk(tmp_path) as desk_b:
        jobs = [(desk_a, [("action", "approve"), ("id", i)]) for i in ids[:4]]
        jobs += [(desk_b, [("action", "reject"), ("reason", "off topic"), ("id", i)]) for i in ids[4:8]]
        jobs.append((desk_b, [("action", "approve"), ("id", ids[0])]))
        prepared = [(d, fields, d.form_token()) for d, fields in jobs]
        barrier = threading.Barrier(len(prepared) + 1)
        answers: list[int] = []
        command: list[str] = []

        def send(d: RunningDesk, fields: list[tuple[str, str]], token: str) -> None:
            barrier.wait()
            answers.append(d.post("/act", fields, token=token).status)

        def run_command() -> None:
            other = make_stores(tmp_path)  # the command's own lock object, as another process has
            barrier.wait()
            command.extend(o.result for o in mark_spam(other, ids[8:], moderator="cli"))

        threads = [threading.Thread(target=send, args=job) for job in prepared]
        threads.append(threading.Thread(target=run_command))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert answers == [303] * len(prepared) and command == [DONE] * 4
    statuses = {i: stores.private.read(i).status for i in ids}
    assert statuses == {**{i: "approved" for i in ids[:4]}, **{i: "rejected" for i in ids[4:8]},
                        **{i: "spam" for i in ids[8:]}}
    assert {c.id for c in read_public_comments(stores.public_dir)} == set(ids[:4])
    audit = stores.private.audit_entries()
    steps = [(e["id"], e["action"]) for e in audit if e["action"] != "receive"]
    assert sorted(steps) == sorted([(i, "approve") for i in ids[:4]] + [(i, "reject") for i in ids[4:8]]
                                   + [(i, "spam") for i in ids[8:]]), "each step once, none lost"
    for comment_id in ids:
        assert len(stores.private.read(comment_id).history) == 2


def test_a_second_approval_of_the_same_comment_changes_nothing(desk: RunningDesk, queued: Queue) -> None:
    approve_comments(desk.stores, [queued.waiting], moderator="cli")
    notice = desk.notice(desk.act("approve", queued.waiting))
    assert "is approved already" in notice
    assert [e["action"] for e in desk.audit() if e["id"] == queued.waiting] == ["receive", "approve"]
    assert approve_comments(desk.stores, [queued.waiting])[0].result == UNCHANGED


# --- Starting it ---------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.7", "example.org"])
def test_the_desk_listens_on_this_machine_only(host: str) -> None:
    with pytest.raises(HarbourError, match=f"--host {host} is not this machine: the desk shows your "
                                           "commenters' e-mail addresses"):
        check_desk_host(host)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_loopback_addresses_are_fine(host: str) -> None:
    check_desk_host(host)


def test_the_task_refuses_another_address_and_says_why(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "comments-desk", "--host", "0.0.0.0", "--no-browser", "--private",
         str(tmp_path / "private")], cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert "comments-desk: --host 0.0.0.0 is not this machine" in result.stderr
    assert "ssh -L 8002:127.0.0.1:8002" in result.stderr and "Traceback" not in result.stderr + result.stdout


def test_the_task_is_listed() -> None:
    listed = subprocess.run([sys.executable, "-m", "invoke", "--list"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert any(line.split()[:1] == ["comments-desk"] and "Moderate in your browser" in line
               for line in listed.stdout.splitlines())


def test_the_task_opens_the_desk_in_the_browser_with_its_token_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    stores = desk_site(tmp_path)
    queued = seed_queue(stores)
    opened = tmp_path / "opened"
    # webbrowser runs $BROWSER with the address in place of %s: here, a command that writes it down.
    browser = f"{sys.executable} -c \"import sys; open({str(opened)!r}, 'w').write(sys.argv[1])\" %s"
    process = subprocess.Popen(
        [sys.executable, "-m", "invoke", "comments-desk", "--port", "0",
         "--private", str(tmp_path / "private"), "--content", str(tmp_path / "content")],
        cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "BROWSER": browser},
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or []] + [lines.put("")],
                     daemon=True).start()
    try:
        first = lines.get(timeout=STARTUP_SECONDS)
        assert first.startswith("The comments desk is at http://127.0.0.1:"), first
        address = first.split(" at ", 1)[1].strip()
        assert "?token=" in address
        assert lines.get(timeout=STARTUP_SECONDS).startswith("It answers only to this address")
        assert lines.get(timeout=STARTUP_SECONDS) == "Opened it in your browser.\n"
        assert opened.read_text() == address
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with opener.open(address, timeout=20) as response:
            page = response.read().decode()
        assert response.url.endswith("/") and "?token" not in response.url
        assert queued.crisis in page and "Possible crisis (1)" in page
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
