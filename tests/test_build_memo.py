"""The build memo never serves a stale page: each kind of change between two builds shows.

Every test builds a copy of the example site twice into tmp_path with one cache folder, the
second time after a change, and reads the pages; a test that would pass without the memo is
backed by one showing the memo was used (the second build made nothing it could reuse).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path

import pytest

from build_memo.build_memo import CachedMarkdownReader
from conftest import DEV_SETTINGS, ROOT, build_into
from content_warnings.markdown_ext import PassageBounds
from harbour.errors import HarbourError
from harbour.memo import MEMO_FILE, BuildMemo, code_fingerprint, digest
from site_pages import shown_text, site_files

RUPTURE = "posts/2024/06/the-first-rupture/index.html"
BOUNDARIES = "posts/{}/boundaries-are-not-walls/index.html"


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    """A copy of the example content and theme, built once (the memo is then warm)."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "theme", tmp_path / "theme")
    build(tmp_path)
    return tmp_path


def build(site: Path, **overrides: object) -> Path:
    overrides = {"PATH": str(site / "content"), "THEME": str(site / "theme"), **overrides}
    return build_into(site / "output", DEV_SETTINGS, **overrides)


def page(site: Path, pattern: str) -> str:
    (found,) = (site / "output").glob(pattern.format("*/*"))
    return found.read_text(encoding="utf-8")


def memo_counts(caplog: pytest.LogCaptureFixture) -> dict[str, tuple[int, int]]:
    """(reused, made) for each table, from the memo's debug line ("markdown 20 reused, 1 made")."""
    (line,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith("build memo:")]
    return {
        name: (int(reused), int(made))
        for name, reused, made in re.findall(r"([\w-]+) (\d+) reused, (\d+) made", line)
    }


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_second_build_reuses_every_post_and_comment(site: Path, caplog: pytest.LogCaptureFixture) -> None:
    first = {p: p.read_bytes() for p in (site / "output").rglob("*.html")}
    with caplog.at_level(logging.DEBUG, logger="harbour.memo"):
        build(site)
    counts = memo_counts(caplog)
    assert set(counts) == {"markdown", "typogrify", "comment-html", "leak-verdicts"}
    assert all(reused > 0 and made == 0 for reused, made in counts.values()), counts
    # The same site, byte for byte.
    assert {p: p.read_bytes() for p in (site / "output").rglob("*.html")} == first


def test_an_edited_post_shows_its_new_words(site: Path, caplog: pytest.LogCaptureFixture) -> None:
    edit(site / "content/posts/the-first-rupture.md", "Three months into working", "Twelve weeks into working")
    with caplog.at_level(logging.DEBUG, logger="harbour.memo"):
        build(site)
    assert "Twelve weeks into working" in page(site, RUPTURE)
    assert memo_counts(caplog)["markdown"][1] == 1


def test_an_edited_comment_shows_its_new_words(site: Path) -> None:
    edit(site / "content/comments/the-first-rupture/1fdb93263f4c.md", "Maybe I'll ask her", "Maybe I will ask her")
    build(site)
    assert "Maybe I will ask her" in page(site, RUPTURE)


def test_an_edited_vocabulary_entry_shows_on_the_gates(site: Path) -> None:
    # The passage in this post is warned "emotional-abuse": its gate names the topic's label.
    assert "Emotional abuse" in page(site, BOUNDARIES)
    edit(site / "content/triggers.yml", "label: Emotional abuse", "label: Emotional harm")
    build(site)
    assert "Emotional harm" in page(site, BOUNDARIES)
    assert "Emotional abuse" not in page(site, BOUNDARIES)


def test_a_changed_setting_reaches_every_post(site: Path) -> None:
    assert "&#8220;" in page(site, RUPTURE) or "\u201c" in page(site, RUPTURE)  # typogrify's curly quotes
    build(site, TYPOGRIFY=False)
    text = page(site, RUPTURE)
    assert "\u201c" not in text and "&#8220;" not in text and "&ldquo;" not in text


def test_an_edited_template_shows(site: Path) -> None:
    edit(site / "theme/templates/article.html", "{% block content %}", "{% block content %}<!-- edited-template -->")
    build(site)
    assert "<!-- edited-template -->" in page(site, RUPTURE)


