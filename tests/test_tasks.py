"""The invoke tasks and the plain functions behind them."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from conftest import ROOT, build_into
from harbour.errors import HarbourError
from harbour.new_post import new_post, post_template

TASKS = [
    "clean", "build", "rebuild", "regenerate", "serve", "reserve", "preview", "livereload",
    "publish", "gh-pages", "new-post", "test", "bench", "screenshots", "audit",
]


def invoke(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_invoke_lists_every_task_with_its_docstring() -> None:
    listed = invoke("--list")
    assert listed.returncode == 0, listed.stderr
    lines = {line.split()[0]: line for line in listed.stdout.splitlines()[1:] if line.strip() and line.startswith("  ")}
    for name in TASKS:
        assert name in lines, f"task {name} missing from invoke --list"
        assert len(lines[name].split()) > 1, f"task {name} has no docstring"


def test_new_post_writes_a_draft_with_the_metadata_template(tmp_path: Path) -> None:
    path = new_post(
        tmp_path, "A harder week", date=datetime(2026, 11, 25, 19, 30),
        category="Recovery", tags=["coping", "self-care"], triggers=["self-harm"],
    )
    assert path == tmp_path / "posts" / "a-harder-week.md"
    text = path.read_text(encoding="utf-8")
    header = text.split("\n\n", 1)[0].splitlines()
    assert header == [
        "Title: A harder week",
        "Date: 2026-11-25 19:30",
        "Category: Recovery",
        "Tags: coping, self-care",
        "Slug: a-harder-week",
        "Summary: One or two sentences for listings, feeds and link previews.",
        "Triggers: self-harm",
        "Status: draft",
    ]


def test_new_post_adds_warnings_and_note_only_when_given() -> None:
    with_warning = post_template("x", date=datetime(2026, 1, 1), warnings=["grief"], note="A loss, briefly.")
    assert "Content-Warnings: grief\nContent-Note: A loss, briefly.\n" in with_warning
    assert "Content-Warnings" not in post_template("x", date=datetime(2026, 1, 1))


def test_new_post_never_overwrites_a_post(tmp_path: Path) -> None:
    first = new_post(tmp_path, "Same title")
    first.write_text("somebody's writing", encoding="utf-8")
    with pytest.raises(HarbourError, match="already exists"):
        new_post(tmp_path, "Same title")
    assert first.read_text(encoding="utf-8") == "somebody's writing"


@pytest.mark.parametrize("title", ["", "   ", "!!!"])
def test_new_post_refuses_a_title_without_a_slug(tmp_path: Path, title: str) -> None:
    with pytest.raises(HarbourError, match="title"):
        new_post(tmp_path, title)
    assert not (tmp_path / "posts").exists() or not list((tmp_path / "posts").iterdir())


def test_a_new_post_builds_as_a_draft(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "pages").mkdir(parents=True)
    new_post(content, "My first post", tags=["coping"])
    output = build_into(tmp_path / "output", PATH=str(content), PLUGINS=["safety"])
    assert (output / "drafts" / "my-first-post" / "index.html").is_file()
    assert "my-first-post" not in (output / "index.html").read_text(encoding="utf-8")


def test_new_post_task_reports_a_clear_error_without_traceback() -> None:
    result = invoke("new-post", "--title", "!!!")
    assert result.returncode == 1
    assert "new-post: the title '!!!' gives an empty slug" in result.stderr
    assert "Traceback" not in result.stderr
