"""The writer's conventions, checked on every build: allowed categories, alt text, links between posts."""

from writing.writing import register, writing_settings

__all__ = ["register", "writing_settings"]
