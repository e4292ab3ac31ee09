"""The receiver's small HTTP layer: a request read from the WSGI environ, a response, and the
headers every answer carries. No framework: the receiver has five routes and must know exactly
what it reads from a request and what it sends back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# Sent with every answer. The pages hold a reader's words and a fresh token: never cached.
# They load nothing (inline CSS only), may not be framed, and post only back to the receiver.
SECURITY_HEADERS = (
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy",
     "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "
     "frame-ancestors 'none'"),
)
MAX_QUERY_LENGTH = 2000


@dataclass
class Request:
    environ: Mapping[str, Any]

    @property
    def method(self) -> str:
        return str(self.environ.get("REQUEST_METHOD", "GET")).upper()

    @property
    def path(self) -> str:
        return str(self.environ.get("PATH_INFO", "") or "/")

    def header(self, name: str) -> str | None:
        key = "HTTP_" + name.upper().replace("-", "_")
        if name.lower() == "content-type":
            key = "CONTENT_TYPE"
        elif name.lower() == "content-length":
            key = "CONTENT_LENGTH"
        value = self.environ.get(key)
        return None if value is None else str(value)

    def query(self) -> dict[str, str]:
        """The query string's fields (the first of each), decoded leniently: only ids and slugs are read."""
        text = str(self.environ.get("QUERY_STRING", ""))[:MAX_QUERY_LENGTH]
        found: dict[str, str] = {}
        for name, value in parse_qsl(text, keep_blank_values=True, errors="replace"):
            found.setdefault(name, value)
        return found

    @property
    def wants_json(self) -> bool:
        """Whether the client asked for JSON (the page's JavaScript); anything else gets HTML."""
        return "application/json" in (self.header("Accept") or "").lower()

    def origin(self) -> str | None:
        """The Origin header, or without one the origin of the Referer; None when neither says."""
        origin = self.header("Origin")
        if origin is not None:
            return origin.strip()
        referer = self.header("Referer")
        if referer:
            try:
                parts = urlsplit(referer.strip())
            except ValueError:
                return "null"
            if parts.scheme and parts.netloc:
                return f"{parts.scheme}://{parts.netloc}".lower()
            return "null"
        return None


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def status_line(self) -> str:
        return f"{self.status} {HTTPStatus(self.status).phrase}"


def json_text(data: Any) -> bytes:
    """JSON whose text cannot be read as markup, even by a client that sniffs: <, > and & escaped."""
    text = json.dumps(data, ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode("ascii")


def json_response(status: int, data: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, json_text(data), "application/json", list(headers or []))


def html_response(status: int, page: str, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, page.encode("utf-8"), "text/html; charset=utf-8", list(headers or []))


def refusal_json(status: int, message: str, errors: Mapping[str, str] | None = None,
                 headers: list[tuple[str, str]] | None = None) -> Response:
    return json_response(status, {"ok": False, "message": message, "errors": dict(errors or {})}, headers)
