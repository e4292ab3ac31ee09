"""Real XSS payloads in comments: none survives in the built HTML, and Chromium runs none of them."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from comment_helpers import (
    ALL_PLUGINS,
    OFFSITE_LINK_PAYLOADS,
    XSS_PAYLOADS,
    article_html,
    comment_file,
    comments_section,
    tags_in,
    tiny_site,
    unsafe_href,
)
from conftest import build_into
from harbour.serve import site_server

pytestmark = pytest.mark.browser

# What the comments partial and the warnings gate write; anything else in the section came from a commenter.
TEMPLATE_TAGS = {
    "section", "h2", "h3", "p", "a", "ol", "li", "article", "header", "time", "span", "div",
    "input", "label",  # the gate's no-JavaScript toggle
    "form", "button", "textarea", "select", "optgroup", "option", "code",  # the comment form
}
# Where the comment form sends (no receiver runs here: nothing is sent).
FORM_ACTION = "http://127.0.0.1:8001/comments"
BODY_TAGS = {"p", "br", "em", "strong", "a", "ul", "ol", "li", "blockquote", "code", "pre", "hr"}
HOSTILE_AUTHORS = [
    '<script>alert("author")</script>',
    '"><img src=x onerror=alert(1)>',
    "Mina' onmouseover='alert(1)",
]
PAYLOADS = XSS_PAYLOADS + OFFSITE_LINK_PAYLOADS
# The comments plugin alone, and the site's own plugins, where a warned comment's text passes
# through the warnings plugin's real gate (cw_gate) and an unknown tag only warns.
PLUGIN_SETS = {"comments-only": ["safety", "comments"], "all-plugins": ALL_PLUGINS}


@dataclass(frozen=True)
class HostileSite:
    output: Path
    warned: bool  # whether every payload also sits in a warned comment

    @property
    def comment_count(self) -> int:
        return len(PAYLOADS) * (2 if self.warned else 1) + len(HOSTILE_AUTHORS) + (1 if self.warned else 0)


@pytest.fixture(scope="module", params=list(PLUGIN_SETS))
def hostile_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> HostileSite:
    plugins = PLUGIN_SETS[request.param]
    warned = "content_warnings" in plugins
    root = tmp_path_factory.mktemp(f"xss-{request.param}")
    comments = {
        f"first-post/x{n:03d}": comment_file(
            f"Reader {n}",
            f"Payload {n}:\n\n{payload}\n\nEnd {n}.",
            date=f"2024-04-03 09:{n % 60:02d}:00+01:00",
        )
        for n, payload in enumerate(PAYLOADS)
    }
    for n, author in enumerate(HOSTILE_AUTHORS):
        comments[f"first-post/a{n:03d}"] = comment_file(author, "Hello", date=f"2024-04-04 09:0{n}:00+01:00")
    if warned:
        for n, payload in enumerate(PAYLOADS):
            comments[f"first-post/w{n:03d}"] = comment_file(
                f"Warned {n}",
                f"Warned payload {n}:\n\n{payload}\n\nWarned end {n}.",
                warnings="grief",
                date=f"2024-04-05 09:{n % 60:02d}:00+01:00",
            )
        comments["first-post/wtag01"] = comment_file(
            "Warned tag", "A hostile tag", warnings="<svg onload=alert(1)>, grief",
            date="2024-04-06 09:00:00+01:00",
        )
    output = build_into(
        root / "output",
        PATH=str(tiny_site(root, comments)),
        PLUGINS=plugins,
        # With the form: every comment then carries a "Reply" link holding its author's name.
        COMMENTS={"private_path": str(root / "private"), "form_action": FORM_ACTION},
        TRIGGER_TAGS={"unknown_tags": "warn"},
    )
    return HostileSite(output, warned)


def test_no_payload_survives_in_the_built_html(hostile_site: HostileSite) -> None:
    section = comments_section(article_html(hostile_site.output, "first-post"))
    problems = []
    for tag, attrs in tags_in(section):
        if tag not in TEMPLATE_TAGS | BODY_TAGS:
            problems.append(f"<{tag}>")
        for name, value in attrs.items():
            if (tag, name, value) == ("form", "action", FORM_ACTION):
                continue  # the comment form's own address, from the settings
            if name.startswith("on") or name in ("style", "src", "srcset", "action", "formaction", "data"):
                problems.append(f"{tag}[{name}={value!r}]")
            if name == "href" and unsafe_href(value):
                problems.append(f"{tag}[href={value!r}]")
    assert problems == []
    # The comment form, each gate's own empty state form (its checkbox's autocomplete="off"),
    # and no commenter's.
    gate_forms = re.findall(r'<form id="[\w-]+-state" autocomplete="off" hidden></form>', section)
    assert section.count("<form") == 1 + len(gate_forms)
    assert len(gate_forms) == (section.count('class="cw cw--comment"') if hostile_site.warned else 0)
    for n in range(len(PAYLOADS)):
        assert f"End {n}." in section  # each payload was disarmed, not the whole comment dropped
        assert (f"Warned end {n}." in section) == hostile_site.warned
    assert "&lt;script&gt;alert(&#34;author&#34;)&lt;/script&gt;" in section  # names shown as typed
    if hostile_site.warned:
        assert section.count('class="cw cw--comment"') == len(PAYLOADS) + 1
        assert "evil.example" not in re.sub(r">[^<]*<", "><", section)  # in no attribute at all


def test_chromium_runs_no_payload(hostile_site: HostileSite, browser: Any) -> None:
    server = site_server(hostile_site.output, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    context = browser.new_context()
    dialogs: list[str] = []
    errors: list[str] = []
    offsite: list[str] = []
    try:
        page = context.new_page()

        def route(request_route: Any) -> None:
            if urlsplit(request_route.request.url).hostname == "127.0.0.1":
                request_route.continue_()
            else:
                offsite.append(request_route.request.url)
                request_route.abort()

        context.route("**/*", route)
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        (article,) = hostile_site.output.glob("posts/*/*/first-post/index.html")
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        page.set_default_timeout(5000)
        page.goto(base + str(article.parent.relative_to(hostile_site.output)) + "/")
        page.wait_for_load_state("load")
        assert (dialogs, errors) == ([], []), "a payload ran on load"
        # Open every warned comment, then hover, focus and click-test every comment link in the
        # page itself (one round trip, not one per link): any handler left would fire now.
        gates = page.locator("#comments .cw-button")
        assert gates.count() == (len(PAYLOADS) + 1 if hostile_site.warned else 0)
        if hostile_site.warned:
            gates.first.click()  # one real click, the rest from the page
            page.evaluate("document.querySelectorAll('#comments .cw-button[aria-expanded=false]')"
                          ".forEach(b => b.click())")
            assert page.locator("#comments .cw-body[hidden]").count() == 0
        touched = page.evaluate("""() => {
            const links = document.querySelectorAll('#comments a');
            for (const link of links) {
                for (const type of ['mouseover', 'mouseenter', 'mousemove']) {
                    link.dispatchEvent(new MouseEvent(type, {bubbles: true}));
                }
                link.focus();
                link.blur();
            }
            return links.length;
        }""")
        assert touched > len(PAYLOADS)
        assert page.locator("#comments article.comment").count() == hostile_site.comment_count
        assert (
            page.evaluate(
                "document.querySelectorAll('#comments script, #comments img, #comments iframe, "
                "#comments svg, #comments style, #comments object, #comments form:not(#comment-form)').length"
            )
            == 0
        )
        assert page.evaluate("document.querySelector('#comments form').action") == FORM_ACTION
    finally:
        context.close()
        server.shutdown()
        server.server_close()
    assert dialogs == []
    assert errors == []
    assert offsite == []


def test_long_unbroken_names_and_words_never_scroll_a_320px_screen_sideways(
    tmp_path: Path, browser: Any
) -> None:
    name = ("Ananunbrokennamethatgoesonandonwithoutanyspace" * 2)[:80]  # the longest name allowed
    comments = {
        "first-post/aaa111": comment_file(name, "Hello", url="https://example.org/"),
        "first-post/bbb222": comment_file("B", "Reply", reply_to="aaa111", date="2024-04-03 10:00:00+01:00"),
        "first-post/ccc333": comment_file(
            name[:70], "x" * 300, reply_to="bbb222", date="2024-04-03 11:00:00+01:00"
        ),
        "first-post/ddd444": comment_file(
            "D", "Past the depth", reply_to="ccc333", date="2024-04-03 12:00:00+01:00"
        ),
    }
    output = build_into(
        tmp_path / "output", PATH=str(tiny_site(tmp_path, comments)), PLUGINS=ALL_PLUGINS,
        COMMENTS={"private_path": str(tmp_path / "private"), "thread_depth": 3},
    )
    (article,) = output.glob("posts/*/*/first-post/index.html")
    server = site_server(output, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/{article.parent.relative_to(output)}/")
        widths = page.evaluate(
            "({page: document.documentElement.scrollWidth, view: document.documentElement.clientWidth,"
            " widest: Math.max(...[...document.querySelectorAll('#comments *')]"
            ".map(e => e.getBoundingClientRect().right))})"
        )
        assert "in reply to" in page.content()
    finally:
        context.close()
        server.shutdown()
        server.server_close()
    assert widths["page"] <= widths["view"] and widths["widest"] <= widths["view"], widths
