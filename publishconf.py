"""Settings for the published site (`invoke preview`, `invoke publish`): pelicanconf.py plus these."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pelicanconf import *  # noqa: E402,F403

# The address the site is published at, without a trailing slash. Change this to yours.
SITEURL = "https://still-here.example.org"
RELATIVE_URLS = False

FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feeds/all.atom.xml"
CATEGORY_FEED_ATOM = "feeds/category/{slug}.atom.xml"
TAG_FEED_ATOM = "feeds/tag/{slug}.atom.xml"
FEED_MAX_ITEMS = 20

DELETE_OUTPUT_DIRECTORY = True

# Drafts stay on your machine: the published site never carries them, nor their translations,
# nor draft pages.
DRAFT_SAVE_AS = DRAFT_URL = ""
DRAFT_LANG_SAVE_AS = DRAFT_LANG_URL = ""
DRAFT_PAGE_SAVE_AS = DRAFT_PAGE_URL = ""
DRAFT_PAGE_LANG_SAVE_AS = DRAFT_PAGE_LANG_URL = ""

# sitemap.xml of the published posts and pages, named in robots.txt (see SEARCH_ENGINES in pelicanconf.py).
SEARCH_ENGINES = {**SEARCH_ENGINES, "sitemap": "sitemap.xml"}  # noqa: F405

# --- Publishing targets (invoke publish / invoke gh-pages) -------------------------------
# rsync destination, "host:/path/to/site/" (add "user" and "@" before the host if needed).
# Set it here and nowhere else.
PUBLISH_RSYNC_TARGET = "still-here.example.org:/var/www/still-here/"
GITHUB_PAGES_BRANCH = "gh-pages"

# Comment feeds: one for the whole site, one per post (see COMMENTS in pelicanconf.py).
COMMENTS = {  # noqa: F405
    **COMMENTS,  # noqa: F405
    "feed_atom": "feeds/comments.atom.xml",
    "post_feed_atom": "feeds/comments/{slug}.atom.xml",
    # Where your comment receiver runs once published (README: "Comments from readers"), e.g.
    # "https://still-here.example.org/comments". None: no form on the published site.
    "form_action": None,
    "allowed_origins": [],
}
