"""Builds with content warnings and trigger tags: gates, listings, feeds, errors, and the leak scan."""

from __future__ import annotations

import gzip
import re
import textwrap
from pathlib import Path

import pytest

from conftest import PUBLISH_SETTINGS, build_into, write_site
from harbour.errors import HarbourError
from site_pages import div_end, without_gate_bodies

# Words that appear nowhere else: where they show up, warned text has travelled.
GATED_MARKER = "zebraquartzmarker"
PASSAGE_MARKER = "marigoldfjordmarker"
COMMENT_MARKER = "lanternpebblemarker"

GATED_POST = f"""\
Title: A gated post
Date: 2024-04-02 22:30
Tags: coping
Content-Warnings: self-harm, Suicidal Thoughts
Content-Note: Brief mention in the second section, no detail.

{GATED_MARKER} opens the post, so a careless summary would carry it.

!!! cw "grief"
    A passage inside the gated post, {GATED_MARKER}.
"""

PASSAGE_POST = f"""\
Title: A post with a warned passage
Date: 2024-04-03 10:00
Tags: coping
Triggers: meds

!!! cw "grief, pregnancy-loss"
    {PASSAGE_MARKER} is the first thing in the post.

    A second paragraph of the passage, {PASSAGE_MARKER}.

After the passage, safe words anyone may read.
"""

SUMMARY_POST = f"""\
Title: A post with its own summary
Date: 2024-04-04 10:00
Summary: A summary written by the writer, safe for anyone.

Safe opening words.

!!! cw "self-harm"
    {PASSAGE_MARKER} again.
"""

PLAIN_POST = """\
Title: A gentle post
Date: 2024-04-05 10:00
Tags: coping

Nothing hard here at all.
"""


def build_warned_site(tmp_path: Path, settings_file: Path | None = None, **overrides: object) -> Path:
    content = write_site(tmp_path, {
        "gated.md": GATED_POST, "passage.md": PASSAGE_POST, "summary.md": SUMMARY_POST, "plain.md": PLAIN_POST,
    })
    thread = content / "comments" / "a-post-with-a-warned-passage"
    thread.mkdir(parents=True)
    (thread / "0a1b2c3d4e5f.md").write_text(
        "Author: Sam\nDate: 2024-04-04 09:00:00+01:00\nContent-Warnings: grief\n\n"
        f"My own loss, {COMMENT_MARKER}.\n", encoding="utf-8",
    )
    (thread / "1a1b2c3d4e5f.md").write_text(
        "Author: Ali\nDate: 2024-04-04 10:00:00+01:00\n\nThank you for writing this.\n", encoding="utf-8"
    )
    kwargs: dict[str, object] = {"PATH": str(content), **overrides}
    if settings_file:
        return build_into(tmp_path / "output", settings_file, **kwargs)
    return build_into(tmp_path / "output", **kwargs)


def read(path: Path) -> str:
    """A built page, with typogrify's no-break spaces made plain for easier assertions."""
    return path.read_text(encoding="utf-8").replace("&nbsp;", " ")


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warned_site(tmp_path_factory.mktemp("warned"), PUBLISH_SETTINGS)


def test_warned_text_never_leaks_outside_its_hidden_container(published: Path) -> None:
    leaks, inside = [], 0
    for path in sorted(p for p in published.rglob("*") if p.is_file()):
        if path.suffix in (".css", ".js", ".svg", ".png", ".pagefind"):  # .pagefind: the search's WebAssembly
            continue
        if path.suffix.startswith(".pf_"):  # the search index (plugins/site_search): gzip-compressed files
            text = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
        else:
            text = path.read_text(encoding="utf-8")
        visible = without_gate_bodies(text) if path.suffix == ".html" else text
        inside += text.count(GATED_MARKER) + text.count(PASSAGE_MARKER) + text.count(COMMENT_MARKER)
        for marker in (GATED_MARKER, PASSAGE_MARKER, COMMENT_MARKER):
            if marker in visible:
                leaks.append(f"{path.relative_to(published)} shows {marker}")
    assert not leaks, "\n".join(leaks)
    assert inside >= 5, "the markers should be on the post pages, inside their gates"
    # The places warned text could travel to were all written, and scanned above.
    assert list(published.glob("feeds/**/*.xml")), "the publish build should write feeds"
    assert list(published.glob("comments/*.json")), "the build should write per-post comment JSON"
    assert "Thank you for writing this." in (published / "comments/a-post-with-a-warned-passage.json").read_text(
        encoding="utf-8"
    )


