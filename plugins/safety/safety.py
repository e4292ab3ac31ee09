"""Safety chrome shown on every page: the support link and the quick exit.

The theme renders both from the validated ``SAFETY`` settings; this plugin only checks
them once at start-up so that a typo in a URL fails the build instead of a reader's exit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pelican import signals

from harbour.plugins import when_enabled
from harbour.settings import Option, plugin_settings, text, url

SCHEMA = {
    "support_url": Option("/support/", "where the header's support link leads", url()),
    "support_label": Option("Support & crisis resources", "the support link's text", text),
    "quick_exit_url": Option(
        "https://www.bbc.co.uk/weather",
        "the neutral site the quick exit replaces the page with",
        url(relative=False),
    ),
    "quick_exit_label": Option("Leave this site quickly", "the quick exit button's text", text),
}


def safety_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The ``SAFETY`` settings merged over the defaults, or a HarbourError listing every problem."""
    return plugin_settings(settings, "SAFETY", SCHEMA)


@when_enabled("safety")
def validate_settings(pelican: Any) -> None:
    """At ``initialized``: replace the writer's SAFETY dict by the checked, complete one."""
    pelican.settings["SAFETY"] = safety_settings(pelican.settings)


def register() -> None:
    signals.initialized.connect(validate_settings)
