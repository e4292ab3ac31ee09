"""Turn a post's warnings and warned passages into gates, and keep warned text out of summaries.

Plain functions over a post's HTML and metadata; content_warnings.py calls them from
Pelican's signals.
"""

from __future__ import annotations

import html
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from content_warnings.gate import GateTag, Wording, render_gate
from content_warnings.html5 import GATE, balanced, outermost, parse_fragment, serialize, strip_gates
from content_warnings.markdown_ext import PassageBounds, PassageOpener, find_passages
from harbour.errors import HarbourError
from harbour.sources import metadata_line, read_lines
from trigger_tags.vocabulary import Vocabulary, resolve_tags, split_tags

TOC = "div.toc"
HEADING_WITH_ID = "h1[id], h2[id], h3[id], h4[id], h5[id], h6[id]"
FOOTNOTE_REF = "a.footnote-ref, sup[id^='fnref']"
# An element a browser never closes: everything after it, the rest of the page too, becomes its text.
NEVER_CLOSED = "plaintext"
DEFINITION_ADVICE = {
    "reference": (
        "a reference link definition ([{key}]: ...) inside a warned passage would show its address and "
        "title outside it, wherever [{key}] is used; write the link inline inside the passage, as in "
        "[words](https://...)"
    ),
    "footnote": (
        "a footnote ([^{key}]: ...) inside a warned passage is printed at the end of the post, outside "
        "the warning; write its text into the passage instead"
    ),
    "abbreviation": (
        "an abbreviation (*[{key}]: ...) defined inside a warned passage shows its meaning wherever the "
        "word appears, outside the warning; write it out in the passage instead"
    ),
}


@dataclass
class GatedContent:
    """What gating did to one post or page."""

    html: str
    gate_tags: list[str] = field(default_factory=list)  # slugs of every gate, post or passage
    post_gate: list[GateTag] | None = None  # the whole post's gate, when it has one
    problems: list[str] = field(default_factory=list)
    warned: dict[str, str] = field(default_factory=dict)  # each gate's id and the HTML it hides
    visible_html: str = ""  # the content a reader sees without opening any gate


@dataclass
class _Passage:
    """One passage as Markdown wrote it, found by its bounds."""

    index: int
    start: int  # where its opening tag starts in the post's HTML
    end: int  # just after its closing tag
    tags: str
    defines: list[str]
    inner: str  # its content, bounds left out, raw HTML as written (perhaps unbalanced)


def find_marked_passages(content_html: str, shown_path: str) -> list[_Passage]:
    """Every passage the Markdown extension made, in the order of its ``data-cw-index``."""
    found = []
    for index in count():
        begin = content_html.find(PassageBounds.begin(index))
        if begin < 0:
            return found
        end = content_html.find(PassageBounds.end(index), begin)
        if end < 0:
            raise HarbourError(f"{shown_path}: the warned passage {index + 1} has lost its end; "
                               "another plugin may have rewritten the post's HTML")
        # The serializer writes the passage's opening tag, then at once its first child (the begin
        # bound); after the end bound comes at once its closing tag.
        start = content_html.rfind("<div", 0, begin)
        closing = end + len(PassageBounds.end(index))
        if start < 0 or not content_html.startswith("</div>", closing):
            raise HarbourError(f"{shown_path}: the warned passage {index + 1} has lost its markup; "
                               "another plugin may have rewritten the post's HTML")
        tag = parse_fragment(content_html[start:begin] + "</div>").css_first("div")
        attributes = tag.attributes if tag is not None else {}
        found.append(_Passage(
            index=index,
            start=start,
            end=closing + len("</div>"),
            tags=attributes.get("data-cw-tags") or "",
            defines=(attributes.get("data-cw-defines") or "").splitlines(),
            inner=content_html[begin + len(PassageBounds.begin(index)):end],
        ))
    return found


def gate_tags(vocabulary: Vocabulary, slugs: Sequence[str]) -> list[GateTag]:
    out = []
    for slug in slugs:
        trigger = vocabulary.get(slug)
        if trigger is not None:
            out.append(GateTag(slug, trigger.label, tuple(vocabulary.ancestors(slug))))
    return out


