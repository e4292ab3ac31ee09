"""The warned-passage syntax ``!!! cw "tags"``: the Markdown it takes, the HTML it gives the Pelican layer."""

from __future__ import annotations

import re
import textwrap

import markdown
import pytest
from markdown.test_tools import TestCase

from content_warnings.markdown_ext import (
    ContentWarningExtension,
    PassageBounds,
    PassageOpener,
    find_passage_lines,
    find_passages,
)

EXTENSION = "content_warnings.markdown_ext"  # loaded by name, as Pelican's MARKDOWN setting does
SITE_EXTENSIONS = [EXTENSION, "admonition", "extra", "meta", "sane_lists", "toc"]


def dedent(text: str) -> str:
    return textwrap.dedent(text).strip("\n") + "\n"


class TestPassages(TestCase):
    """What each passage renders to. Its bounds are tested on their own below, and left out here."""

    default_kwargs = {"extensions": [EXTENSION]}

    def assertMarkdownRenders(self, source: str, expected: str, **kwargs: object) -> None:  # noqa: N802
        output = markdown.markdown(source, **{**self.default_kwargs, **kwargs})
        self.assertMultiLineEqual(PassageBounds.strip(output), expected)

    def test_one_tag(self) -> None:
        self.assertMarkdownRenders(
            dedent("""
                !!! cw "self-harm"
                    The passage.
            """),
            dedent("""
                <div class="cw-passage" data-cw-tags="self-harm" data-cw-index="0">
                <p>The passage.</p>
                </div>
            """).strip(),
        )

    def test_several_tags_are_passed_on_as_written(self) -> None:
        self.assertMarkdownRenders(
            dedent("""
                !!! cw "  grief, pregnancy-loss "
                    The passage.
            """),
            dedent("""
                <div class="cw-passage" data-cw-tags="grief, pregnancy-loss" data-cw-index="0">
                <p>The passage.</p>
                </div>
            """).strip(),
        )

    def test_several_paragraphs_then_the_passage_ends_at_unindented_text(self) -> None:
        self.assertMarkdownRenders(
            dedent("""
                Before.

                !!! cw "grief"
                    First paragraph.

                    Second paragraph.

                After.
            """),
            dedent("""
                <p>Before.</p>
                <div class="cw-passage" data-cw-tags="grief" data-cw-index="0">
                <p>First paragraph.</p>
                <p>Second paragraph.</p>
                </div>
                <p>After.</p>
            """).strip(),
        )

    def test_any_markdown_inside(self) -> None:
        self.assertMarkdownRenders(
            dedent("""
                !!! cw "self-harm"
                    A list:

                    - one
                    - two
                        - nested

                    > a quote

                        code
            """),
            dedent("""
                <div class="cw-passage" data-cw-tags="self-harm" data-cw-index="0">
                <p>A list:</p>
                <ul>
                <li>one</li>
                <li>two<ul>
                <li>nested</li>
                </ul>
                </li>
                </ul>
                <blockquote>
                <p>a quote</p>
                </blockquote>
                <pre><code>code
                </code></pre>
                </div>
            """).strip(),
        )

    def test_inside_a_list_item(self) -> None:
        self.assertMarkdownRenders(
            dedent("""
                1. First step.

                    !!! cw "grief"
                        The warned part of the step.

                2. Second step.
            """),
            dedent("""
                <ol>
                <li>
                <p>First step.</p>
                <div class="cw-passage" data-cw-tags="grief" data-cw-index="0">
                <p>The warned part of the step.</p>
                </div>
                </li>
                <li>
                <p>Second step.</p>
                </li>
                </ol>
            """).strip(),
        )

    def test_inside_a_blockquote(self) -> None:
        self.assertMarkdownRenders(
            dedent("""
                > !!! cw "grief"
                >     Quoted and warned.
            """),
            dedent("""
                <blockquote>
                <div class="cw-passage" data-cw-tags="grief" data-cw-index="0">
                <p>Quoted and warned.</p>
                </div>
                </blockquote>
            """).strip(),
        )

    def test_a_passage_inside_a_passage(self) -> None:
        self.assertMarkdownRenders(
            dedent("""
                !!! cw "death"
                    Outer.

                    !!! cw "grief"
                        Inner.
            """),
            dedent("""
                <div class="cw-passage" data-cw-tags="death" data-cw-index="0">
                <p>Outer.</p>
                <div class="cw-passage" data-cw-tags="grief" data-cw-index="1">
                <p>Inner.</p>
                </div>
                </div>
            """).strip(),
        )

    def test_index_counts_passages_in_document_order(self) -> None:
        self.assertMarkdownRenders(
            dedent("""
                !!! cw "a"
                    One.

                > !!! cw "b"
                >     Two.

                !!! cw "c"
                    Three.
            """),
            dedent("""
                <div class="cw-passage" data-cw-tags="a" data-cw-index="0">
                <p>One.</p>
                </div>
                <blockquote>
                <div class="cw-passage" data-cw-tags="b" data-cw-index="1">
                <p>Two.</p>
                </div>
                </blockquote>
                <div class="cw-passage" data-cw-tags="c" data-cw-index="2">
                <p>Three.</p>
                </div>
            """).strip(),
        )

    def test_cw_is_case_insensitive_and_the_space_optional(self) -> None:
        self.assertMarkdownRenders(
            dedent("""
                !!! CW "grief"
                    One.

                !!!cw "grief"
                    Two.
            """),
            dedent("""
                <div class="cw-passage" data-cw-tags="grief" data-cw-index="0">
                <p>One.</p>
                </div>
                <div class="cw-passage" data-cw-tags="grief" data-cw-index="1">
                <p>Two.</p>
                </div>
            """).strip(),
        )

    def test_curly_quotes_count_as_quotes(self) -> None:
        self.assertMarkdownRenders(
            '!!! cw \u201cgrief\u201d\n    Typed on a phone.\n',
            dedent("""
                <div class="cw-passage" data-cw-tags="grief" data-cw-index="0">
                <p>Typed on a phone.</p>
                </div>
            """).strip(),
        )

    def test_missing_empty_or_unquoted_tags_still_make_a_passage_with_no_tags(self) -> None:
        # The passage stays marked (so it is never shown ungated); the Pelican layer reports the missing tags.
        self.assertMarkdownRenders(
            dedent("""
                !!! cw
                    No tags.

                !!! cw ""
                    Empty quotes.

                !!! cw self-harm
                    No quotes.
            """),
            dedent("""
                <div class="cw-passage" data-cw-tags="" data-cw-index="0">
                <p>No tags.</p>
                </div>
                <div class="cw-passage" data-cw-tags="" data-cw-index="1">
                <p>Empty quotes.</p>
                </div>
                <div class="cw-passage" data-cw-tags="" data-cw-index="2">
                <p>No quotes.</p>
                </div>
            """).strip(),
        )

    def test_unindented_text_after_the_opener_leaves_the_passage_empty(self) -> None:
        # find_passages() reports this one (see below): the text is outside the warning.
        self.assertMarkdownRenders(
            dedent("""
                !!! cw "grief"
                Forgot to indent.
            """),
            dedent("""
                <div class="cw-passage" data-cw-tags="grief" data-cw-index="0"></div>
                <p>Forgot to indent.</p>
            """).strip(),
        )

    def test_tags_are_escaped(self) -> None:
        self.assertMarkdownRenders(
            dedent("""
                !!! cw "drugs & alcohol, <b>"
                    Text.
            """),
            dedent("""
                <div class="cw-passage" data-cw-tags="drugs &amp; alcohol, &lt;b&gt;" data-cw-index="0">
                <p>Text.</p>
                </div>
            """).strip(),
        )

    def test_css_class_option(self) -> None:
        self.assertMarkdownRenders(
            dedent("""
                !!! cw "grief"
                    Text.
            """),
            dedent("""
                <div class="warned" data-cw-tags="grief" data-cw-index="0">
                <p>Text.</p>
                </div>
            """).strip(),
            extensions=[ContentWarningExtension(css_class="warned")],
        )

    def test_unknown_option_is_refused(self) -> None:
        with self.assertRaises(KeyError):
            ContentWarningExtension(css_clas="warned")


