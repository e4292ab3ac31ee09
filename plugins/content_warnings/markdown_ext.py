"""The warned-passage syntax: a Python-Markdown extension shaped like ``admonition``.

```
!!! cw "self-harm"
    The passage, any Markdown, several paragraphs.
```

becomes ``<div class="cw-passage" data-cw-tags="self-harm" data-cw-index="0">...</div>``. The extension
only marks passages: the Pelican layer checks their tags against the vocabulary and turns each one into
a gate. It never fails a conversion, so that problems reach the writer with a file and a line.

Two things a passage's HTML carries for the Pelican layer:

- its bounds, as comments holding a key that is secret to this process (``bounds``): raw HTML
  written inside or around a passage cannot forge or move them, so the passage is cut out of the
  HTML exactly where Markdown's tree put it, whatever the raw HTML does;
- ``data-cw-defines``: the reference links, footnotes and abbreviations defined inside it, which
  Markdown would print wherever they are used, outside the passage.
"""

from __future__ import annotations

import re
import secrets
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from typing import Any

from markdown import Markdown
from markdown.blockparser import BlockParser
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor

# `!!! cw`, `!!!cw`, `!!! CW`, but not `!!! cwx` or `!!! cw-note` (those stay admonitions).
OPENER = r"!!! ?cw(?![\w-])"
# The tags in straight quotes, or in the curly ones that phones and word processors type for them.
QUOTED_TAGS_RE = re.compile(r'^ *(?:"(?P<straight>[^"\n]*)"|\u201c(?P<curly>[^\u201d\n]*)\u201d) *$')


class WarnedPassageProcessor(BlockProcessor):
    """Turns each ``!!! cw "tags"`` block, and the indented blocks after it, into one passage ``<div>``.

    A copy of ``AdmonitionProcessor``'s logic, so passages nest in lists and quotes exactly as
    admonitions do; only the opener and the markup differ.
    """

    RE = re.compile(rf"(?:^|\n){OPENER}(?P<rest>[^\n]*)(?:\n|$)", re.IGNORECASE)

    def __init__(self, parser: BlockParser, css_class: str) -> None:
        super().__init__(parser)
        self.css_class = css_class
        self.passages: list[etree.Element] = []  # made during this conversion, for numbering
        self.current_sibling: etree.Element | None = None
        self.content_indent = 0

    def is_passage(self, element: etree.Element | None) -> bool:
        return (
            element is not None
            and element.tag == "div"
            and self.css_class in element.get("class", "").split()
        )

    def parse_content(self, parent: etree.Element, block: str) -> tuple[etree.Element | None, str, str]:
        """The open passage an indented block continues (possibly inside a list in it), as admonition does."""
        old_block = block
        the_rest = ""

        # test() already found the passage.
        if self.current_sibling is not None:
            sibling = self.current_sibling
            block, the_rest = self.detab(block, self.content_indent)
            self.current_sibling = None
            self.content_indent = 0
            return sibling, block, the_rest

        sibling = self.lastChild(parent)
        if not self.is_passage(sibling):
            sibling = None
        else:
            # A block indented twice under a passage ending in a list belongs to that list's last item.
            last_child = self.lastChild(sibling)
            indent = 0
            while last_child is not None:
                if (
                    sibling is not None
                    and block.startswith(" " * self.tab_length * 2)
                    and last_child.tag in ("ul", "ol", "dl")
                ):
                    sibling = self.lastChild(last_child)
                    last_child = self.lastChild(sibling) if sibling is not None else None
                    block = block[self.tab_length:]
                    indent += self.tab_length
                else:
                    last_child = None

            if not block.startswith(" " * self.tab_length):
                sibling = None

            if sibling is not None:
                indent += self.tab_length
                block, the_rest = self.detab(old_block, indent)
                self.current_sibling = sibling
                self.content_indent = indent

        return sibling, block, the_rest

    def definitions(self) -> set[tuple[str, str, str]]:
        """Every definition made so far: (kind, key, value), so that new or changed ones stand out.

        Reference links live on the Markdown instance; footnotes and abbreviations in their
        extensions' block processors, when those are loaded.
        """
        md = self.parser.md
        stores: list[tuple[str, Any]] = [("reference", md.references)]
        processors = md.parser.blockprocessors
        if "footnote" in processors:
            stores.append(("footnote", getattr(getattr(processors["footnote"], "footnotes", None), "footnotes", {})))
        if "abbr" in processors:
            stores.append(("abbreviation", getattr(processors["abbr"], "abbrs", {})))
        return {(kind, str(key), repr(value)) for kind, store in stores for key, value in store.items()}

    def test(self, parent: etree.Element, block: str) -> bool:
        if self.RE.search(block):
            return True
        return self.parse_content(parent, block)[0] is not None

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        block = blocks.pop(0)
        match = self.RE.search(block)

        if match:
            if match.start() > 0:
                self.parser.parseBlocks(parent, [block[:match.start()]])
            block, the_rest = self.detab(block[match.end():])
            div = etree.SubElement(parent, "div")
            div.set("class", self.css_class)
            div.set("data-cw-tags", quoted_tags(match.group("rest")) or "")
            self.passages.append(div)
            passage = div
        else:
            passage = self.lastChild(parent)  # the passage this block continues (perhaps in a list in it)
            sibling, block, the_rest = self.parse_content(parent, block)
            assert sibling is not None  # test() said this block continues a passage
            # A list item's loose text must become a paragraph before the passage's blocks join it.
            if sibling.tag in ("li", "dd") and sibling.text:
                paragraph = etree.SubElement(sibling, "p")
                paragraph.text, sibling.text = sibling.text, ""
            div = sibling

        before = self.definitions()
        self.parser.parseChunk(div, block)
        defined = [f"{kind}:{key}" for kind, key, _ in sorted(self.definitions() - before)]
        if defined and passage is not None:
            known = passage.get("data-cw-defines", "").splitlines()
            passage.set("data-cw-defines", "\n".join(dict.fromkeys([*known, *defined])))

        if the_rest:
            # Unindented lines after the passage: they end it and are parsed as usual.
            blocks.insert(0, the_rest)


