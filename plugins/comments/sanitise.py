"""Comment bodies: Markdown without raw HTML, then cleaned by nh3 against a short allowlist.

Two layers on purpose. Markdown here never passes HTML through (a ``<script>`` a commenter
types shows as text), and whatever Markdown itself produces is still cleaned: only the tags
below survive, links keep only the addresses :func:`is_allowed_href` accepts, and every link
gets ``rel="nofollow ugc noopener"``.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import urlsplit

import markdown
import nh3

ALLOWED_TAGS = frozenset({
    "p", "br", "em", "strong", "a", "ul", "ol", "li", "blockquote", "code", "pre", "hr",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https"})
LINK_REL = "nofollow ugc noopener"


def _new_markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["markdown.extensions.sane_lists"], output_format="html")
    # Raw HTML becomes visible text; e-mail autolinks stay text (no addresses turned into links).
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.inlinePatterns.deregister("automail")
    return md


# Building a Markdown instance costs more than converting a short comment with it, and a build
# renders every comment: each thread (the build's, or one of the receiver's or desk's server
# threads) keeps one and resets it between comments. A Markdown instance is not thread-safe.
_local = threading.local()


def _markdown() -> markdown.Markdown:
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = _new_markdown()
    return md.reset()


def is_allowed_href(value: str) -> bool:
    """Whether a link may keep its target: an absolute http(s) URL, ``/path`` or ``#fragment``.

    nh3's scheme check lets every relative URL through, and browsers read ``//host``,
    ``/\\host`` and ``\\\\host`` as another site; they also drop tabs and line breaks inside
    a URL (``/<tab>/host``). So anything with a backslash, a space or a control character is
    refused, and a path must not start with two slashes. A user name before the host
    (``https://bank.example@evil.example/``) would mislead the reader, so it is refused too.
    """
    if not value or any(c <= " " or c in "\\\x7f" for c in value):
        return False
    if value.startswith("#"):
        return True
    if value.startswith("/"):
        return not value.startswith("//")
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ALLOWED_URL_SCHEMES and bool(parts.hostname) and "@" not in parts.netloc


def _keep_attribute(tag: str, name: str, value: str) -> str | None:
    if name == "href" and not is_allowed_href(value):
        return None
    return value


def clean_html(html: str) -> str:
    """Keep only the allowlisted tags, attributes and link targets of an HTML fragment."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        attribute_filter=_keep_attribute,
        link_rel=LINK_REL,
        strip_comments=True,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "noscript", "template",
                            "textarea", "title", "xmp", "noembed", "noframes", "svg", "math"},
    )


# A heading inside a comment would enter the page's outline under the comment's own h3.
_HEADING_TAG = re.compile(r"<(/?)h[1-6]\b[^>]*>")


def markdown_html(body: str) -> str:
    """A comment's Markdown as HTML, not yet cleaned (typed HTML is already text)."""
    return _HEADING_TAG.sub(r"<\1p>", _markdown().convert(body))


def render_comment_body(body: str) -> str:
    """A comment's Markdown as safe HTML (headings become plain paragraphs)."""
    return clean_html(markdown_html(body)).strip()


# Markdown's parser recurses for every level of a nested list (a line "- - - - … x" is one
# such level per dash) and exhausts Python's stack a few hundred levels down. Comments never
# need more than a handful, so deeper ones are refused before they reach the renderer.
MAX_NESTING = 100
_CONTAINER_MARK = re.compile(r"(?:>|[*+-](?=[ \t])|[0-9]{1,9}[.)](?=[ \t]))[ \t]*")


def nesting_depth(body: str) -> tuple[int, int]:
    """How deep a comment's lists and quotes nest at most, and on which line (1-based; 0: none).

    An estimate that errs high, which is safe: every four columns of indentation count one
    level, and so does every list or quote marker at the start of a line.
    """
    deepest, deepest_line = 0, 0
    for number, line in enumerate(body.split("\n"), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        depth, position = len(indent.expandtabs(4)) // 4, len(indent)
        while (mark := _CONTAINER_MARK.match(line, position)) is not None:
            depth, position = depth + 1, mark.end()
        if depth > deepest:
            deepest, deepest_line = depth, number
    return deepest, deepest_line
