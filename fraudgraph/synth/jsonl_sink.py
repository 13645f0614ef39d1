"""Append-only JSON Lines files written deterministically (fixed separators, UTF-8)."""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import Any

_BUFFER = 1 << 20
# One encoder for all records: json.dumps with options builds a new encoder on every call.
ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class JsonlSink:
    """One output file; ``write`` appends a record as one line."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.count = 0
        self._handle = path.open("w", encoding="utf-8", newline="\n", buffering=_BUFFER)

    def write(self, record: dict[str, Any]) -> None:
        """Append ``record``."""
        self._handle.write(ENCODER.encode(record))
        self._handle.write("\n")
        self.count += 1

    def write_line(self, line: str) -> None:
        """Append a line already serialised as compact JSON (hot paths build it directly)."""
        self._handle.write(line)
        self._handle.write("\n")
        self.count += 1

    def close(self) -> None:
        """Flush and close the file."""
        self._handle.close()

    def __enter__(self) -> JsonlSink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
