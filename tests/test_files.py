"""Atomic writes: the old file or the new one, never half of one; right permissions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harbour import files
from harbour.files import atomic_write_text


def test_writes_and_replaces_whole_files(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "folder" / "post.md"
    atomic_write_text(path, "first")
    atomic_write_text(path, "second ✓")
    assert path.read_text(encoding="utf-8") == "second ✓"
    assert [p.name for p in path.parent.iterdir()] == ["post.md"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "post.md"
    atomic_write_text(path, "the writer's words")

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        atomic_write_text(path, "half of something new")
    assert path.read_text(encoding="utf-8") == "the writer's words"
    assert [p.name for p in tmp_path.iterdir()] == ["post.md"]


def test_published_files_are_readable_by_others_and_private_ones_are_not(tmp_path: Path) -> None:
    umask = os.umask(0)
    os.umask(umask)
    atomic_write_text(tmp_path / "public.json", "{}")
    atomic_write_text(tmp_path / "private.json", "{}", private=True)
    assert (tmp_path / "public.json").stat().st_mode & 0o777 == 0o666 & ~umask
    assert (tmp_path / "private.json").stat().st_mode & 0o777 == 0o600
