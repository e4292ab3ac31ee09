"""Comment bodies: Markdown in, an allowlist of harmless markup out, whatever the commenter typed."""

from __future__ import annotations

import pytest

from comment_helpers import OFFSITE_LINK_PAYLOADS, XSS_PAYLOADS, tags_in, unsafe_href
from comments.sanitise import ALLOWED_TAGS, render_comment_body


def unsafe_markup(html: str) -> list[str]:
    """Everything in ``html`` that could run script, load something or leave the allowlist."""
    found = []
    for tag, attrs in tags_in(html):
        if tag not in ALLOWED_TAGS:
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on") or name in ("style", "src", "srcset", "action", "formaction", "data"):
                found.append(f"{tag}[{name}]")
            if name == "href" and unsafe_href(value):
                found.append(f"{tag}[href={value!r}]")
    return found


def test_the_payload_list_is_long_enough_to_mean_something() -> None:
    assert len(XSS_PAYLOADS) >= 15


@pytest.mark.parametrize("payload", XSS_PAYLOADS + OFFSITE_LINK_PAYLOADS)
def test_no_xss_payload_survives_as_markup(payload: str) -> None:
    html = render_comment_body(f"Before.\n\n{payload}\n\nAfter.")
    assert unsafe_markup(html) == [], html
    assert (
        "<script" not in html.lower()
    )  # typed tags may remain as visible text (&lt;script&gt;), never as tags
    assert "Before." in html and "After." in html


def test_the_checker_itself_catches_unsafe_markup() -> None:
    # So that an empty list above means the payloads were disarmed, not that nothing was looked at.
    assert unsafe_markup('<p><img src="x" onerror="alert(1)"><a href="javascript:alert(1)">x</a></p>') == [
        "<img>",
        "img[src]",
        "img[onerror]",
        "a[href='javascript:alert(1)']",
    ]
    offsite = ["//evil.example/", "/\\evil.example/", "\\\\evil.example", "/\t/evil.example", "evil.example",
               "https://a.example@evil.example/", ""]
    assert [unsafe_href(h) for h in offsite] == [True] * len(offsite)
    assert [unsafe_href(h) for h in ("https://a.example/x?y#z", "/support/", "#comments")] == [False] * 3


def test_typed_html_is_shown_as_text_not_dropped() -> None:
    assert render_comment_body("I use <b>bold</b> & <3") == "<p>I use &lt;b&gt;bold&lt;/b&gt; &amp; &lt;3</p>"


def test_the_allowed_markdown_comes_through() -> None:
    html = render_comment_body(
        "Some *emphasis*, **strong** and `code`.\n\n"
        "> a quote\n\n"
        "- one\n- two\n\n"
        "1. first\n2. second\n\n"
        "Code:\n\n"
        "    indented code\n\n"
        "[Mind](https://www.mind.org.uk/) and [a page](/support/)"
    )
    assert "<em>emphasis</em>" in html and "<strong>strong</strong>" in html and "<code>code</code>" in html
    assert "<blockquote>\n<p>a quote</p>\n</blockquote>" in html
    assert "<ul>\n<li>one</li>" in html and "<ol>\n<li>first</li>" in html
    assert "<pre><code>indented code\n</code></pre>" in html
    assert '<a href="https://www.mind.org.uk/" rel="nofollow ugc noopener">Mind</a>' in html
    assert '<a href="/support/" rel="nofollow ugc noopener">a page</a>' in html


def test_headings_become_paragraphs_so_the_page_outline_stays_the_writers() -> None:
    html = render_comment_body("# Big\n\nText\n\nUnderlined\n===")
    assert "<h" not in html
    assert html == "<p>Big</p>\n<p>Text</p>\n<p>Underlined</p>"


def test_links_keep_only_absolute_http_addresses_site_paths_and_fragments() -> None:
    html = render_comment_body(
        "[a](https://a.example/) [b](/support/) [c](#top) [d](//evil.example/) [e](page.html)"
    )
    assert [attrs.get("href") for tag, attrs in tags_in(html) if tag == "a"] == [
        "https://a.example/", "/support/", "#top", None, None,
    ]
    assert "evil.example" not in html and ">d</a>" in html  # the words stay, the target goes


def test_email_addresses_do_not_become_links() -> None:
    assert "mailto" not in render_comment_body("write to <me@example.invalid>")


def test_non_ascii_and_emoji_are_kept() -> None:
    assert render_comment_body("Łukasz, 田中 ゆき 💛") == "<p>Łukasz, 田中 ゆき 💛</p>"


def test_one_comment_s_link_definitions_do_not_reach_the_next():
    # The renderer reuses one Markdown instance per thread: its state must be reset between
    # comments, or a reference defined in one comment would turn text in the next into a link.
    first = render_comment_body("See [the leaflet][1].\n\n[1]: https://example.org/leaflet")
    second = render_comment_body("And [the leaflet][1] here.")
    assert 'href="https://example.org/leaflet"' in first
    assert "href" not in second
    assert "[the leaflet][1]" in second


def test_comments_render_alike_from_several_threads():
    from concurrent.futures import ThreadPoolExecutor

    bodies = [f"Comment {n} with *emphasis* and [a link](https://example.org/{n})." for n in range(200)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        rendered = list(pool.map(render_comment_body, bodies))
    assert rendered == [render_comment_body(body) for body in bodies]
    assert all(f"https://example.org/{n}" in html for n, html in enumerate(rendered))