class TestWithTheSiteExtensions(TestPassages):
    default_kwargs = {"extensions": SITE_EXTENSIONS}

    def test_admonitions_still_work_beside_passages(self) -> None:
        self.assertMarkdownRenders(
            dedent("""
                !!! note "A note"
                    An admonition.

                !!! cw "grief"
                    A passage.

                !!! warning
                    Another admonition.
            """),
            dedent("""
                <div class="admonition note">
                <p class="admonition-title">A note</p>
                <p>An admonition.</p>
                </div>
                <div class="cw-passage" data-cw-tags="grief" data-cw-index="0">
                <p>A passage.</p>
                </div>
                <div class="admonition warning">
                <p class="admonition-title">Warning</p>
                <p>Another admonition.</p>
                </div>
            """).strip(),
        )

    def test_only_cw_itself_is_a_passage(self) -> None:
        self.assertMarkdownRenders(
            dedent("""
                !!! cw-note "Not a passage"
                    An admonition of class cw-note.
            """),
            dedent("""
                <div class="admonition cw-note">
                <p class="admonition-title">Not a passage</p>
                <p>An admonition of class cw-note.</p>
                </div>
            """).strip(),
        )

    def test_a_whole_post(self) -> None:
        self.assertMarkdownRenders(
            dedent("""
                Title: A post
                Triggers: grief

                ## Before

                !!! cw "grief"
                    Text with *emphasis* and a table:

                    | a | b |
                    |---|---|
                    | 1 | 2 |

                ```
                !!! cw "fenced code is not a passage"
                    code
                ```
            """),
            dedent("""
                <h2 id="before">Before</h2>
                <div class="cw-passage" data-cw-tags="grief" data-cw-index="0">
                <p>Text with <em>emphasis</em> and a table:</p>
                <table>
                <thead>
                <tr>
                <th>a</th>
                <th>b</th>
                </tr>
                </thead>
                <tbody>
                <tr>
                <td>1</td>
                <td>2</td>
                </tr>
                </tbody>
                </table>
                </div>
                <pre><code>!!! cw &quot;fenced code is not a passage&quot;
                    code
                </code></pre>
            """).strip(),
            expected_attrs={"Meta": {"title": ["A post"], "triggers": ["grief"]}},
        )


