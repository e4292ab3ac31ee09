"""WordPress's ``wpautop`` in Python: the paragraphs a classic-editor post shows.

The classic editor stores a post without ``<p>`` tags: a blank line separates paragraphs and
a single line break inside one becomes ``<br />``. WordPress adds the tags when it shows the
post, by the rules of ``wpautop()`` in wp-includes/formatting.php; this module applies the
same rules, step by step in the same order, so an imported post keeps exactly the paragraphs
and line breaks its readers saw. (Block-editor content has its tags already and is not
passed through here; see :func:`has_blocks`.)
"""

from __future__ import annotations

import re

# Elements wpautop never wraps in a paragraph, as WordPress lists them.
BLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area|"
    r"blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|"
    r"footer|nav|figure|figcaption|details|menu|summary)"
)
NEWLINE_MARK = " <!-- wpnl --> "
KEPT_NEWLINE = "<WPPreserveNewline />"
# A tag, a comment or a CDATA section: wpautop only changes newlines *inside* these.
HTML_PIECE = re.compile(r"(<(?:!--(?:-(?!->)|[^-])*(?:-->)?|!\[CDATA\[(?:\](?!\]>)|[^\]])*(?:\]\]>)?|[^>]*>?))")
BLOCK_COMMENT = re.compile(r"<!--\s+/?wp:")


def _sub(pattern: str, replacement: object, text: str, flags: int = 0) -> str:
    # ASCII: PHP's \s (without the u flag) is ASCII whitespace only, so a no-break space at the
    # edge of a paragraph is text, and stays.
    return re.sub(pattern, replacement, text, flags=flags | re.ASCII)  # type: ignore[call-overload]


def has_blocks(content: str) -> bool:
    """Whether the content was written with the block editor (its blocks are HTML comments)."""
    return BLOCK_COMMENT.search(content) is not None


def _newlines_inside_tags(text: str) -> str:
    pieces = HTML_PIECE.split(text)
    for index in range(1, len(pieces), 2):
        pieces[index] = pieces[index].replace("\n", NEWLINE_MARK)
    return "".join(pieces)


def _set_aside_pre(text: str) -> tuple[str, dict[str, str]]:
    """``<pre>`` blocks are left exactly as written: replaced by placeholders until the end."""
    if "<pre" not in text:
        return text, {}
    parts = text.split("</pre>")
    last = parts.pop()
    kept: dict[str, str] = {}
    out = []
    for part in parts:
        start = part.find("<pre")
        if start < 0:  # a stray </pre>: left as it was
            out.append(part)
            continue
        name = f"<pre wp-pre-tag-{len(kept)}></pre>"
        kept[name] = part[start:] + "</pre>"
        out.append(part[:start] + name)
    return "".join(out) + last, kept


def wpautop(text: str, br: bool = True) -> str:
    """Paragraphs and line breaks for classic-editor content, as WordPress shows it."""
    if not text.strip():
        return ""
    text += "\n"
    text, pre_blocks = _set_aside_pre(text)
    text = _sub(r"<br\s*/?>\s*<br\s*/?>", "\n\n", text)
    text = _sub(r"(<" + BLOCKS + r"[\s/>])", r"\n\n\1", text)
    text = _sub(r"(</" + BLOCKS + r">)", r"\1\n\n", text)
    text = _sub(r"(<hr\s*?/?>)", r"\1\n\n", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _newlines_inside_tags(text)
    if "<option" in text:
        text = _sub(r"\s*<option", "<option", text)
        text = _sub(r"</option>\s*", "</option>", text)
    if "</object>" in text:
        text = _sub(r"(<object[^>]*>)\s*", r"\1", text)
        text = _sub(r"\s*</object>", "</object>", text)
        text = _sub(r"\s*(</?(?:param|embed)[^>]*>)\s*", r"\1", text)
    if "<source" in text or "<track" in text:
        text = _sub(r"([<\[](?:audio|video)[^>\]]*[>\]])\s*", r"\1", text)
        text = _sub(r"\s*([<\[]/(?:audio|video)[>\]])", r"\1", text)
        text = _sub(r"\s*(<(?:source|track)[^>]*>)\s*", r"\1", text)
    if "<figcaption" in text:
        text = _sub(r"\s*(<figcaption[^>]*>)", r"\1", text)
        text = _sub(r"</figcaption>\s*", "</figcaption>", text)
    text = _sub(r"\n\n+", "\n\n", text)
    paragraphs = [p for p in re.split(r"\n\s*\n", text, flags=re.ASCII) if p]
    text = "".join(f"<p>{p.strip(chr(10))}</p>\n" for p in paragraphs)
    text = _sub(r"<p>\s*</p>", "", text)
    text = _sub(r"<p>([^<]+)</(div|address|form)>", r"<p>\1</p></\2>", text)
    text = _sub(r"<p>\s*(</?" + BLOCKS + r"[^>]*>)\s*</p>", r"\1", text)
    text = _sub(r"<p>(<li.+?)</p>", r"\1", text)
    text = _sub(r"<p><blockquote([^>]*)>", r"<blockquote\1><p>", text, flags=re.IGNORECASE)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = _sub(r"<p>\s*(</?" + BLOCKS + r"[^>]*>)", r"\1", text)
    text = _sub(r"(</?" + BLOCKS + r"[^>]*>)\s*</p>", r"\1", text)
    if br:
        text = _sub(
            r"<(script|style|svg).*?</\1>", lambda m: m.group(0).replace("\n", KEPT_NEWLINE), text, flags=re.S
        )
        text = text.replace("<br>", "<br />").replace("<br/>", "<br />")
        text = _sub(r"(?<!<br />)\s*\n", "<br />\n", text)
        text = text.replace(KEPT_NEWLINE, "\n")
    text = _sub(r"(</?" + BLOCKS + r"[^>]*>)\s*<br />", r"\1", text)
    text = _sub(r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", r"\1", text)
    text = _sub(r"\n</p>$", "</p>", text)
    for name, block in pre_blocks.items():
        text = text.replace(name, block)
    if "<!-- wpnl -->" in text:
        text = text.replace(NEWLINE_MARK, "\n").replace("<!-- wpnl -->", "\n")
    return text