def gate_content(
    content_html: str,
    *,
    vocabulary: Vocabulary,
    source_path: str,
    shown_path: str,
    warnings: str | list[str] | None,
    triggers: str | list[str] | None = None,
    note: str = "",
    wording: Wording = Wording(),
    tags_url: Callable[[str], str] | None = None,
) -> GatedContent:
    """Gate a post: the whole body when it has Content-Warnings, else each warned passage.

    ``warnings`` is the raw Content-Warnings value (None when the post has none). Inside a
    gated post, passages are shown open: the post's one warning lists their tags, and its
    Triggers, too, so the reader meets one clear warning rather than a stack of them.

    Each passage is cut out at the bounds Markdown's tree gave it and parsed on its own, so its
    HTML is balanced: nothing written inside can end the hidden part early. The post around the
    passages is parsed as a browser would, and a passage that raw HTML before it swallows (an
    unclosed ``<textarea>`` or comment) is a problem, as is anything that would show warned text
    outside its gate (a definition or a footnote inside a passage). Problems are never guesses.
    """
    result = GatedContent(html=content_html, visible_html=content_html)
    marked = find_marked_passages(content_html, shown_path)
    source_lines = read_lines(source_path)
    openers = find_passages("\n".join(source_lines)) if source_lines else []
    if not marked and not openers and warnings is None:
        return result  # nothing to gate: the HTML stays exactly as Markdown wrote it
    if len(openers) > len(marked):
        result.problems.append(
            f"{shown_path}: the !!! cw lines at {', '.join(str(o.line) for o in openers)} were not all read as "
            f"warned passages ({len(openers)} lines, {len(marked)} passages), so some warned text would show "
            "unwarned: start each !!! cw line its own paragraph, after a blank line, with its text indented by "
            "four spaces below it (not inside raw HTML or another !!! block)"
        )
    # The source is read line by line, the HTML as Markdown parsed it: trust the line
    # numbers only when both found the same passages.
    if len(openers) != len(marked):
        openers = []

    passages: list[tuple[_Passage, str, list[str], str]] = []  # outermost: passage, where, slugs, inner HTML
    for passage in marked:
        opener = openers[passage.index] if passage.index < len(openers) else None
        where = f"{shown_path}:{opener.line}" if opener else shown_path
        if passages and passage.start < passages[-1][0].end:
            result.problems.append(
                f"{where}: a warned passage inside another warned passage would open with the outer one; "
                'write one passage with all the tags instead, as in !!! cw "grief, self-harm"'
            )
            continue
        raws = split_tags(html.unescape(passage.tags))
        if opener and opener.problem:
            result.problems.append(f"{where}: {opener.problem}")
        elif not raws:
            result.problems.append(
                f'{where}: a warned passage needs at least one trigger tag, as in !!! cw "self-harm" '
                '(several: !!! cw "grief, pregnancy-loss")'
            )
        slugs, problems = resolve_tags(vocabulary, raws, source=shown_path, line=opener.line if opener else None,
                                       field="!!! cw")
        result.problems += problems
        inner = PassageBounds.strip(balanced(passage.inner))
        result.problems += _passage_problems(passage, inner, where, opener, source_lines)
        passages.append((passage, where, slugs, inner))
        result.gate_tags += [s for s in slugs if s not in result.gate_tags]

    # The post with a slot where each passage was, read as a browser reads it. The slot's name
    # holds a fresh secret, so no text in the post can pose as one.
    slot = f"cw-slot-{secrets.token_hex(6)}"
    pieces, position = [], 0
    for n, (passage, _, _, _) in enumerate(passages):
        pieces += [content_html[position:passage.start], f'<{slot} data-n="{n}"></{slot}>']
        position = passage.end
    pieces.append(content_html[position:])
    tree = parse_fragment(PassageBounds.strip("".join(pieces)))
    result.problems += _document_problems(tree, slot, passages, shown_path)
    around = serialize(tree)

    def filled(render: Callable[[str, list[str], int], str]) -> str:
        out = around
        for n, (_, _, slugs, inner) in enumerate(passages):
            out = out.replace(f'<{slot} data-n="{n}"></{slot}>', render(inner, slugs, n), 1)
        return out

    if warnings is not None:
        raws = split_tags(warnings)
        line = metadata_line(source_lines, "Content-Warnings")
        if not raws:
            result.problems.append(
                f"Content-Warnings is empty in {shown_path}{f':{line}' if line else ''}: list the trigger "
                "tags that gate the post (e.g. 'Content-Warnings: self-harm'), or remove the line"
            )
        slugs, problems = resolve_tags(vocabulary, raws, source=shown_path, line=line, field="Content-Warnings")
        result.problems += problems
        # Triggers are reported by the trigger_tags plugin; here they only join the one warning.
        touched, _ = resolve_tags(vocabulary, split_tags(triggers or ""), source=shown_path)
        post_slugs = list(dict.fromkeys([*slugs, *result.gate_tags, *touched]))
        result.gate_tags = post_slugs
        body = filled(lambda inner, slugs, n: inner)
        result.post_gate = gate_tags(vocabulary, post_slugs)
        result.warned = {"cw-post": body}
        result.visible_html = ""
        result.html = render_gate(
            gate_id="cw-post", kind="post", tags=result.post_gate, inner_html=body, note=note,
            wording=wording, tags_url=tags_url,
        )
    else:
        result.warned = {f"cw-passage-{n + 1}": inner for n, (_, _, _, inner) in enumerate(passages)}
        result.visible_html = filled(lambda inner, slugs, n: "")
        result.html = filled(
            lambda inner, slugs, n: render_gate(
                gate_id=f"cw-passage-{n + 1}", kind="passage", tags=gate_tags(vocabulary, slugs),
                inner_html=inner, wording=wording, tags_url=tags_url,
            ),
        )
    wheres = {"cw-post": shown_path} | {f"cw-passage-{n + 1}": w for n, (_, w, _, _) in enumerate(passages)}
    result.problems += _escapes(result.html, result.warned, wheres)
    return result


