"""Who a client is, and how many comments it may send: a sliding window per client address.

The limit counts comments received (written to the store), not requests: a reader who makes a
typo, or whose browser without JavaScript goes through the "check your comment" step, is not
held back for it, while a client sending comment after comment is.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from harbour.errors import HarbourError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# One person on IPv6 usually holds a whole /64; counting each address apart would let them
# rotate through millions of them.
IPV6_CLIENT_PREFIX = 64
# Forgotten clients are swept out every this many reservations, so memory stays bounded.
SWEEP_EVERY = 1000


def parse_address(text: str) -> IPAddress | None:
    """An IP address (an IPv4-mapped IPv6 one as IPv4), or None when ``text`` is not one."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def trusted_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """COMMENTS['trusted_proxies'] as networks (an address is a network of one)."""
    networks, bad = [], []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            bad.append(value)
    if bad:
        raise HarbourError(
            "COMMENTS['trusted_proxies'] holds what is not an IP address or network: "
            + ", ".join(map(repr, bad)) + "; give your reverse proxy's address, e.g. '127.0.0.1'"
        )
    return tuple(networks)


def _is_trusted(address: IPAddress | None, trusted: Sequence[IPNetwork]) -> bool:
    return address is not None and any(address in network for network in trusted)


def client_address(environ: Mapping[str, Any], trusted: Sequence[IPNetwork]) -> str:
    """The address of the client that sent a request.

    The connection's own address, unless it is one of ``trusted`` (a reverse proxy): then the
    X-Forwarded-For hops are read from the right, each appended by the proxy before it, and the
    first hop that is not a trusted proxy is the client. Hops further left were written by the
    client itself and prove nothing. A garbled hop stops the walk at the last address vouched for.
    """
    peer_text = str(environ.get("REMOTE_ADDR") or "")
    peer = parse_address(peer_text)
    if not _is_trusted(peer, trusted):
        return str(peer) if peer is not None else peer_text
    client: IPAddress = peer  # type: ignore[assignment]
    hops = [hop for hop in str(environ.get("HTTP_X_FORWARDED_FOR") or "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            break
        client = address
        if not _is_trusted(address, trusted):
            break
    return str(client)


def client_key(address: str) -> str:
    """What the rate limit counts by: the address, or its /64 for IPv6."""
    parsed = parse_address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{parsed}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(parsed) if parsed is not None else address


class SlidingWindowLimiter:
    """At most ``limit`` uses per client in any ``window`` seconds. Thread-safe."""

    def __init__(self, limit: int, window: float, *, clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._uses: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._reservations = 0

    def retry_after(self, client: str) -> int | None:
        """Seconds until ``client`` may send again, or None when it may send now."""
        with self._lock:
            return self._wait(client, self._clock())

    def reserve(self, client: str) -> int | None:
        """Count one use for ``client`` and return None, or return the seconds it must wait."""
        with self._lock:
            now = self._clock()
            wait = self._wait(client, now)
            if wait is not None:
                return wait
            self._uses.setdefault(client, deque()).append(now)
            self._reservations += 1
            if self._reservations % SWEEP_EVERY == 0:
                self._sweep(now)
            return None

    def release(self, client: str) -> None:
        """Take back the last use of ``client`` (its comment was not written after all)."""
        with self._lock:
            uses = self._uses.get(client)
            if uses:
                uses.pop()

    def _wait(self, client: str, now: float) -> int | None:
        uses = self._uses.get(client)
        if not uses:
            return None
        while uses and uses[0] <= now - self.window:
            uses.popleft()
        if len(uses) < self.limit:
            return None
        return max(1, math.ceil(uses[0] + self.window - now))

    def _sweep(self, now: float) -> None:
        for client in [c for c, uses in self._uses.items() if not uses or uses[-1] <= now - self.window]:
            del self._uses[client]