def test_gated_body_is_hidden_and_unsnippeted(published: Path) -> None:
    page = read(published / "posts/2024/04/a-gated-post/index.html")
    body = re.search(
        r'<div class="cw-body" id="cw-post-body" hidden data-nosnippet data-pagefind-ignore="all">', page
    )
    assert body, "the gated body carries hidden, data-nosnippet and data-pagefind-ignore"
    assert GATED_MARKER in page[body.end():div_end(page, body.start())]
    # One gate for the post: the passage inside it is open, its tag listed in the one warning.
    assert page.count('class="cw ') == 1
    assert re.search(r"Content note:</strong>.*Self-harm.*Suicidal thoughts.*Grief", page)
    assert "Brief mention in the second section, no detail." in page


def test_listings_show_the_warning_not_the_summary(published: Path) -> None:
    index = read(published / "index.html")
    assert re.search(r'<p class="cw-summary"><strong>Content note:</strong> Self-harm, Suicidal thoughts, Grief\.', index)
    assert "A summary written by the writer, safe for anyone." in index
    assert "After the passage, safe words anyone may read." in index  # summary cut around the passage
    item = re.search(r'<li data-trigger-list="([^"]+)"><article class="post-summary post-summary--gated">', index)
    assert item and set(item.group(1).split()) >= {"self-harm", "suicidal-thoughts", "suicide", "grief", "death"}


def test_feed_entries_carry_the_warning_and_a_link(published: Path) -> None:
    feed = read(published / "feeds/all.atom.xml")
    assert "This post is hidden behind a content note." in feed
    assert "A passage is hidden behind a content note." in feed
    assert "a-gated-post/#cw-post" in feed


def test_a_post_lists_all_its_trigger_tags_resolving_aliases(published: Path) -> None:
    page = read(published / "posts/2024/04/a-post-with-a-warned-passage/index.html")
    note = re.search(r'<p class="trigger-note">(.*?)</p>', page, re.S)
    assert note
    labels = re.findall(r">([^<]+)</a>", note.group(1))
    assert labels == ["Medication", "Grief", "Pregnancy loss"]


def test_trigger_pages_list_posts_without_summaries(published: Path) -> None:
    index = read(published / "triggers/index.html")
    assert re.search(r'href="[^"]*/triggers/grief/">Grief</a>\s*<span class="term-index__count">2 posts</span>', index)
    grief = read(published / "triggers/grief/index.html")
    assert "A gated post" in grief and "A post with a warned passage" in grief
    assert "safe words anyone may read" not in grief and "post-summary__text" not in grief
    assert (published / "preferences/index.html").is_file()
    # A broader topic's page lists its narrower topics' posts too (grief is part of death).
    death = read(published / "triggers/death/index.html")
    assert "A gated post" in death and "A post with a warned passage" in death
    assert re.search(r'href="[^"]*/triggers/death/">Death</a>\s*<span class="term-index__count">2 posts</span>', index)


def test_meta_description_of_a_gated_post_is_its_warning(published: Path) -> None:
    page = read(published / "posts/2024/04/a-gated-post/index.html")
    description = re.search(r'<meta name="description" content="([^"]*)">', page).group(1)
    og = re.search(r'<meta property="og:description" content="([^"]*)">', page).group(1)
    assert description.startswith("Content note: Self-harm") and og == description


# --- Bad input: one clear error each ---------------------------------------------------