class PassageBounds:
    """The comments that open and close each passage's content, with this process's secret key.

    Made once per process and never written to the site (the Pelican layer removes them), so no
    text in a post can contain them.
    """

    key = secrets.token_hex(8)

    @classmethod
    def begin(cls, index: int) -> str:
        return f"<!--cw-{cls.key}-begin-{index}-->"

    @classmethod
    def end(cls, index: int) -> str:
        return f"<!--cw-{cls.key}-end-{index}-->"

    @classmethod
    def marker(cls) -> str:
        """What every bound starts with: HTML cut at it and joined again with another process's
        marker (the build memo does) has that process's bounds in the same places."""
        return f"<!--cw-{cls.key}-"

    @classmethod
    def strip(cls, html: str) -> str:
        return re.sub(rf"<!--cw-{cls.key}-(?:begin|end)-\d+-->", "", html)


class PassageIndexTreeprocessor(Treeprocessor):
    """Numbers the passages in document order (``data-cw-index``), which is the order of their openers,
    and puts the bounds in each as its first and last child."""

    def __init__(self, md: Markdown, block_processor: WarnedPassageProcessor) -> None:
        super().__init__(md)
        self.block_processor = block_processor

    def run(self, root: etree.Element) -> None:
        made = {id(div) for div in self.block_processor.passages}
        self.block_processor.passages.clear()
        index = 0
        for element in list(root.iter("div")):
            if id(element) in made:
                element.set("data-cw-index", str(index))
                begin = etree.Comment(PassageBounds.begin(index)[4:-3])
                begin.tail, element.text = element.text, None
                element.insert(0, begin)
                element.append(etree.Comment(PassageBounds.end(index)[4:-3]))
                index += 1