def _escapes(gated_html: str, warned: dict[str, str], wheres: dict[str, str]) -> list[str]:
    """Each gate whose hidden body, read back in its place as a browser reads it, lost some of its text.

    A passage is balanced on its own, but some tags mean more in their place than alone: an
    ``<li>`` (or ``<dd>``, ``<dt>``) closes every element up to the list item around it, gate
    included. Reading the whole post back is the proof that nothing got out.
    """
    tree = parse_fragment(gated_html)
    problems = []
    for gate_id, inner in warned.items():
        body = tree.css_first(f'div.cw[id="{gate_id}"] > div.cw-body[hidden]')
        kept = " ".join(body.text(separator=" ").split()) if body is not None else ""
        if kept != " ".join(parse_fragment(inner).text(separator=" ").split()):
            problems.append(
                f"{wheres.get(gate_id, gate_id)}: raw HTML in this warned text would let a browser end its hidden "
                "part early (a stray end tag such as </ul>, or an <li>, <dd> or <dt> outside its list); "
                "remove it"
            )
    return problems


def _passage_problems(
    passage: _Passage, inner: str, where: str, opener: PassageOpener | None, source_lines: list[str]
) -> list[str]:
    """What in a passage would carry its text outside the gate, read from its parsed HTML."""
    problems = []
    tree = parse_fragment(inner)
    if not inner.strip() and not (opener and opener.problem):
        problems.append(
            f"{where}: the warned passage is empty: indent its text by four spaces under the "
            "!!! cw line, or the text would show without its warning"
        )
    if tree.css_first(NEVER_CLOSED) is not None:
        problems.append(
            f"{where}: a <plaintext> element in the warned passage would hide the rest of the page inside it; "
            "remove it"
        )
    if tree.css_first(FOOTNOTE_REF) is not None:
        problems.append(
            f"{where}: a footnote inside the warned passage would show its text outside the "
            "warning, at the end of the post; write it into the passage itself instead"
        )
    for definition in passage.defines:
        kind, _, key = definition.partition(":")
        line = _definition_line(source_lines, opener.line if opener else None, kind, key)
        at = f"{where.rsplit(':', 1)[0]}:{line}" if line else where
        advice = DEFINITION_ADVICE.get(kind, "a definition inside a warned passage ({key}) is shown outside it")
        problems.append(f"{at}: {advice.format(key=key)}")
    return problems