def build_error(tmp_path: Path, post: str, vocabulary: str | None = None, **overrides: object) -> str:
    content = write_site(tmp_path, {"x.md": post}, vocabulary=vocabulary)
    with pytest.raises(HarbourError) as raised:
        build_into(tmp_path / "output", PATH=str(content), **overrides)
    return str(raised.value)


def post(header: str, body: str = "Body.") -> str:
    return "Title: X\nDate: 2024-01-01\n" + textwrap.dedent(header).strip() + "\n\n" + textwrap.dedent(body)


def test_unknown_tag_names_file_line_and_suggestion(tmp_path: Path) -> None:
    message = build_error(tmp_path, post("Triggers: self-ham"))
    assert message == "unknown trigger tag 'self-ham' in content/posts/x.md:3 (Triggers); did you mean 'self-harm'?"


def test_unknown_tag_can_be_only_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    content = write_site(tmp_path, {"x.md": post("Triggers: self-ham, grief")})
    output = build_into(tmp_path / "output", PATH=str(content), TRIGGER_TAGS={"unknown_tags": "warn"})
    assert (output / "posts/2024/01/x/index.html").is_file()
    assert "unknown trigger tag 'self-ham'" in caplog.text


def test_empty_content_warnings_is_an_error(tmp_path: Path) -> None:
    message = build_error(tmp_path, post("Content-Warnings:"))
    assert "Content-Warnings is empty in content/posts/x.md:3" in message
    assert "list the trigger tags" in message


def test_warned_passage_without_a_tag_is_an_error(tmp_path: Path) -> None:
    message = build_error(tmp_path, post("Tags: a", """\
        Intro.

        !!! cw
            Hidden words.
        """))
    assert 'content/posts/x.md:7: a warned passage needs at least one trigger tag, as in !!! cw "self-harm"' in message


@pytest.mark.parametrize(
    ("passage", "expected"),
    [
        ('!!! cw "grief"\nNot indented, so not in the passage.', "content/posts/x.md:5: the warned passage is empty"),
        ("!!! cw grief\n    Tags without quotes.", "content/posts/x.md:5: the trigger tags of a warned passage go in double quotes"),
    ],
    ids=["unindented body", "unquoted tags"],
)
def test_passage_mistakes_that_would_show_text_unwarned(tmp_path: Path, passage: str, expected: str) -> None:
    assert expected in build_error(tmp_path, post("Tags: a", passage + "\n"))


def test_unknown_tag_in_a_passage_names_its_line(tmp_path: Path) -> None:
    message = build_error(tmp_path, post("Tags: a", """\
        !!! cw "grife"
            Hidden words.
        """))
    assert "unknown trigger tag 'grife' in content/posts/x.md:5 (!!! cw); did you mean 'grief'?" in message


@pytest.mark.parametrize(
    ("vocabulary", "expected"),
    [
        ("triggers:\n  - {slug: a, label: A, description: d, parent: b}\n", "parent"),
        ("triggers:\n  - {slug: a, label: A, description: d, parent: b}\n"
         "  - {slug: b, label: B, description: d, parent: a}\n", "a -> b -> a"),
        ("triggers:\n  - {slug: a, label: A, description: d, aliases: [x]}\n"
         "  - {slug: b, label: B, description: d, aliases: [x]}\n", "'x'"),
    ],
    ids=["unknown parent", "cycle", "alias claimed twice"],
)
def test_vocabulary_mistakes_stop_the_build(tmp_path: Path, vocabulary: str, expected: str) -> None:
    message = build_error(tmp_path, post("Tags: a"), vocabulary=vocabulary)
    assert "triggers.yml" in message and expected in message


def test_missing_vocabulary_is_a_clear_error(tmp_path: Path) -> None:
    content = write_site(tmp_path, {"x.md": post("Tags: a")})
    (content / "triggers.yml").unlink()
    with pytest.raises(HarbourError, match="the trigger vocabulary .*triggers.yml does not exist"):
        build_into(tmp_path / "output", PATH=str(content))


