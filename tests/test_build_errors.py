"""A failed build says what is wrong in one message, and leaves the previous site whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DEV_SETTINGS, build_into, write_site
from harbour.build import build_site
from harbour.errors import HarbourError

GOOD = "Title: Good\nDate: 2024-01-01\n\nA good post.\n"


def test_a_failed_build_leaves_the_previous_site_untouched(tmp_path: Path) -> None:
    content = write_site(tmp_path, {"good.md": GOOD})
    output = build_into(tmp_path / "output", PATH=str(content))
    before = sorted(p.relative_to(output) for p in output.rglob("*"))
    (content / "posts" / "bad.md").write_text("Title: Bad\nDate: 2024-01-02\nTriggers: self-ham\n\nx\n", encoding="utf-8")
    with pytest.raises(HarbourError):
        build_into(tmp_path / "output", PATH=str(content))
    assert sorted(p.relative_to(output) for p in output.rglob("*")) == before
    assert not list(tmp_path.glob(".output.building*"))


def test_an_unreadable_post_names_the_file_the_line_and_the_form(tmp_path: Path) -> None:
    content = write_site(tmp_path, {"good.md": GOOD, "bad.md": "Title: Bad\nDate: someday soon\n\nx\n"})
    with pytest.raises(HarbourError) as raised:
        build_into(tmp_path / "output", PATH=str(content))
    assert raised.value.problems == [
        "content/posts/bad.md:2: Date 'someday soon' is not a date; write it as year-month-day and 24-hour "
        "time, e.g. 'Date: 2026-11-30 19:30'"
    ]


def test_two_posts_with_one_slug_are_a_clear_error(tmp_path: Path) -> None:
    content = write_site(tmp_path, {"a.md": GOOD, "b.md": GOOD.replace("A good post", "Another")})
    with pytest.raises(HarbourError, match="this and content/posts/b.md have the slug 'good', so one would "
                       "replace the other; give one of them its own 'Slug:' line"):
        build_into(tmp_path / "output", PATH=str(content))
    assert not (tmp_path / "output").exists()


def test_a_syntax_error_in_the_settings_names_its_line(tmp_path: Path) -> None:
    settings = tmp_path / "pelicanconf.py"
    settings.write_text(DEV_SETTINGS.read_text(encoding="utf-8") + "\nDEFAULT_PAGINATION = = 5\n", encoding="utf-8")
    with pytest.raises(HarbourError) as raised:
        build_site(settings, OUTPUT_PATH=str(tmp_path / "output"))
    assert f"{settings} could not be read: {settings}:" in str(raised.value)
    assert "a Python syntax error" in str(raised.value)


def test_a_template_syntax_error_names_the_template_and_line(tmp_path: Path) -> None:
    import shutil

    from conftest import ROOT

    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    page = theme / "templates" / "page.html"
    page.write_text(page.read_text(encoding="utf-8").replace("{% endblock %}", "{% endblok %}", 1), encoding="utf-8")
    with pytest.raises(HarbourError, match=r"page\.html:\d+: .* \(a template syntax error\)"):
        build_into(tmp_path / "output", THEME=str(theme))


@pytest.mark.parametrize(
    "date", ["0001-01-01 00:00:00+01:00", "9999-12-31 23:59:59-01:00", "0001-01-01 00:00:00+23:59", "0001-01-01"]
)
def test_a_post_dated_at_the_edges_of_the_calendar_builds_with_its_feed(tmp_path: Path, date: str) -> None:
    from conftest import PUBLISH_SETTINGS

    content = write_site(tmp_path, {"edge.md": f"Title: Edge\nDate: {date}\n\nAt the edge.\n", "good.md": GOOD})
    output = build_into(tmp_path / "output", PUBLISH_SETTINGS, PATH=str(content))
    assert len(list(output.glob("posts/*/*/edge/index.html"))) == 1
    assert "<title>Edge</title>" in (output / "feeds" / "all.atom.xml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("field", "value"), [("Date", "2024-04-02 22:30-25:00"), ("Modified", "9999-12-31 23:59:59+24:00")]
)
def test_a_date_with_an_offset_of_a_day_or_more_names_the_file_line_and_form(
    tmp_path: Path, field: str, value: str
) -> None:
    header = f"Title: Edge\nDate: 2024-04-02 22:30\n{field}: {value}\n" if field == "Modified" else (
        f"Title: Edge\n{field}: {value}\n"
    )
    content = write_site(tmp_path, {"edge.md": header + "\nx\n", "good.md": GOOD})
    with pytest.raises(HarbourError) as raised:
        build_into(tmp_path / "output", PATH=str(content))
    line = 3 if field == "Modified" else 2
    assert raised.value.problems == [
        f"content/posts/edge.md:{line}: {field} {value!r} has a UTC offset "
        "of a day or more; write it as YYYY-MM-DD HH:MM, with a UTC offset from -23:59 to +23:59 if any "
        "(e.g. 2024-04-02 22:30 or 2024-04-02 22:30+01:00)"
    ]
    assert not (tmp_path / "output").exists()
