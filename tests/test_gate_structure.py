"""Warned text never escapes its gate: each way it once did, now refused with file and line, or closed.

Every build here is a real Pelican build of a one-post site into tmp_path, in the published
configuration (feeds on), and the pages are read with an HTML5 parser, as a browser reads them.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import DEV_SETTINGS, PUBLISH_SETTINGS, build_into, write_site
from harbour.errors import HarbourError
from site_pages import shown_text

# A word written only inside the warning: wherever a reader can meet it unasked, warned text escaped.
INSIDE = "umbrellaquince"


def source(body: str, header: str = "Tags: coping") -> str:
    return "Title: X\nDate: 2024-01-01\n" + header + "\n\n" + textwrap.dedent(body)


def build(tmp_path: Path, text: str, settings: Path = PUBLISH_SETTINGS, **overrides: object) -> Path:
    content = write_site(tmp_path, {"x.md": text})
    return build_into(tmp_path / "output", settings, PATH=str(content), **overrides)


def build_error(tmp_path: Path, text: str, settings: Path = PUBLISH_SETTINGS, **overrides: object) -> str:
    with pytest.raises(HarbourError) as raised:
        build(tmp_path, text, settings, **overrides)
    return str(raised.value)


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def assert_only_inside_gates(output: Path, word: str = INSIDE) -> None:
    """``word`` is on the post's page inside a hidden gate body, and nowhere a reader meets it unasked."""
    post = (output / "posts/2024/01/x/index.html").read_text(encoding="utf-8")
    assert word in post, "the warned words should be on the post's page, behind its gate"
    leaks = []
    for path in sorted(p for p in output.rglob("*") if p.suffix in (".html", ".xml", ".json")):
        text = path.read_text(encoding="utf-8")
        shown = shown_text(text) if path.suffix == ".html" else text
        if word in shown.lower():
            leaks.append(str(path.relative_to(output)))
    assert not leaks, f"{word!r} shows outside its gate on: {leaks}"


# --- 1. Definitions inside a passage: Markdown prints them where they are used ---------------

def test_a_reference_link_defined_inside_a_passage_is_refused_with_its_line(tmp_path: Path) -> None:
    text = source(f"""\
        Before the passage, see [my notes] for more.

        !!! cw "grief"
            Words of the passage.

            [my notes]: https://example.org/{INSIDE} "A title, {INSIDE}"
        """)
    message = build_error(tmp_path, text)
    line = line_of(text, "[my notes]:")
    assert f"content/posts/x.md:{line}: a reference link definition ([my notes]: ...) inside a warned passage" in message
    assert "write the link inline inside the passage" in message


@pytest.mark.parametrize(
    ("body", "definition"),
    [
        # A passage inside a quote, the footnote in the passage.
        (f"""\
        > !!! cw "grief"
        >     Words.[^a]
        >
        >     [^a]: A note, {INSIDE}.
        """, "footnote ([^a]: ...)"),
        # A list inside the passage, the abbreviation inside an item.
        (f"""\
        Say CBT here.

        !!! cw "grief"
            - An item.

                *[CBT]: Words, {INSIDE}
        """, "abbreviation (*[CBT]: ...)"),
        # A quote inside the passage, the reference inside the quote.
        (f"""\
        See [notes].

        !!! cw "grief"
            > Quoted words.
            >
            > [notes]: https://example.org/{INSIDE}
        """, "reference link definition ([notes]: ...)"),
        # A passage inside a list item, a footnote at the end of it.
        (f"""\
        - An item.

            !!! cw "grief"
                Words.[^b]

                [^b]: {INSIDE}
        """, "footnote ([^b]: ...)"),
    ],
    ids=["footnote in a quoted passage", "abbreviation in a list in a passage",
         "reference in a quote in a passage", "footnote in a passage in a list"],
)
def test_definitions_anywhere_inside_a_passage_are_refused(tmp_path: Path, body: str, definition: str) -> None:
    message = build_error(tmp_path, source(body))
    assert "content/posts/x.md:" in message and f"{definition}" in message and "inside a warned passage" in message


def test_a_definition_outside_the_passage_still_works(tmp_path: Path) -> None:
    output = build(tmp_path, source(f"""\
        !!! cw "grief"
            Words of the passage, see [notes], {INSIDE}.

        [notes]: https://example.org/notes
        """))
    assert_only_inside_gates(output)


# --- 2. End tags a browser reads as </div>, and the gate's old markers ------------------------

@pytest.mark.parametrize(
    "stray",
    ["</div>", "</div/>", '</div class="x">', "</DIV >", "</div\n>", "</div></div></div>", "</p></li></ul></body>"],
)
def test_stray_end_tags_inside_a_passage_cannot_end_it_early(tmp_path: Path, stray: str) -> None:
    output = build(tmp_path, source(f"""\
        Safe words before.

        !!! cw "grief"
            First words, then raw HTML: {stray.replace(chr(10), " ")} and after it, {INSIDE}.

            <div>{stray.replace(chr(10), chr(10) + " " * 12)} {INSIDE} again</div>

        Safe words after.
        """))
    assert_only_inside_gates(output)
    post = (output / "posts/2024/01/x/index.html").read_text(encoding="utf-8")
    assert "Safe words after." in shown_text(post)


