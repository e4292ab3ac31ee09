"""A WordPress body (classic or block editor) to clean Markdown, every character kept.

Classic content first gets WordPress's own paragraphs (:mod:`importers.wpautop`), block
content already has them (its ``<!-- wp:... -->`` comments are dropped); shortcodes become HTML
(:mod:`importers.shortcodes`); then markdownify writes Markdown, extended where WordPress
needs it: figures keep their captions, images come from this site or become plain links,
embeds become links, and text is escaped so that Python-Markdown shows it exactly as it was,
``<`` and ``&`` included. Nothing in the result loads anything from another host.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from markdownify import MarkdownConverter

from importers.shortcodes import ShortcodeContext, expand_shortcodes, fenced, set_aside_code
from importers.wpautop import has_blocks, wpautop

# Resolves an image address to a {static} link here, or None (it is then linked, not shown).
ImageResolver = Callable[[str], "str | None"]

EMBEDS = ("iframe", "embed", "object", "video", "audio", "source")
DROPPED = ("script", "style", "noscript", "template", "svg", "math", "head", "title")
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|])")
LINE_START_SPECIAL = re.compile(r"(^|\n)([ \t]*)(#{1,6}(?=\s|$)|>|[-+](?=\s|$)|[0-9]{1,9}(?=[.)](?:\s|$))|:(?=\s))")


@dataclass
class Converted:
    markdown: str
    unknown_shortcodes: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def url_in_markdown(address: str) -> str:
    """An address that a Markdown link's parentheses cannot cut short."""
    return address.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


