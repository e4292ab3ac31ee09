"""The desk in Chromium, as the writer uses it: opened with its token (and refused without), then
each step with and without JavaScript (approve, reject with a reason, spam, a content note, a
reply, undo), each one visible where the command line looks (comments-queue's output, the public
store, the audit log); the keyboard shortcuts; a rebuild; and no axe WCAG 2.2 AA violation in
light or dark mode, with nothing loaded from another host."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from comments.desk.public_store import find_public_comment, read_public_comments
from comments.desk.queue_view import describe_comment
from conftest import ROOT
from desk_helpers import PUBLISHED, Queue, RunningDesk, desk_site, running_desk, seed_queue
from test_accessibility import WCAG_AA, axe, describe  # noqa: F401 (axe is a fixture)

pytestmark = pytest.mark.browser


@dataclass
class DeskVisit:
    """A browser page on the desk, and what it asked of other hosts or logged as errors."""

    page: Any
    desk: RunningDesk
    queue: Queue
    elsewhere: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def card(self, comment_id: str) -> Any:
        return self.page.locator(f"#c-{comment_id}")

    def notice(self) -> Any:
        return self.page.locator("#notice")

    def last_audit(self, comment_id: str) -> dict[str, Any]:
        return [e for e in self.desk.audit() if e["id"] == comment_id][-1]

    def mark_page(self) -> None:
        """Set a value that only survives if the page is not reloaded."""
        self.page.evaluate("window.deskMarker = 'same page'")

    def same_page(self) -> bool:
        return bool(self.page.evaluate("window.deskMarker === 'same page'"))


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[RunningDesk]:
    desk_site(tmp_path)
    with running_desk(tmp_path) as running:
        yield running


@pytest.fixture
def open_desk(browser: Any, desk: RunningDesk) -> Iterator[Any]:
    contexts = []
    queue = seed_queue(desk.stores)

    def make(*, javascript: bool = True, scheme: str = "light", token: bool = True) -> DeskVisit:
        context = browser.new_context(java_script_enabled=javascript, color_scheme=scheme)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        visit = DeskVisit(page=page, desk=desk, queue=queue)
        context.on("request", lambda r: visit.elsewhere.append(r.url)
                   if urlsplit(r.url).hostname != "127.0.0.1" else None)
        page.on("console", lambda m: visit.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: visit.errors.append(str(error)))
        page.goto(desk.address if token else desk.origin + "/")
        return visit

    yield make
    for context in contexts:
        context.close()


# --- Opening it -------------------------------------------------------------------------------


def test_the_desk_opens_with_its_token_and_not_without(open_desk: Any) -> None:
    refused = open_desk(token=False)
    expect(refused.page.locator("h1")).to_have_text("This desk needs its address")
    assert refused.queue.crisis not in refused.page.content()
    refused.page.goto(refused.desk.address)
    assert refused.page.url == refused.desk.origin + "/", "the token leaves the address bar"
    expect(refused.page.locator("h1")).to_have_text("Comments desk")
    expect(refused.card(refused.queue.crisis)).to_be_visible()
    assert refused.page.evaluate("document.cookie") == "", "the cookie is out of the page's reach"
    refused.page.reload()
    expect(refused.card(refused.queue.crisis)).to_be_visible()


# --- Each step, with and without JavaScript ----------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "plain-forms"])
def test_each_step_is_taken_and_recorded_where_the_command_line_looks(
    open_desk: Any, javascript: bool
) -> None:
    visit = open_desk(javascript=javascript)
    page, queue, desk = visit.page, visit.queue, visit.desk
    visit.mark_page()

    # Approve.
    visit.card(queue.waiting).get_by_role("button", name="Approve the comment by Mina").click()
    expect(visit.notice()).to_contain_text(f"{queue.waiting} approved: published")
    expect(visit.card(queue.waiting)).to_have_count(0)
    assert queue.waiting not in desk.queue_output()
    assert find_public_comment(desk.stores.public_dir, queue.waiting) is not None
    assert visit.last_audit(queue.waiting)["action"] == "approve"

    # Reject, with a reason.
    card = visit.card(queue.other)
    card.get_by_label("Reason for rejecting").fill("Names a third party")
    card.get_by_role("button", name="Reject the comment by Kit").click()
    expect(visit.notice()).to_contain_text(f"{queue.other} rejected (Names a third party)")
    assert queue.other not in desk.queue_output()
    assert (visit.last_audit(queue.other)["action"], visit.last_audit(queue.other)["reason"]) == (
        "reject", "Names a third party")

    # Spam.
    visit.card(queue.flagged).get_by_role("button", name="Mark the comment by Lee as spam").click()
    expect(visit.notice()).to_contain_text(f"{queue.flagged} spam")
    assert queue.flagged not in desk.queue_output()
    assert visit.last_audit(queue.flagged)["action"] == "spam"

    # A content note, from the vocabulary.
    card = visit.card(queue.reply)
    card.get_by_label("Content note").select_option("grief")
    card.get_by_role("button", name="Set the note on the comment by Jo").click()
    expect(visit.notice()).to_contain_text(f"{queue.reply} content warnings: grief")
    expect(visit.card(queue.reply).locator("dd", has_text="grief")).to_have_count(1)
    shown = describe_comment(desk.stores.private.read(queue.reply))  # what comments-show prints
    assert "Content-Warnings: grief" in shown and "warn: pending -> pending by" in shown
    assert visit.last_audit(queue.reply)["action"] == "warn"

    # A reply as the writer: it approves the waiting comment it answers.
    card = visit.card(queue.reply)
    card.get_by_text("Reply as Robin").click()
    card.get_by_label("Your reply to Jo").fill("Thank you, Jo. *Take care.*")
    card.get_by_role("button", name="Approve the comment and publish my reply").click()
    expect(visit.notice()).to_contain_text("published your reply to")
    published = {c.id: c for c in read_public_comments(desk.stores.public_dir)}
    (reply,) = [c for c in published.values() if c.reply_to == queue.reply]
    assert queue.reply in published and reply.author == "Robin"
    assert reply.body == "Thank you, Jo. *Take care.*"
    assert visit.last_audit(reply.id)["action"] == "writer-reply"
    assert queue.reply not in desk.queue_output()

    # Undo the reply: it comes down (kept, privately), and Jo's comment waits again.
    page.get_by_role("button", name="Undo your reply and the approval it needed").click()
    expect(visit.notice()).to_contain_text(f"{queue.reply} is waiting again")
    expect(visit.card(queue.reply)).to_be_visible()
    assert queue.reply in desk.queue_output()
    assert set(c.id for c in read_public_comments(desk.stores.public_dir)) == {PUBLISHED, queue.waiting}
    assert desk.stores.private.read(reply.id).status == "rejected"
    assert [e["action"] for e in desk.audit() if e["id"] == queue.reply][-2:] == ["unpublish", "return"]
    expect(page.get_by_role("button", name="Undo your reply and the approval it needed")).to_have_count(0)

    assert visit.same_page() is javascript, "with JavaScript no step reloads the page; without, each does"
    assert visit.elsewhere == [] and visit.errors == []
    shown = subprocess.run(
        [sys.executable, "-m", "invoke", "comments-queue", "--private", str(desk.stores.private.root),
         "--content", str(desk.stores.content_dir)], cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert shown.returncode == 0 and queue.reply in shown.stdout and queue.crisis in shown.stdout
    assert queue.waiting not in shown.stdout and queue.other not in shown.stdout


def test_several_comments_at_once_and_enter_in_the_reason_approves_nothing(open_desk: Any) -> None:
    visit = open_desk(javascript=False)
    page, queue = visit.page, visit.queue
    page.get_by_label("Select the comment by Mina").check()
    page.get_by_label("Select the comment by Kit").check()
    reason = page.locator("#bulk-reason")
    reason.fill("Not for this blog")
    reason.press("Enter")  # the form's first button is a disabled one: Enter sends nothing
    page.get_by_role("button", name="Reject the selected").click()
    expect(visit.notice()).to_contain_text(f"{queue.waiting} rejected (Not for this blog)")
    expect(visit.notice()).to_contain_text(f"{queue.other} rejected (Not for this blog)")
    for comment_id in (queue.waiting, queue.other):
        assert [e["action"] for e in visit.desk.audit() if e["id"] == comment_id] == ["receive", "reject"]
    page.get_by_role("button", name="Undo the rejection of 2 comments").click()
    expect(visit.notice()).to_contain_text(f"{queue.other} is waiting again")
    assert {r.status for r in visit.desk.stores.private.all_records()} == {"pending"}


def test_the_keyboard_does_each_step(open_desk: Any) -> None:
    visit = open_desk()
    page, queue, desk = visit.page, visit.queue, visit.desk
    page.keyboard.press("j")
    expect(visit.card(queue.crisis)).to_be_focused()
    page.keyboard.press("j")
    second = page.locator("article.comment").nth(1)
    expect(second).to_be_focused()
    second_id = second.get_attribute("data-id")
    page.keyboard.press("a")
    expect(visit.notice()).to_contain_text(f"{second_id} approved")
    assert desk.stores.private.read(second_id).status == "approved"
    page.keyboard.press("u")
    expect(visit.notice()).to_contain_text(f"{second_id} is waiting again")
    # Tick two with x, then s marks both as spam.
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    ticked = page.locator('input[name="id"]:checked')
    expect(ticked).to_have_count(2)
    ids = [ticked.nth(i).get_attribute("value") for i in range(2)]
    page.keyboard.press("s")
    expect(visit.notice()).to_contain_text(f"{ids[1]} spam")
    assert {desk.stores.private.read(i).status for i in ids} == {"spam"}
    # r goes to the reason; Enter there rejects the current comment.
    page.keyboard.press("j")
    page.keyboard.press("r")
    focused = page.locator(":focus")
    expect(focused).to_have_attribute("name", "reason")
    current = page.evaluate("document.activeElement.closest('article').dataset.id")
    focused.fill("Duplicate")
    focused.press("Enter")
    expect(visit.notice()).to_contain_text(f"{current} rejected (Duplicate)")
    # e opens the reply box.
    page.keyboard.press("j")
    page.keyboard.press("e")
    expect(page.locator(":focus")).to_have_attribute("name", "body")
    assert visit.errors == [] and visit.elsewhere == []


def test_rebuilding_from_the_page_shows_the_outcome(open_desk: Any) -> None:
    visit = open_desk()
    visit.card(visit.queue.waiting).get_by_role("button", name="Approve the comment by Mina").click()
    expect(visit.page.locator("#site")).to_contain_text("1 change since the desk last built the site")
    visit.page.get_by_role("button", name="Rebuild the site").click()
    expect(visit.page.locator("#site-run")).to_contain_text("Built: the site is in", timeout=60_000)
    expect(visit.notice()).to_contain_text("The site was built")
    assert any((visit.desk.root / "output").glob("posts/*/*/first-post/index.html"))


# --- Accessibility ------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_wcag_aa_violations_in_light_and_dark(open_desk: Any, axe: Any, scheme: str) -> None:  # noqa: F811
    visit = open_desk(scheme=scheme)
    page = visit.page
    # The page with everything it can show: a notice with undo, a build's outcome, an open reply box,
    # a warned comment's disclosure and a waiting reply quoting its parent.
    visit.card(visit.queue.other).get_by_label("Content note").select_option("grief")
    visit.card(visit.queue.other).get_by_role("button", name="Set the note on the comment by Kit").click()
    expect(visit.notice()).to_contain_text("content warnings: grief")
    page.get_by_role("button", name="Rebuild the site").click()
    expect(page.locator("#site-run")).to_be_visible(timeout=60_000)
    visit.card(visit.queue.waiting).get_by_text("Reply as Robin").click()
    visit.card(visit.queue.other).locator("details summary").first.click()
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    assert results.response["violations"] == [], describe(results.response["violations"])
    refused = page.context.new_page()
    refused.goto(visit.desk.origin + "/", wait_until="load")
    page.context.clear_cookies()
    refused.reload()
    results = axe.run(refused, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    assert results.response["violations"] == [], describe(results.response["violations"])
    assert visit.elsewhere == [] and visit.errors == []
