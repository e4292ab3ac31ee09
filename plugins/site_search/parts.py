"""The search index in parts: Pagefind run on one part of the site's pages at a time, and a part
whose pages did not change since the last build taken from the build memo's folder, not indexed again.

Why parts: Pagefind has no incremental mode and holds every page it indexes in memory (570 MB
for 2,000 posts with their comments). In parts of about ``SEARCH["part_pages"]`` pages, each run
holds one part, and a rebuild after one edit indexes only the part holding the edited page. The
reader's browser searches the parts together (Pagefind's ``mergeIndex``, made for searching
several sites at once). A small site is one part, the one bundle at ``pagefind/``.

A page's part follows from its address alone (a hash), so a page stays in its part as the site
grows, until the number of parts changes. Pagefind is given only the published posts and pages,
each part in a folder of its own holding links to those pages at their places in the site, so
the addresses in its index are the site's.

A kept part is named by the hash of everything Pagefind made it from: the bytes and places of its
pages, Pagefind's version and options, and the build memo's fingerprint (the plugins' code and
the settings). Another page, or another byte of one, is another name: a kept part is never stale.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import shutil
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from harbour.memo import current_memo, digest
from harbour.workers import worker_count
from site_search.pagefind import BUNDLE, EXCLUDED_SELECTORS, index_site, pagefind_executable

logger = logging.getLogger(__name__)

PARTS_FOLDER = "search-index"  # in the build memo's folder: one folder per kept part, named by its key
# A build's own folders in the store start with a dot: its scratch folder and what it is removing,
# named with its process id, so that what a killed build left behind can be told and removed.
SCRATCH = ".search-parts-"
ENTRY = "pagefind-entry.json"  # the file every whole bundle has (Pagefind writes it last)


@dataclass(frozen=True)
class Part:
    """One part of the index: where its bundle goes in the site, and the pages it indexes."""

    bundle: str  # relative to the output folder, with a trailing slash: "pagefind/", "pagefind/part-2/"
    pages: tuple[str, ...]  # the output-relative files of its pages, sorted


@dataclass(frozen=True)
class IndexRun:
    parts: int
    indexed: int  # parts Pagefind indexed in this build; the others were kept from the last one
    pages: int


def part_count(pages: int, part_pages: int) -> int:
    return max(1, math.ceil(pages / part_pages))


def part_number(url: str, count: int) -> int:
    """The part (1 to ``count``) that holds the page at ``url``: from the address alone."""
    return int.from_bytes(hashlib.sha256(url.encode("utf-8")).digest()[:8], "big") % count + 1


def plan_parts(searchable: Mapping[str, str], part_pages: int) -> list[Part]:
    """The parts of the index of ``searchable`` (address: file), the first one's bundle at ``pagefind/``.

    Parts no page falls in are left out (hashes need not fill every part of a small site).
    """
    count = part_count(len(searchable), part_pages)
    members: dict[int, list[str]] = {}
    for url, page in searchable.items():
        members.setdefault(part_number(url, count), []).append(page)
    return [
        Part(f"{BUNDLE}/" if place == 0 else f"{BUNDLE}/part-{number}/", tuple(sorted(members[number])))
        for place, number in enumerate(sorted(members))
    ]


def part_key(output: Path, part: Part, fingerprint: str) -> str:
    """The hash of everything Pagefind makes ``part`` from (see the module's docstring)."""
    files = [
        value
        for page in part.pages
        for value in (page, hashlib.sha256((output / page).read_bytes()).hexdigest())
    ]
    return digest(fingerprint, _pagefind_version(), *EXCLUDED_SELECTORS, part.bundle, *files)


def _pagefind_version() -> str:
    try:
        return metadata.version("pagefind-bin")
    except metadata.PackageNotFoundError:
        return "unknown"


def index_parts(output: Path, parts: list[Part], *, timeout: float | None = None) -> IndexRun:
    """Write the bundle of every part into ``output`` (the written site): kept, or indexed anew.

    Parts to index are indexed two or more at a time (one Pagefind each, on every core). Kept
    parts live in the build memo's folder; with no memo open (the build_memo plugin off) every
    part is indexed and none is kept. Every bundle is first made or copied into a scratch folder
    of this build's own, so another build clearing the store meanwhile costs time, never a part.
    """
    memo = current_memo()
    store = memo.folder / PARTS_FOLDER if memo is not None else None
    keys = {part: part_key(output, part, memo.fingerprint) for part in parts} if memo is not None else {}
    if store is not None:
        store.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(store)
    scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH}{os.getpid()}-", dir=store or output.parent))
    try:
        bundles: dict[Part, Path] = {}
        missing = []
        for number, part in enumerate(parts):
            kept = store / keys[part] if store is not None else None
            try:
                if kept is not None and (kept / ENTRY).is_file():
                    bundles[part] = Path(shutil.copytree(kept, scratch / f"kept-{number}"))
                    continue
            except OSError:  # removed while being copied: index it after all
                shutil.rmtree(scratch / f"kept-{number}", ignore_errors=True)
            missing.append(part)
        if missing:
            bundles.update(_index(output, missing, scratch, timeout))
            if store is not None:
                for part in missing:
                    _keep(bundles[part], store / keys[part], scratch)
        shutil.rmtree(output / BUNDLE, ignore_errors=True)
        for part in parts:  # the first part's bundle is the folder the others go in
            shutil.move(bundles[part], output / part.bundle)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if store is not None:
        _forget_unused(store, {keys[part] for part in parts})
    return IndexRun(len(parts), len(missing), sum(len(part.pages) for part in parts))


