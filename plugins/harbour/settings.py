"""Declarative plugin settings: one dict per plugin, merged over defaults, validated once.

Each plugin declares ``SCHEMA = {name: Option(default, help, check)}``. At start-up
:func:`plugin_settings` merges the writer's dict over the defaults without mutating it,
checks every value and raises one :class:`HarbourError` listing every problem.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from harbour.errors import HarbourError, did_you_mean

Check = Callable[[Any], "str | None"]


def _no_check(value: Any) -> str | None:
    return None


@dataclass(frozen=True)
class Option:
    default: Any
    help: str
    check: Check = field(default=_no_check)
    # A value that may hold a secret (a password written where its variable's name belongs) is
    # not repeated in the message: build logs are often public (CI).
    secret: bool = False


def plugin_settings(settings: Mapping[str, Any], key: str, schema: Mapping[str, Option]) -> dict[str, Any]:
    """Return the validated settings of one plugin (``settings[key]`` merged over ``schema``)."""
    user = settings.get(key) or {}
    if not isinstance(user, Mapping):
        raise HarbourError(
            f"{key} in your settings must be a dict of options, got {type(user).__name__} {user!r}"
        )
    problems = []
    for name in user:
        if name not in schema:
            problems.append(
                f"{key}[{name!r}] is not an option; allowed: {', '.join(sorted(schema))}"
                + did_you_mean(str(name), schema)
            )
    merged = {name: copy.deepcopy(option.default) for name, option in schema.items()}
    merged.update({name: value for name, value in user.items() if name in schema})
    for name, option in schema.items():
        problem = option.check(merged[name])
        if problem:
            shown = "(value not shown)" if option.secret else repr(merged[name])
            problems.append(f"{key}[{name!r}] = {shown} is not valid: {problem} ({option.help})")
    if problems:
        raise HarbourError(problems)
    return merged


# Checks: each returns None when the value is fine, else what is allowed.

def boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "expected True or False"


def integer(minimum: int | None = None, maximum: int | None = None) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return "expected a whole number"
        if minimum is not None and value < minimum:
            return f"expected at least {minimum}"
        if maximum is not None and value > maximum:
            return f"expected at most {maximum}"
        return None

    return check


def text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "expected a non-empty string"


def optional(check: Check) -> Check:
    def optional_check(value: Any) -> str | None:
        return None if value is None else check(value)

    return optional_check


def choice(*allowed: Any) -> Check:
    def check(value: Any) -> str | None:
        return None if value in allowed else "expected one of " + ", ".join(repr(a) for a in allowed)

    return check


def text_list(value: Any) -> str | None:
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) and v.strip() for v in value):
        return None
    return "expected a list of non-empty strings"


def url(*, relative: bool = True) -> Check:
    """An http(s) URL, or (when ``relative``) a site-relative path such as ``/pages/support/``."""

    def check(value: Any) -> str | None:
        if not isinstance(value, str) or not value.strip():
            return "expected a URL"
        parts = urlsplit(value)
        if parts.scheme in ("http", "https") and parts.netloc:
            return None
        if relative and not parts.scheme and not parts.netloc and value.startswith("/"):
            return None
        return "expected an http(s) URL" + (" or a path starting with '/'" if relative else "")

    return check
