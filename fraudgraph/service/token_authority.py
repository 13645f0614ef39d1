"""Bearer tokens and their scopes.

Settings hold the SHA-256 digest of each token, never the token itself, so a leaked settings
file or log grants nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Final

from fraudgraph.errors import ConfigurationError
from fraudgraph.service.call_context import Principal

SCOPES: Final = frozenset({"score", "review", "admin"})
PUBLIC_SERVICES: Final = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
)
#: gRPC service -> scope its methods need; "admin" grants every scope.
SERVICE_SCOPES: Final = {
    "/fraudgraph.v1.ScoringService/": "score",
    "/fraudgraph.v1.RingService/": "review",
}


class TokenAuthority:
    """Knows the valid tokens (by digest) and which scope each method needs."""

    def __init__(self, digests: Mapping[str, str]) -> None:
        self._principals: dict[str, Principal] = {}
        for digest, value in digests.items():
            # "review,score" or, to name the token's holder in audit trails, "alice: review,score"
            name, _, scopes_text = value.rpartition(":")
            scopes = frozenset(s.strip() for s in scopes_text.split(",") if s.strip())
            unknown = scopes - SCOPES
            if unknown:
                raise ConfigurationError(f"unknown token scopes {sorted(unknown)}")
            holder = name.strip() or f"token-{digest[:8]}"
            self._principals[digest.lower()] = Principal(holder, scopes)

    @staticmethod
    def digest(token: str) -> str:
        """The digest to put in settings for ``token``."""
        return hashlib.sha256(token.encode("utf-8")).hexdigest()

    @staticmethod
    def required_scope(method: str) -> str | None:
        """The scope ``method`` needs; None for public methods (health, reflection)."""
        if method.startswith(PUBLIC_SERVICES):
            return None
        for prefix, scope in SERVICE_SCOPES.items():
            if method.startswith(prefix):
                return scope
        return "admin"  # anything not listed is closed by default

    def principal(self, authorization: str | None) -> Principal | None:
        """The principal of an ``authorization`` header value, None when it is not valid."""
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self._principals.get(self.digest(token.strip()))

    @staticmethod
    def allows(principal: Principal, scope: str) -> bool:
        """True when ``principal`` holds ``scope`` (or admin)."""
        return scope in principal.scopes or "admin" in principal.scopes
