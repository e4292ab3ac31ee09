"""The private store: every comment ever received, with its e-mail, IP and moderation history.

Layout under the store's folder (outside content/, git-ignored)::

    records/<id>.json   one record per comment, rewritten atomically on every change
    audit.log           one JSON line per step (arrival, approval, ...), never shortened
    .lock               held while a command changes anything, so two moderators cannot race
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from comments.model import PrivateRecord, is_comment_id
from harbour.errors import HarbourError, did_you_mean
from harbour.files import atomic_write_text

# What splitlines(), editors and JavaScript also take for line breaks, though JSON leaves them raw
# inside strings (it escapes only U+0000-U+001F). A name or reason holding one must not split its line.
_RAW_LINE_BREAKS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _json_line(entry: dict[str, Any]) -> str:
    """One JSON line, with no character any reader could take for the end of a line.

    Other text stays as written (not ``ensure_ascii``), so that a person reading the log sees
    names in their own script.
    """
    line = json.dumps(entry, ensure_ascii=False)
    for raw, escaped in _RAW_LINE_BREAKS.items():
        line = line.replace(raw, escaped)  # only ever inside a string, where the escape means the same
    return line + "\n"


class PrivateStore:
    """One private store folder. Changes must happen inside :meth:`locked`."""

    def __init__(self, root: str | Path, *, lock_timeout: float = 30.0) -> None:
        self.root = Path(root)
        self.records_dir = self.root / "records"
        self.audit_path = self.root / "audit.log"
        self.lock_path = self.root / ".lock"
        self.lock_timeout = lock_timeout
        self._lock: FileLock | None = None
        # Guards making the FileLock: two threads (the receiver's) making one each would replace
        # the first, whose finaliser then releases the lock while its holder is still inside.
        self._making_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PrivateStore({str(self.root)!r})"

    def _make_folder(self, folder: Path) -> None:
        """Create a folder of the store readable by its owner only (it holds e-mails and IPs)."""
        if folder.is_dir():
            return
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)  # mkdir's mode is reduced by the umask, never raised

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store-wide lock (re-entrant within one process)."""
        with self._making_lock:
            if self._lock is None:
                self._make_folder(self.root)
                self._lock = FileLock(self.lock_path, timeout=self.lock_timeout)
            lock = self._lock
        try:
            lock.acquire()
        except Timeout:
            # The lock is the operating system's (flock): it ends with the process holding it,
            # even one that crashed, so there is never a stale lock file to delete.
            raise HarbourError(
                f"another comments command has held the lock {self.lock_path} for over "
                f"{self.lock_timeout:g} s; wait for it to finish and try again"
            ) from None
        try:
            yield
        finally:
            lock.release()

    def record_path(self, comment_id: str) -> Path:
        if not is_comment_id(comment_id):
            # Ids become file names; refusing odd ones here keeps '../' out of every path.
            raise HarbourError(f"{comment_id!r} is not a comment id; ids look like 3f9c2a7b1d4e")
        return self.records_dir / f"{comment_id}.json"

    def ids(self) -> list[str]:
        if not self.records_dir.is_dir():
            return []
        return sorted(p.stem for p in self.records_dir.glob("*.json") if is_comment_id(p.stem))

    def exists(self, comment_id: str) -> bool:
        return self.record_path(comment_id).is_file()

    def read(self, comment_id: str) -> PrivateRecord:
        path = self.record_path(comment_id)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise HarbourError(
                f"no comment with id {comment_id!r} in the private store {self.root}"
                + did_you_mean(comment_id, self.ids())
                + "; `python3 dev.py comments-queue` lists the waiting ones"
            ) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise HarbourError(
                f"{path}:{error.lineno}: the private record is not valid JSON ({error.msg}); "
                "restore it from your backup of the private store"
            ) from None
        return PrivateRecord.from_json(data, path)

    def all_records(self) -> list[PrivateRecord]:
        return [self.read(comment_id) for comment_id in self.ids()]

    def write(self, record: PrivateRecord) -> None:
        text = json.dumps(record.to_json(), ensure_ascii=False, indent=2) + "\n"
        self._make_folder(self.records_dir)
        atomic_write_text(self.record_path(record.id), text, private=True)

    def append_audit(self, entry: dict[str, Any]) -> None:
        """Add one line to the audit log.

        The whole log is rewritten through a temporary file rather than appended in place:
        an append cut short by a crash would leave half a JSON line that breaks every later
        read, while a rename leaves the old log or the new one. The store lock makes the
        read-then-write safe.
        """
        line = _json_line(entry)
        try:
            old = self.audit_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            old = ""
        if old and not old.endswith("\n"):
            old += "\n"
        atomic_write_text(self.audit_path, old + line, private=True)

    def audit_entries(self) -> list[dict[str, Any]]:
        try:
            text = self.audit_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        entries = []
        # Split on "\n" only, the one line break _json_line writes: logs written before it escaped
        # U+2028 and its kind hold them raw inside strings, and splitlines() would cut there.
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise HarbourError(
                    f"{self.audit_path}:{number}: not a JSON line ({error.msg}); "
                    "the audit log was edited by hand or damaged"
                ) from None
        return entries
