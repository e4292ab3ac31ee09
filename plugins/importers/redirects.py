"""Old addresses keep working: a small redirect page at each old address of an imported post.

Chosen over reproducing WordPress's permalinks in the URL settings: a post's ``Save_as``
would outrank Pelican's rule that drafts stay off the published site, so a post the writer
later turns back into a draft would still be published at its old address. A redirect page
holds no text of the post, only its title and where it went.

The pages are written to ``content/moved/<old path>/index.html`` and copied to ``<old
path>/index.html`` by the ``STATIC_PATHS`` and ``PATH_METADATA`` lines of pelicanconf.py.
The link is relative, so it works wherever the site is published.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass
from typing import Any

MOVED_FOLDER = "moved"
# The first part of the addresses this site itself uses: an old address there is not kept.
SITE_FOLDERS = frozenset({
    "posts", "drafts", "tag", "tags", "category", "categories", "author", "authors", "archives",
    "images", "theme", "feeds", "comments", "triggers", "preferences", "moved", "pages", "static",
})
UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]|(^|/)\.{1,2}(/|$)|[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class RedirectPlan:
    old_path: str  # without slashes at either end, e.g. 2012/01/04/a-post
    link: str  # relative to the old address, e.g. ../../../../posts/2012/01/a-post/
    title: str


def relative_link(old_path: str, new_path: str) -> str:
    """The link from the page at ``/old_path/`` to ``/new_path/``."""
    return posixpath.relpath(new_path or ".", old_path).rstrip("/") + "/"


def reserved_path_problem(old_path: str, site: Any) -> str | None:
    """Why no redirect page can be written at ``old_path``, or None."""
    if UNSAFE.search(old_path):
        return "the old address holds characters no file name here may hold; not kept"
    first = old_path.split("/", 1)[0]
    if first in SITE_FOLDERS or "." in old_path.rsplit("/", 1)[-1]:
        return f"/{old_path}/ is an address this site uses itself; not kept"
    pages = getattr(site, "pages_dir", None)
    if pages is not None and "/" not in old_path and (pages / f"{old_path}.md").exists():
        return f"/{old_path}/ is the address of this site's page {old_path}.md; not kept"
    return None


def redirect_page(plan: RedirectPlan) -> str:
    """A page that sends the browser on at once and shows a plain link for anything that does not."""
    link = html.escape(plan.link, quote=True)
    title = html.escape(plan.title)
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title} has moved</title>\n"
        f'<meta http-equiv="refresh" content="0; url={link}">\n'
        f'<link rel="canonical" href="{link}">\n'
        '<meta name="robots" content="noindex">\n'
        "</head>\n<body>\n"
        f'<p><a href="{link}">{title}</a> has moved to a new address.</p>\n'
        "</body>\n</html>\n"
    )
