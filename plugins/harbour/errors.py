"""The one exception type for mistakes a writer can fix, and how it is shown."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class HarbourError(Exception):
    """A problem in the writer's input: content, settings or a command's arguments.

    Caught at the edge (a build or a task) and shown as one clear message, never as a
    traceback. ``problems`` holds one line per problem so that a writer sees all of them
    at once instead of fixing them one build at a time.
    """

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return self.problems[0]
        return f"{len(self.problems)} problems:\n" + "\n".join(f"  - {p}" for p in self.problems)


def where(path: str | Path, line: int | None = None, *, root: str | Path | None = None) -> str:
    """Name a place in a file the way editors and terminals link it: ``path:line``."""
    shown = Path(path)
    if root is not None:
        try:
            shown = shown.resolve().relative_to(Path(root).resolve())
        except ValueError:
            pass
    return f"{shown}:{line}" if line else str(shown)


def did_you_mean(word: str, choices: Iterable[str], *, n: int = 3) -> str:
    """A ``; did you mean 'x'?`` suffix for an unknown word, or '' when nothing is close."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=n, cutoff=0.6)
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(c) for c in close) + "?"
