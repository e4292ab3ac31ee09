"""Check task arguments that are written into files: one line of text, no control characters.

A title with a newline in it would write its own metadata lines into a post (``Status:
published`` in a post announced as a draft); a carriage return, a U+2028 line separator or a
NEL (U+0085) is a line break to some readers and editors; a NUL or an escape sequence has no
business in a text file a writer reads in a terminal. One rule for every such argument, tabs
included, is simpler to explain than a rule per file format. The one exception is a body (the
text of a reply to a comment), which may hold line breaks and tabs, as any comment's text may.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable, Mapping

from harbour.errors import HarbourError

ALLOWED = (
    "one line of text: letters, digits, punctuation and spaces, "
    "but no line breaks, tabs or other control characters"
)
BODY_ALLOWED = "text: line breaks and tabs are allowed, but no other control characters"
_BODY_BREAKS = "\n\t"

_NAMES = {
    "\n": "a line break",
    "\r": "a carriage return",
    "\t": "a tab",
    "\0": "a NUL character",
    "\x1b": "an escape character",
    "\x85": "a next-line character",
    "\u2028": "a line separator",
    "\u2029": "a paragraph separator",
}
_SHOWN_BEFORE = 20  # characters of context shown before the offending one


def is_refused(char: str) -> bool:
    """Control characters (C0, DEL, C1) and the Unicode line and paragraph separators."""
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


def control_character_problem(option: str, value: str, *, body: bool = False) -> str | None:
    """What is wrong with one argument's value, in one line naming the option; None when it is fine.

    ``body``: the value is a body of text, where line breaks and tabs are allowed.
    """
    for index, char in enumerate(value):
        if not is_refused(char) or (body and char in _BODY_BREAKS):
            continue
        what = _NAMES.get(char, "a control character")
        before = value[max(0, index - _SHOWN_BEFORE):index]
        place = f"after {before!r}" if before else "at the start"
        allowed = BODY_ALLOWED if body else ALLOWED
        return f"{option} contains {what} (U+{ord(char):04X}) {place}; it must be {allowed}"
    return None


def refuse_control_characters(
    arguments: Mapping[str, str | Iterable[str]], *, bodies: Collection[str] = ()
) -> None:
    """Raise one HarbourError listing every argument (option name -> value or values) that is not one line.

    ``bodies``: the options that are a body of text (line breaks and tabs allowed).
    """
    problems = []
    for option, value in arguments.items():
        values = [value] if isinstance(value, str) else list(value)
        body = option in bodies
        problem = next(filter(None, (control_character_problem(option, v, body=body) for v in values)), None)
        if problem:
            problems.append(problem)
    if problems:
        raise HarbourError(problems)
