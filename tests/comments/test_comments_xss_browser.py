"""Real XSS payloads in comments: none survives in the built HTML, and Chromium runs none of them."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from comment_helpers import (
    XSS_PAYLOADS,
    article_html,
    build_comments_site,
    comment_file,
    comments_section,
    tags_in,
    tiny_site,
)
from harbour.serve import site_server

pytestmark = pytest.mark.browser

# What the comments partial itself writes; anything else in the section came from a commenter.
TEMPLATE_TAGS = {
    "section",
    "h2",
    "h3",
    "p",
    "a",
    "ol",
    "li",
    "article",
    "header",
    "time",
    "span",
    "div",
    "details",
    "summary",
}
BODY_TAGS = {"p", "br", "em", "strong", "a", "ul", "ol", "li", "blockquote", "code", "pre", "hr"}
HOSTILE_AUTHORS = [
    '<script>alert("author")</script>',
    '"><img src=x onerror=alert(1)>',
    "Mina' onmouseover='alert(1)",
]


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("xss")
    comments = {
        f"first-post/x{n:03d}": comment_file(
            f"Reader {n}",
            f"Payload {n}:\n\n{payload}\n\nEnd {n}.",
            date=f"2024-04-03 09:{n % 60:02d}:00+01:00",
        )
        for n, payload in enumerate(XSS_PAYLOADS)
    }
    for n, author in enumerate(HOSTILE_AUTHORS):
        comments[f"first-post/a{n:03d}"] = comment_file(author, "Hello", date=f"2024-04-04 09:0{n}:00+01:00")
    comments["first-post/w001"] = comment_file(
        "Warned",
        "<img src=x onerror=alert(1)> warned",
        warnings="<svg onload=alert(1)>, grief",
        date="2024-04-05 09:00:00+01:00",
    )
    return build_comments_site(root, tiny_site(root, comments))


def test_no_payload_survives_in_the_built_html(hostile_site: Path) -> None:
    section = comments_section(article_html(hostile_site, "first-post"))
    problems = []
    for tag, attrs in tags_in(section):
        if tag not in TEMPLATE_TAGS | BODY_TAGS:
            problems.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on") or name in ("style", "src", "srcset", "action", "formaction", "data"):
                problems.append(f"{tag}[{name}={value!r}]")
            if name == "href" and urlsplit(value.strip()).scheme.lower() not in ("", "http", "https"):
                problems.append(f"{tag}[href={value!r}]")
    assert problems == []
    for n in range(len(XSS_PAYLOADS)):
        assert f"End {n}." in section  # each payload was disarmed, not the whole comment dropped
    assert "&lt;script&gt;alert(&#34;author&#34;)&lt;/script&gt;" in section  # names shown as typed


def test_chromium_runs_no_payload(hostile_site: Path, browser: Any) -> None:
    server = site_server(hostile_site, "127.0.0.1", 0)
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
        (article,) = hostile_site.glob("posts/*/*/first-post/index.html")
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        page.set_default_timeout(5000)
        page.goto(base + str(article.parent.relative_to(hostile_site)) + "/")
        page.wait_for_load_state("load")
        assert (dialogs, errors) == ([], []), "a payload ran on load"
        # Open the warned comment, hover and focus every comment link: handlers would fire now.
        page.click(".comment__gate > summary")
        for link in page.locator("#comments a").all():
            link.hover()
            link.focus()
        assert (
            page.locator("#comments article.comment").count() == len(XSS_PAYLOADS) + len(HOSTILE_AUTHORS) + 1
        )
        assert (
            page.evaluate(
                "document.querySelectorAll('#comments script, #comments img, #comments iframe, "
                "#comments svg, #comments style, #comments object, #comments form').length"
            )
            == 0
        )
    finally:
        context.close()
        server.shutdown()
        server.server_close()
    assert dialogs == []
    assert errors == []
    assert offsite == []
