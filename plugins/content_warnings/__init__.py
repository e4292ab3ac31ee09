"""Content warnings: gated posts and warned passages whose text never leaks (see content_warnings.py)."""

from content_warnings.content_warnings import SCHEMA, register, warning_settings

__all__ = ["SCHEMA", "register", "warning_settings"]
