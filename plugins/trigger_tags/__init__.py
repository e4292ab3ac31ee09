"""Trigger tags: a controlled vocabulary of sensitive topics, browsable and filterable (see trigger_tags.py)."""

from trigger_tags.trigger_tags import (
    SCHEMA,
    register,
    site_vocabulary,
    trigger_settings,
    unknown_tag_policy,
)

__all__ = ["SCHEMA", "register", "site_vocabulary", "trigger_settings", "unknown_tag_policy"]
