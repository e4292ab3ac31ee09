"""Helpers for signal handlers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

Handler = TypeVar("Handler", bound=Callable[..., Any])


def enabled_plugins(settings: Any) -> list[str]:
    return [getattr(p, "__name__", p) for p in (settings or {}).get("PLUGINS") or []]


def when_enabled(plugin: str) -> Callable[[Handler], Handler]:
    """Run a signal handler only for builds that list ``plugin`` in PLUGINS.

    Pelican's signals are global: once a plugin is loaded, its handlers fire for every
    later build in the same process (the tests build many sites with different plugins).
    """

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def guarded(sender: Any, *args: Any, **kwargs: Any) -> Any:
            if plugin not in enabled_plugins(getattr(sender, "settings", None)):
                return None
            return handler(sender, *args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def all_articles(generator: Any) -> list[Any]:
    """Every article an ArticlesGenerator read: published, hidden and drafts, with translations."""
    return [
        *generator.articles, *generator.translations,
        *generator.hidden_articles, *generator.hidden_translations,
        *generator.drafts, *generator.drafts_translations,
    ]
