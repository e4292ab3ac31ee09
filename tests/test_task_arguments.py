"""Task arguments written into files are one line of text: no line breaks, tabs or control characters."""

from __future__ import annotations

from pathlib import Path

import pytest
from invoke import Context, Exit

import tasks
from harbour.arguments import ALLOWED, BODY_ALLOWED, control_character_problem, refuse_control_characters
from harbour.errors import HarbourError
from harbour.new_post import new_post

REFUSED = {
    "\n": "a line break (U+000A)",
    "\r": "a carriage return (U+000D)",
    "\t": "a tab (U+0009)",
    "\0": "a NUL character (U+0000)",
    "\x0b": "a control character (U+000B)",
    "\x1b": "an escape character (U+001B)",
    "\x7f": "a control character (U+007F)",
    "\x85": "a next-line character (U+0085)",
    "\x9b": "a control character (U+009B)",
    "\u2028": "a line separator (U+2028)",
    "\u2029": "a paragraph separator (U+2029)",
}


@pytest.mark.parametrize(("char", "named"), REFUSED.items(), ids=[f"U+{ord(c):04X}" for c in REFUSED])
def test_each_control_character_is_named_with_its_place(char: str, named: str) -> None:
    assert control_character_problem("--note", f"A loss{char}briefly") == (
        f"--note contains {named} after 'A loss'; it must be {ALLOWED}"
    )


def test_the_place_shows_at_most_twenty_characters_before() -> None:
    assert control_character_problem("--title", "\nStatus: published") == (
        f"--title contains a line break (U+000A) at the start; it must be {ALLOWED}"
    )
    problem = control_character_problem("--summary", "x" * 30 + "\r")
    assert problem is not None and f"after {'x' * 20!r};" in problem


@pytest.mark.parametrize(
    "value", ["A slower Sunday", "Ça va ? « oui » — ‘fine’", "Growing 🌱", "שלום, friend", "a  b", ""]
)
def test_ordinary_text_in_any_script_is_allowed(value: str) -> None:
    assert control_character_problem("--title", value) is None


def test_a_body_may_hold_line_breaks_and_tabs_but_no_other_control_character() -> None:
    refuse_control_characters({"--body": "Para one\n\n\tPara two"}, bodies={"--body"})
    for char in set(REFUSED) - {"\n", "\t"}:
        with pytest.raises(HarbourError) as raised:
            refuse_control_characters({"--body": f"Para{char}two"}, bodies={"--body"})
        assert str(raised.value).endswith(f"it must be {BODY_ALLOWED}"), repr(char)
    with pytest.raises(HarbourError, match="--title contains a line break"):
        refuse_control_characters({"--title": "A\nB", "--body": "A\nB"}, bodies={"--body"})


def test_every_bad_argument_is_listed_at_once() -> None:
    with pytest.raises(HarbourError) as raised:
        refuse_control_characters({"--title": "ok", "--tags": ["coping", "a\tb"], "--note": "x\u2028y"})
    assert [problem.split(" contains ")[0] for problem in raised.value.problems] == ["--tags", "--note"]


# --- new-post -------------------------------------------------------------------------------

INJECTED = "\nStatus: published"


@pytest.mark.parametrize(
    ("option", "fields"),
    [
        ("--title", {"title": "A harder week" + INJECTED}),
        ("--category", {"category": "Notes" + INJECTED}),
        ("--tags", {"tags": ["coping", "self-care" + INJECTED]}),
        ("--summary", {"summary": "Two lines" + "\nSlug: another"}),
        ("--triggers", {"triggers": ["grief" + INJECTED]}),
        ("--warnings", {"warnings": ["grief" + INJECTED]}),
        ("--note", {"warnings": ["grief"], "note": "Brief" + INJECTED}),
    ],
)
def test_new_post_refuses_a_field_that_would_write_its_own_metadata_lines(
    tmp_path: Path, option: str, fields: dict[str, object]
) -> None:
    fields = {"title": "A harder week", **fields}
    with pytest.raises(HarbourError) as raised:
        new_post(tmp_path, **fields)  # type: ignore[arg-type]
    [problem] = raised.value.problems
    assert problem.startswith(f"{option} contains a line break (U+000A) after ")
    assert problem.endswith(f"; it must be {ALLOWED}")
    assert not (tmp_path / "posts").exists()  # nothing written


def test_new_post_task_says_which_option_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks, "_settings", lambda publish=False: {"PATH": str(tmp_path)})
    with pytest.raises(Exit) as raised:
        tasks.new_post.body(Context(), title="Title" + INJECTED)
    assert raised.value.code == 1
    assert raised.value.message == (
        f"new-post: --title contains a line break (U+000A) after 'Title'; it must be {ALLOWED}"
    )
    assert not (tmp_path / "posts").exists()