def test_bad_warning_settings_are_listed(tmp_path: Path) -> None:
    message = build_error(tmp_path, post("Tags: a"), CONTENT_WARNINGS={"show": "Open", "lable": "x"})
    assert "CONTENT_WARNINGS['lable'] is not an option" in message and "did you mean 'label'?" in message
    assert "CONTENT_WARNINGS['show'] = 'Open' is not valid" in message


# --- Ways warned text could slip out, each refused or closed --------------------------

@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('!!! cw "death"\n    Outer.\n\n    !!! cw "grief"\n        Inner words.\n',
         "content/posts/x.md:8: a warned passage inside another warned passage"),
        ('Say HTML here.\n\n!!! cw "grief"\n    Words.\n\n    *[HTML]: a warned definition\n',
         "content/posts/x.md:10: an abbreviation (*[HTML]: ...) defined inside a warned passage"),
        ('<div>\n!!! cw "grief"\n    Words in raw HTML.\n</div>\n',
         "content/posts/x.md: the !!! cw lines at 6 were not all read as warned passages"),
        ('[TOC]\n\n!!! cw "grief"\n    ## A warned heading\n\n    Words.\n',
         "content/posts/x.md:7: the table of contents would list the headings"),
    ],
    ids=["nested passage", "abbreviation", "inside raw HTML", "table of contents"],
)
def test_markdown_that_would_carry_warned_text_outside_is_refused(tmp_path: Path, body: str, expected: str) -> None:
    markdown = {
        "extension_configs": {
            "markdown.extensions.extra": {}, "markdown.extensions.meta": {}, "markdown.extensions.toc": {},
        },
        "output_format": "html5",
    }
    assert expected in build_error(tmp_path, post("Tags: a", body), MARKDOWN=markdown)


def test_a_plugin_reading_posts_before_the_gate_cannot_leak_them(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "early_reader.py").write_text(textwrap.dedent("""
        from pelican import signals

        def read_early(content):
            # Signals outlive this build: stay out of the later builds of the same test run.
            if "early_reader" in content.settings.get("PLUGINS", []) and hasattr(content, "_content"):
                content.summary, content.content  # memoised by Pelican

        def register():
            signals.content_object_init.connect(read_early)
    """), encoding="utf-8")
    from conftest import ROOT

    output = build_warned_site(
        tmp_path, PUBLISH_SETTINGS,
        PLUGIN_PATHS=[str(plugins), str(ROOT / "plugins")],
        PLUGINS=["early_reader", "safety", "trigger_tags", "content_warnings"],
    )
    index = read(output / "index.html")
    feed = read(output / "feeds/all.atom.xml")
    assert GATED_MARKER not in index and GATED_MARKER not in feed
    assert PASSAGE_MARKER not in without_gate_bodies(index) and PASSAGE_MARKER not in feed


def test_content_warnings_without_the_plugin_stop_the_build(tmp_path: Path) -> None:
    message = build_error(
        tmp_path, post("Content-Warnings: grief", '!!! cw "grief"\n    Words.\n'),
        PLUGINS=["safety", "trigger_tags"],
    )
    assert "content/posts/x.md uses Content-Warnings and !!! cw, but the content_warnings plugin is off" in message


def test_a_gated_posts_triggers_join_its_one_warning(tmp_path: Path) -> None:
    content = write_site(tmp_path, {"x.md": post("Content-Warnings: grief\nTriggers: alcohol")})
    output = build_into(tmp_path / "output", PATH=str(content))
    page = read(output / "posts/2024/01/x/index.html")
    assert re.search(r"Content note:</strong> <a [^>]+>Grief</a>, <a [^>]+>Alcohol</a>", page)


def test_a_pages_triggers_are_checked_too(tmp_path: Path) -> None:
    content = write_site(tmp_path, {})
    (content / "pages" / "p.md").write_text("Title: P\nTriggers: selfharmm\n\nBody.\n", encoding="utf-8")
    with pytest.raises(HarbourError, match=r"unknown trigger tag 'selfharmm' in content/pages/p.md:2 \(Triggers\)"):
        build_into(tmp_path / "output", PATH=str(content))
