"""A writer's mistakes, made in a copy of the project and built as the README teaches
(`python3 dev.py build`, `preview`): each is caught with its file, line and fix, never a traceback.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, writer_project

GOOD = "Title: Good\nDate: 2024-01-01\nCategory: Notes\n\nA good post.\n"


def dev(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "dev.py", *args], cwd=project, capture_output=True, text=True, timeout=180
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    assert "Done: Processed" not in result.stdout  # one outcome, not Pelican's "Done" before ours
    return result


def built(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = dev(project, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def failed(project: Path, *args: str) -> str:
    result = dev(project, *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith("Build failed: ")
    return result.stderr


def last_line(text: str) -> str:
    return text.rstrip().splitlines()[-1]


# Each mistake: the bad post, then the one problem the build must report (file:line: what and fix).
STOPS_THE_BUILD = {
    "empty title": (
        "Title:\nDate: 2026-11-30 19:30\nCategory: Notes\n\nText.\n",
        "content/posts/bad.md:1: Title is empty; write the title after 'Title:', e.g. 'Title: A slower "
        "Sunday' (it also gives the post its address)",
    ),
    "link to a missing post": (
        "Title: Links\nDate: 2026-11-30 19:30\nCategory: Notes\n\nAs I wrote [before]({filename}god.md).\n",
        "content/posts/bad.md:5: the link '{filename}god.md' leads nowhere: there is no content/posts/god.md; "
        "did you mean 'good.md'?",
    ),
    "missing image": (
        "Title: Tea\nDate: 2026-11-30 19:30\nCategory: Notes\n\n![A cup of tea]({static}/images/tea.svg)\n",
        "content/posts/bad.md:5: the link '{static}/images/tea.svg' leads nowhere: there is no "
        "content/images/tea.svg; link to a post by its file",
    ),
    "category not on the list": (
        "Title: Shelf\nDate: 2026-11-30 19:30\nCategory: Selfcare\n\nText.\n",
        "content/posts/bad.md:3: Category 'Selfcare' is not one of this blog's categories; did you mean "
        "'Self-care'? (allowed: Therapy, Recovery, Self-care, Peer support, Notes; a new one goes into "
        "WRITING['categories'] in pelicanconf.py first)",
    ),
    "header line without a colon": (
        "Title: Colon\nDate 2026-11-30 19:30\nCategory: Notes\n\nText.\n",
        "content/posts/bad.md:2: 'Date 2026-11-30 19:30' is not a header line (a name, a colon, a value), "
        "so the header ends here; write it as 'Date: 2026-11-30 19:30'",
    ),
    "date that does not exist": (
        "Title: February\nDate: 31/02/2026\nCategory: Notes\n\nText.\n",
        "content/posts/bad.md:2: Date '31/02/2026' is not a date; write it as year-month-day and 24-hour "
        "time, e.g. 'Date: 2026-11-30 19:30'",
    ),
    "blank first line": (
        "\nTitle: Blank\nDate: 2026-11-30 19:30\nCategory: Notes\n\nText.\n",
        "content/posts/bad.md:1: the file starts with an empty line, so nothing above the text is read as "
        "its header; start the file with the header on line 1, e.g. 'Title: A slower Sunday'",
    ),
    "no title": (
        "Date: 2026-11-30 19:30\nCategory: Notes\n\nText.\n",
        "content/posts/bad.md:1: no 'Title:' line in the header; add one, e.g. 'Title: A slower Sunday'",
    ),
    "two posts with one slug": (
        "Title: Good\nDate: 2024-01-01\nCategory: Notes\n\nAnother good post.\n",
        "content/posts/bad.md:1: this and content/posts/good.md have the slug 'good', so one would replace "
        "the other; give one of them its own 'Slug:' line, e.g. 'Slug: good-2'",
    ),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return writer_project(tmp_path_factory.mktemp("writer") / "blog", {"good.md": GOOD})


@pytest.mark.parametrize(("post", "problem"), STOPS_THE_BUILD.values(), ids=STOPS_THE_BUILD.keys())
def test_a_mistake_stops_the_build_with_its_file_line_and_fix(project: Path, post: str, problem: str) -> None:
    bad = project / "content" / "posts" / "bad.md"
    bad.write_text(post, encoding="utf-8")
    try:
        message = failed(project, "build")
    finally:
        bad.unlink()
    assert problem in message
    assert message.rstrip().count("\n") == 0  # one mistake, one line


def test_a_post_saved_in_another_encoding_names_the_line_and_says_utf8(project: Path) -> None:
    bad = project / "content" / "posts" / "bad.md"
    bad.write_bytes("Title: Café\nDate: 2026-11-30 19:30\nCategory: Notes\n\nText.\n".encode("latin-1"))
    try:
        message = failed(project, "build")
    finally:
        bad.unlink()
    assert "content/posts/bad.md:1: the file is not UTF-8 (byte e9 at column 11); save it as UTF-8" in message


def test_every_settings_problem_of_every_plugin_is_listed_at_once(tmp_path: Path) -> None:
    project = writer_project(
        tmp_path, {"good.md": GOOD},
        SAFETY={"support_url": "support"}, TRIGGER_TAGS={"unknown_tags": "warning"},
        WRITING={"categories": "Notes"},
    )
    message = failed(project, "build")
    assert message.startswith("Build failed: 3 problems:\n")
    assert "SAFETY['support_url'] = 'support' is not valid" in message
    assert "TRIGGER_TAGS['unknown_tags'] = 'warning' is not valid: expected one of 'error', 'warn'" in message
    assert "WRITING['categories'] = 'Notes' is not valid: expected a list of non-empty strings" in message


def test_an_unclosed_quote_in_the_vocabulary_names_the_line_where_it_opens(tmp_path: Path) -> None:
    project = writer_project(tmp_path, {"good.md": GOOD})
    vocabulary = project / "content" / "triggers.yml"
    lines = vocabulary.read_text(encoding="utf-8").splitlines()
    opened = next(n for n, line in enumerate(lines, 1) if line.strip().startswith("description:"))
    lines[opened - 1] = lines[opened - 1].replace("description: ", 'description: "')
    vocabulary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = failed(project, "build")
    assert f"content/triggers.yml:{opened}: not valid YAML: a quoted text starts on this line and is never closed" in message


def test_warnings_are_shown_with_file_and_line_counted_last_and_stop_preview(tmp_path: Path) -> None:
    post = (
        "Title: Tea\nDate: 2026-11-30 19:30\nCategory: Notes\nTriggers: self-ham\n\n"
        "A cup of tea.\n\n![](https://example.org/tea.png)\n"
    )
    project = writer_project(tmp_path, {"good.md": GOOD, "tea.md": post}, TRIGGER_TAGS={"unknown_tags": "warn"})
    unknown_tag = "content/posts/tea.md:4 (Triggers); did you mean 'self-harm'?"
    no_alt = "content/posts/tea.md:8: the image 'tea.png' has no alt text; say what it shows"

    build = built(project, "build")
    assert unknown_tag in build.stderr and no_alt in build.stderr
    assert last_line(build.stdout).startswith("Built with 2 warnings (above): the site is in ")

    message = failed(project, "preview")
    assert unknown_tag in message and no_alt in message
    assert last_line(message) == (
        "preview treats warnings as errors: fix them, or run `python3 dev.py preview --allow-warnings` "
        "to build anyway"
    )
    allowed = built(project, "preview", "--allow-warnings")
    assert last_line(allowed.stdout).startswith("Built with 2 warnings (above)")


def test_a_clean_build_says_one_outcome(tmp_path: Path) -> None:
    project = writer_project(tmp_path, {"good.md": GOOD})
    result = built(project, "build")
    assert result.stdout.splitlines() == [
        line for line in result.stdout.splitlines() if line.startswith("Built: the site is in ")
    ] and len(result.stdout.splitlines()) == 1
    assert result.stderr == ""


def test_the_project_copy_is_the_project() -> None:
    # The copies above are only honest while dev.py and the settings live where this expects.
    assert (ROOT / "dev.py").is_file() and (ROOT / ".venv" / "bin" / "invoke").exists()


@pytest.mark.parametrize(("html", "missing"), [
    ("<p>Words only, no picture.</p>", []),
    ('<p><img src="/images/a.svg" alt="A window at dawn"></p>', []),
    ('<p><img src="/images/a.svg"></p>', ["/images/a.svg"]),
    ('<p><IMG SRC="/images/b.svg" ALT=""></p>', ["/images/b.svg"]),  # tags are read in any case
    ('<p><Img\nsrc="/images/c.svg"></p>', ["/images/c.svg"]),
])
def test_images_without_alt_text_are_found_however_the_tag_is_written(html: str, missing: list[str]) -> None:
    from writing.writing import images_without_alt

    assert images_without_alt(html) == missing
