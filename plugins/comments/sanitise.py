"""Comment bodies: Markdown without raw HTML, then cleaned by nh3 against a short allowlist.

Two layers on purpose. Markdown here never passes HTML through (a ``<script>`` a commenter
types shows as text), and whatever Markdown itself produces is still cleaned: only the tags
below survive, links keep only http(s) or same-site addresses, and every link gets
``rel="nofollow ugc noopener"``.
"""

from __future__ import annotations

import re

import markdown
import nh3

ALLOWED_TAGS = frozenset({
    "p", "br", "em", "strong", "a", "ul", "ol", "li", "blockquote", "code", "pre", "hr",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https"})
LINK_REL = "nofollow ugc noopener"


def _markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["markdown.extensions.sane_lists"], output_format="html")
    # Raw HTML becomes visible text; e-mail autolinks stay text (no addresses turned into links).
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.inlinePatterns.deregister("automail")
    return md


def clean_html(html: str) -> str:
    """Keep only the allowlisted tags, attributes and URL schemes of an HTML fragment."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "noscript", "template",
                            "textarea", "title", "xmp", "noembed", "noframes", "svg", "math"},
    )


# A heading inside a comment would enter the page's outline under the comment's own h3.
_HEADING_TAG = re.compile(r"<(/?)h[1-6]\b[^>]*>")


def render_comment_body(body: str) -> str:
    """A comment's Markdown as safe HTML (headings become plain paragraphs)."""
    html = _HEADING_TAG.sub(r"<\1p>", _markdown().convert(body))
    return clean_html(html).strip()
