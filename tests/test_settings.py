"""Plugin settings are checked once at start-up, and every problem is listed in one message."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import build_into
from harbour.errors import HarbourError
from harbour.settings import Option, boolean, choice, integer, plugin_settings, text, url
from safety import safety_settings

SCHEMA = {
    "depth": Option(5, "how deep replies nest", integer(1, 10)),
    "mode": Option("hold", "what happens on arrival", choice("hold", "auto")),
    "enabled": Option(True, "on or off", boolean),
    "label": Option("Comments", "the heading", text),
    "home": Option("/", "a link", url()),
}


def test_defaults_fill_what_the_writer_left_out() -> None:
    assert plugin_settings({"X": {"depth": 3}}, "X", SCHEMA) == {
        "depth": 3, "mode": "hold", "enabled": True, "label": "Comments", "home": "/",
    }


def test_the_writers_dict_is_not_mutated() -> None:
    mine = {"depth": 3}
    plugin_settings({"X": mine}, "X", SCHEMA)
    assert mine == {"depth": 3}


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(HarbourError) as raised:
        plugin_settings({"X": {"depht": 3, "mode": "later", "enabled": "yes", "home": "ftp://x"}}, "X", SCHEMA)
    problems = raised.value.problems
    assert len(problems) == 4
    assert "X['depht'] is not an option" in problems[0] and "did you mean 'depth'?" in problems[0]
    assert "X['mode'] = 'later' is not valid: expected one of 'hold', 'auto'" in problems[1]
    assert "X['enabled'] = 'yes' is not valid: expected True or False" in problems[2]
    assert "X['home'] = 'ftp://x' is not valid: expected an http(s) URL or a path starting with '/'" in problems[3]
    assert str(raised.value).startswith("4 problems:")


def test_settings_must_be_a_dict() -> None:
    with pytest.raises(HarbourError, match="X in your settings must be a dict"):
        plugin_settings({"X": ["depth"]}, "X", SCHEMA)


def test_safety_quick_exit_must_be_an_absolute_url() -> None:
    with pytest.raises(HarbourError, match=r"SAFETY\['quick_exit_url'\] = '/weather'"):
        safety_settings({"SAFETY": {"quick_exit_url": "/weather"}})


def test_a_bad_setting_stops_the_build_before_writing_anything(tmp_path: Path) -> None:
    with pytest.raises(HarbourError, match=r"SAFETY\['support_url'\] = 'support'"):
        build_into(tmp_path / "output", SAFETY={"support_url": "support"})
    assert not (tmp_path / "output" / "index.html").exists()


def test_configured_safety_links_reach_every_page(tmp_path: Path) -> None:
    output = build_into(
        tmp_path / "output",
        SAFETY={"support_url": "https://help.example.org/", "quick_exit_url": "https://weather.example.org/"},
    )
    html = (output / "about" / "index.html").read_text(encoding="utf-8")
    assert 'class="support-link" href="https://help.example.org/"' in html
    assert 'href="https://weather.example.org/"' in html
