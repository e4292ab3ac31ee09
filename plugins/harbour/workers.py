"""Worker processes for the pure parts of a large build (the build memo's prerender, the leak guard).

Workers are forked: they share the loaded code and everything the build has learnt so far at no
cost, and return plain results. Forking is done only from a process running one thread (a
fork copies any lock another thread holds, which no one would ever release in the child), only
where the system can fork, and only with more than one core to run on.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor


def worker_count() -> int:
    return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether forked workers are safe and worth it here, now."""
    return worker_count() >= 2 and threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def fork_pool() -> ProcessPoolExecutor | None:
    """A pool of forked workers, one per core, or None where forking is not safe or not worth it."""
    if not can_fork():
        return None
    workers = worker_count()
    # With "fork", the pool forks all its workers at the first submit, before it starts the
    # thread that manages them.
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))


def chunks(items: list[str], count: int) -> list[list[str]]:
    """``items`` in about ``count`` runs of neighbours, in order."""
    size = max(1, -(-len(items) // max(1, count)))
    return [items[start:start + size] for start in range(0, len(items), size)]
