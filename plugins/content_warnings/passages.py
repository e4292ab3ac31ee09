"""Turn a post's warnings and warned passages into gates, and keep warned text out of summaries.

Plain functions over a post's HTML and metadata; content_warnings.py calls them from
Pelican's signals.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from content_warnings.gate import GateTag, Wording, render_gate, strip_gates
from content_warnings.markdown_ext import END_MARK_PREFIX, PassageOpener, find_passages
from harbour.errors import HarbourError
from harbour.sources import metadata_line, read_lines
from trigger_tags.vocabulary import Vocabulary, resolve_tags, split_tags

PASSAGE_START = re.compile(r'<div class="cw-passage" data-cw-tags="(?P<tags>[^"]*)" data-cw-index="(?P<index>\d+)">')
FOOTNOTE_REF = re.compile(r'class="footnote-ref"')
DIV_OPEN = re.compile(r"<div\b", re.I)
DIV_CLOSE = re.compile(r"</div\s*>", re.I)
TOC_DIV = re.compile(r'<div class="toc"')
HEADING_WITH_ID = re.compile(r"<h[1-6][^>]*\bid=")
# Markdown definitions that print their text wherever they are used, not where written.
ABBREVIATION = re.compile(r"^\s*\*\[[^\]]+\]:")
FOOTNOTE_DEFINITION = re.compile(r"^\s*\[\^[^\]]+\]:")


@dataclass
class GatedContent:
    """What gating did to one post or page."""

    html: str
    gate_tags: list[str] = field(default_factory=list)  # slugs of every gate, post or passage
    post_gate: list[GateTag] | None = None  # the whole post's gate, when it has one
    problems: list[str] = field(default_factory=list)


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
    Anything that would let warned text show outside its gate is a problem, never a guess.
    """
    result = GatedContent(html=content_html)
    source_lines = read_lines(source_path)
    markers = list(PASSAGE_START.finditer(content_html))
    openers = find_passages("\n".join(source_lines)) if source_lines else []
    if len(openers) > len(markers):
        result.problems.append(
            f"{shown_path}: the !!! cw lines at {', '.join(str(o.line) for o in openers)} were not all read as "
            f"warned passages ({len(openers)} lines, {len(markers)} passages), so some warned text would show "
            "unwarned: start each !!! cw line its own paragraph, after a blank line, with its text indented by "
            "four spaces below it (not inside raw HTML or another !!! block)"
        )
    # The source is read line by line, the HTML as Markdown parsed it: trust the line
    # numbers only when both found the same passages.
    if len(openers) != len(markers):
        openers = []
    passages = []  # (start, end, inner HTML, slugs), outermost passages only
    for match in markers:
        index = int(match.group("index"))
        opener = openers[index] if index < len(openers) else None
        line = opener.line if opener else None
        where = f"{shown_path}:{line}" if line else shown_path
        if passages and match.start() < passages[-1][1]:
            result.problems.append(
                f"{where}: a warned passage inside another warned passage would open with the outer one; "
                'write one passage with all the tags instead, as in !!! cw "grief, self-harm"'
            )
            continue
        raws = split_tags(html.unescape(match.group("tags")))
        if opener and opener.problem:
            result.problems.append(f"{where}: {opener.problem}")
        elif not raws:
            result.problems.append(
                f'{where}: a warned passage needs at least one trigger tag, as in !!! cw "self-harm" '
                '(several: !!! cw "grief, pregnancy-loss")'
            )
        slugs, problems = resolve_tags(vocabulary, raws, source=shown_path, line=line, field="!!! cw")
        result.problems += problems
        end_mark = content_html.find(f"<!--{END_MARK_PREFIX}{index}-->", match.end())
        if end_mark < 0:
            raise HarbourError(f"{shown_path}: the warned passage {index + 1} has lost its end mark; "
                               "another plugin may have rewritten the post's HTML")
        inner = content_html[match.end():end_mark]
        end = content_html.index("</div>", end_mark) + len("</div>")
        result.problems += _passage_problems(inner, where, opener, source_lines)
        if "toc" in content_html and TOC_DIV.search(content_html) and HEADING_WITH_ID.search(inner):
            result.problems.append(
                f"{where}: the table of contents would list the headings of this warned passage outside it; "
                "use bold text instead of headings inside the passage, or leave out [TOC]"
            )
        passages.append((match.start(), end, inner, slugs))
        result.gate_tags += [s for s in slugs if s not in result.gate_tags]

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
        body = _replace_passages(content_html, passages, lambda inner, slugs, n: inner)
        result.post_gate = gate_tags(vocabulary, post_slugs)
        result.html = render_gate(
            gate_id="cw-post", kind="post", tags=result.post_gate, inner_html=body, note=note,
            wording=wording, tags_url=tags_url,
        )
    else:
        result.html = _replace_passages(
            content_html,
            passages,
            lambda inner, slugs, n: render_gate(
                gate_id=f"cw-passage-{n + 1}", kind="passage", tags=gate_tags(vocabulary, slugs),
                inner_html=inner, wording=wording, tags_url=tags_url,
            ),
        )
    return result


