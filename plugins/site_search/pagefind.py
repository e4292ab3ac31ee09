"""Pagefind, run on the written site: the index that readers' browsers search on their own device.

Pagefind (https://pagefind.app, installed from PyPI with its binary) reads the site's pages and
writes a folder of small compressed index files beside them, with the JavaScript that searches
them. It indexes a page only where a template marks it ``data-pagefind-body`` (published posts
and pages), and leaves out every gate's hidden body (``data-pagefind-ignore="all"``).
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from harbour.errors import HarbourError

logger = logging.getLogger(__name__)

BUNDLE = "pagefind"  # the index's folder in the output, as Pagefind names it
# Pagefind's ready-made search interfaces: the search page uses its low-level API only, so
# these ~400 KB are never loaded and are not published.
UNUSED_FILES = (
    "pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
    "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js",
)
# Words no reader searches for: every gate's "Show post" / "Hide post", every comment's "Reply".
EXCLUDED_SELECTORS = ("label.cw-show", ".comment__actions")
# Each index file is gzip-compressed and, once decompressed, starts with this marker.
INDEX_FILE_MARKER = b"pagefind_dcd"
FRAGMENTS = "fragment"  # one file per indexed page: its text, metadata and filters, as JSON
TIMEOUT = 600  # seconds; the example site takes well under one
INSTALL_HINT = (
    "run `python3 dev.py build` (it installs the pinned requirements, pagefind-bin among them), "
    "or take 'site_search' out of PLUGINS in pelicanconf.py"
)


@dataclass(frozen=True)
class Fragment:
    """What the index holds of one page, as a search result shows it."""

    file: str  # relative to the output folder, e.g. pagefind/fragment/en_1aa63b0.pf_fragment
    url: str
    data: Mapping[str, Any]  # content, meta, filters, anchors...


def pagefind_executable() -> Path:
    """The Pagefind binary the pagefind-bin package ships, or a HarbourError saying how to get it."""
    try:
        from pagefind_bin import get_executable
    except ImportError:
        raise HarbourError(f"site search: Pagefind is not installed; {INSTALL_HINT}") from None
    try:
        return get_executable()
    except (FileNotFoundError, OSError) as error:
        raise HarbourError(f"site search: Pagefind's program is missing ({error}); {INSTALL_HINT}") from None


def pagefind_command(executable: Path, site: Path, bundle: Path) -> list[str]:
    command = [str(executable), "--site", str(site), "--output-path", str(bundle), "--silent"]
    for selector in EXCLUDED_SELECTORS:
        command += ["--exclude-selectors", selector]
    return command


def index_site(site: Path, bundle: Path, executable: Path | None = None, *, timeout: float = TIMEOUT) -> Path:
    """Run Pagefind on the pages in ``site``, writing its bundle to ``bundle``, without the unused files.

    Any failure is one HarbourError line, with Pagefind's own last words when it gave some.
    """
    # Absolute: Pagefind runs in ``site`` itself, where a relative path would mean another folder.
    site, bundle = Path(site).absolute(), Path(bundle).absolute()
    command = pagefind_command(executable or pagefind_executable(), site, bundle)
    # Pagefind also reads a pagefind.yml (or .toml, .json) in its working folder and PAGEFIND_*
    # variables: its options are this command line alone, so the same pages make the same index.
    environment = {name: value for name, value in os.environ.items() if not name.upper().startswith("PAGEFIND_")}
    try:
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False, cwd=site, env=environment
        )
    except subprocess.TimeoutExpired:
        message = f"site search: Pagefind took more than {timeout:.0f} s to index the site and was stopped"
        raise HarbourError(message) from None
    except OSError as error:
        raise HarbourError(
            f"site search: Pagefind could not start ({command[0]}: {error.strerror or error}); {INSTALL_HINT}"
        ) from None
    if finished.returncode != 0:
        said = _last_line(finished.stderr) or _last_line(finished.stdout) or "it said nothing"
        raise HarbourError(
            f"site search: Pagefind could not index the site (exit status {finished.returncode}): {said}"
        )
    remove_unused_files(bundle)
    return bundle


def _last_line(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def remove_unused_files(bundle: Path) -> None:
    for name in UNUSED_FILES:
        (bundle / name).unlink(missing_ok=True)
    # Pagefind writes its playground only when asked; never publish one.
    shutil.rmtree(bundle / "playground", ignore_errors=True)


def read_index_file(path: Path) -> bytes:
    """The decompressed content of one Pagefind index file, without its marker."""
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as error:
        raise HarbourError(f"site search: {path.name} is not a Pagefind index file ({error})") from None
    if not data.startswith(INDEX_FILE_MARKER):
        raise HarbourError(f"site search: {path.name} does not start as a Pagefind index file does")
    return data[len(INDEX_FILE_MARKER):]


def read_fragments(output: Path) -> Iterator[Fragment]:
    """Every page the index holds (from ``output``, the written site), part by part, in file order."""
    found = (output / BUNDLE).rglob("*.pf_fragment")
    for path in sorted(p for p in found if p.parent.name == FRAGMENTS):
        try:
            data = json.loads(read_index_file(path))
        except ValueError as error:
            raise HarbourError(f"site search: {path.name} is not a Pagefind fragment ({error})") from None
        yield Fragment(path.relative_to(output).as_posix(), str(data.get("url", "")), data)


def page_url(save_as: str) -> str:
    """The address Pagefind gives the page written to ``save_as`` ("posts/x/index.html" -> "/posts/x/")."""
    if save_as == "index.html" or save_as.endswith("/index.html"):
        return "/" + save_as[: -len("index.html")]
    return "/" + save_as


def unexpected_pages(fragments: Iterable[Fragment], searchable: set[str]) -> list[str]:
    """One sentence for each indexed page that is not a published post or page (a draft, a listing)."""
    return [
        f"site search: the search index holds {fragment.url}, which is not a published post or page; only "
        "article.html and page.html may mark a published post or page data-pagefind-body (drafts and hidden "
        "posts must never be found)"
        for fragment in fragments
        if unquote(fragment.url) not in searchable
    ]
