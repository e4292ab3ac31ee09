"""Atomic file writes: a crash or a full disk leaves the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


# Read once: changing the umask is process-wide, so it is not done on every write.
_PUBLIC_MODE = 0o666 & ~_umask()


@contextmanager
def atomic_open(path: str | Path, *, private: bool = False) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through: a temporary file in the same folder, renamed over
    ``path`` when the block ends without an exception, removed when it raises.

    The file gets the permissions a plain ``open()`` would give it (``mkstemp`` alone would
    make every file 0600, and a web server running as another user could not read what
    `invoke publish` uploads), or 0600 when ``private``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600 if private else _PUBLIC_MODE)
        with os.fdopen(fd, "wb") as tmp:
            yield tmp
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    # The rename is only durable once the folder entry is on disk too.
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def atomic_write_bytes(path: str | Path, data: bytes, *, private: bool = False) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_open`)."""
    with atomic_open(path, private=private) as file:
        file.write(data)


def atomic_write_text(path: str | Path, text: str, *, private: bool = False) -> None:
    """Write UTF-8 text atomically (see :func:`atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode("utf-8"), private=private)


def is_inside(path: str | Path, folder: str | Path) -> bool:
    """Whether ``path`` is ``folder`` or lies below it, after resolving links and '..'."""
    try:
        Path(path).resolve().relative_to(Path(folder).resolve())
    except ValueError:
        return False
    return True


def write_site_file(path: str | Path, text: str) -> None:
    """Write one file of the site a build is making.

    A build writes into a staging folder of its own and swaps it in whole when it succeeds
    (:mod:`harbour.build`), so, as with Pelican's own writer, a file there needs neither a
    temporary file nor a flush to disk of its own: a crash leaves only the staging folder,
    which the next build removes. (Thousands of fsyncs made a large site's build seconds slower.)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
