"""Site search: Pagefind's index of the published posts and pages, searched on the reader's device."""

from site_search.site_search import SCHEMA, register, search_settings, searchable_pages

__all__ = ["SCHEMA", "register", "search_settings", "searchable_pages"]
