"""An HTTP response of the console, and the error that becomes an error page."""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Final

#: Sent with every response: nothing is loaded from elsewhere, no script runs, no framing.
SECURITY_HEADERS: Final = (
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),  # "no-referrer" makes form posts say Origin: null
    ("Cache-Control", "no-store"),
)


class HttpError(Exception):
    """A request the console refuses: rendered as an error page with this status."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail


@dataclass(slots=True)
class WebResponse:
    """Status, body and headers; security headers are added on the way out."""

    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def redirect(cls, location: str, *, cookie: str | None = None) -> WebResponse:
        """A 303 See Other (the browser follows it with a GET)."""
        headers = [("Location", location)]
        if cookie is not None:
            headers.append(("Set-Cookie", cookie))
        return cls(303, headers=headers)

    def status_line(self) -> str:
        """``200 OK`` and the like."""
        return f"{self.status} {HTTPStatus(self.status).phrase}"

    def all_headers(self) -> list[tuple[str, str]]:
        """The response's headers with content type, length and the security headers."""
        return [
            ("Content-Type", self.content_type),
            ("Content-Length", str(len(self.body))),
            *SECURITY_HEADERS,
            *self.headers,
        ]
