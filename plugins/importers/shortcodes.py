"""WordPress shortcodes: the common ones become HTML the converter understands, the rest stay visible.

``[caption]`` becomes a figure with its caption, ``[gallery]`` a figure of its images,
``[embed]``, ``[youtube]``, ``[audio]``, ``[video]`` and their kin a plain link (an embed would
load another site), ``[code]`` and ``[sourcecode]`` a code block. Any other shortcode is left in
the text exactly as written, where the writer sees it, and reported: only its plugin knew
what it showed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

FIGURE_SHORTCODES = ("caption", "wp_caption", "gallery")
LINK_SHORTCODES = ("embed", "youtube", "vimeo", "audio", "video", "playlist", "soundcloud", "wpvideo", "tweet")
CODE_SHORTCODES = ("code", "sourcecode")
KNOWN = (*FIGURE_SHORTCODES, *LINK_SHORTCODES, *CODE_SHORTCODES)
# WordPress's shortcode grammar: [name attrs], [name attrs /], [name attrs]content[/name];
# [[name]] is an escaped shortcode, shown as [name].
_SHORTCODE = (
    r"\[(\[?)({names})(?![\w-])([^\]/]*(?:/(?!\])[^\]/]*)*?)"
    r"(?:(/)\]|\](?:([^\[]*(?:\[(?!/\2\])[^\[]*)*)\[/\2\])?)(\]?)"
)
KNOWN_SHORTCODE = re.compile(_SHORTCODE.format(names="|".join(KNOWN)))
CODE_SHORTCODE = re.compile(_SHORTCODE.format(names="|".join(CODE_SHORTCODES)))
# What looks like a shortcode of a plugin: a name with attributes, or an opening and closing
# pair. A bare "[sic]" or "[1]" in a sentence is ordinary text and is not reported.
LOOKS_LIKE_SHORTCODE = re.compile(
    r"\[([A-Za-z][\w-]*)(?:\s+[^\]\[]*=[^\]\[]*|\s*/)\]|\[([A-Za-z][\w-]*)\][^\[]*?\[/\2\]"
)
ATTRIBUTE = re.compile(
    r'([\w-]+)\s*=\s*"([^"]*)"(?:\s|$)|([\w-]+)\s*=\s*\'([^\']*)\'(?:\s|$)|([\w-]+)\s*=\s*([^\s\'"]+)(?:\s|$)'
    r'|"([^"]*)"(?:\s|$)|\'([^\']*)\'(?:\s|$)|(\S+)(?:\s|$)'
)
CODE_MARK = "WPIMPORTCODEBLOCK{}X"


@dataclass(frozen=True)
class Attachment:
    url: str
    title: str = ""
    alt: str = ""
    caption: str = ""


@dataclass
class ShortcodeContext:
    """What shortcodes refer to: the export's attachments by id, and each post's attached ones."""

    attachments: Mapping[str, Attachment] = field(default_factory=dict)
    children: Mapping[str, Sequence[str]] = field(default_factory=dict)
    post_id: str = ""
    unknown: list[str] = field(default_factory=list)


def attributes(text: str) -> dict[str, str]:
    """A shortcode's attributes; positional ones are numbered "0", "1", ..."""
    found: dict[str, str] = {}
    position = 0
    for match in ATTRIBUTE.finditer(text.replace("\u00a0", " ").replace("\u200b", " ").strip()):
        groups = match.groups()
        for name_index in (0, 2, 4):
            if groups[name_index]:
                found[groups[name_index].lower()] = html.unescape(groups[name_index + 1])
                break
        else:
            value = next(g for g in groups[6:] if g is not None)
            found[str(position)] = html.unescape(value)
            position += 1
    return found