class AttributeOrderPostprocessor(Postprocessor):
    """Writes ``data-cw-tags`` before ``data-cw-index``, the order the docs and the Pelican layer expect.

    Python-Markdown serializes attributes in lexical order, which would put the index first.
    """

    def __init__(self, md: Markdown, css_class: str) -> None:
        super().__init__(md)
        self.css_class = css_class
        # Values are escaped by then, so a '"' cannot occur inside one.
        self.opening_tag_re = re.compile(
            rf'<div class="{re.escape(css_class)}"(?P<defines> data-cw-defines="[^"]*")? '
            r'data-cw-index="(?P<index>\d+)" data-cw-tags="(?P<tags>[^"]*)">'
        )

    def run(self, text: str) -> str:
        def reorder(match: re.Match[str]) -> str:
            return (
                f'<div class="{self.css_class}" data-cw-tags="{match.group("tags")}" '
                f'data-cw-index="{match.group("index")}"{match.group("defines") or ""}>'
            )

        return self.opening_tag_re.sub(reorder, text)


class ContentWarningExtension(Extension):
    """The ``!!! cw "tags"`` warned-passage syntax."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "css_class": [
                "cw-passage",
                "CSS class of the <div> around each warned passage. Default: `cw-passage`.",
            ],
        }
        """Default configuration options."""
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        """Register the processors.

        | Class instance                | Registry          | Name                 | Priority |
        | ----------------------------- | ----------------- | -------------------- | :------: |
        | `WarnedPassageProcessor`      | `blockprocessors` | `cw`                 |  `106`   |
        | `PassageIndexTreeprocessor`   | `treeprocessors`  | `cw_index`           |  `1`     |
        | `AttributeOrderPostprocessor` | `postprocessors`  | `cw_attribute_order` |  `35`    |

        106 runs before admonition (105), which would otherwise take `!!! cw` as an admonition of class
        cw. 35 runs before raw HTML is put back (30), so only the passages' own tags are reordered.
        """
        md.registerExtension(self)
        css_class = self.getConfig("css_class")
        self.processor = WarnedPassageProcessor(md.parser, css_class)
        md.parser.blockprocessors.register(self.processor, "cw", 106)
        md.treeprocessors.register(PassageIndexTreeprocessor(md, self.processor), "cw_index", 1)
        md.postprocessors.register(AttributeOrderPostprocessor(md, css_class), "cw_attribute_order", 35)

    def reset(self) -> None:
        # Drop the passages of a conversion that failed half-way; a finished one has cleared them.
        if hasattr(self, "processor"):
            self.processor.passages.clear()


def makeExtension(**kwargs: Any) -> ContentWarningExtension:
    return ContentWarningExtension(**kwargs)


# --- Where passages are in the source ------------------------------------------------------------

@dataclass(frozen=True)
class PassageOpener:
    """A ``!!! cw`` line of the Markdown source: its 1-based line, its tags text, and what is wrong with it.

    ``tags`` is None when the tags are not in quotes (the passage then renders with empty tags).
    ``problem`` is a sentence for the writer, or None.
    """

    line: int
    tags: str | None
    problem: str | None = None


_FENCE_RE = re.compile(r"^(?P<fence>`{3,}|~{3,})")
_QUOTE_MARKERS_RE = re.compile(r"^(?: {0,3}> ?)+")
_LIST_ITEM_RE = re.compile(r"^ *(?:[*+-]|\d+\.)[ \t]+")
_OPENER_LINE_RE = re.compile(rf"^{OPENER}(?P<rest>.*)$", re.IGNORECASE)
_ANY_OPENER_RE = re.compile(r"^!!! ?[\w-]")  # a passage or an admonition: both hold indented blocks


def quoted_tags(rest: str) -> str | None:
    """The text between the quotes after ``!!! cw``, stripped: '' when there is none, None if unquoted."""
    if not rest.strip():
        return ""
    match = QUOTED_TAGS_RE.match(rest)
    if match is None:
        return None
    return (match.group("straight") if match.group("straight") is not None else match.group("curly")).strip()


def find_passages(source_text: str) -> list[PassageOpener]:
    """Every ``!!! cw`` opener of a Markdown source, in the order of ``data-cw-index``.

    Openers inside fenced code (``` or ~~~ at the start of a line, closed by the same fence, as
    Python-Markdown's fenced_code reads them) and inside indented code blocks are skipped. This reads
    lines, not the document tree: raw HTML blocks that contain a ``!!! cw`` line can still mislead it.
    """
    lines = source_text.expandtabs(4).splitlines()
    found: list[PassageOpener] = []
    fence_end = -1
    for number, line in enumerate(lines):
        if number <= fence_end:
            continue
        fence = _FENCE_RE.match(line)
        if fence is not None:
            closing = _closing_fence(lines, number, fence.group("fence"))
            if closing is not None:
                fence_end = closing
                continue
        text, indent = _content(line)
        opener = _OPENER_LINE_RE.match(text)
        if opener is None or indent % 4 or (indent and not _inside_container(lines, number, indent)):
            continue
        tags = quoted_tags(opener.group("rest"))
        found.append(PassageOpener(number + 1, tags, _opener_problem(tags, lines, number, indent)))
    return found


def find_passage_lines(source_text: str) -> list[int]:
    """The 1-based line of each ``!!! cw`` opener, in the order of ``data-cw-index``: for error messages."""
    return [opener.line for opener in find_passages(source_text)]


def _opener_problem(tags: str | None, lines: list[str], number: int, indent: int) -> str | None:
    if tags is None:
        return 'the trigger tags of a warned passage go in double quotes, as in !!! cw "self-harm"'
    if not _split_on_commas(tags):
        return 'a warned passage needs at least one trigger tag, as in !!! cw "self-harm"'
    for following in lines[number + 1:]:
        if following.strip():
            # The body's own indentation: a list item inside the passage still starts 4 spaces in.
            unquoted = _QUOTE_MARKERS_RE.sub("", following)
            if len(unquoted) - len(unquoted.lstrip(" ")) < indent + 4:
                return (
                    "the warned passage is empty: indent its text by 4 spaces under the !!! cw line, "
                    "or it is shown without a warning"
                )
            return None
    return "the warned passage is empty: write its text under the !!! cw line, indented by 4 spaces"


def _split_on_commas(tags: str) -> list[str]:
    return [tag.strip() for tag in tags.split(",") if tag.strip()]


def _closing_fence(lines: list[str], start: int, fence: str) -> int | None:
    """The line that closes a fence opened at ``start``; None when unclosed (then it is no fence at all)."""
    for number in range(start + 1, len(lines)):
        if lines[number].startswith(fence) and not lines[number][len(fence):].strip(" "):
            return number
    return None


def _content(line: str) -> tuple[str, int]:
    """A line without its blockquote markers and list marker, and how far it is indented."""
    line = _QUOTE_MARKERS_RE.sub("", line)
    item = _LIST_ITEM_RE.match(line)
    if item is not None:
        return line[item.end():], 0
    stripped = line.lstrip(" ")
    return stripped, len(line) - len(stripped)


def _inside_container(lines: list[str], number: int, indent: int) -> bool:
    """Whether an indented line continues a list item, passage or admonition rather than starting code.

    The nearest line above that is indented less decides: Markdown reads the indented block as part
    of a list item or an admonition-like block when that line opens one, and as code otherwise.
    """
    for above in reversed(lines[:number]):
        if not above.strip():
            continue
        text = _QUOTE_MARKERS_RE.sub("", above)
        if _LIST_ITEM_RE.match(text):
            return True
        content, above_indent = _content(above)
        if above_indent < indent:
            return bool(_ANY_OPENER_RE.match(content))
    return False
