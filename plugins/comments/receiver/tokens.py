"""Form tokens: an issue time signed with the receiver's secret, against bots and double sends.

A token proves that the form was handed out by this receiver and when: a comment sent sooner
than ``min_fill_seconds`` after that is refused (people take longer than bots to write), and one
sent more than a day later needs a fresh token. The comment's id is derived from its token, so
a retried or double-clicked send of the same form makes one comment, never two.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable

TOKEN_MAX_AGE_SECONDS = 24 * 60 * 60
# Used with fullmatch: issue time, random nonce, signature.
_TOKEN = re.compile(r"([0-9]{1,12})\.([0-9a-f]{16})\.([0-9a-f]{64})")
MAX_TOKEN_LENGTH = 100

MISSING = "missing"
FORGED = "forged"
EXPIRED = "expired"
TOO_FRESH = "too-fresh"


class FormTokens:
    """Issues and checks form tokens with one secret; ``clock`` gives the time in seconds."""

    def __init__(self, secret: bytes, *, clock: Callable[[], float] = time.time) -> None:
        if len(secret) < 16:
            raise ValueError("the receiver's secret must be at least 16 bytes")
        self._secret = secret
        self._clock = clock

    def issue(self) -> str:
        issued = f"{int(self._clock())}.{secrets.token_hex(8)}"
        return f"{issued}.{self._sign(b'token', issued)}"

    def problem(self, token: str, *, min_age: float) -> str | None:
        """Why ``token`` cannot submit a comment now (MISSING, FORGED, EXPIRED, TOO_FRESH), or None."""
        if not token:
            return MISSING
        match = _TOKEN.fullmatch(token) if len(token) <= MAX_TOKEN_LENGTH else None
        if match is None:
            return FORGED
        issued_text, nonce, signature = match.groups()
        expected = self._sign(b"token", f"{issued_text}.{nonce}")
        if not hmac.compare_digest(expected, signature):
            return FORGED
        age = self._clock() - int(issued_text)
        if age < -60:  # issued in the future (beyond clock jitter): not one of ours
            return FORGED
        if age > TOKEN_MAX_AGE_SECONDS:
            return EXPIRED
        if age < min_age:
            return TOO_FRESH
        return None

    def comment_id(self, token: str) -> str:
        """The id of the comment sent with ``token``: 12 hex digits, like the ids the desk makes."""
        return self._sign(b"comment-id", token)[:12]

    def _sign(self, purpose: bytes, text: str) -> str:
        return hmac.new(self._secret, purpose + b"\0" + text.encode("ascii"), hashlib.sha256).hexdigest()