def _index(output: Path, parts: list[Part], scratch: Path, timeout: float | None) -> dict[Part, Path]:
    """Each of ``parts`` indexed by a Pagefind of its own, as many at a time as there are cores."""
    executable = pagefind_executable()
    options = {} if timeout is None else {"timeout": timeout}

    def index(part: Part) -> Path:
        folder = Path(tempfile.mkdtemp(dir=scratch))
        _link_pages(output, part.pages, folder / "site")
        return index_site(folder / "site", folder / "bundle", executable, **options)

    with ThreadPoolExecutor(max_workers=min(len(parts), worker_count())) as pool:
        return dict(zip(parts, pool.map(index, parts)))


def _link_pages(output: Path, pages: tuple[str, ...], site: Path) -> None:
    """``site``: the ``pages`` of ``output`` at their places, as hard links (a copy where links fail)."""
    for page in pages:
        target = site / page
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(output / page, target)
        except OSError:  # another file system, or one without links
            shutil.copyfile(output / page, target)


def _keep(bundle: Path, kept: Path, scratch: Path) -> None:
    """A copy of a new bundle in the store, put in place whole (by one rename), unless one is there.

    Folders under a key are only ever made and removed by one rename each, so each is whole; one
    that is not (a copy made by hand, a disk error) is set aside and replaced.
    """
    copy = Path(shutil.copytree(bundle, Path(tempfile.mkdtemp(dir=scratch)) / "copy"))
    try:
        copy.rename(kept)
    except OSError:
        if (kept / ENTRY).is_file():  # another build's finished copy
            return
        _remove(kept, scratch)
        copy.rename(kept)


def _remove(folder: Path, scratch: Path) -> None:
    """Take ``folder`` out of the store by one rename, then delete it: never half a part under a key."""
    try:
        folder.rename(Path(tempfile.mkdtemp(dir=scratch)) / "removed")
    except FileNotFoundError:
        return


def _forget_unused(store: Path, used: set[str]) -> None:
    """Only the parts this build used are kept: one site's worth, never more."""
    gone = Path(tempfile.mkdtemp(prefix=f"{SCRATCH}{os.getpid()}-", dir=store))
    try:
        for folder in store.iterdir():
            if folder.name not in used and not folder.name.startswith(SCRATCH):
                _remove(folder, gone)
    finally:
        shutil.rmtree(gone, ignore_errors=True)
    logger.debug("site search: %d parts kept in %s", len(used), store)


def _remove_leftovers(store: Path) -> None:
    """The scratch folders of builds that were killed (their process is gone)."""
    for folder in store.glob(f"{SCRATCH}*"):
        pid = folder.name[len(SCRATCH):].split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