def escape_text(text: str) -> str:
    """Plain text as Markdown that Python-Markdown shows exactly as the text.

    ``<`` and ``&`` become entities (a backslash does not escape them there, and ``<b>`` would
    be markup); Markdown's own characters get a backslash; what would start a heading, quote,
    list or definition at the start of a line is escaped there.
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = MARKDOWN_SPECIAL.sub(r"\\\1", text)

    def line_start(match: re.Match[str]) -> str:
        marker = match.group(3)
        if marker == ":":
            return match.group(1) + match.group(2) + "&#58;"
        if marker[0].isdigit():
            return match.group(1) + match.group(2) + marker  # the dot after it is escaped below
        return match.group(1) + match.group(2) + "\\" + marker

    text = LINE_START_SPECIAL.sub(line_start, text)
    return re.sub(r"(^|\n)([ \t]*[0-9]{1,9})([.)])(?=\s|$)", r"\1\2\\\3", text)


class WordPressConverter(MarkdownConverter):
    """markdownify, taught what a WordPress body holds."""

    def __init__(self, *, images: ImageResolver, base_url: str, links: Mapping[str, str], **options: Any):
        super().__init__(heading_style="ATX", bullets="-", newline_style="SPACES", autolinks=False, **options)
        self.images = images
        self.base_url = base_url
        self.links = links
        self.dropped: list[str] = []

    def escape(self, text: str, parent_tags: set[str]) -> str:
        return escape_text(text) if text else ""

    # --- addresses --------------------------------------------------------------------------

    def _address(self, value: str | None) -> str:
        value = (value or "").strip()
        return urljoin(self.base_url, value) if value and self.base_url else value

    def _image(self, element: Tag) -> tuple[str | None, str, str]:
        """(local {static} link or None, the old address, alt text) of an <img>."""
        address = self._address(element.get("src"))  # type: ignore[arg-type]
        alt = " ".join(str(element.get("alt") or "").split())
        if not address or not address.startswith(("http://", "https://")):
            return None, address, alt
        return self.images(address), address, alt

    def _alt(self, alt: str, address: str) -> str:
        name = urlsplit(address).path.rsplit("/", 1)[-1] if address else ""
        return escape_text(alt or name or "image")

    def _image_markdown(self, element: Tag) -> str:
        local, address, alt = self._image(element)
        if local:
            return f"![{escape_text(alt)}]({url_in_markdown(local)})"
        if address.startswith(("http://", "https://")):
            return f"[Image: {self._alt(alt, address)}]({url_in_markdown(address)})"
        self.dropped.append(f"an image without an http(s) address ({address[:60]!r})")
        return f"[Image: {self._alt(alt, '')}]"

    # --- elements ---------------------------------------------------------------------------

    def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return self._image_markdown(el)

    def convert_a(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        if "_noformat" in parent_tags:
            return text
        href = self._address(el.get("href"))  # type: ignore[arg-type]
        image = el.find("img")
        if isinstance(image, Tag) and text.startswith("[Image"):
            return text  # the image is a link already; a link inside a link would break
        if isinstance(image, Tag) and href:
            local = self.images(href) if re.search(r"\.(?:jpe?g|png|gif|webp|avif|svg)(?:\?|$)", href, re.I) else None
            href = local or href
        href = self.links.get(_link_key(href), href)
        if not text.strip():
            return text
        if not href or not href.startswith(("http://", "https://", "mailto:", "{filename}", "{static}", "#")):
            return text
        return f"[{text}]({url_in_markdown(href)})"

    def convert_figure(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        image = el.find("img")
        classes = " ".join(el.get("class") or [])  # type: ignore[arg-type]
        if "wp-block-embed" in classes:
            address = el.get_text(" ", strip=True).split(" ")[0]
            if address.startswith(("http://", "https://")):
                return f"\n\n[{escape_text(address)}]({url_in_markdown(address)})\n\n"
        if not isinstance(image, Tag):
            return text
        caption_element = el.find("figcaption")
        caption = ""
        if isinstance(caption_element, Tag):
            caption = " ".join(self.process_tag(caption_element, parent_tags | {"figure"}).split())
        link = image.find_parent("a")
        media = self.process_tag(link, parent_tags | {"figure"}) if isinstance(link, Tag) else self._image_markdown(image)
        media = media.strip()
        if not caption:
            return f"\n\n{media}\n\n"
        return f'\n\n<figure markdown="1">\n{media}\n<figcaption markdown="span">{caption}</figcaption>\n</figure>\n\n'

    def convert_figcaption(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return text if "figure" in parent_tags else f"\n\n{text.strip()}\n\n"

    def _embed(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        address = self._address(el.get("src") or el.get("data"))  # type: ignore[arg-type]
        if not address:
            source = el.find("source")
            address = self._address(source.get("src")) if isinstance(source, Tag) else ""  # type: ignore[arg-type]
        if address.startswith(("http://", "https://")):
            label = {"video": "Video", "audio": "Audio"}.get(el.name, "Embedded")
            return f"\n\n{label}: [{escape_text(address)}]({url_in_markdown(address)})\n\n"
        self.dropped.append(f"an <{el.name}> without an address")
        return text

    convert_iframe = convert_embed = convert_object = convert_video = convert_audio = _embed

    def convert_source(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return ""  # read by the <video> or <audio> around it

    def _dropped(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        self.dropped.append(f"a <{el.name}> element")
        return ""

    convert_script = convert_style = convert_noscript = convert_template = convert_svg = _dropped
    convert_math = convert_head = convert_title = _dropped

    def convert_pre(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        code = el.get_text()
        return "\n\n" + fenced("", code) + "\n\n"


def _link_key(address: str) -> str:
    """An old address as the links map knows it: host and path, lower-case, no trailing slash."""
    try:
        parts = urlsplit(address)
    except ValueError:
        return address
    host = (parts.hostname or "").removeprefix("www.")
    query = f"?{parts.query}" if parts.query.startswith(("p=", "page_id=")) else ""
    return f"{host}{parts.path.rstrip('/').lower()}{query}"


link_key = _link_key


def body_to_markdown(
    content: str,
    *,
    images: ImageResolver,
    context: ShortcodeContext | None = None,
    base_url: str = "",
    links: Mapping[str, str] | None = None,
) -> Converted:
    """A post's body as Markdown, with the shortcodes it did not know and what it left out."""
    context = context or ShortcodeContext()
    text = content.replace("\r\n", "\n").replace("\r", "\n")
    text, code_blocks = set_aside_code(text)
    if not has_blocks(text):
        text = wpautop(text)
    text = expand_shortcodes(text, context)
    converter = WordPressConverter(images=images, base_url=base_url, links=links or {})
    soup = BeautifulSoup(text, "html.parser")
    markdown = converter.convert_soup(soup)
    for mark, (language, code) in code_blocks.items():
        markdown = markdown.replace(mark, fenced(language, code))
    markdown = re.sub(r"[ \t]+\n\n", "\n\n", markdown)
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip()
    return Converted(markdown, list(dict.fromkeys(context.unknown)), converter.dropped)


def inline_text(content: str) -> str:
    """A short field (an excerpt) as one line of Markdown: tags gone, text escaped."""
    text = BeautifulSoup(wpautop(content), "html.parser").get_text(" ")
    return escape_text(" ".join(text.split()))
