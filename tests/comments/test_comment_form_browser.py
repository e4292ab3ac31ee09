"""The comment form in Chromium, against the real receiver on loopback: with JavaScript and without.

One small site is built with its form pointing at a receiver (plugins/comments/receiver/) served by
waitress on a free port; the site itself is served on another, as `invoke serve` and `invoke
comments-receive` would run side by side. The receiver's clock is the real one, shifted forward
when a test would otherwise have to wait for the minimum fill time without JavaScript.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from comment_helpers import build_comments_site, comment_file, make_stores, post_text, tiny_site
from comments.config import CommentStores
from comments.model import PrivateRecord
from comments.receiver.app import make_app
from comments.receiver.keys import receiver_keys
from comments.receiver.manifest import SiteFolder
from comments.receiver.serve import ReceiverServer
from conftest import DEV_SETTINGS
from harbour.build import load_settings
from harbour.serve import site_server
from test_accessibility import WCAG_AA, axe, describe  # noqa: F401 (axe is a fixture)

pytestmark = pytest.mark.browser

MIN_FILL = 2  # seconds: long enough that sending at once shows the script waits for it
PARENT, REPLY = "aaa111aaa111", "bbb222bbb222"
WAITING = "Thank you. Your comment waits for the writer to read it; it appears once approved."
POSTS = {
    "first.md": post_text("First post", "first-post", "2026-04-01 10:00"),
    "gated.md": (
        "Title: A gated post\nDate: 2026-04-02 10:00\nCategory: Notes\nSlug: gated-post\n"
        "Content-Warnings: self-harm\n\nHard words.\n"
    ),
}
COMMENTS = {
    f"first-post/{PARENT}": comment_file("Mina", "It helped to read this.", date="2026-04-02 09:00:00+01:00"),
    f"first-post/{REPLY}": comment_file("Zoë", "Me too.", reply_to=PARENT, date="2026-04-02 10:00:00+01:00"),
    "gated-post/ccc333ccc333": comment_file("Jo", "Thank you.", date="2026-04-03 09:00:00+01:00"),
}


class ShiftedClock:
    """The real time, plus whatever a test moved it on by (never back)."""

    def __init__(self) -> None:
        self.shift = 0.0

    def __call__(self) -> float:
        return time.time() + self.shift

    def advance(self, seconds: float) -> None:
        self.shift += seconds


@dataclass
class FormWorld:
    site_url: str
    receiver_url: str
    stores: CommentStores
    clock: ShiftedClock

    def records(self, body: str) -> list[PrivateRecord]:
        return [r for r in self.stores.private.all_records() if r.comment.body == body]

    def own(self, url: str) -> bool:
        return url.startswith((self.site_url + "/", self.receiver_url + "/"))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FormWorld]:
    root = tmp_path_factory.mktemp("form-browser")
    content = tiny_site(root, COMMENTS, posts=POSTS)
    output = root / "output"
    # The site's address first (the receiver allows only its origin), then the receiver's (the form
    # sends there), then the build that writes both into the pages and the manifest.
    site = site_server(output, "127.0.0.1", 0)
    site_url = f"http://127.0.0.1:{site.server_address[1]}"
    threading.Thread(target=site.serve_forever, daemon=True).start()
    stores = make_stores(root)
    clock = ShiftedClock()
    settings = load_settings(
        DEV_SETTINGS, PATH=str(content), OUTPUT_PATH=str(output),
        COMMENTS={"private_path": str(root / "private"), "allowed_origins": [site_url],
                  "min_fill_seconds": MIN_FILL, "rate_limit": 1000},
    )
    app = make_app(settings, stores=stores, site=SiteFolder(output), keys=receiver_keys(stores.private),
                   clock=clock, erase=None)
    receiver = ReceiverServer(app, "127.0.0.1", 0)
    receiver_thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    receiver_thread.start()
    receiver_url = receiver.url
    build_comments_site(root, content, form_action=f"{receiver_url}/comments")
    try:
        yield FormWorld(site_url, receiver_url, stores, clock)
    finally:
        receiver.shutdown()
        receiver_thread.join(timeout=15)
        site.shutdown()
        site.server_close()


@pytest.fixture(scope="module")
def site_url(world: FormWorld) -> str:
    """This module's site, for conftest's open_browser_page."""
    return world.site_url


@pytest.fixture
def visit(open_browser_page: Any, world: FormWorld) -> Any:
    """A page on the site with JavaScript, recording every address it asks for."""
    return watched(open_browser_page(), world)


def watched(visit: Any, world: FormWorld) -> Any:
    visit.requests = []
    visit.page.on("request", lambda request: visit.requests.append(request.url))
    visit.page.set_default_timeout(15_000)
    return visit


def fill(page: Any, *, name: str = "Sam", email: str = "sam@example.org", body: str, url: str = "") -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("E-mail (optional)").fill(email)
    if url:
        page.get_by_label("Your website (optional)").fill(url)
    page.get_by_label("Your comment", exact=True).fill(body)


def status(page: Any) -> Any:
    return page.locator("#comment-form-status")


def focused_id(page: Any) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


FIRST_POST = "/posts/2026/04/first-post/"


# --- With JavaScript ---------------------------------------------------------------------------------

def test_a_comment_is_sent_in_place_once_and_waits_for_the_writer(visit: Any, world: FormWorld) -> None:
    page = visit.page
    visit.open(FIRST_POST)
    fill(page, body="Sent in place, straight away.")
    # Its option has no value of its own: the browser sends the label, the receiver keeps the topic.
    page.get_by_label("Content note for your comment (optional)").select_option(label="Suicidal thoughts")
    # Sent at once, twice: the script waits for the minimum fill time and sends once.
    page.get_by_role("button", name="Send comment").click()
    page.get_by_role("button", name="Send comment").click()
    expect(status(page)).to_have_text(WAITING)
    assert focused_id(page) == "comment-form-status"
    assert page.url == world.site_url + FIRST_POST  # no page left
    (record,) = world.records("Sent in place, straight away.")
    assert (record.status, record.comment.post, record.comment.author) == ("pending", "first-post", "Sam")
    assert record.email == "sam@example.org" and record.source == "form"
    assert record.comment.content_warnings == ("suicidal-thoughts",)
    # The words are with the receiver, so the box is empty for the next one; the name stays.
    assert page.get_by_label("Your comment", exact=True).input_value() == ""
    assert page.get_by_label("Name", exact=True).input_value() == "Sam"
    posts = [u for u in visit.requests if u == f"{world.receiver_url}/comments"]
    tokens = [u for u in visit.requests if u == f"{world.receiver_url}/comments/token"]
    assert (len(posts), len(tokens)) == (1, 1)
    assert all(world.own(u) for u in visit.requests), visit.requests
    assert visit.offsite_requests == [] and visit.console_errors == [] and visit.dialogs == []


def test_errors_are_tied_to_their_fields_and_cleared_when_put_right(visit: Any, world: FormWorld) -> None:
    page = visit.page
    visit.open(FIRST_POST)
    fill(page, body="A comment with a wrong website.", url="ftp://example.org/")
    page.get_by_role("button", name="Send comment").click()
    website = page.get_by_label("Your website (optional)")
    expect(website).to_have_attribute("aria-invalid", "true")
    # Shown by its border too (besides the words), beating the form's plain field rule.
    assert website.evaluate("field => getComputedStyle(field).borderTopWidth") == "3px"
    error = page.locator("#comment-url-error")
    assert error.inner_text().strip()
    assert website.get_attribute("aria-describedby") == "comment-url-error comment-url-hint"
    # The message takes focus and leads to the field; nothing was stored.
    assert focused_id(page) == "comment-form-status"
    assert "comment-form__status--error" in status(page).get_attribute("class")
    summary_link = status(page).get_by_role("link", name=error.inner_text().strip())
    summary_link.click()
    assert focused_id(page) == "comment-url"
    assert world.records("A comment with a wrong website.") == []
    assert page.get_by_label("Your comment", exact=True).input_value() == "A comment with a wrong website."
    # Put right and sent again: the error goes, the comment arrives.
    website.fill("https://sam.example.org/")
    page.get_by_role("button", name="Send comment").click()
    expect(status(page)).to_have_text(WAITING)
    assert website.get_attribute("aria-invalid") is None
    assert website.get_attribute("aria-describedby") == "comment-url-hint"
    assert page.locator(".comment-form__error").count() == 0
    (record,) = world.records("A comment with a wrong website.")
    assert record.comment.author_url == "https://sam.example.org/"
    assert all(world.own(u) for u in visit.requests) and visit.offsite_requests == []


def test_reply_moves_the_form_under_the_comment_and_cancel_puts_it_back(visit: Any, world: FormWorld) -> None:
    page = visit.page
    visit.open(FIRST_POST)
    form = page.locator("#comment-form")
    reply_link = page.locator(f'a.comment__reply[data-reply-to="{PARENT}"]')
    reply_link.click()
    expect(page.locator("#comment-form-replying")).to_be_visible()  # once comment-form.js is there
    assert page.url == world.site_url + FIRST_POST  # no trip to the receiver's reply page
    assert page.evaluate("document.getElementById('comment-form').previousElementSibling.id") == f"comment-{PARENT}"
    assert "Replying to Mina" in page.locator("#comment-form-replying").inner_text()
    assert form.locator('input[name="reply_to"]').input_value() == PARENT
    assert focused_id(page) == "comment-body"
    assert "comment-form-replying" in page.locator("#comment-body").get_attribute("aria-describedby")
    # Cancel: back below the thread, answering no one, focus back on the link that moved it.
    page.get_by_role("button", name="Cancel reply").click()
    assert page.evaluate("document.getElementById('comment-form').previousElementSibling.tagName") == "OL"
    assert form.locator('input[name="reply_to"]').input_value() == ""
    expect(page.locator("#comment-form-replying")).to_be_hidden()
    assert focused_id(page) == "" and page.evaluate("document.activeElement === document.querySelector("
                                                    f"'a[data-reply-to=\"{PARENT}\"]')")
    # Reply for real: the receiver gets the parent; the form goes home once it is sent.
    reply_link.click()
    fill(page, name="Lee", body="A reply, from under the comment.")
    page.get_by_role("button", name="Send comment").click()
    expect(status(page)).to_have_text(WAITING)
    (record,) = world.records("A reply, from under the comment.")
    assert record.comment.reply_to == PARENT
    assert page.evaluate("document.getElementById('comment-form').previousElementSibling.tagName") == "OL"
    assert form.locator('input[name="reply_to"]').input_value() == ""
    assert all(world.own(u) for u in visit.requests) and visit.offsite_requests == []


def test_when_the_receiver_does_not_answer_nothing_is_lost(visit: Any, world: FormWorld) -> None:
    page = visit.page
    page.route(f"{world.receiver_url}/**", lambda route: route.abort())
    visit.open(FIRST_POST)
    fill(page, body="Words that must not be lost.")
    page.get_by_role("button", name="Send comment").click()
    expect(status(page)).to_contain_text("Nothing is lost")
    assert focused_id(page) == "comment-form-status"
    assert page.get_by_label("Your comment", exact=True).input_value() == "Words that must not be lost."
    assert world.records("Words that must not be lost.") == []
    # Once the receiver answers again, the same form sends it.
    page.unroute(f"{world.receiver_url}/**")
    page.get_by_role("button", name="Send comment").click()
    expect(status(page)).to_have_text(WAITING)
    assert len(world.records("Words that must not be lost.")) == 1


def test_a_refused_token_is_said_once_and_the_next_send_fetches_a_fresh_one(visit: Any, world: FormWorld) -> None:
    page = visit.page
    forged = '{"token": "not-one-of-ours", "min_fill_seconds": 0}'
    page.route(f"{world.receiver_url}/comments/token", lambda route: route.fulfill(
        status=200, content_type="application/json", body=forged,
        headers={"Access-Control-Allow-Origin": world.site_url},
    ), times=1)
    visit.open(FIRST_POST)
    fill(page, body="Sent with a token the receiver never gave.")
    page.get_by_role("button", name="Send comment").click()
    expect(status(page)).to_have_class("comment-form__status comment-form__status--error")
    said = status(page).inner_text().strip()
    assert said and status(page).locator("li").count() == 0, said  # the token's message, once
    assert page.locator("[aria-invalid]").count() == 0  # no field is wrong
    assert world.records("Sent with a token the receiver never gave.") == []
    page.get_by_role("button", name="Send comment").click()
    expect(status(page)).to_have_text(WAITING)
    assert len(world.records("Sent with a token the receiver never gave.")) == 1
    assert [u for u in visit.requests if u.endswith("/comments/token")] == [f"{world.receiver_url}/comments/token"] * 2


# --- Without JavaScript -------------------------------------------------------------------------------

# --- comment-form.js arrives only when a comment is started (comment-loader.js) --------------------

FORM_SCRIPT = "/theme/js/comment-form.js"
FORM_STYLES = "/theme/css/comment-form.css"


def form_script_requests(visit: Any) -> list[str]:
    return [u for u in visit.requests if u.endswith(FORM_SCRIPT)]


def test_the_form_script_loads_only_once_a_comment_is_started(visit: Any, world: FormWorld) -> None:
    page = visit.page
    visit.open(FIRST_POST)
    page.get_by_text("Every comment is read by the writer").click()  # reading is not writing
    assert form_script_requests(visit) == [] and FORM_STYLES not in "".join(visit.requests) and not [u for u in visit.requests if world.own(u) and
                                                      u.startswith(world.receiver_url)]
    # The first focus in a field loads the script, which asks for the token for that focus.
    with page.expect_request(f"{world.receiver_url}/comments/token"):
        page.get_by_label("Name", exact=True).focus()
    assert form_script_requests(visit) == [world.site_url + FORM_SCRIPT]
    # With the styles of what it shows (its status, errors, a reply in progress).
    assert [u for u in visit.requests if u.endswith("/comment-form.css")] == [world.site_url + FORM_STYLES]
    assert visit.console_errors == [] and visit.offsite_requests == []


def test_reply_and_send_pressed_before_the_script_arrives_wait_for_it(visit: Any, world: FormWorld) -> None:
    page = visit.page
    held: list[Any] = []
    page.route(f"**{FORM_SCRIPT}", lambda route: held.append(route))  # on its way, slowly
    visit.open(FIRST_POST)
    page.get_by_role("link", name="Reply to Mina").click()
    assert page.url == world.site_url + FIRST_POST  # not followed: it waits for the script
    fill(page, name="Ash", body="Sent before the script was there.")
    page.get_by_role("button", name="Send comment").click()
    assert page.url == world.site_url + FIRST_POST and world.records("Sent before the script was there.") == []
    assert len(held) == 1  # asked for once, however many presses
    held[0].continue_()
    expect(status(page)).to_have_text(WAITING)
    (record,) = world.records("Sent before the script was there.")
    assert record.comment.reply_to == PARENT and record.comment.author == "Ash"
    assert len(form_script_requests(visit)) == 1 and visit.console_errors == []


def test_if_the_script_cannot_load_reply_and_send_work_as_without_javascript(
    visit: Any, world: FormWorld
) -> None:
    page = visit.page
    page.route(f"**{FORM_SCRIPT}", lambda route: route.abort())
    visit.open(FIRST_POST)
    page.get_by_role("link", name="Reply to Mina").click()
    page.wait_for_url(f"{world.receiver_url}/comments/reply?post=first-post&to={PARENT}")
    visit.open(FIRST_POST)
    fill(page, body="Sent when the script could not load.")
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your comment")
    assert page.get_by_label("Comment", exact=True).input_value() == "Sent when the script could not load."


@pytest.fixture
def plain_visit(open_browser_page: Any, world: FormWorld) -> Any:
    return watched(open_browser_page(java_script_enabled=False), world)


def test_without_javascript_the_form_posts_to_a_check_page_then_thanks(plain_visit: Any, world: FormWorld) -> None:
    page = plain_visit.page
    plain_visit.open(FIRST_POST)
    fill(page, body="Sent *without* JavaScript.")
    page.get_by_label("Content note for your comment (optional)").select_option(label="Self-harm")
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your comment")
    # The receiver's own list shows the topic chosen on the post, sent by its label.
    assert page.locator("#f-content_warning option:checked").get_attribute("value") == "self-harm"
    assert page.url == f"{world.receiver_url}/comments"
    assert page.locator(".preview em").inner_text() == "without"  # as it will be published
    assert page.get_by_label("Comment", exact=True).input_value() == "Sent *without* JavaScript."
    assert world.records("Sent *without* JavaScript.") == []
    world.clock.advance(MIN_FILL)  # the reader reads it through
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    assert WAITING in page.locator("#message").inner_text()
    back = page.get_by_role("link", name="First post")
    assert back.get_attribute("href") == world.site_url + FIRST_POST
    (record,) = world.records("Sent *without* JavaScript.")
    assert record.status == "pending" and record.email == "sam@example.org"
    assert record.comment.content_warnings == ("self-harm",)
    back.click()
    assert page.url == world.site_url + FIRST_POST
    assert all(world.own(u) for u in plain_visit.requests) and plain_visit.offsite_requests == []


def test_without_javascript_reply_opens_the_receivers_reply_page(plain_visit: Any, world: FormWorld) -> None:
    page = plain_visit.page
    plain_visit.open(FIRST_POST)
    page.get_by_role("link", name="Reply to Mina").click()
    assert page.url == f"{world.receiver_url}/comments/reply?post=first-post&to={PARENT}"
    expect(page.get_by_role("heading", level=1)).to_have_text("Reply to Mina")
    assert "It helped to read this." in page.locator("blockquote").inner_text()
    page.get_by_label("Name", exact=True).fill("Kit")
    page.get_by_label("Comment", exact=True).fill("Replying without JavaScript.")
    world.clock.advance(MIN_FILL)
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    (record,) = world.records("Replying without JavaScript.")
    assert record.comment.reply_to == PARENT and record.comment.author == "Kit"
    assert all(world.own(u) for u in plain_visit.requests) and plain_visit.offsite_requests == []


def test_without_javascript_errors_come_back_beside_their_fields(plain_visit: Any, world: FormWorld) -> None:
    page = plain_visit.page
    plain_visit.open(FIRST_POST)
    fill(page, body="A wrong website, without JavaScript.", url="ftp://example.org/")
    page.get_by_role("button", name="Send comment").click()
    website = page.get_by_label("Website (optional)")
    expect(website).to_have_attribute("aria-invalid", "true")
    assert website.input_value() == "ftp://example.org/"  # filled in again, nothing to retype
    described = website.get_attribute("aria-describedby").split()
    assert page.locator(f"#{described[0]}").inner_text().strip()
    assert world.records("A wrong website, without JavaScript.") == []


# --- Accessibility --------------------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_form_has_no_wcag_violations_in_any_state(
    open_browser_page: Any, world: FormWorld, axe: Any, scheme: str  # noqa: F811
) -> None:
    visit = watched(open_browser_page(color_scheme=scheme), world)
    page = visit.page
    failures = {}

    def check(state: str) -> None:
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
        if results.response["violations"]:
            failures[state] = describe(results.response["violations"])

    visit.open(FIRST_POST)
    check("form")
    fill(page, body="Checked by axe.", url="ftp://example.org/")
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_label("Your website (optional)")).to_have_attribute("aria-invalid", "true")
    check("errors")
    page.locator(f'a.comment__reply[data-reply-to="{REPLY}"]').click()
    expect(page.locator("#comment-form-replying")).to_be_visible()
    check("replying")
    visit.open("/posts/2026/04/gated-post/")
    page.get_by_role("button", name="Show comments").click()
    expect(page.locator("#comment-form")).to_be_visible()
    check("gated, opened")
    assert not failures, "\n".join(f"[{scheme}] {state}:\n{text}" for state, text in failures.items())
    assert visit.offsite_requests == [] and all(world.own(u) for u in visit.requests)


def test_the_form_fits_a_320px_screen_at_home_and_under_a_reply(open_browser_page: Any, world: FormWorld) -> None:
    visit = watched(open_browser_page(viewport={"width": 320, "height": 640}), world)
    page = visit.page
    overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    visit.open(FIRST_POST)
    assert page.evaluate(overflow) <= 0
    page.locator(f'a.comment__reply[data-reply-to="{REPLY}"]').click()  # the reply, one level in
    expect(page.locator("#comment-form-replying")).to_be_visible()
    assert page.evaluate(overflow) <= 0
    box = page.locator("#comment-body").bounding_box()
    assert box is not None and box["width"] >= 200  # still room to write


def test_on_a_gated_post_the_form_waits_behind_the_gate(visit: Any, world: FormWorld) -> None:
    page = visit.page
    visit.open("/posts/2026/04/gated-post/")
    expect(page.locator("#comment-form")).to_be_hidden()
    assert page.get_by_role("link", name="Reply to Jo").count() == 0  # not even to assistive technology
    page.get_by_role("button", name="Show comments").click()
    expect(page.locator("#comment-form")).to_be_visible()
    fill(page, body="Behind the gate, and sent.")
    page.get_by_role("button", name="Send comment").click()
    expect(status(page)).to_have_text(WAITING)
    (record,) = world.records("Behind the gate, and sent.")
    assert record.comment.post == "gated-post"