def test_index_starts_again_for_each_document() -> None:
    md = markdown.Markdown(extensions=SITE_EXTENSIONS)
    source = '!!! cw "a"\n    One.\n\n!!! cw "b"\n    Two.\n'
    first = md.convert(source)
    second = md.reset().convert(source)
    third = md.convert(source)  # Pelican also converts summaries without resetting in between
    assert first == second == third
    assert 'data-cw-index="1"' in third and 'data-cw-index="2"' not in third


# --- Where passages are in the source ------------------------------------------------------------

def test_find_passage_lines() -> None:
    source = dedent("""
        Title: A post

        !!! cw "grief"
            One.

        > !!! cw "death"
        >     Two.

        - item

            !!! CW "loss"
                Three.
    """)
    assert find_passage_lines(source) == [3, 6, 11]


@pytest.mark.parametrize(
    "code",
    [
        '```\n!!! cw "x"\n    y\n```\n',
        '~~~~ python\n!!! cw "x"\n~~~\n    y\n~~~~\n',
        'Some text.\n\n    !!! cw "x"\n        indented code\n',
    ],
    ids=["backtick fence", "tilde fence closed by the same fence", "indented code"],
)
def test_find_passage_lines_skips_code(code: str) -> None:
    source = code + '\n!!! cw "after"\n    Text.\n'
    after = source.splitlines().index('!!! cw "after"') + 1
    assert find_passage_lines(source) == [after]


def test_an_unclosed_fence_is_not_code() -> None:
    # Python-Markdown does not read an unclosed fence as code, so the passage after it is real.
    source = '```\n\n!!! cw "x"\n    y\n'
    assert find_passage_lines(source) == [3]
    assert 'data-cw-index="0"' in markdown.markdown(source, extensions=SITE_EXTENSIONS)


