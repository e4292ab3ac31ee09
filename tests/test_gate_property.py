"""Property: whatever Markdown is written inside a passage renders inside its hidden gate, or is refused.

Hypothesis writes posts with a warned passage (at random depth, in quotes and lists) holding inline
and reference links, footnotes, abbreviations, raw HTML with malformed end tags and fake markers,
lists, quotes, tables, code and headings with attributes, and uses of those definitions outside.
Every word written inside contains "quince"; no word outside does. Each post goes through the
site's Markdown extensions, typogrify and the gate, and the result is read with the HTML5 parser:
either the gate refused the post (a build error naming the line), or no "quince" is anywhere a
reader can meet it unasked (the page outside hidden gate bodies, its summary, its feed entry).

The suite runs a bounded number of examples. For a longer run:
``GATE_PROPERTY_EXAMPLES=10000 python3 dev.py test --args "tests/test_gate_property.py --hypothesis-show-statistics"``.
"""

from __future__ import annotations

import os
import tempfile
import textwrap
from pathlib import Path

import markdown
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typogrify.filters import typogrify

from conftest import ROOT
from content_warnings.html5 import GATE_BODY, parse_fragment
from content_warnings.passages import feed_html, gate_content, summary_without_gates
from trigger_tags.vocabulary import load_vocabulary

EXAMPLES = int(os.environ.get("GATE_PROPERTY_EXAMPLES", "100"))
EXTENSIONS = ["content_warnings.markdown_ext", "extra", "meta", "sane_lists", "toc", "admonition"]
VOCABULARY = load_vocabulary(ROOT / "content" / "triggers.yml")
SOURCE = Path(tempfile.mkdtemp(prefix="gate-property-")) / "x.md"

INSIDE = st.sampled_from(["quincefall", "quincemoss", "quincetide", "Quinceleaf"])
OUTSIDE = st.sampled_from(["sparrow", "lantern", "meadow", "Harbour"])
KEY = st.integers(0, 2)
STRAY = st.sampled_from([
    "</div>", "</div/>", '</div class="x">', "</DIV >", "</p>", "</li>", "</blockquote>", "</td></tr></table>",
    "</ul>", "<div>", "<p>", "<!--/cw:cw-passage-1-->", "<!--/cw-passage:0-->", "<!--cw:cw-post-->", "-->",
    "</section></article></main>",
])


