"""Reading built pages in tests: links, headings and the files a URL maps to."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class PageParser(HTMLParser):
    """Collects what the tests look at: links, resources, headings, the <title> and meta tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.resources: list[str] = []
        self.h1_count = 0
        self.title = ""
        self.meta: dict[str, str] = {}
        self.ids: set[str] = set()
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag in ("img", "script", "iframe", "source", "audio", "video") and "src" in a:
            self.resources.append(a["src"])
        elif tag == "link" and "href" in a:
            (self.links if a.get("rel") in ("alternate", "canonical") else self.resources).append(a["href"])
        elif tag == "h1":
            self.h1_count += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "meta" and "content" in a:
            self.meta[a.get("name") or a.get("property") or ""] = a["content"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def parse_page(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def html_pages(output: Path) -> list[Path]:
    return sorted(output.rglob("*.html"))


def site_files(output: Path) -> dict[str, bytes]:
    """Every file a build wrote, by its path in the site, but Pagefind's (written in a new order each run)."""
    return {
        str(path.relative_to(output)): path.read_bytes()
        for path in output.rglob("*")
        if path.is_file() and path.relative_to(output).parts[0] != "pagefind"
    }


def file_for_url(output: Path, url: str, site_url: str = "") -> Path | None:
    """The output file a URL of this site maps to, or None for another site's URL."""
    if site_url and url.startswith(site_url):
        url = url[len(site_url):] or "/"
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    path = unquote(parts.path)
    target = output / path.lstrip("/")
    return target / "index.html" if path.endswith("/") else target


DIV_TAG = re.compile(r"<(/?)div\b[^>]*>", re.I)


def div_end(html: str, start: int) -> int:
    """The index just after the ``</div>`` closing the ``<div`` that starts at ``start``."""
    depth = 0
    for tag in DIV_TAG.finditer(html, start):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return tag.end()
    raise ValueError(f"unclosed <div> at offset {start}")


def without_gate_bodies(html: str) -> str:
    """The page as a browser parses it, with every hidden gate body cut out: what a reader sees unasked.

    A body counts only where the parser puts it: a ``div.cw-body`` with ``hidden`` inside its gate.
    Text that a stray end tag pushed out of it is outside, and stays in what this returns.
    """
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    for body in reversed(tree.css("div.cw > div.cw-body[hidden]")):
        body.decompose()
    return tree.html or ""


def shown_text(html: str) -> str:
    """The words a reader meets on a page without opening any gate (text and attributes)."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(without_gate_bodies(html))
    values = [v or "" for node in tree.css("*") for v in node.attributes.values()]
    # Typogrify's no-break spaces made plain, for easier assertions.
    return " ".join([tree.root.text(separator=" ") if tree.root else "", *values]).replace("\xa0", " ")