@pytest.mark.parametrize(
    "source",
    [
        '!!! cw "a"\n    One.\n\n!!! cw "b"\n    Two.\n',
        '- x\n\n    !!! cw "a"\n        One.\n\n        !!! cw "b"\n            Two.\n',
        'Text.\n\n    !!! cw "code"\n\n```\n!!! cw "fenced"\n```\n\n> !!! cw "a"\n>     One.\n',
    ],
    ids=["top level", "nested in a list and a passage", "code, fences and quotes"],
)
def test_find_passage_lines_agrees_with_the_rendered_passages(source: str) -> None:
    rendered = markdown.markdown(source, extensions=SITE_EXTENSIONS)
    assert len(find_passage_lines(source)) == rendered.count('class="cw-passage"')


def test_find_passages_explains_what_is_wrong() -> None:
    source = dedent("""
        !!! cw "grief"
            Fine.

        !!! cw
            No tags.

        !!! cw grief
            No quotes.

        !!! cw "grief"
        Not indented.
    """)
    assert find_passages(source) == [
        PassageOpener(1, "grief"),
        PassageOpener(4, "", 'a warned passage needs at least one trigger tag, as in !!! cw "self-harm"'),
        PassageOpener(
            7, None, 'the trigger tags of a warned passage go in double quotes, as in !!! cw "self-harm"'
        ),
        PassageOpener(
            10,
            "grief",
            "the warned passage is empty: indent its text by 4 spaces under the !!! cw line, "
            "or it is shown without a warning",
        ),
    ]


def test_each_passage_holds_its_bounds_as_its_first_and_last_child() -> None:
    source = dedent("""
        !!! cw "death"
            Outer with a stray </div> in it.

            !!! cw "grief"
                Inner.
    """)
    begin, end = PassageBounds.begin, PassageBounds.end
    assert markdown.markdown(source, extensions=[EXTENSION]) == dedent(f"""
        <div class="cw-passage" data-cw-tags="death" data-cw-index="0">{begin(0)}
        <p>Outer with a stray </div> in it.</p>
        <div class="cw-passage" data-cw-tags="grief" data-cw-index="1">{begin(1)}
        <p>Inner.</p>
        {end(1)}</div>
        {end(0)}</div>
    """).strip()


def test_bounds_hold_a_secret_no_post_can_write() -> None:
    forged = '<!--cw-0000000000000000-end-0-->'
    source = dedent(f"""
        !!! cw "grief"
            Words, then raw HTML posing as the end: {forged} more words.
    """)
    output = markdown.markdown(source, extensions=[EXTENSION])
    assert PassageBounds.key not in forged
    assert output.count(PassageBounds.end(0)) == 1
    assert output.index("more words") < output.index(PassageBounds.end(0))


@pytest.mark.parametrize(
    ("definition", "defines"),
    [
        ("[notes]: https://example.org/x \"a title\"", "reference:notes"),
        ("[^1]: A footnote.", "footnote:1"),
        ("*[CBT]: Cognitive behavioural therapy", "abbreviation:CBT"),
    ],
)
@pytest.mark.parametrize("wrap", ["plain", "quote", "list"])
def test_definitions_made_inside_a_passage_are_named_on_it(definition: str, defines: str, wrap: str) -> None:
    body = f"Words.\n\n{definition}"
    if wrap == "quote":
        body = "\n".join("> " + line if line else ">" for line in body.splitlines())
    elif wrap == "list":
        body = "- " + "\n\n    ".join(body.split("\n\n"))
    passage = "!!! cw \"grief\"\n" + textwrap.indent(body, "    ")
    for source in (passage, "> " + passage.replace("\n", "\n> ")):
        output = markdown.markdown(source, extensions=[EXTENSION, "extra"])
        assert f'data-cw-defines="{defines}"' in output, (wrap, source, output)


def test_definitions_outside_passages_are_not_named() -> None:
    source = dedent("""
        [notes]: https://example.org/x

        !!! cw "grief"
            Words with [notes].
    """)
    assert "data-cw-defines" not in markdown.markdown(source, extensions=[EXTENSION, "extra"])
