"""An HTTP request as the console reads it, parsed from a WSGI environ."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any, Final
from urllib.parse import parse_qs

from fraudgraph.console.web_response import HttpError

MAX_BODY: Final = 64 * 1024
FORM_TYPE: Final = "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class WebRequest:
    """Method, path, query and form fields (first value of each), cookies, origin check data."""

    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    origin: str | None = None
    host: str = ""
    scheme: str = "http"

    @classmethod
    def from_environ(cls, environ: Mapping[str, Any]) -> WebRequest:
        """Parse the environ; a body too large or not a form is an HTTP error."""
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        return cls(
            method=method,
            path=str(environ.get("PATH_INFO", "/")) or "/",
            query=cls._fields(str(environ.get("QUERY_STRING", ""))),
            form=cls._form(environ) if method == "POST" else {},
            cookies=cls._cookies(str(environ.get("HTTP_COOKIE", ""))),
            origin=environ.get("HTTP_ORIGIN"),
            host=str(environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")),
            scheme=str(environ.get("wsgi.url_scheme", "http")),
        )

    def same_origin(self) -> bool:
        """False when the browser says the request comes from another site."""
        if self.origin is None:
            return True
        return self.origin == f"{self.scheme}://{self.host}"

    @staticmethod
    def _fields(text: str) -> dict[str, str]:
        parsed = parse_qs(text, keep_blank_values=True, max_num_fields=50)
        return {k: v[0] for k, v in parsed.items()}

    @classmethod
    def _form(cls, environ: Mapping[str, Any]) -> dict[str, str]:
        ctype = str(environ.get("CONTENT_TYPE", "")).split(";")[0].strip().lower()
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError as exc:
            raise HttpError(400, "Bad request", "The Content-Length is not a number.") from exc
        if length > MAX_BODY:
            raise HttpError(413, "Too large", f"Forms are limited to {MAX_BODY} bytes.")
        if length and ctype != FORM_TYPE:
            raise HttpError(415, "Unsupported form", f"Forms must be sent as {FORM_TYPE}.")
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            return cls._fields(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise HttpError(400, "Bad request", "The form could not be read.") from exc

    @staticmethod
    def _cookies(header: str) -> dict[str, str]:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(header)
        except CookieError:
            return {}
        return {k: m.value for k, m in jar.items()}