def test_passages_stay_gated_when_their_html_comes_from_an_earlier_process(
    site: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Each process has its own secret for a passage's bounds: a memo made by another process
    # must still put this process's bounds around each passage.
    monkeypatch.setattr(PassageBounds, "key", "0123456789abcdef")
    with caplog.at_level(logging.DEBUG, logger="harbour.memo"):
        build(site)
    # Nothing made again: the Markdown, nor typogrify's pass over HTML holding the bounds.
    assert memo_counts(caplog)["markdown"][1] == 0 and memo_counts(caplog)["typogrify"][1] == 0
    text = page(site, BOUNDARIES)
    assert "For nearly four years" in text
    assert "For nearly four years" not in shown_text(text)


def test_the_leak_guard_runs_on_a_build_from_the_memo(site: Path, caplog: pytest.LogCaptureFixture) -> None:
    # A template that prints every gate's hidden text in the open: the posts are unchanged
    # (all from the memo), and the build must still fail.
    edit(site / "theme/templates/article.html", "{% block content %}",
         "{% block content %}<p>{{ article.cw_hidden.values()|join(' ')|striptags }}</p>")
    with caplog.at_level(logging.DEBUG, logger="harbour.memo"), pytest.raises(HarbourError) as raised:
        build(site)
    assert "warned text" in str(raised.value) or "leak" in str(raised.value).lower()


def test_an_unreadable_memo_is_started_afresh(site: Path) -> None:
    (site / "cache" / MEMO_FILE).write_text("{not json", encoding="utf-8")
    build(site)
    assert json.loads((site / "cache" / MEMO_FILE).read_text(encoding="utf-8"))["tables"]["markdown"]


def test_a_memo_made_by_other_code_is_not_used(tmp_path: Path) -> None:
    memo = BuildMemo(tmp_path, "fingerprint-1")
    memo.table("markdown").put("k", "v")
    memo.save()
    assert BuildMemo.load(tmp_path, "fingerprint-1").table("markdown").get("k") == "v"
    assert BuildMemo.load(tmp_path, "fingerprint-2").table("markdown").get("k") is None


def test_only_what_a_build_used_is_kept(tmp_path: Path) -> None:
    memo = BuildMemo(tmp_path, "f")
    memo.table("t").put("old", "x")
    memo.save()
    again = BuildMemo.load(tmp_path, "f")
    again.table("t").put("new", "y")
    again.save()
    assert BuildMemo.load(tmp_path, "f").table("t").get("old") is None


def test_the_code_fingerprint_follows_every_plugin_file(tmp_path: Path) -> None:
    (tmp_path / "plugin").mkdir()
    (tmp_path / "plugin" / "a.py").write_text("x = 1\n")
    before = code_fingerprint(tmp_path, ())
    (tmp_path / "plugin" / "a.py").write_text("x = 2\n")
    assert code_fingerprint(tmp_path, ()) != before


def test_keys_do_not_run_parts_together() -> None:
    assert digest("ab", "c") != digest("a", "bc")


def test_the_cached_reader_reads_only_markdown() -> None:
    assert set(CachedMarkdownReader.file_extensions) == {"md", "markdown", "mkd", "mdown"}


def test_a_changed_markdown_setting_reaches_every_post(site: Path) -> None:
    assert 'id="what-happened"' not in page(site, RUPTURE)
    markdown = {"extension_configs": {
        "markdown.extensions.extra": {}, "markdown.extensions.meta": {}, "markdown.extensions.toc": {},
    }, "output_format": "html5"}
    build(site, MARKDOWN=markdown)
    assert 'id="what-happened"' in page(site, RUPTURE)


def test_templates_are_compiled_once_and_kept_per_set_of_jinja_options(site: Path) -> None:
    kept = list((site / "cache").glob("jinja-*"))
    assert len(kept) == 1 and any(kept[0].iterdir()), "the first build keeps the compiled templates"
    build(site, JINJA_ENVIRONMENT={"trim_blocks": False, "lstrip_blocks": True, "extensions": []})
    (other,) = (site / "cache").glob("jinja-*")
    assert other != kept[0], "other Jinja options compile into another folder, the old one removed"



def test_workers_make_what_the_build_would_and_the_site_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import build_memo.prerender as prerender
    import harbour.workers as workers

    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "theme", tmp_path / "theme")
    alone = build_into(tmp_path / "alone", DEV_SETTINGS, PATH=str(tmp_path / "content"), THEME=str(tmp_path / "theme"))
    shutil.rmtree(tmp_path / "cache")
    # The example site is small, and the test process may run a server's thread: let workers start.
    monkeypatch.setattr(prerender, "MIN_WORK", 1)
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)
    with caplog.at_level(logging.DEBUG, logger="harbour.memo"):
        helped = build_into(
            tmp_path / "helped", DEV_SETTINGS, PATH=str(tmp_path / "content"), THEME=str(tmp_path / "theme")
        )
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("build memo:"))
    assert "markdown 0 reused" not in line and "by workers" in line
    counts = memo_counts(caplog)
    assert counts["markdown"][1] == 0 and counts["typogrify"][1] == 0 and counts["comment-html"][1] == 0, line
    assert site_files(helped) == site_files(alone)


def test_headers_kept_in_the_memo_are_read_as_pelican_reads_them(tmp_path: Path) -> None:
    """One Markdown converts every kept post's summary: nothing of one post's may reach the next
    (an abbreviation defined in one summary stays in that summary)."""
    from pelican.readers import MarkdownReader
    from pelican.settings import DEFAULT_CONFIG

    from harbour.memo import set_current_memo

    posts = {
        "a.md": "Title: A\nSummary: My *NHS* letters came.\n    *[NHS]: National Health Service\n\nBody A.\n",
        "b.md": "Title: B\nSummary: The NHS again, and a [link](https://example.org/).\n\nBody B.\n",
    }
    for name, text in posts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    settings = {**DEFAULT_CONFIG, "MARKDOWN": {"extension_configs": {"markdown.extensions.extra": {}}}}
    plain = {name: MarkdownReader(dict(settings)).read(str(tmp_path / name))[1] for name in posts}
    assert "<abbr" in plain["a.md"]["summary"] and "<abbr" not in plain["b.md"]["summary"]
    set_current_memo(BuildMemo(tmp_path, "fingerprint"))
    try:
        reader = CachedMarkdownReader(dict(settings))
        for _ in range(2):  # made, then kept
            for name in [*posts, *reversed(posts)]:
                assert reader.read(str(tmp_path / name))[1] == plain[name]
    finally:
        set_current_memo(None)
