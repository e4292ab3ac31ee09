from post_navigation.post_navigation import (
    SCHEMA,
    count_words,
    neighbours,
    post_navigation_settings,
    reading_minutes,
    readable_html,
    register,
    related_posts,
)

__all__ = [
    "SCHEMA", "count_words", "neighbours", "post_navigation_settings", "reading_minutes", "readable_html",
    "register", "related_posts",
]
