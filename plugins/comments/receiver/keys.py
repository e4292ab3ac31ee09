"""The receiver's two secrets, kept in its private store and made on its first start.

``receiver-secret`` signs form tokens; ``receiver-token`` is what `invoke comments-fetch` shows
to read the queue. Both are files readable by their owner only, written atomically under the
store's lock, so two workers starting at once agree on one secret.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from comments.desk.private_store import PrivateStore
from harbour.errors import HarbourError
from harbour.files import atomic_write_text

SECRET_FILE = "receiver-secret"
FETCH_TOKEN_FILE = "receiver-token"
MIN_KEY_LENGTH = 32


@dataclass(frozen=True)
class ReceiverKeys:
    secret: bytes
    fetch_token: str
    fetch_token_path: Path
    # True on the start that made the fetch token: the only time it is printed.
    fetch_token_created: bool


def receiver_keys(store: PrivateStore) -> ReceiverKeys:
    """Read the receiver's secret and fetch token from ``store``, making each the first time."""
    with store.locked():
        secret, _ = _read_or_create(store.root / SECRET_FILE, lambda: secrets.token_hex(32))
        token_path = store.root / FETCH_TOKEN_FILE
        token, created = _read_or_create(token_path, lambda: secrets.token_urlsafe(32))
    return ReceiverKeys(
        secret=secret.encode("ascii"), fetch_token=token, fetch_token_path=token_path,
        fetch_token_created=created,
    )


def _read_or_create(path: Path, make: Callable[[], str]) -> tuple[str, bool]:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        value = make()
        atomic_write_text(path, value + "\n", private=True)
        return value, True
    except (OSError, UnicodeDecodeError) as error:
        raise HarbourError(f"cannot read {path} ({error}); delete it and start the receiver again") from None
    if len(text) < MIN_KEY_LENGTH or any(c.isspace() for c in text):
        raise HarbourError(
            f"{path} does not hold a key (at least {MIN_KEY_LENGTH} characters on one line); delete it "
            "and start the receiver again to make a new one"
        )
    return text, False
