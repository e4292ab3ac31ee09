"""Small factories for the comments tests: stores, comment files and tiny sites, all under tmp_path.

Plain functions rather than a second conftest.py: without packages, two modules named
``conftest`` would replace each other in ``sys.modules`` and break ``from conftest import``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from comments.config import CommentStores
from comments.desk.private_store import PrivateStore
from comments.desk.triage import TriageRules
from conftest import ROOT, build_into, write_site

ALL_PLUGINS = ["safety", "trigger_tags", "content_warnings", "comments"]
BASE_DATE = datetime(2024, 4, 3, 9, 12, tzinfo=timezone(timedelta(hours=1)))


def make_stores(root: Path) -> CommentStores:
    """A private store and a content folder of their own under ``root``."""
    content = root / "content"
    content.mkdir(parents=True, exist_ok=True)
    return CommentStores(
        private=PrivateStore(root / "private", lock_timeout=20),
        public_dir=content / "comments",
        content_dir=content,
    )


def store_files(stores: CommentStores) -> dict[str, bytes]:
    """Every file of the private store and the public store, to check that a refused step wrote nothing."""
    found = {}
    for folder in (stores.private.root, stores.public_dir):
        if folder.is_dir():
            found.update({str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()})
    return found


def hold_rules(**changes: Any) -> TriageRules:
    return TriageRules(**changes)


def comment_file(
    author: str = "Mina",
    body: str = "Thank you for writing this.",
    *,
    date: str = "2024-04-03 09:12:00+01:00",
    reply_to: str | None = None,
    url: str | None = None,
    warnings: str | None = None,
    extra: str = "",
) -> str:
    lines = [f"Author: {author}", f"Date: {date}"]
    if reply_to:
        lines.append(f"Reply-To: {reply_to}")
    if url:
        lines.append(f"Author-URL: {url}")
    if warnings:
        lines.append(f"Content-Warnings: {warnings}")
    if extra:
        lines.append(extra)
    return "\n".join(lines) + "\n\n" + body + "\n"


def post_text(title: str, slug: str, date: str = "2024-04-01 10:00", body: str = "A post.") -> str:
    return f"Title: {title}\nDate: {date}\nCategory: Notes\nSlug: {slug}\nSummary: {title}.\n\n{body}\n"


def write_comments(content: Path, comments: Mapping[str, str]) -> None:
    """``{"post-slug/id": file text}`` into ``content/comments``."""
    for key, text in comments.items():
        path = content / "comments" / f"{key}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def tiny_site(
    root: Path, comments: Mapping[str, str] = {}, *, posts: Mapping[str, str] | None = None
) -> Path:
    """Two posts ('first-post', 'second-post') and the given comments; returns the content folder."""
    posts = (
        posts
        if posts is not None
        else {
            "first-post.md": post_text("First post", "first-post", "2024-04-01 10:00"),
            "second-post.md": post_text("Second post", "second-post", "2024-05-01 10:00"),
        }
    )
    content = write_site(root, dict(posts))
    write_comments(content, comments)
    return content


def build_comments_site(
    root: Path,
    content: Path,
    *,
    plugins: list[str] | None = None,
    settings_file: Path = ROOT / "pelicanconf.py",
    **comments: Any,
) -> Path:
    """Build ``content`` into ``root/output`` with the site's plugins (and ``COMMENTS`` overrides)."""
    return build_into(
        root / "output",
        settings_file,
        PATH=str(content),
        PLUGINS=plugins or ALL_PLUGINS,
        COMMENTS={"private_path": str(root / "private"), **comments},
    )


def article_html(output: Path, slug: str) -> str:
    (page,) = output.glob(f"posts/*/*/{slug}/index.html")
    return page.read_text(encoding="utf-8")


def comments_section(html: str) -> str:
    match = re.search(r'<section class="comments".*?</section>', html, re.S)
    assert match, "no comments section on the page"
    return match.group(0)


class MarkupParser(HTMLParser):
    """Every start tag with its attributes, for asserting what markup survived."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    handle_startendtag = handle_starttag


def _within_hidden(node: LexborNode) -> bool:
    current: LexborNode | None = node
    while current is not None:
        if current.tag != "-text" and "hidden" in (current.attributes or {}):
            return True
        current = current.parent
    return False


def text_placements(html: str, words: str) -> tuple[int, int]:
    """How often ``words`` is in the page's text or attributes (hidden, shown unasked).

    Hidden means inside an element with the ``hidden`` attribute, as an HTML5 parser reads
    the page: text there is not rendered, read aloud or found by find-in-page.
    """
    hidden = shown = 0
    for node in LexborHTMLParser(html).root.traverse(include_text=True):
        values = [node.text_content or ""] if node.tag == "-text" else list((node.attributes or {}).values())
        found = sum((value or "").count(words) for value in values)
        if _within_hidden(node):
            hidden += found
        else:
            shown += found
    return hidden, shown


def tags_in(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = MarkupParser()
    parser.feed(html)
    parser.close()
    return parser.tags


# Real payloads from XSS cheat sheets (OWASP, PortSwigger) and Markdown-specific ones. Each
# would run script or load something if it survived as markup.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<style>body{background:url("javascript:alert(1)")}</style>',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    '<object data="javascript:alert(1)"></object>',
    '<a href="jav&#x09;ascript:alert(1)">tab</a>',
    '<a href="  javascript:alert(1)">spaces</a>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<<script>script>alert(1)<</script>/script>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[ref][evil]\n\n[evil]: javascript:alert(1)",
    "![x](javascript:alert(1))",
    "![x](https://tracker.example.net/pixel.gif)",
    '![x](x" onerror="alert(1))',
    '<http://example.org/" onmouseover="alert(1)>',
    '[x](https://example.org/"onmouseover="alert(1))',
    '<a href="https://example.org/" onclick="alert(1)">click</a>',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel=stylesheet href="https://evil.example.net/x.css">',
    '<base href="javascript:alert(1)//">',
    '<div style="background:url(javascript:alert(1))">styled</div>',
    "<!--<img src=x onerror=alert(1)>-->",
    "`<script>alert(1)</script>`",
]

# Links that leave the site although they look relative: browsers read //host, /\host and
# \\host as another site, drop tabs inside a URL, and go to the host after an "@".
OFFSITE_LINK_PAYLOADS = [
    "[x](//evil.example/)",
    "[x](/\\evil.example/)",
    "[x](\\\\\\\\evil.example/)",
    "[x](<//evil.example/>)",
    "[x][r]\n\n[r]: //evil.example/",
    "[x](/&#9;/evil.example/)",
    "[x](https://trusted.example@evil.example/)",
    "[x](evil.example)",
]

# What a comment's link may point to, written independently of the sanitiser: an absolute
# http(s) address without a user name, a path on this site, or a fragment. Nothing else.
SAFE_HREF = re.compile(r"https?://[^\s\\/@?#]+(?:[/?#][^\s\\]*)?|/(?![/\\])[^\s\\]*|#[^\s\\]*", re.I)


def unsafe_href(value: str) -> bool:
    return SAFE_HREF.fullmatch(value) is None

