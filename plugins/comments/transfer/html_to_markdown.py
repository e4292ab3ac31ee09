"""WordPress comment HTML to Markdown, so imported comments are stored like every other one.

WordPress keeps comment bodies as loose HTML: blank lines make paragraphs and single line
breaks are kept (its ``wpautop``). Text is escaped so that it stays text in Markdown, links
keep only http(s) addresses, and anything that is not text (scripts, images, embeds) is
dropped. The result is rendered and sanitised again like any comment, so this is about
keeping the writer's words, not about safety.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from comments.model import http_url

DROPPED = frozenset({
    "script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math", "head",
    "title", "form", "input", "button", "select", "textarea", "video", "audio", "canvas", "map",
})
VOID = frozenset({
    "br", "img", "hr", "input", "meta", "link", "source", "track", "wbr", "area", "col", "embed",
})
BLOCKS = frozenset({
    "p", "div", "section", "article", "header", "footer", "aside", "figure", "figcaption", "address",
    "center", "blockquote", "ul", "ol", "li", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table",
    "thead", "tbody", "tfoot", "tr", "dl", "dt", "dd", "main", "nav", "details", "summary",
})
LINE_BREAK = "\x00"  # stands for <br> until paragraphs are split
# The converter recurses once or twice per level of nesting, and so does Markdown when it
# renders the result; a hostile comment thousands of <blockquote>s deep would exhaust
# Python's stack. No comment a person wrote nests anywhere near this deep.
MAX_NESTING = 50


class TooDeeplyNested(ValueError):
    """The HTML nests elements deeper than MAX_NESTING."""


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[_Element | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """A forgiving tree of the fragment: unclosed tags close at their parent's end."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Element("root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = _Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            if len(self.stack) > MAX_NESTING:  # the root plus MAX_NESTING open elements
                raise TooDeeplyNested(
                    f"the HTML nests elements more than {MAX_NESTING} deep (<{tag}> inside "
                    f"<{self.stack[-1].tag}> inside ...)"
                )
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(_Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


_ESCAPE = re.compile(r"([\\`*_\[\]])")
_LINE_START = re.compile(r"^(\s*)([>#+-])(?=\s|$)", re.M)
_NUMBERED = re.compile(r"^(\s*\d+)([.)])(?=\s|$)", re.M)
_DASH_LINE = re.compile(r"^(\s*)(-{2,}\s*)$", re.M)
# '=' cannot be backslash-escaped in Markdown; an entity keeps "===" from underlining a heading.
_EQUALS_LINE = re.compile(r"^(\s*)=(=+\s*)$", re.M)


def _escape(text: str) -> str:
    return _ESCAPE.sub(r"\\\1", text)


def _escape_line_starts(text: str) -> str:
    text = _LINE_START.sub(r"\1\\\2", text)
    text = _NUMBERED.sub(r"\1\\\2", text)
    text = _DASH_LINE.sub(r"\1\\\2", text)
    return _EQUALS_LINE.sub(r"\1&#61;\2", text)


def _inline(node: _Element | str) -> str:
    if isinstance(node, str):
        return _escape(node)
    tag = node.tag
    if tag in DROPPED:
        return ""
    if tag == "br":
        return LINE_BREAK
    if tag == "img":
        alt = " ".join(node.attrs.get("alt", "").split())
        return _escape(alt)
    inner = "".join(_inline(child) for child in node.children)
    if tag in ("em", "i", "cite", "dfn", "var"):
        return f"*{inner.strip()}*" if inner.strip() else inner
    if tag in ("strong", "b"):
        return f"**{inner.strip()}**" if inner.strip() else inner
    if tag in ("code", "tt", "kbd", "samp"):
        raw = " ".join(_text(node).split())
        if not raw:
            return ""
        return f"`` {raw} ``" if "`" in raw else f"`{raw}`"
    if tag == "q":
        return f"“{inner}”"
    if tag == "a":
        href = http_url(node.attrs.get("href", "").strip())
        if href and inner.strip():
            href = href.replace("(", "%28").replace(")", "%29")
            return f"[{inner.strip()}]({href})"
        return inner
    return inner


def _text(node: _Element | str) -> str:
    if isinstance(node, str):
        return node
    if node.tag in DROPPED:
        return ""
    if node.tag == "br":
        return "\n"
    return "".join(_text(child) for child in node.children)


def _paragraphs(run: str) -> list[str]:
    """Inline text as paragraphs: blank lines split them, single line breaks are kept."""
    run = re.sub(LINE_BREAK + r"[ \t]*\n", LINE_BREAK, run)
    blocks = []
    for paragraph in re.split(r"\n[ \t]*\n", run):
        lines = [" ".join(line.split()) for line in re.split(r"[\n" + LINE_BREAK + "]", paragraph)]
        lines = [line for line in lines if line]
        if lines:
            blocks.append(_escape_line_starts("  \n".join(lines)))
    return blocks


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.split("\n"))


def _blocks(children: list[_Element | str]) -> list[str]:
    blocks: list[str] = []
    run: list[str] = []

    def flush() -> None:
        blocks.extend(_paragraphs("".join(run)))
        run.clear()

    for child in children:
        if isinstance(child, str) or child.tag not in BLOCKS:
            run.append(_inline(child))
            continue
        flush()
        blocks.extend(_block(child))
    flush()
    return blocks


def _block(node: _Element) -> list[str]:
    tag = node.tag
    if tag == "hr":
        return ["* * *"]
    if tag == "pre":
        code = _text(node).strip("\n")
        return [_indent(code, "    ")] if code.strip() else []
    if re.fullmatch(r"h[1-6]", tag):
        text = " ".join("".join(_inline(c) for c in node.children).replace(LINE_BREAK, " ").split())
        return [f"**{text}**"] if text else []
    if tag == "blockquote":
        inner = "\n\n".join(_blocks(node.children))
        return ["\n".join("> " + line if line else ">" for line in inner.split("\n"))] if inner else []
    if tag in ("ul", "ol"):
        items = []
        number = 1
        for child in node.children:
            if isinstance(child, str):
                continue
            content = "\n\n".join(_blocks(child.children if child.tag == "li" else [child]))
            if not content:
                continue
            marker = f"{number}. " if tag == "ol" else "- "
            number += 1
            first, _, rest = content.partition("\n")
            items.append(marker + first + ("\n" + _indent(rest, "    ") if rest else ""))
        return ["\n".join(items)] if items else []
    return _blocks(node.children)


def html_to_markdown(html: str) -> str:
    """Markdown for a WordPress comment body (HTML with WordPress's line-break conventions).

    Raises TooDeeplyNested for HTML nested deeper than MAX_NESTING elements.
    """
    builder = _TreeBuilder()
    builder.feed(html.replace("\r\n", "\n").replace("\r", "\n"))
    builder.close()
    return "\n\n".join(_blocks(builder.root.children)).strip()
