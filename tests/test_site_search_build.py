"""The site search on real builds (plugins/site_search): what Pagefind's index holds, and never may."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

import content_warnings.gate
import site_search.parts
from conftest import DEV_SETTINGS, build_into, write_site
from harbour.errors import HarbourError
from site_search.pagefind import BUNDLE, read_fragments

# Words that appear nowhere else in the site: each says where it was written.
OPEN_BODY = "heronsong"
OPEN_COMMENT = "larkspurwish"
GATED_BODY = "quillwortcove"
PASSAGE = "marramgrassdune"
WARNED_COMMENT = "bladderwrackshore"
UNDER_GATED_POST = "samphirelight"
DRAFT = "glasswortdraft"
HIDDEN = "eelgrasshidden"
PAGE = "seathriftpage"
HIDDEN_FROM_INDEX = (GATED_BODY, PASSAGE, WARNED_COMMENT, UNDER_GATED_POST, DRAFT, HIDDEN)


def post(title: str, slug: str, date: str, header: str = "", body: str = "") -> str:
    return f"Title: {title}\nDate: {date}\nSlug: {slug}\nTags: coping\n{header}\n{body}\n"


POSTS = {
    "open.md": post("An open post", "open-post", "2024-03-01 10:00", "Triggers: grief\n",
                    f"Tea by the window and a walk, {OPEN_BODY}, nothing hard in it."),
    "gated.md": post("A gated post", "gated-post", "2024-03-02 10:00",
                     "Content-Warnings: self-harm\nContent-Note: Old urges, in general terms.\n",
                     f"A hard week, and {GATED_BODY} was the word for all of it that I kept."),
    "passage.md": post("A post with a passage", "passage-post", "2024-03-03 10:00", "",
                       f'Open words.\n\n!!! cw "pregnancy-loss"\n    Folded away, {PASSAGE}, for whoever '
                       "chooses to read it.\n\nAfter the passage, open words again."),
    "draft.md": post("A draft", "draft-post", "2024-03-04 10:00", "Status: draft\n", f"Unfinished, {DRAFT}."),
    "hidden.md": post("Hidden", "hidden-post", "2024-03-05 10:00", "Status: hidden\n", f"Only, {HIDDEN}."),
}


def comment(author: str, body: str, header: str = "") -> str:
    return f"Author: {author}\nDate: 2024-03-06 09:00:00+00:00\n{header}\n{body}\n"


def write_content(root: Path) -> Path:
    content = write_site(root, POSTS)
    about = f"Title: About\nSlug: about\n\nAbout me, {PAGE}.\n"
    (content / "pages" / "about.md").write_text(about, encoding="utf-8")
    comments = {
        "open-post/0a0a0a0a0a0a": comment("Mina", f"Kind words, {OPEN_COMMENT}."),
        "open-post/0b0b0b0b0b0b": comment(
            "Sam", f"My own loss came back reading this, {WARNED_COMMENT}, and I am here.",
            "Content-Warnings: grief\n",
        ),
        "gated-post/0c0c0c0c0c0c": comment(
            "Ali", f"Thank you, {UNDER_GATED_POST}, it helped more than I can say."
        ),
    }
    for key, text in comments.items():
        path = content / "comments" / f"{key}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return content


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_content(tmp_path_factory.mktemp("search-content"))


def build(content: Path, output: Path, **overrides: object) -> Path:
    private = {"private_path": str(output.parent / "private")}
    return build_into(output, DEV_SETTINGS, PATH=str(content), COMMENTS=private, **overrides)


@pytest.fixture(scope="module")
def site(content: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(content, tmp_path_factory.mktemp("search") / "output")


def index_bytes(output: Path) -> dict[str, bytes]:
    """Every file of the search index, decompressed (the JavaScript and WebAssembly left out)."""
    return {p.name: gzip.decompress(p.read_bytes()) for p in (output / BUNDLE).rglob("*.pf_*")}


def fragments_by_url(output: Path) -> dict[str, dict]:
    return {f.url: dict(f.data) for f in read_fragments(output)}


def test_the_index_holds_open_posts_pages_and_comments(site: Path) -> None:
    files = index_bytes(site)
    assert any(n.endswith(".pf_fragment") for n in files) and any(n.endswith(".pf_index") for n in files)
    everything = b"\n".join(files.values())
    for word in (OPEN_BODY, OPEN_COMMENT, PAGE):
        assert word.encode() in everything, word
    entry = fragments_by_url(site)["/posts/2024/03/open-post/"]
    assert OPEN_BODY in entry["content"] and OPEN_COMMENT in entry["content"]


def test_warned_text_drafts_and_hidden_posts_are_nowhere_in_the_index(site: Path) -> None:
    # Each word is in the built site (so the build wrote it somewhere), and in no index file.
    pages = "\n".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    everything = b"\n".join(index_bytes(site).values())
    for word in HIDDEN_FROM_INDEX:
        assert word in pages, f"{word} should be on its page"
        # Pagefind keeps words stemmed in its word index: look for the start of each too.
        assert word[:9].encode() not in everything, f"{word} is in the search index"


def test_only_published_posts_and_pages_are_indexed(site: Path) -> None:
    assert sorted(fragments_by_url(site)) == [
        "/about/", "/posts/2024/03/gated-post/", "/posts/2024/03/open-post/", "/posts/2024/03/passage-post/",
    ]


def test_a_gated_post_is_found_by_its_title_warning_and_topics_only(site: Path) -> None:
    entry = fragments_by_url(site)["/posts/2024/03/gated-post/"]
    assert entry["meta"]["title"].replace("\xa0", " ") == "A gated post"
    assert entry["meta"]["warning"] == "Content note: Self-harm. Old urges, in general terms."
    assert entry["meta"]["topics"] == "coping"
    assert "Content note: Self-harm" in entry["content"]
    assert "Old urges, in general terms." in entry["content"]
    # The gate's button is no word to search for, and the comments under the post wait behind a gate.
    assert "Show post" not in entry["content"] and "Ali" not in entry["content"]


def test_each_entry_carries_its_trigger_tags_with_their_broader_topics(site: Path) -> None:
    entries = fragments_by_url(site)
    assert set(entries["/posts/2024/03/gated-post/"]["filters"]["trigger"]) == {"self-harm"}
    assert set(entries["/posts/2024/03/open-post/"]["filters"]["trigger"]) == {"grief", "death"}
    assert set(entries["/posts/2024/03/passage-post/"]["filters"]["trigger"]) >= {"pregnancy-loss"}
    assert entries["/posts/2024/03/open-post/"]["meta"]["warning"] == "Touches on: Grief."
    assert "trigger" not in entries["/about/"]["filters"]


def test_the_search_page_is_an_empty_form_with_the_ways_to_browse(site: Path) -> None:
    page = (site / "search" / "index.html").read_text(encoding="utf-8")
    # Results are made in the reader's browser: the page itself holds nothing to hide from search
    # engines (Lighthouse's SEO audit fails a page that says noindex); the sitemap leaves it out.
    assert 'name="robots"' not in page
    form = re.search(r'<form class="search-form" role="search"[^>]*>', page)
    assert form and 'data-pagefind="/pagefind/pagefind.js"' in form.group(0)
    assert '<label class="search-form__label" for="search-input">' in page
    assert 'href="/tags/">Topics</a>' in page and 'href="/archives/">Archives</a>' in page
    # Its script and stylesheet load on this page only, and Pagefind's own interfaces are not published.
    assert "js/search.js" in page and "css/search.css" in page
    home = (site / "index.html").read_text(encoding="utf-8")
    assert '<a href="/search/">Search</a>' in home
    assert "search.js" not in home and "search.css" not in home and "pagefind" not in home
    assert not (site / BUNDLE / "pagefind-ui.js").exists()
    assert (site / BUNDLE / "pagefind.js").is_file()


def test_open_comments_can_be_left_out_of_the_index(content: Path, tmp_path: Path) -> None:
    output = build(content, tmp_path / "output", SEARCH={"comments": False})
    entry = fragments_by_url(output)["/posts/2024/03/open-post/"]
    assert OPEN_BODY in entry["content"] and OPEN_COMMENT not in entry["content"]


def test_warned_text_reaching_the_index_stops_the_build(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if the gate no longer told Pagefind to leave its body out: the leak guard reads the index.
    monkeypatch.setattr(content_warnings.gate, "SEARCH_IGNORED", "")
    output = tmp_path / "output"
    with pytest.raises(HarbourError) as error:
        build(content, output)
    problems = error.value.problems
    gated = "(the search index's entry for /posts/2024/03/gated-post/): warned text from content/posts/gated"
    assert any(p.startswith("leak guard: pagefind/fragment/") and gated in p for p in problems), problems
    assert any("(cw-passage-1)" in p for p in problems)
    assert any("comments/open-post/0b0b0b0b0b0b.md (comment-0b0b0b0b0b0b-cw)" in p for p in problems)
    assert any("comments/gated-post/0c0c0c0c0c0c.md (cw-comments)" in p for p in problems)
    assert not output.exists(), "a failed build leaves no site behind"


def test_a_failing_pagefind_stops_the_build_in_one_line(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = tmp_path / "pagefind"
    program.write_text("#!/bin/sh\necho 'Error: out of memory' >&2\nexit 1\n", encoding="utf-8")
    program.chmod(0o755)
    monkeypatch.setattr(site_search.parts, "pagefind_executable", lambda: program)
    output = tmp_path / "output"
    with pytest.raises(HarbourError) as error:
        build(content, output)
    assert error.value.problems == [
        "site search: Pagefind could not index the site (exit status 1): Error: out of memory"
    ]
    assert not output.exists()


def test_a_site_without_published_posts_builds_its_search_page_without_an_index(tmp_path: Path) -> None:
    content = write_site(tmp_path, {"draft.md": POSTS["draft.md"]})
    output = build(content, tmp_path / "output")
    assert (output / "search" / "index.html").is_file()
    assert not (output / BUNDLE).exists()


def test_search_settings_mistakes_stop_the_build_with_the_others(content: Path, tmp_path: Path) -> None:
    with pytest.raises(HarbourError) as error:
        build(content, tmp_path / "output", SEARCH={"url": "/search"}, SEARCH_ENGINES={"index": "no"})
    text = json.dumps(error.value.problems)
    assert "SEARCH['url'] = '/search' is not valid" in text and "SEARCH_ENGINES['index'] = 'no'" in text