def _passage_problems(
    inner: str, where: str, opener: PassageOpener | None, source_lines: list[str]
) -> list[str]:
    """What in a passage's HTML or source would carry its text outside the gate."""
    problems = []
    if not inner.strip() and not (opener and opener.problem):
        problems.append(
            f"{where}: the warned passage is empty: indent its text by four spaces under the "
            "!!! cw line, or the text would show without its warning"
        )
    opened, closed = len(DIV_OPEN.findall(inner)), len(DIV_CLOSE.findall(inner))
    if opened != closed:
        problems.append(
            f"{where}: the warned passage has raw HTML with {opened} <div> and {closed} </div>; a stray tag "
            "could end the hidden part early, so balance or remove it"
        )
    if FOOTNOTE_REF.search(inner):
        problems.append(
            f"{where}: a footnote inside the warned passage would show its text outside the "
            "warning, at the end of the post; write it into the passage itself instead"
        )
    if opener:
        for number, text in _passage_source(source_lines, opener.line):
            if ABBREVIATION.match(text) or FOOTNOTE_DEFINITION.match(text):
                problems.append(
                    f"{where.rsplit(':', 1)[0]}:{number}: a definition inside a warned passage "
                    f"({text.strip()[:40]!r}) is shown outside it, wherever the word or note appears; "
                    "write it out in the passage instead"
                )
    return problems


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


def _replace_passages(
    content_html: str,
    passages: list[tuple[int, int, str, list[str]]],
    render: Callable[[str, list[str], int], str],
) -> str:
    out, position = [], 0
    for n, (start, end, inner, slugs) in enumerate(passages):
        out += [content_html[position:start], render(inner, slugs, n)]
        position = end
    out.append(content_html[position:])
    return "".join(out)


def gate_summary(tags: Sequence[GateTag], note: str, wording: Wording = Wording()) -> str:
    """What a gated post shows wherever a summary would go: the warning, never the text."""
    text = f"{wording.label}: {', '.join(t.label for t in tags)}."
    return html.escape(f"{text} {note}" if note else text)


def summary_without_gates(content_html: str, max_words: int | None, suffix: str) -> str:
    """A summary cut from the post with every warned passage left out."""
    from pelican.utils import truncate_html_words

    from pelican.utils import strip_toc_elements_from_html

    visible = strip_gates(content_html)
    summary = visible if max_words is None else truncate_html_words(visible, max_words, suffix)
    return strip_toc_elements_from_html(summary)


def feed_html(content_html: str, post_url: str, wording: Wording = Wording()) -> str:
    """The post as a feed reader gets it: each gate replaced by its warning and a link."""

    def replace(match: re.Match[str]) -> str:
        gate = match.group(0)
        tags = re.search(r'<p class="cw-label">(.*?)</p>', gate, re.S)
        note = re.search(r'<p class="cw-note">(.*?)</p>', gate, re.S)
        label = re.sub(r"<[^>]+>", "", tags.group(1)) if tags else wording.label
        kind = re.search(r'data-cw-kind="(\w+)"', gate)
        what = "This post" if kind and kind.group(1) == "post" else "A passage"
        return (
            f'<p class="cw-feed-note"><strong>{label}</strong>{" " + note.group(1) if note else ""}</p>'
            f"<p>{what} is hidden behind a {html.escape(wording.label.lower())}. "
            f'<a href="{html.escape(post_url)}#{match.group("id")}">Read it on the site</a>, '
            "where it stays hidden until you choose to show it.</p>"
        )

    return strip_gates(content_html, replace)
