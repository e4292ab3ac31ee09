"""The site search's plain functions (plugins/site_search): settings, running Pagefind, reading its index."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from content_warnings.content_warnings import GUARD, check_for_leaks, leaks_in_written_texts
from content_warnings.leak_guard import Gate, LeakGuard
from harbour.errors import HarbourError
from site_search import search_settings, searchable_pages
from site_search.pagefind import (
    BUNDLE,
    INDEX_FILE_MARKER,
    UNUSED_FILES,
    Fragment,
    index_site,
    pagefind_command,
    pagefind_executable,
    page_url,
    read_fragments,
    read_index_file,
    remove_unused_files,
    unexpected_pages,
)
from site_search.site_search import index_problems

WARNED = "the words I wrote behind the warning and nowhere else at all"


def index_file(data: bytes, marker: bytes = INDEX_FILE_MARKER) -> bytes:
    return gzip.compress(marker + data)


def write_fragment(output: Path, name: str, url: str, content: str, **extra: object) -> None:
    folder = output / BUNDLE / "fragment"
    folder.mkdir(parents=True, exist_ok=True)
    data = {"url": url, "content": content, "filters": {}, "meta": {}, **extra}
    (folder / name).write_bytes(index_file(json.dumps(data).encode()))


def fake_pagefind(tmp_path: Path, script: str) -> Path:
    program = tmp_path / "pagefind"
    program.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    program.chmod(0o755)
    return program


# --- Settings -----------------------------------------------------------------------------

def test_settings_default_to_a_search_page_at_search_with_comments_indexed() -> None:
    assert search_settings({}) == {"url": "search/", "comments": True, "part_pages": 500}
    assert search_settings({"SEARCH": {"url": "find/"}})["url"] == "find/"


def test_settings_mistakes_are_listed_together() -> None:
    with pytest.raises(HarbourError) as error:
        search_settings({"SEARCH": {"url": "/search", "coments": False, "comments": "yes"}})
    problems = error.value.problems
    assert len(problems) == 3
    assert "SEARCH['coments'] is not an option" in problems[0] and "did you mean 'comments'" in problems[0]
    assert any("SEARCH['url'] = '/search' is not valid: expected a folder path like" in p for p in problems)
    assert any("SEARCH['comments'] = 'yes' is not valid: expected True or False" in p for p in problems)


# --- What may be indexed ------------------------------------------------------------------

@pytest.mark.parametrize(("save_as", "url"), [
    ("posts/2024/03/a-harder-week/index.html", "/posts/2024/03/a-harder-week/"),
    ("about/index.html", "/about/"),
    ("index.html", "/"),
    ("404.html", "/404.html"),
])
def test_page_url_is_the_address_pagefind_gives_a_written_page(save_as: str, url: str) -> None:
    assert page_url(save_as) == url


def test_only_published_posts_and_pages_are_searchable() -> None:
    contents = [
        SimpleNamespace(status="published", save_as="posts/open/index.html"),
        SimpleNamespace(status="draft", save_as="drafts/draft/index.html"),
        SimpleNamespace(status="hidden", save_as="unlisted/index.html"),
        SimpleNamespace(status="published", save_as=""),  # written nowhere
        SimpleNamespace(status="published", save_as="about/index.html"),
    ]
    assert searchable_pages(contents) == {"/posts/open/": "posts/open/index.html", "/about/": "about/index.html"}


def test_an_indexed_page_that_is_not_a_published_post_or_page_is_named() -> None:
    fragments = [Fragment("pagefind/fragment/a.pf_fragment", "/posts/open/", {}),
                 Fragment("pagefind/fragment/b.pf_fragment", "/drafts/draft/", {})]
    (problem,) = unexpected_pages(fragments, {"/posts/open/"})
    assert problem.startswith("site search: the search index holds /drafts/draft/, which is not a published")


# --- Running Pagefind -----------------------------------------------------------------------

def test_pagefind_indexes_the_site_into_its_bundle_leaving_out_gate_buttons() -> None:
    command = pagefind_command(Path("/bin/pagefind"), Path("/tmp/site"), Path("/tmp/bundle"))
    assert command[:5] == ["/bin/pagefind", "--site", "/tmp/site", "--output-path", "/tmp/bundle"]
    assert "--silent" in command
    assert command[command.index("--exclude-selectors") + 1] == "label.cw-show"


def test_missing_pagefind_is_one_line_saying_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pagefind_bin", None)  # import fails as when not installed
    with pytest.raises(HarbourError) as error:
        pagefind_executable()
    (problem,) = error.value.problems
    assert problem.startswith("site search: Pagefind is not installed; run `python3 dev.py build`")
    assert "take 'site_search' out of PLUGINS" in problem


def test_installed_pagefind_is_found() -> None:
    assert pagefind_executable().is_file()


def test_failing_pagefind_is_one_line_with_its_last_words(tmp_path: Path) -> None:
    program = fake_pagefind(tmp_path, 'echo "Walking the site"; echo "Error: the disk is full" >&2; exit 3')
    with pytest.raises(HarbourError) as error:
        index_site(tmp_path, tmp_path / BUNDLE, program)
    assert error.value.problems == [
        "site search: Pagefind could not index the site (exit status 3): Error: the disk is full"
    ]


def test_pagefind_that_cannot_start_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(HarbourError) as error:
        index_site(tmp_path, tmp_path / BUNDLE, tmp_path / "no-such-pagefind")
    (problem,) = error.value.problems
    assert problem.startswith(f"site search: Pagefind could not start ({tmp_path / 'no-such-pagefind'}: ")


def test_pagefind_that_hangs_is_stopped(tmp_path: Path) -> None:
    program = fake_pagefind(tmp_path, "exec sleep 30")
    with pytest.raises(HarbourError, match=r"^site search: Pagefind took more than 1 s to index the site"):
        index_site(tmp_path, tmp_path / BUNDLE, program, timeout=1)


def test_pagefinds_ready_made_interfaces_are_not_published(tmp_path: Path) -> None:
    bundle = tmp_path / BUNDLE
    bundle.mkdir()
    for name in (*UNUSED_FILES, "pagefind.js", "pagefind-worker.js", "wasm.en.pagefind"):
        (bundle / name).write_text("x", encoding="utf-8")
    remove_unused_files(bundle)
    kept = sorted(p.name for p in bundle.iterdir())
    assert kept == ["pagefind-worker.js", "pagefind.js", "wasm.en.pagefind"]


# --- Reading the index ----------------------------------------------------------------------

def test_an_index_file_is_read_without_its_compression_and_marker(tmp_path: Path) -> None:
    path = tmp_path / "en_1.pf_fragment"
    path.write_bytes(index_file(b'{"url": "/a/"}'))
    assert read_index_file(path) == b'{"url": "/a/"}'


@pytest.mark.parametrize("data", [b"not gzip at all", gzip.compress(b'{"url": "/a/"}')])
def test_a_file_that_is_no_pagefind_index_file_is_refused(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "en_1.pf_fragment"
    path.write_bytes(data)
    with pytest.raises(HarbourError, match=r"^site search: en_1\.pf_fragment (is not|does not start as) a "):
        read_index_file(path)


def test_fragments_are_read_with_their_page_addresses(tmp_path: Path) -> None:
    write_fragment(tmp_path, "en_b.pf_fragment", "/posts/b/", "Second.")
    write_fragment(tmp_path, "en_a.pf_fragment", "/posts/a/", "First.", meta={"title": "A"})
    fragments = list(read_fragments(tmp_path))
    assert [(f.file, f.url) for f in fragments] == [
        ("pagefind/fragment/en_a.pf_fragment", "/posts/a/"),
        ("pagefind/fragment/en_b.pf_fragment", "/posts/b/"),
    ]
    assert fragments[0].data["meta"] == {"title": "A"}


# --- The leak guard reads every entry -------------------------------------------------------

def guarded_settings() -> dict[str, object]:
    guard = LeakGuard()
    guard.hidden(f"<p>{WARNED}.</p>", Gate("cw-post", "posts/gated/index.html", "content/posts/gated.md"))
    return {"PLUGINS": ["content_warnings", "site_search"], GUARD: guard}


@pytest.mark.parametrize("where", ["content", "meta", "filters"])
def test_warned_text_anywhere_in_an_entry_is_a_leak(where: str) -> None:
    data = {"content": "Gated post. Content note: Grief.", "meta": {"title": "Gated post"}, "filters": {}}
    data[where] = f"Before. {WARNED}." if where == "content" else {"x": [WARNED]}
    fragment = Fragment("pagefind/fragment/en_a.pf_fragment", "/posts/gated/", data)
    (problem,) = index_problems(guarded_settings(), [fragment], {"/posts/gated/"})
    assert problem.startswith(
        "leak guard: pagefind/fragment/en_a.pf_fragment (the search index's entry for /posts/gated/): "
        "warned text from content/posts/gated.md (cw-post) shows in this file: "
    )


def test_the_guard_is_still_there_for_the_index_once_it_has_read_the_pages(tmp_path: Path) -> None:
    # Pelican runs the handlers of one signal in no set order: the pages may be checked first.
    settings = guarded_settings()
    check_for_leaks(SimpleNamespace(settings=settings, output_path=str(tmp_path)))
    assert leaks_in_written_texts(settings, {"entry for /posts/gated/": WARNED}) != []


def test_an_entry_without_warned_text_passes() -> None:
    data = {"content": "Gated post. Content note: Grief. Words I wrote openly.", "meta": {"title": "Gated"}}
    fragment = Fragment("pagefind/fragment/en_a.pf_fragment", "/posts/gated/", data)
    assert index_problems(guarded_settings(), [fragment], {"/posts/gated/"}) == []
