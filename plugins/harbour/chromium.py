"""Debian's Chromium, as every tool here starts it: the tests, `screenshots` and `audit`."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("HARBOUR_CHROMIUM", "/usr/bin/chromium"))
# Headless on a machine with no network but loopback: no GPU, and none of the background
# connections (updates, sync, field trials) that would otherwise be refused at every start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
INSTALL_HINT = "install it: sudo apt-get install -y --no-install-recommends chromium (or run python3 dev.py test once)"
