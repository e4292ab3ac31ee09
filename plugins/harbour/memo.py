"""Results kept between builds, looked up by what they were made from.

A build repeats most of the work of the one before it: the same posts through Markdown and
typogrify, the same comments through Markdown and nh3. A :class:`BuildMemo` keeps those
results in one file in Pelican's CACHE_PATH, each under the hash of everything it was made
from: the input text itself and a *fingerprint* of all that could change the result (the
code of every plugin, the versions of the libraries, the settings that reach the renderer).
Nothing is looked up by file name or date, so an edited input is a new key and can never be
served an old result; a changed plugin, library or setting is a new fingerprint and starts an
empty memo.

Only results used by the build that saves the memo are kept, so it holds one site's worth,
never more. The file is JSON (text and lists of text only), never pickle: a cache is not a
place to run code from.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from harbour.files import atomic_open

logger = logging.getLogger(__name__)

MEMO_FILE = "harbour-memo.json"
MEMO_FORMAT = 1
PLUGINS = Path(__file__).resolve().parents[1]
LIBRARIES = ("pelican", "markdown", "typogrify", "smartypants", "nh3", "selectolax", "jinja2")

T = TypeVar("T")


def digest(*parts: str) -> str:
    """One key for several texts: no two different lists of parts share it."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


def code_fingerprint(folder: Path = PLUGINS, libraries: Iterable[str] = LIBRARIES) -> str:
    """The plugins' own code and the libraries' versions: a change to either makes new results."""
    parts = []
    for path in sorted(folder.rglob("*.py")):
        parts += [str(path.relative_to(folder)), path.read_text(encoding="utf-8", errors="replace")]
    for name in libraries:
        try:
            parts += [name, metadata.version(name)]
        except metadata.PackageNotFoundError:
            parts += [name, "absent"]
    return digest(*parts)


class MemoTable:
    """One kind of result (``"markdown"``, ``"typogrify"``, ...): key to JSON-able value."""

    def __init__(self, saved: dict[str, Any]) -> None:
        self._saved = saved
        self.used: dict[str, Any] = {}
        self.hits = 0
        self.misses = 0
        self.offered = 0

    def get(self, key: str) -> Any | None:
        if key in self.used:
            self.hits += 1
            return self.used[key]
        if key in self._saved:
            self.hits += 1
            value = self.used[key] = self._saved[key]
            return value
        return None

    def put(self, key: str, value: Any) -> None:
        self.misses += 1
        self.used[key] = value

    def offer(self, key: str, value: Any) -> None:
        """A result made ahead of need (by a worker): kept only if this build then uses it."""
        self.offered += 1
        self._saved.setdefault(key, value)

    @property
    def saved(self) -> Mapping[str, Any]:
        """What the last build kept (and workers offered), whether or not this build used it yet."""
        return self._saved

    def make(self, key: str, make: Callable[[], T]) -> T:
        found = self.get(key)
        if found is not None:
            return found
        value = make()
        self.put(key, value)
        return value


class BuildMemo:
    """Every table of one build, loaded from and saved to ``folder/harbour-memo.json``."""

    def __init__(self, folder: Path, fingerprint: str, saved: dict[str, dict[str, Any]] | None = None) -> None:
        self.folder = Path(folder)
        self.fingerprint = fingerprint
        self._saved = saved or {}
        self._tables: dict[str, MemoTable] = {}
        # Called with a table's name before the table is handed out (results still being made
        # elsewhere are filed first: build_memo's workers).
        self.before_table: Callable[[str], None] | None = None

    @classmethod
    def load(cls, folder: Path, fingerprint: str) -> BuildMemo:
        """The memo the last build saved, or an empty one when there is none or it was made by
        other code, libraries or settings (or is unreadable: a memo is never worth a failed build)."""
        path = Path(folder) / MEMO_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(folder, fingerprint)
        except (OSError, ValueError) as error:
            logger.debug("build memo %s unreadable (%s); starting an empty one", path, error)
            return cls(folder, fingerprint)
        if not isinstance(data, dict) or data.get("format") != MEMO_FORMAT or data.get("fingerprint") != fingerprint:
            logger.debug("build memo %s was made by other code or settings; starting an empty one", path)
            return cls(folder, fingerprint)
        tables = data.get("tables")
        return cls(folder, fingerprint, tables if isinstance(tables, dict) else {})

    def table(self, name: str) -> MemoTable:
        if self.before_table is not None:
            self.before_table(name)
        if name not in self._tables:
            saved = self._saved.get(name)
            self._tables[name] = MemoTable(saved if isinstance(saved, dict) else {})
        return self._tables[name]

    def save(self) -> None:
        """Write what this build used, atomically (temp file and rename)."""
        data = {
            "format": MEMO_FORMAT,
            "fingerprint": self.fingerprint,
            "tables": {name: table.used for name, table in sorted(self._tables.items())},
        }
        # Streamed to the file: the memo of a large site is tens of megabytes as one string.
        with atomic_open(self.folder / MEMO_FILE) as file:
            text = io.TextIOWrapper(file, encoding="utf-8")
            json.dump(data, text, separators=(",", ":"))
            text.flush()
            text.detach()  # the file is atomic_open's to close
        logger.debug(
            "build memo: %s",
            ", ".join(
                f"{name} {t.hits} reused, {t.misses} made" + (f" ({t.offered} by workers)" if t.offered else "")
                for name, t in sorted(self._tables.items())
            ),
        )


# The memo of the build under way in this process (builds in one process run one at a time:
# harbour.build holds the output lock around each). Set by the build_memo plugin.
_current: BuildMemo | None = None


def current_memo() -> BuildMemo | None:
    return _current


def set_current_memo(memo: BuildMemo | None) -> None:
    global _current
    _current = memo


def finish_memo(*, save: bool) -> None:
    """Close the build's memo (harbour.build calls this once Pelican's run is over): saved when
    the run went to its end, else dropped, leaving the last whole one on disk."""
    global _current
    memo, _current = _current, None
    if memo is None:
        return
    memo.before_table = None
    if save:
        memo.save()


def memoised(table: str, function: Callable[[str], str]) -> Callable[[str], str]:
    """``function`` of one text, its results kept in the current build's memo (or plain ``function``
    when no memo is open). Only for functions whose result depends on the text and the code alone."""
    memo = _current
    if memo is None:
        return function
    kept = memo.table(table)
    return lambda text: kept.make(digest(text), lambda: function(text))