@pytest.mark.parametrize(
    "marker",
    ["<!--/cw:cw-passage-1-->", "<!--/cw-passage:0-->", "<!--/cw:cw-post-->", "<!--cw:cw-passage-2-->"],
)
def test_text_posing_as_a_gate_marker_cuts_nothing(tmp_path: Path, marker: str) -> None:
    passage = build(tmp_path / "passage", source(f"""\
        !!! cw "grief"
            Words, then {marker} and more words, {INSIDE}.

        Safe words after.
        """))
    assert_only_inside_gates(passage)
    gated = build(tmp_path / "gated", source(f"Opening words {marker} then {INSIDE}.\n",
                                             header="Content-Warnings: grief"))
    assert_only_inside_gates(gated)


@pytest.mark.parametrize(
    ("raw", "refused"),
    [
        # A stray </ul> in a list in the passage closes that list early: Markdown's next <li> is orphaned.
        ("- > </ul> words\n\n- Another item.", True),
        ("<li>words</li>", True),  # an <li> straight in the passage closes up to the item around it
        ("> <li>words</li>", False),  # inside a quote it stops at the quote
        ("</ul></li> words", False),  # stray end tags alone close nothing outside the passage
    ],
    ids=["stray end tag orphans an item", "item in the passage", "item in a quote", "stray end tags"],
)
def test_tags_that_would_close_the_list_around_a_passage(tmp_path: Path, raw: str, refused: bool) -> None:
    # Found by the property test: alone the passage is balanced, but in its list item a browser
    # lets an <li> close everything up to the item around it, the gate included.
    text = source("- An item.\n\n    !!! cw \"grief\"\n        Words, " + INSIDE + ".\n\n"
                  + textwrap.indent(f"{raw} {INSIDE}", " " * 8) + "\n")
    if refused:
        message = build_error(tmp_path, text)
        assert f"content/posts/x.md:{line_of(text, '!!! cw')}: raw HTML in this warned text would let a browser" in message
    else:
        assert_only_inside_gates(build(tmp_path, text))


# --- 3. Raw HTML around a passage ----------------------------------------------------------

@pytest.mark.parametrize("opener", ["<textarea>", "<title>", "<xmp>", "<noscript>"])
def test_raw_html_that_would_swallow_a_passage_is_refused(tmp_path: Path, opener: str) -> None:
    text = source(f"""\
        <p>Raw HTML: {opener}</p>

        !!! cw "grief"
            Words, {INSIDE}.
        """)
    message = build_error(tmp_path, text)
    assert f"content/posts/x.md:{line_of(text, '!!! cw')}: raw HTML before this warned passage swallows it" in message


def test_plaintext_is_refused(tmp_path: Path) -> None:
    message = build_error(tmp_path, source(f"""\
        !!! cw "grief"
            Words, <plaintext> {INSIDE}.
        """))
    assert "content/posts/x.md:5: a <plaintext> element in the warned passage" in message


# --- 4. The leak guard: on in every build, it reads what was written -------------------------

@pytest.mark.parametrize("settings", [DEV_SETTINGS, PUBLISH_SETTINGS], ids=["dev", "publish"])
def test_a_summary_that_repeats_a_passage_fails_the_build(tmp_path: Path, settings: Path) -> None:
    words = f"the night I could not stop thinking about the {INSIDE}"
    message = build_error(tmp_path, source(f"""\
        !!! cw "grief"
            It was {words}, and then morning came.

        Safe words after.
        """, header=f"Summary: Remember {words}."), settings)
    assert "leak guard: index.html: warned text from content/posts/x.md (cw-passage-1) shows outside any gate" in message
    assert INSIDE in message


def test_a_plugin_writing_warned_text_into_json_fails_the_build(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "careless_export.py").write_text(textwrap.dedent("""
        import json, os
        from pelican import signals

        def export(generator, writer):
            if "careless_export" not in generator.settings["PLUGINS"]:
                return  # signals outlive this build
            posts = [{"title": a.title, "html": a.content} for a in generator.articles]
            with open(os.path.join(writer.output_path, "posts.json"), "w") as out:
                json.dump({"posts": posts}, out)

        def register():
            signals.article_writer_finalized.connect(export)
    """), encoding="utf-8")
    from conftest import ROOT

    message = build_error(tmp_path, source(f"""\
        !!! cw "grief"
            A passage long enough to be known again, every word of it, {INSIDE}.
        """), PLUGIN_PATHS=[str(plugins), str(ROOT / "plugins")],
        PLUGINS=["careless_export", "safety", "trigger_tags", "content_warnings"])
    assert "leak guard: posts.json: warned text from content/posts/x.md (cw-passage-1) shows in this file" in message
    assert not (tmp_path / "output").exists(), "a failed build leaves no half-checked site behind"
