"""Who is using the console: the gRPC API's bearer tokens, carried by a browser cookie.

The login form takes a token; it is checked against the same digests and scopes as the gRPC
review API (:class:`TokenAuthority`) and kept in an HttpOnly, SameSite=Strict cookie. Every
form that changes something carries a CSRF token: an HMAC, under a key made at start-up, of
the session token's digest, so it is bound to the session and useless to another site.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final
from urllib.parse import quote, unquote

from fraudgraph.service.call_context import Principal
from fraudgraph.service.token_authority import TokenAuthority

COOKIE: Final = "fraudgraph_console"
SESSION_S: Final = 8 * 3600
MAX_TOKEN: Final = 512


class ConsoleAuth:
    """Checks tokens, makes and reads the session cookie, makes and checks CSRF tokens."""

    def __init__(self, authority: TokenAuthority, secret: bytes | None = None) -> None:
        self._authority = authority
        self._secret = secret or secrets.token_bytes(32)

    def principal(self, token: str | None) -> Principal | None:
        """The token's holder and scopes; None when the token is missing or unknown."""
        if not token or len(token) > MAX_TOKEN:
            return None
        return self._authority.principal(f"Bearer {token}")

    @staticmethod
    def allows(principal: Principal, scope: str) -> bool:
        """True when ``principal`` holds ``scope`` (or admin), as for gRPC calls."""
        return TokenAuthority.allows(principal, scope)

    @staticmethod
    def session_cookie(token: str) -> str:
        """The Set-Cookie value that logs the browser in."""
        return (
            f"{COOKIE}={quote(token, safe='')}; Max-Age={SESSION_S}; Path=/; HttpOnly; "
            "SameSite=Strict"
        )

    @staticmethod
    def logout_cookie() -> str:
        """The Set-Cookie value that logs the browser out."""
        return f"{COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict"

    @staticmethod
    def token_from(cookies: dict[str, str]) -> str | None:
        """The session token of a request's cookies."""
        raw = cookies.get(COOKIE)
        return unquote(raw) if raw else None

    def csrf_token(self, token: str) -> str:
        """The CSRF token of the session holding ``token``."""
        digest = TokenAuthority.digest(token).encode("ascii")
        return hmac.new(self._secret, b"csrf:" + digest, hashlib.sha256).hexdigest()

    def csrf_ok(self, token: str, sent: str | None) -> bool:
        """True when ``sent`` is the session's CSRF token."""
        return bool(sent) and hmac.compare_digest(self.csrf_token(token), str(sent))
