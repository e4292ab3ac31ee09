"""Who may use the desk, and which of its forms may change anything.

The desk shows commenters' e-mail addresses and changes the site, so every request must show
the random token from the address the task printed (or the cookie the first visit sets), name
this machine as its host (a web page cannot reach the desk through a name of its own that it
points at 127.0.0.1), and every change must come from a page of the desk itself (its Origin)
with a form token that page was given, good for one send only: a form replayed, sent twice or
sent from another site changes nothing.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from comments.receiver.web import Request

FORM_TOKEN_LIFETIME = 12 * 60 * 60
MAX_FORM_TOKENS = 500


def cookie_name(request: Request) -> str:
    """The access cookie's name. Cookies ignore ports, and two desks (on 8002 and 8003) must
    not replace each other's, so the port is part of the name."""
    return f"still-here-desk-{request.environ.get('SERVER_PORT', '')}"


def request_cookie(request: Request, name: str) -> str | None:
    for part in (request.header("Cookie") or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value.strip()
    return None


def loopback_host(host_header: str) -> bool:
    """Whether a Host header names this machine (127.0.0.0/8, ::1 or localhost), with any port."""
    host = host_header.strip().lower()
    if host.startswith("["):
        name = host[1:].partition("]")[0]
    else:
        name = host.rpartition(":")[0] if host.count(":") == 1 else host
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class DeskGuard:
    """The desk's access token and the form tokens its pages carry."""

    def __init__(self, token: str | None = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.token = token or secrets.token_urlsafe(32)
        self._clock = clock
        self._forms: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    # --- Access ---------------------------------------------------------------------------

    def _is_token(self, given: str | None) -> bool:
        # WSGI hands headers and the query over as latin-1 text: encoding back gives the bytes sent.
        return given is not None and hmac.compare_digest(
            given.encode("latin-1", errors="replace"), self.token.encode("ascii")
        )

    def token_in_address(self, request: Request) -> bool:
        return self._is_token(request.query().get("token"))

    def has_access(self, request: Request) -> bool:
        """The request shows the token, in its address or in the cookie set by the first visit."""
        return self.token_in_address(request) or self._is_token(request_cookie(request, cookie_name(request)))

    def access_cookie(self, request: Request) -> tuple[str, str]:
        return ("Set-Cookie", f"{cookie_name(request)}={self.token}; HttpOnly; SameSite=Strict; Path=/")

    @staticmethod
    def from_this_machine(request: Request) -> bool:
        return loopback_host(request.header("Host") or "")

    @staticmethod
    def from_own_page(request: Request) -> bool:
        """The request was sent by a page of this desk: its Origin (or Referer) is the desk's."""
        origin = (request.origin() or "").lower()
        host = (request.header("Host") or "").strip().lower()
        return bool(host) and origin == f"http://{host}"

    # --- Form tokens ----------------------------------------------------------------------

    def issue_form_token(self) -> str:
        """A token for the forms of one page; :meth:`spend_form_token` accepts it once."""
        value = secrets.token_urlsafe(24)
        with self._lock:
            self._forget_old()
            self._forms[value] = self._clock()
            while len(self._forms) > MAX_FORM_TOKENS:
                self._forms.popitem(last=False)
        return value

    def spend_form_token(self, value: str) -> bool:
        """Whether ``value`` was issued, is fresh and unspent; it is spent now either way."""
        with self._lock:
            self._forget_old()
            return self._forms.pop(value, None) is not None

    def _forget_old(self) -> None:
        oldest = self._clock() - FORM_TOKEN_LIFETIME
        while self._forms and next(iter(self._forms.values())) < oldest:
            self._forms.popitem(last=False)
