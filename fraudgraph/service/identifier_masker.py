"""Masking identifiers before they reach a log line."""

from __future__ import annotations

import hashlib


class IdentifierMasker:
    """Keeps the last few characters and a short hash: enough to correlate, not to read."""

    @staticmethod
    def mask(value: str, keep: int = 2) -> str:
        """``138****78#1a2b`` style: the tail of the value and a hash of the whole."""
        if not value:
            return ""
        digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:6]
        tail = value[-keep:] if len(value) > 2 * keep else ""
        return f"***{tail}#{digest}"
