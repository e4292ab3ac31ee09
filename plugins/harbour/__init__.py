"""Shared building blocks for this site's plugins and tasks (not a Pelican plugin itself).

Holds what every plugin needs the same way: the user-error type, settings validation,
atomic file writes and the build entry point used by tasks and tests.
"""
