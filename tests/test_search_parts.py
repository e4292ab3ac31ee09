"""The search index in parts (plugins/site_search/parts.py): where pages go, and parts kept between builds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import site_search.parts
from site_search.pagefind import BUNDLE, read_fragments
from site_search.parts import PARTS_FOLDER, Part, part_key, part_number, plan_parts
from test_site_search_build import OPEN_BODY, build, fragments_by_url, write_content

PAGES = {f"/posts/{n}/": f"posts/{n}/index.html" for n in range(100)}


# --- Where pages go --------------------------------------------------------------------------

def test_a_small_site_is_one_part_at_pagefind() -> None:
    pages = {"/b/": "b/index.html", "/a/": "a/index.html"}
    assert plan_parts(pages, 500) == [Part(f"{BUNDLE}/", ("a/index.html", "b/index.html"))]


def test_every_page_is_in_exactly_one_part_of_about_the_size_asked() -> None:
    parts = plan_parts(PAGES, 10)
    assert len(parts) == 10
    assert sorted(page for part in parts for page in part.pages) == sorted(PAGES.values())
    assert [part.bundle for part in parts][0] == "pagefind/"
    assert all(part.bundle.startswith("pagefind/part-") and part.bundle.endswith("/") for part in parts[1:])
    assert max(len(part.pages) for part in parts) < 20  # a hash spreads them, not one part for all


def test_a_pages_part_follows_from_its_address_alone() -> None:
    """Pages added or listed in another order leave every other page in its part (the count kept)."""
    before = {page: part.bundle for part in plan_parts(PAGES, 10) for page in part.pages}
    grown = {**dict(reversed(PAGES.items())), "/posts/new/": "posts/new/index.html"}
    after = {page: part.bundle for part in plan_parts(grown, 11) for page in part.pages}
    assert len(plan_parts(grown, 11)) == 10
    assert {page: after[page] for page in before} == before


def test_parts_no_page_falls_in_are_left_out() -> None:
    urls = [f"/posts/{n}/" for n in range(50)]
    first = urls[0]
    same = next(url for url in urls[1:] if part_number(url, 2) == part_number(first, 2))
    (part,) = plan_parts({first: "one.html", same: "two.html"}, 1)  # two parts asked, one filled
    assert part == Part("pagefind/", ("one.html", "two.html"))


def test_a_parts_key_changes_with_any_byte_of_its_pages(tmp_path: Path) -> None:
    for name in ("a.html", "b.html"):
        (tmp_path / name).write_text("<p>Tea by the window.</p>", encoding="utf-8")
    part = Part("pagefind/", ("a.html", "b.html"))
    key = part_key(tmp_path, part, "fingerprint")
    assert part_key(tmp_path, part, "fingerprint") == key
    assert part_key(tmp_path, part, "other code or settings") != key
    assert part_key(tmp_path, Part("pagefind/part-2/", part.pages), "fingerprint") != key
    (tmp_path / "b.html").write_text("<p>Tea by the window!</p>", encoding="utf-8")
    assert part_key(tmp_path, part, "fingerprint") != key


# --- A real build in parts ---------------------------------------------------------------------

@pytest.fixture
def content(tmp_path: Path) -> Path:
    return write_content(tmp_path / "site")


@pytest.fixture
def pagefind_runs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The pages of each folder Pagefind is run on, as the build runs it."""
    runs: list[list[str]] = []
    real = site_search.parts.index_site

    def counted(site: Path, bundle: Path, *args: Any, **kwargs: Any) -> Path:
        runs.append(sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")))
        return real(site, bundle, *args, **kwargs)

    monkeypatch.setattr(site_search.parts, "index_site", counted)
    return runs


def build_in_parts(content: Path, output: Path, **overrides: object) -> Path:
    """The test site built with a part for every page (hashes put some pages in one part)."""
    return build(content, output, SEARCH={"part_pages": 1}, **overrides)


def bundles(output: Path) -> list[str]:
    return sorted(p.parent.relative_to(output).as_posix() + "/" for p in output.rglob("pagefind-entry.json"))


def test_a_site_in_parts_indexes_every_page_once_and_the_search_page_merges_them(
    content: Path, tmp_path: Path, pagefind_runs: list[list[str]]
) -> None:
    output = build_in_parts(content, tmp_path / "output")
    found = bundles(output)
    assert len(found) > 1 and found[0] == "pagefind/" and len(pagefind_runs) == len(found)
    fragments = list(read_fragments(output))
    urls = [fragment.url for fragment in fragments]
    assert sorted(urls) == sorted(set(urls)) == ["/about/", "/posts/2024/03/gated-post/",
                                                   "/posts/2024/03/open-post/", "/posts/2024/03/passage-post/"]
    search_page = (output / "search" / "index.html").read_text(encoding="utf-8")
    assert f'data-pagefind-parts="{" ".join("/" + b + "pagefind.js" for b in found[1:])}"' in search_page


def test_a_rebuild_indexes_again_only_the_part_whose_page_changed(
    content: Path, tmp_path: Path, pagefind_runs: list[list[str]]
) -> None:
    output = tmp_path / "output"
    build_in_parts(content, output)
    parts = len(pagefind_runs)
    kept = tmp_path / "cache" / PARTS_FOLDER
    assert len(list(kept.iterdir())) == parts

    pagefind_runs.clear()
    build_in_parts(content, output)
    assert pagefind_runs == [], "nothing changed: every part is kept"
    assert OPEN_BODY in fragments_by_url(output)["/posts/2024/03/open-post/"]["content"]

    post = content / "posts" / "open.md"
    post.write_text(post.read_text(encoding="utf-8") + "\nA new line, saltmarshdawn, written later.\n",
                    encoding="utf-8")
    build_in_parts(content, output)
    (run,) = pagefind_runs  # the part holding the edited post, and no other
    assert "posts/2024/03/open-post/index.html" in run and len(run) < 4
    assert "saltmarshdawn" in fragments_by_url(output)["/posts/2024/03/open-post/"]["content"], "never stale"
    assert len(list(kept.iterdir())) == parts, "only the parts this build used are kept"


def test_without_the_build_memo_every_part_is_indexed_and_none_kept(
    content: Path, tmp_path: Path, pagefind_runs: list[list[str]]
) -> None:
    from conftest import DEV_SETTINGS
    from harbour.build import load_settings

    plugins = [p for p in load_settings(DEV_SETTINGS)["PLUGINS"] if p != "build_memo"]
    output = tmp_path / "output"
    for _ in range(2):
        build_in_parts(content, output, PLUGINS=plugins)
    assert len(pagefind_runs) == 2 * len(bundles(output))
    assert not (tmp_path / "cache" / PARTS_FOLDER).exists()


def test_a_kept_part_that_goes_missing_while_copied_is_indexed_after_all(
    content: Path, tmp_path: Path, pagefind_runs: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another build clearing the store meanwhile costs time, never a part of the index."""
    output = tmp_path / "output"
    build_in_parts(content, output)
    first = sorted(fragments_by_url(output))
    parts = len(pagefind_runs)
    pagefind_runs.clear()
    real_copytree = site_search.parts.shutil.copytree
    vanished: list[str] = []

    def copytree(source: Path, *args: Any, **options: Any) -> Any:
        if PARTS_FOLDER in str(source) and ".search-parts-" not in str(source) and not vanished:
            vanished.append(str(source))
            raise FileNotFoundError(2, "No such file or directory", str(source))
        return real_copytree(source, *args, **options)

    monkeypatch.setattr(site_search.parts.shutil, "copytree", copytree)
    build_in_parts(content, output)
    assert vanished and len(pagefind_runs) == 1 and parts > 1
    assert sorted(fragments_by_url(output)) == first


def test_a_half_made_kept_part_is_replaced_and_a_killed_builds_leftovers_removed(
    content: Path, tmp_path: Path, pagefind_runs: list[list[str]]
) -> None:
    output = tmp_path / "output"
    build_in_parts(content, output)
    first = fragments_by_url(output)
    kept = tmp_path / "cache" / PARTS_FOLDER
    broken = sorted(kept.iterdir())[0]
    (broken / "pagefind-entry.json").unlink()  # as a copy interrupted part-way would leave it
    leftover = kept / ".search-parts-999999999-abc"  # the scratch folder of a build killed outright
    (leftover / "copy").mkdir(parents=True)
    pagefind_runs.clear()
    build_in_parts(content, output)
    assert len(pagefind_runs) == 1, "the broken part is indexed again"
    assert (broken / "pagefind-entry.json").is_file() and fragments_by_url(output) == first
    assert not leftover.exists()


def test_the_index_follows_the_command_line_alone(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pagefind reads a pagefind.yml where it runs, and PAGEFIND_* variables: neither may change
    what a build indexes (nor, then, what a kept part holds)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pagefind.yml").write_text("exclude_selectors: ['p']\n", encoding="utf-8")
    monkeypatch.setenv("PAGEFIND_FORCE_LANGUAGE", "fr")
    output = build(content, tmp_path / "output")
    fragments = list(read_fragments(output))
    assert fragments and all("/fragment/en_" in fragment.file for fragment in fragments)
    assert OPEN_BODY in fragments_by_url(output)["/posts/2024/03/open-post/"]["content"]


def test_pagefind_is_given_folders_relative_to_where_the_build_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer's settings name folders relative to the project (OUTPUT_PATH = "output")."""
    from site_search.pagefind import index_site

    page = tmp_path / "site" / "posts" / "tea" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text("<html><body data-pagefind-body><p>Tea by the window.</p></body></html>", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    bundle = index_site(Path("site"), Path("bundle"))
    assert bundle == tmp_path / "bundle" and (bundle / "pagefind-entry.json").is_file()
