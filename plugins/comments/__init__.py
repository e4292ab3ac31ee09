"""Moderated comments: a public store of approved comments in content/, a private store of
everything else outside it, moderation tasks, and threaded, sanitised rendering."""

from comments.comments import register
from comments.config import SCHEMA, comment_stores, comments_settings
from comments.render.threads import comment_trigger_tags

__all__ = ["SCHEMA", "comment_stores", "comment_trigger_tags", "comments_settings", "register"]
