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


def test_an_unreadable_post_names_the_file_and_the_reason(tmp_path: Path) -> None:
    content = write_site(tmp_path, {"good.md": GOOD, "bad.md": "Title: Bad\nDate: someday soon\n\nx\n"})
    with pytest.raises(HarbourError) as raised:
        build_into(tmp_path / "output", PATH=str(content))
    message = str(raised.value)
    assert "Could not process" in message and "bad.md" in message and "someday soon" in message


def test_two_posts_with_one_slug_are_a_clear_error(tmp_path: Path) -> None:
    content = write_site(tmp_path, {"a.md": GOOD, "b.md": GOOD.replace("A good post", "Another")})
    with pytest.raises(HarbourError, match="same slug or save_as; give one of them another Slug:"):
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
