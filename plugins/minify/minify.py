"""Minify the theme's stylesheets and scripts in the built site, so readers download fewer bytes.

The readable sources stay in ``theme/static/``; only their copies in the output (under
``THEME_STATIC_DIR``) are rewritten. rcssmin and rjsmin (both by André Malo) only remove
comments and whitespace and never rename anything, so a minified file behaves exactly as its
source, and the browser tests run against what readers get. Take "minify" out of PLUGINS to
debug the theme with readable files in the output.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import rcssmin
import rjsmin
from pelican import signals

from harbour.files import atomic_write_text
from harbour.plugins import when_enabled

logger = logging.getLogger(__name__)

MINIFIERS: Mapping[str, Callable[[str], str]] = {
    ".css": rcssmin.cssmin,
    ".js": rjsmin.jsmin,
}


def minify_folder(folder: Path) -> dict[Path, tuple[int, int]]:
    """Minify every .css and .js file below ``folder`` in place; {file: (bytes before, after)}.

    Each file is replaced atomically, and only when minifying changed it: running it twice
    leaves the files as the first run did.
    """
    sizes = {}
    for path in sorted(folder.rglob("*")):
        minify = MINIFIERS.get(path.suffix)
        if minify is None or not path.is_file():
            continue
        source = path.read_text(encoding="utf-8")
        smaller = minify(source)
        if smaller != source:
            atomic_write_text(path, smaller)
            sizes[path] = (len(source.encode("utf-8")), len(smaller.encode("utf-8")))
    return sizes


@when_enabled("minify")
def minify_theme_static(pelican: Any) -> None:
    """At ``finalized``, once Pelican has copied the theme's static files into the output."""
    folder = Path(pelican.output_path) / pelican.settings["THEME_STATIC_DIR"]
    if not folder.is_dir():
        return
    sizes = minify_folder(folder)
    before, after = sum(b for b, _ in sizes.values()), sum(a for _, a in sizes.values())
    logger.info("Minified %d theme files: %d bytes -> %d bytes", len(sizes), before, after)


def register() -> None:
    signals.finalized.connect(minify_theme_static)
