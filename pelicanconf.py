"""Settings for building the site while writing (`invoke build`, `invoke livereload`).

Everything a writer is likely to change is near the top. `publishconf.py` imports this
file and adds what only the published site needs (its address, feeds).
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Our plugins import each other's plain functions (and tasks.py imports them too), so the
# plugins folder is an ordinary import path as well as Pelican's plugin path.
if str(HERE / "plugins") not in sys.path:
    sys.path.insert(0, str(HERE / "plugins"))

# --- About the blog ---------------------------------------------------------------------
AUTHOR = "Robin"
SITENAME = "Still Here"
SITESUBTITLE = "Notes on therapy, recovery and looking after ourselves, written by a peer, not a professional."
TIMEZONE = "Europe/London"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%-d %B %Y"

# --- Safety chrome: shown on every page (see plugins/safety/) ---------------------------
SAFETY = {
    # Where "Support & crisis resources" in the header leads: a page of this site or a URL.
    "support_url": "/support/",
    "support_label": "Support & crisis resources",
    # Where "Leave this site quickly" takes the reader: a neutral, everyday site.
    "quick_exit_url": "https://www.bbc.co.uk/weather",
    "quick_exit_label": "Leave this site quickly",
}

# --- Trigger tags and content warnings (see plugins/trigger_tags/, plugins/content_warnings/) --
TRIGGER_TAGS = {
    # The controlled vocabulary, relative to the content folder.
    "vocabulary": "triggers.yml",
    # An unknown trigger tag in a post stops the build ("error") or is only reported ("warn").
    "unknown_tags": "error",
}
CONTENT_WARNINGS = {
    # What a warning is called on the site: "Content note" (gentler) or "Content warning".
    "label": "Content note",
    "show": "Show {kind}",
    "hide": "Hide {kind}",
}

# --- Where things are -------------------------------------------------------------------
PATH = "content"
ARTICLE_PATHS = ["posts"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images", "moved"]
# Old addresses of a blog moved here with `invoke import-wordpress`: each is a small redirect
# page, content/moved/<old address>/index.html, published at <old address>/index.html.
PATH_METADATA = r"moved/(?P<save_as>.+)"
OUTPUT_PATH = "output"
THEME = "theme"
PLUGIN_PATHS = ["plugins"]
PLUGINS = ["safety", "writing", "trigger_tags", "content_warnings", "comments", "post_navigation",
           "search_engines", "minify", "site_search", "build_memo", "url_memo"]
DELETE_OUTPUT_DIRECTORY = False

# Root-relative links ("/tag/grief/"): they work from any page, the 404 page included.
SITEURL = ""
RELATIVE_URLS = False

# --- Addresses: tidy, stable URLs without ".html" --------------------------------------
ARTICLE_URL = "posts/{date:%Y}/{date:%m}/{slug}/"
ARTICLE_SAVE_AS = ARTICLE_URL + "index.html"
DRAFT_URL = "drafts/{slug}/"
DRAFT_SAVE_AS = DRAFT_URL + "index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = PAGE_URL + "index.html"
CATEGORY_URL = "category/{slug}/"
CATEGORY_SAVE_AS = CATEGORY_URL + "index.html"
CATEGORIES_URL = "categories/"
CATEGORIES_SAVE_AS = CATEGORIES_URL + "index.html"
TAG_URL = "tag/{slug}/"
TAG_SAVE_AS = TAG_URL + "index.html"
TAGS_URL = "tags/"
TAGS_SAVE_AS = TAGS_URL + "index.html"
AUTHOR_URL = "author/{slug}/"
AUTHOR_SAVE_AS = AUTHOR_URL + "index.html"
AUTHORS_URL = "authors/"
AUTHORS_SAVE_AS = AUTHORS_URL + "index.html"
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = ARCHIVES_URL + "index.html"
YEAR_ARCHIVE_URL = "archives/{date:%Y}/"
YEAR_ARCHIVE_SAVE_AS = YEAR_ARCHIVE_URL + "index.html"
MONTH_ARCHIVE_URL = "archives/{date:%Y}/{date:%m}/"
MONTH_ARCHIVE_SAVE_AS = MONTH_ARCHIVE_URL + "index.html"
# Posts per listing page (WordPress's default too).
DEFAULT_PAGINATION = 10
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)

# --- At the end of each post: older and newer posts, related posts (see plugins/post_navigation/) --
POST_NAVIGATION = {
    # How many posts sharing its topics to list under each post (0: none).
    "related_posts": 3,
    # The reading speed behind "4 min read" beside each post's date.
    "words_per_minute": 200,
}

# --- Search engines (see plugins/search_engines/) ---------------------------------------
SEARCH_ENGINES = {
    # False asks search engines not to index the site at all (readers come only through links
    # you share): robots.txt disallows everything, every page says "noindex", no sitemap.
    "index": True,
    # The sitemap needs the site's full address: publishconf.py turns it on.
    "sitemap": None,
}

# --- Site search: a search page, indexed by Pagefind after each build (see plugins/site_search/) --
SEARCH = {
    # Where the search page lives.
    "url": "search/",
    # Readers may find a post by the words of its open comments too (never warned ones).
    "comments": True,
    # A large site's index is made in parts of about this many posts and pages: a rebuild indexes
    # again only the parts whose pages changed, and no Pagefind run holds the whole site in memory.
    "part_pages": 500,
}

# --- Writing ----------------------------------------------------------------------------
WRITING = {
    # The shelves a post may sit on; a post with another Category stops the build (None: any).
    "categories": ["Therapy", "Recovery", "Self-care", "Peer support", "Notes"],
}
# A post without a Category line goes on this shelf (not on one named after its folder).
DEFAULT_CATEGORY = "Notes"
USE_FOLDER_AS_CATEGORY = False
TYPOGRIFY = True
SUMMARY_MAX_LENGTH = 45
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        "markdown.extensions.sane_lists": {},
    },
    "output_format": "html5",
}

# --- Feeds: off while writing; publishconf.py turns them on -----------------------------
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TAG_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

# --- Local server (invoke serve / livereload) -------------------------------------------
BIND = "127.0.0.1"
PORT = 8000

CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False

# --- Comments: moderated, threaded, never published without you (see plugins/comments/) -
# Approved comments live in content/comments/<post-slug>/<id>.md; everything else (waiting,
# rejected and spam comments, e-mails, IPs, the moderation history) lives in the private
# store, outside content/ and out of git. Moderate with `invoke comments-queue`,
# `comments-show`, `comments-approve`, `comments-reject`, `comments-spam`, `comments-unpublish`.
COMMENTS = {
    # The private store, relative to this file's folder. Back it up; never publish it.
    "private_path": "private/comments",
    # The public store of approved comments, inside PATH.
    "public_path": "comments",
    # "hold": every new comment waits for you (as WordPress does by default).
    # "auto-approve-returning": someone with an approved comment (same name and e-mail) is
    # published at once, unless the comment is flagged.
    "moderation": "hold",
    # Replies nest this deep, then line up at the deepest level (WordPress's default is 5).
    "thread_depth": 5,
    # A new comment containing one of these words or phrases (in any field) is marked as spam.
    "disallowed_words": [],
    # A new comment linking to one of these domains (or their subdomains) is marked as spam.
    "disallowed_links": [],
    # A new comment with this many links or more is flagged for a closer look (0: never).
    "max_links_before_flag": 2,
    # "crisis_phrases" (first-person crisis language) flags a comment as a possible crisis and
    # always holds it, so you see it first and can write to the person privately. The default
    # list is in plugins/comments/desk/triage.py; set the key here only to replace it entirely.
    # Longest accepted fields, in characters (content_warnings: number of tags). Defaults:
    # author 80, author_url 200, email 254, body 5000, ip 45, user_agent 400, content_warnings 10.
    "length_limits": {},
    # The page that explains how comments work, linked under every post's comments.
    "policy_url": "/comment-policy/",
    # Each post's approved comments as JSON in the output; None writes none.
    "json_path": "comments/{slug}.json",
    # Atom feeds of comments: off while writing; publishconf.py turns them on.
    "feed_atom": None,
    "post_feed_atom": None,
    # The form under each post sends to your comment receiver (`invoke comments-receive`
    # serves it at this address while you write). None: no form.
    "form_action": "http://127.0.0.1:8001/comments",
    # The pages allowed to send comments to the receiver: the local server's.
    "allowed_origins": ["http://127.0.0.1:8000", "http://localhost:8000"],
}
