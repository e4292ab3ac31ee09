"""HTML read the way a browser reads it (lexbor's HTML5 parser, through selectolax).

Gates are found, cut and checked here, as elements of a parsed tree and never as patterns in
text: a stray ``</div/>``, a comment that looks like a marker or an unclosed ``<textarea>`` then
means to this code exactly what it means to a reader's browser.
"""

from __future__ import annotations

from collections.abc import Iterator

from selectolax.lexbor import LexborHTMLParser, LexborNode

# What one gate is, as an element: the wrapper render_gate() writes, and its hidden body.
GATE = "div.cw"
GATE_BODY = "div.cw > div.cw-body[hidden]"


def parse_fragment(html: str, context: str = "div") -> LexborHTMLParser:
    """``html`` parsed as the content of a ``context`` element, with scripting on, as a reader's browser has it."""
    return LexborHTMLParser(html, is_fragment=True, fragment_tag=context, scripting=True)


def parse_document(html: str | bytes) -> LexborHTMLParser:
    return LexborHTMLParser(html, scripting=True)


def serialize(tree: LexborHTMLParser) -> str:
    """The fragment as HTML again: balanced, every element closed where the browser closed it."""
    return tree.html or ""


def balanced(html: str) -> str:
    """``html`` as a self-contained fragment: nothing in it can close or open anything around it."""
    return serialize(parse_fragment(html))


def _classes(node: LexborNode) -> list[str]:
    return (node.attributes.get("class") or "").split() if node.tag == "div" else []


def is_gate(node: LexborNode) -> bool:
    """Whether ``node`` itself is a gate (selectolax's css_matches also looks at the node's descendants)."""
    return "cw" in _classes(node)


def is_gate_body(node: LexborNode) -> bool:
    """Whether ``node`` itself is the hidden body of a gate."""
    return (
        "cw-body" in _classes(node) and "hidden" in node.attributes
        and node.parent is not None and is_gate(node.parent)
    )


def outermost(nodes: list[LexborNode]) -> Iterator[LexborNode]:
    """The gates that are inside no other gate (nested gates go with their outer gate)."""
    for node in nodes:
        parent = node.parent
        while parent is not None and not is_gate(parent):
            parent = parent.parent
        if parent is None:
            yield node


def strip_gates(html: str) -> str:
    """``html`` with every gate (its notice and its warned text) left out."""
    tree = parse_fragment(html)
    for gate in list(outermost(tree.css(GATE))):
        gate.decompose()
    return serialize(tree)