def _document_problems(
    tree: Any, slot: str, passages: list[tuple[_Passage, str, list[str], str]], shown_path: str
) -> list[str]:
    """What in the post around its passages would show them, or the rest of the page, unwarned."""
    problems = []
    present = {node.attributes.get("data-n") for node in tree.css(slot)}
    for n, (_, where, _, _) in enumerate(passages):
        if str(n) not in present:
            problems.append(
                f"{where}: raw HTML before this warned passage swallows it (an unclosed <textarea>, <title>, "
                "<script>, <style>, <noscript>, <template> or <!-- comment), so a browser would not show it as "
                "a passage; close that element before the passage"
            )
    if tree.css_first(NEVER_CLOSED) is not None:
        problems.append(
            f"{shown_path}: a <plaintext> element makes the browser show the rest of the page as text, "
            "warned passages and comments too; remove it"
        )
    if tree.css_first(TOC) is not None and any(
        parse_fragment(inner).css_first(HEADING_WITH_ID) is not None for _, _, _, inner in passages
    ):
        where = next(w for _, w, _, inner in passages if parse_fragment(inner).css_first(HEADING_WITH_ID))
        problems.append(
            f"{where}: the table of contents would list the headings of this warned passage outside it; "
            "use bold text instead of headings inside the passage, or leave out [TOC]"
        )
    return problems


def _definition_line(source_lines: list[str], opener_line: int | None, kind: str, key: str) -> int | None:
    """The source line of a definition inside the passage opened at ``opener_line``, for the message."""
    if opener_line is None:
        return None
    written = {"reference": f"[{key}]:", "footnote": f"[^{key}]:", "abbreviation": f"*[{key}]:"}.get(kind, "")
    for number, text in _passage_source(source_lines, opener_line):
        if written and written.lower() in text.lower():
            return number
    return opener_line


def _passage_source(source_lines: list[str], opener_line: int) -> list[tuple[int, str]]:
    """The source lines (numbered from 1) of a passage's body: indented deeper than its opener."""
    opener = source_lines[opener_line - 1]
    depth = len(opener) - len(opener.lstrip())
    body = []
    for number in range(opener_line + 1, len(source_lines) + 1):
        text = source_lines[number - 1]
        if text.strip() and len(text) - len(text.lstrip()) <= depth:
            break
        body.append((number, text))
    return body


def gate_summary(tags: Sequence[GateTag], note: str, wording: Wording = Wording()) -> str:
    """What a gated post shows wherever a summary would go: the warning, never the text."""
    text = f"{wording.label}: {', '.join(t.label for t in tags)}."
    return html.escape(f"{text} {note}" if note else text)


def summary_without_gates(content_html: str, max_words: int | None, suffix: str) -> str:
    """A summary cut from the post with every warned passage left out."""
    from pelican.utils import strip_toc_elements_from_html, truncate_html_words

    visible = strip_gates(content_html)
    summary = visible if max_words is None else truncate_html_words(visible, max_words, suffix)
    return strip_toc_elements_from_html(summary)


def feed_html(content_html: str, post_url: str, wording: Wording = Wording()) -> str:
    """The post as a feed reader gets it: each gate replaced by its warning and a link."""
    tree = parse_fragment(content_html)
    for gate in list(outermost(tree.css(GATE))):
        label_node, note_node = gate.css_first("p.cw-label"), gate.css_first("p.cw-note")
        label = label_node.text(separator="").strip() if label_node is not None else wording.label
        note = f" {html.escape(note_node.text(separator='').strip())}" if note_node is not None else ""
        what = "This post" if gate.attributes.get("data-cw-kind") == "post" else "A passage"
        anchor = gate.attributes.get("id") or ""
        gate.inner_html = (
            f'<p class="cw-feed-note"><strong>{html.escape(label)}</strong>{note}</p>'
            f"<p>{what} is hidden behind a {html.escape(wording.label.lower())}. "
            f'<a href="{html.escape(post_url)}#{html.escape(anchor)}">Read it on the site</a>, '
            "where it stays hidden until you choose to show it.</p>"
        )
        gate.unwrap()
    return serialize(tree)