def inline(word: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """One inline piece of Markdown built from ``word``."""
    plain = st.one_of(
        word,
        word.map(lambda w: f"*{w}*"),
        word.map(lambda w: f"`{w}`"),
        word.map(lambda w: f'[{w}](https://{w.lower()}.example/{w} "{w} title")'),
        word.map(lambda w: f'<span title="{w}">{w}</span>'),
        st.tuples(STRAY, word).map(lambda t: f"{t[0]} {t[1]}"),
    )
    # Uses of definitions (a footnote inside a passage is refused): rarer, so most posts get built.
    uses = st.one_of(
        st.tuples(word, KEY).map(lambda t: f"[{t[0]}][r{t[1]}]"),
        KEY.map(lambda k: f"[^f{k}]"),
        KEY.map(lambda k: f"ABBR{k}"),
    )
    return st.one_of(plain, plain, plain, uses)


def line(word: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(inline(word), min_size=1, max_size=6).map(" ".join)


def definition(word: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(KEY, word).map(lambda t: f'[r{t[0]}]: https://{t[1].lower()}.example/ "{t[1]} says"'),
        st.tuples(KEY, word).map(lambda t: f"[^f{t[0]}]: A note, {t[1]}."),
        st.tuples(KEY, word).map(lambda t: f"*[ABBR{t[0]}]: {t[1]} meaning"),
    )


def indent(text: str, prefix: str = "    ") -> str:
    return textwrap.indent(text, prefix, lambda _: True)


def blocks(word: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A few blocks of Markdown, nested at random in lists and quotes."""
    leaf = st.one_of(
        line(word),
        line(word),
        line(word).map(lambda t: f"## {t} {{: #h-{len(t)} }}"),
        st.tuples(word, line(word)).map(lambda t: f"| {t[0]} | a |\n| --- | --- |\n| {t[1]} | b |"),
        st.tuples(word, STRAY).map(lambda t: f"```\n{t[0]} {t[1]}\n```"),
        st.tuples(word, STRAY).map(lambda t: f"<div>\n{t[0]} {t[1]}\n</div>"),
        line(word).map(lambda t: f'<div markdown="1">\n\n{t}\n\n</div>'),
        definition(word),
    )
    block = st.recursive(
        leaf,
        lambda inner: st.one_of(
            inner.map(lambda b: "- " + indent(b).lstrip()),
            inner.map(lambda b: indent(b, "> ")),
            st.lists(inner, min_size=2, max_size=3).map("\n\n".join),
        ),
        max_leaves=6,
    )
    return st.lists(block, min_size=1, max_size=4).map("\n\n".join)


@st.composite
def posts(draw: st.DrawFn) -> str:
    first = draw(st.lists(INSIDE, min_size=1, max_size=3).map(" ".join))
    passage = '!!! cw "grief"\n' + indent(first + "\n\n" + draw(blocks(INSIDE)))
    placement = draw(st.sampled_from(["top", "quote", "list"]))
    if placement == "quote":
        passage = indent(passage, "> ")
    elif placement == "list":
        passage = "- An item.\n\n" + indent(passage)
    before, after = draw(blocks(OUTSIDE)), draw(blocks(OUTSIDE))
    toc = draw(st.sampled_from(["", "[TOC]\n\n"]))
    return f"Title: A post\nDate: 2024-01-01\n\n{toc}{before}\n\n{passage}\n\n{after}\n"


def shown_words(html: str) -> str:
    """What a reader meets unasked: text and attributes outside hidden gate bodies, lower case."""
    tree = parse_fragment(html)
    for body in reversed(tree.css(GATE_BODY)):
        body.decompose()
    values = [v or "" for node in tree.css("*") for v in node.attributes.values()]
    return " ".join([tree.text(separator=" "), *values]).lower()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(posts())
def test_nothing_written_inside_a_passage_reaches_outside_it(post: str) -> None:
    SOURCE.write_text(post, encoding="utf-8")
    try:
        html = typogrify(markdown.Markdown(extensions=EXTENSIONS, output_format="html5").convert(post))
    except Exception:
        # Python-Markdown 3.11 itself fails on some nestings of footnote definitions ("OrderedDict
        # mutated during iteration"); the build reports that as the post it could not read. Only a
        # failure that our extension causes belongs to this property.
        plain = [e for e in EXTENSIONS if e != "content_warnings.markdown_ext"]
        with pytest.raises(Exception):
            markdown.Markdown(extensions=plain, output_format="html5").convert(post)
        event("Python-Markdown itself fails")
        return
    result = gate_content(html, vocabulary=VOCABULARY, source_path=str(SOURCE), shown_path="x.md", warnings=None)
    if result.problems:
        event("refused: " + result.problems[0].split(": ", 1)[-1][:48])
        assert all(problem.startswith("x.md") for problem in result.problems), result.problems
        return
    event("built")
    assert "quince" in result.html.lower(), "the passage's words should be on the page, behind its gate"
    assert "quince" not in shown_words(result.html), post
    assert "quince" not in summary_without_gates(result.html, None, "…").lower(), post
    assert "quince" not in shown_words(feed_html(result.html, "https://blog.example/x/")), post


def test_the_property_builds_rich_passages_too() -> None:
    """Not every example may be refused: a passage using every construct the right way is built."""
    post = textwrap.dedent("""\
        Title: A post
        Date: 2024-01-01

        Sparrow words with [a link][r0], ABBR0 and a note.[^f0]

        !!! cw "grief"
            quincefall *quincemoss* [quincetide](https://quince.example/ "quince") </div/> quincefall

            - quincemoss
                > quincetide in a quote

            | quincefall | a |
            | --- | --- |
            | quincemoss | b |

            ```
            quincetide </div>
            ```

        [r0]: https://sparrow.example/
        [^f0]: A sparrow note.
        *[ABBR0]: Lantern meaning
        """)
    SOURCE.write_text(post, encoding="utf-8")
    html = typogrify(markdown.Markdown(extensions=EXTENSIONS, output_format="html5").convert(post))
    result = gate_content(html, vocabulary=VOCABULARY, source_path=str(SOURCE), shown_path="x.md", warnings=None)
    assert result.problems == []
    assert result.html.lower().count("quince") >= 8
    assert "quince" not in shown_words(result.html)
