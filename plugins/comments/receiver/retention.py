"""Erasing what the receiver keeps against abuse once it is no longer needed: commenters' IP
addresses and user agents, after ``retention_days``. Run at start, then once a day."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from comments.config import CommentStores
from harbour.errors import HarbourError

logger = logging.getLogger(__name__)

ERASE_EVERY_SECONDS = 24 * 60 * 60
# When an erase fails (the store is busy), it is tried again this much later.
RETRY_SECONDS = 60 * 60

Erase = Callable[[CommentStores, int, datetime], Any]


def privacy_erase() -> Erase | None:
    """``comments.desk.privacy.erase_expired``, or None (with a warning) where it is missing."""
    try:
        from comments.desk.privacy import erase_expired
    except ModuleNotFoundError as error:
        if error.name not in ("comments.desk.privacy",):
            raise
        logger.warning(
            "comments.desk.privacy is missing from this copy of the project: IP addresses and user "
            "agents are not erased after retention_days; update the project"
        )
        return None
    return erase_expired  # type: ignore[no-any-return]


class RetentionSchedule:
    """Runs the erase when due. Thread-safe; a run already under way is never waited for."""

    def __init__(
        self,
        stores: CommentStores,
        retention_days: int,
        *,
        erase: Erase | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.stores = stores
        self.retention_days = retention_days
        self._erase = erase
        self._clock = clock
        self._next = float("-inf")
        self._running = threading.Lock()

    def run_if_due(self) -> bool:
        """Erase expired data if a day has passed since the last time; whether it ran."""
        if self._erase is None or self._clock() < self._next:
            return False
        if not self._running.acquire(blocking=False):
            return False
        try:
            now = self._clock()
            if now < self._next:
                return False
            try:
                self._erase(self.stores, self.retention_days, datetime.fromtimestamp(now, timezone.utc))
            except HarbourError as error:
                logger.warning("erasing expired IP addresses failed, trying again in an hour: %s", error)
                self._next = now + RETRY_SECONDS
                return False
            self._next = now + ERASE_EVERY_SECONDS
            return True
        finally:
            self._running.release()
