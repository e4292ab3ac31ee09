"""Turn a post's warnings and warned passages into gates, and keep warned text out of summaries.

Plain functions over a post's HTML and metadata; content_warnings.py calls them from
Pelican's signals.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from content_warnings.gate import GateTag, Wording, div_end, render_gate, strip_gates
from content_warnings.markdown_ext import PassageOpener, find_passages
from trigger_tags.vocabulary import Vocabulary, resolve_tags, split_tags

PASSAGE_START = re.compile(r'<div class="cw-passage" data-cw-tags="(?P<tags>[^"]*)" data-cw-index="(?P<index>\d+)">')
FOOTNOTE_REF = re.compile(r'class="footnote-ref"')


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


def metadata_line(source_path: str | Path, key: str) -> int | None:
    """The line of ``Key:`` in a Markdown file's metadata header, for error messages."""
    try:
        lines = Path(source_path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    wanted = key.lower() + ":"
    for number, line in enumerate(lines, 1):
        if not line.strip():
            return None
        if line.lower().startswith(wanted):
            return number
    return None


def passage_openers(source_path: str | Path) -> list[PassageOpener]:
    try:
        return find_passages(Path(source_path).read_text(encoding="utf-8"))
    except OSError:
        return []


def gate_content(
    content_html: str,
    *,
    vocabulary: Vocabulary,
    source_path: str,
    shown_path: str,
    warnings: str | list[str] | None,
    note: str = "",
    wording: Wording = Wording(),
    tags_url: Callable[[str], str] | None = None,
) -> GatedContent:
    """Gate a post: the whole body when it has Content-Warnings, else each warned passage.

    ``warnings`` is the raw Content-Warnings value (None when the post has none). Inside a
    gated post, passages are shown open: the post's one warning lists their tags too, so
    the reader meets one clear warning rather than a stack of them.
    """
    result = GatedContent(html=content_html)
    markers = list(PASSAGE_START.finditer(content_html))
    openers = passage_openers(source_path)
    # The source is read line by line, the HTML as Markdown parsed it: trust the line
    # numbers only when both found the same passages.
    if len(openers) != len(markers):
        openers = []
    passages = []  # (start, end, inner HTML, slugs)
    for match in markers:
        index = int(match.group("index"))
        opener = openers[index] if index < len(openers) else None
        line = opener.line if opener else None
        raws = split_tags(html.unescape(match.group("tags")))
        where = f"{shown_path}:{line}" if line else shown_path
        if opener and opener.problem:
            result.problems.append(f"{where}: {opener.problem}")
        elif not raws:
            result.problems.append(
                f"a warned passage needs at least one trigger tag in {where}: "
                f'write it as !!! cw "self-harm" (several: !!! cw "grief, pregnancy-loss")'
            )
        slugs, problems = resolve_tags(vocabulary, raws, source=shown_path, line=line, field="!!! cw")
        result.problems += problems
        end = div_end(content_html, match.start())
        inner = content_html[match.end():end - len("</div>")]
        if not inner.strip() and not (opener and opener.problem):
            result.problems.append(
                f"the warned passage at {where} is empty: indent its text by four spaces under the "
                "!!! cw line, or the text would show without its warning"
            )
        if FOOTNOTE_REF.search(inner):
            result.problems.append(
                f"a footnote inside the warned passage at {where} would show its text outside the "
                "warning, at the end of the post; write it into the passage itself instead"
            )
        passages.append((match.start(), end, inner, slugs))
        result.gate_tags += [s for s in slugs if s not in result.gate_tags]

    if warnings is not None:
        raws = split_tags(warnings)
        line = metadata_line(source_path, "Content-Warnings")
        if not raws:
            result.problems.append(
                f"Content-Warnings is empty in {shown_path}{f':{line}' if line else ''}: list the trigger "
                "tags that gate the post (e.g. 'Content-Warnings: self-harm'), or remove the line"
            )
        slugs, problems = resolve_tags(vocabulary, raws, source=shown_path, line=line, field="Content-Warnings")
        result.problems += problems
        post_slugs = slugs + [s for s in result.gate_tags if s not in slugs]
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


def _replace_passages(
    content_html: str,
    passages: list[tuple[int, int, str, list[str]]],
    render: Callable[[str, list[str], int], str],
) -> str:
    out, position = [], 0
    for n, (start, end, inner, slugs) in enumerate(passages):
        if start < position:  # a passage nested in another one: it goes with its outer passage
            continue
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

    visible = strip_gates(content_html)
    return visible if max_words is None else truncate_html_words(visible, max_words, suffix)


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
            f"<p>{what} is hidden behind a content note. "
            f'<a href="{html.escape(post_url)}#{match.group("id")}">Read it on the site</a>, '
            "where it stays hidden until you choose to show it.</p>"
        )

    return strip_gates(content_html, replace)