def set_aside_code(text: str) -> tuple[str, dict[str, tuple[str, str]]]:
    """``[code]`` blocks out of the way of wpautop and the converter: marks, and what they hold."""
    blocks: dict[str, tuple[str, str]] = {}

    def keep(match: re.Match[str]) -> str:
        if match.group(1) == "[" and match.group(6) == "]":
            return match.group(0)[1:-1]
        attrs = attributes(match.group(3) or "")
        mark = CODE_MARK.format(len(blocks))
        blocks[mark] = (attrs.get("lang") or attrs.get("language") or "", match.group(5) or "")
        return f"\n\n{mark}\n\n"

    return CODE_SHORTCODE.sub(keep, text), blocks


def fenced(language: str, code: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    language = re.sub(r"[^\w+-]", "", language)
    return f"{fence}{language}\n{code.strip(chr(10))}\n{fence}"


def expand_shortcodes(text: str, context: ShortcodeContext) -> str:
    """Known shortcodes as HTML; unknown ones left as written and noted in ``context.unknown``."""

    def replace(match: re.Match[str]) -> str:
        if match.group(1) == "[" and match.group(6) == "]":
            return match.group(0)[1:-1]  # [[caption]] is how WordPress writes a literal [caption]
        name, attrs, content = match.group(2), attributes(match.group(3) or ""), match.group(5) or ""
        if name in ("caption", "wp_caption"):
            return _caption(attrs, content)
        if name == "gallery":
            return _gallery(attrs, context)
        return _link(name, attrs, content)

    # Unwrap a shortcode that stands alone in a paragraph, as WordPress's shortcode_unautop does.
    text = re.sub(r"<p>\s*(" + KNOWN_SHORTCODE.pattern + r")\s*</p>", r"\1", text)
    expanded = KNOWN_SHORTCODE.sub(replace, text)
    for match in LOOKS_LIKE_SHORTCODE.finditer(expanded):
        name = match.group(1) or match.group(2)
        context.unknown.append(name)
    return expanded


def _caption(attrs: Mapping[str, str], content: str) -> str:
    # The caption is either an attribute (old exports) or the text after the image.
    image = re.match(r"\s*((?:<a\s[^>]*>\s*)?<img\s[^>]*>(?:\s*</a>)?)(.*)$", content, re.S | re.I)
    media, caption = (image.group(1), image.group(2)) if image else (content, "")
    caption = attrs.get("caption") or caption.strip()
    return f"<figure>{media}<figcaption>{caption}</figcaption></figure>" if caption else f"<figure>{media}</figure>"


def _gallery(attrs: Mapping[str, str], context: ShortcodeContext) -> str:
    ids = [i.strip() for i in attrs.get("ids", attrs.get("include", "")).split(",") if i.strip()]
    if not ids:
        ids = list(context.children.get(attrs.get("id", context.post_id), []))
    images = []
    for attachment_id in ids:
        attachment = context.attachments.get(attachment_id)
        if attachment is None:
            continue
        alt = html.escape(attachment.alt or attachment.title, quote=True)
        caption = f"<figcaption>{html.escape(attachment.caption)}</figcaption>" if attachment.caption else ""
        images.append(f'<figure><img src="{html.escape(attachment.url, quote=True)}" alt="{alt}">{caption}</figure>')
    return "".join(images)


def _link(name: str, attrs: Mapping[str, str], content: str) -> str:
    """An embed as a plain link: following it is the reader's choice; nothing loads by itself."""
    address = (
        content.strip() if name == "embed" else
        attrs.get("src") or attrs.get("url") or attrs.get("0", "").lstrip("=") or content.strip()
    )
    for key in ("mp3", "m4a", "ogg", "wav", "mp4", "m4v", "webm", "ogv"):
        address = address or attrs.get(key, "")
    if not re.match(r"https?://", address):
        return f"<p>[{html.escape(name)}: not shown here]</p>"
    label = {"audio": "Audio", "video": "Video", "playlist": "Playlist", "tweet": "Post"}.get(name, "Embedded")
    shown = html.escape(address)
    return f'<p>{label}: <a href="{html.escape(address, quote=True)}">{shown}</a></p>'
