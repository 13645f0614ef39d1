"""The rejects file: every row that could not be loaded, with its file, line and reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO


class RejectsFile:
    """Append-only JSON lines ``{"file", "line", "field", "reason", "raw"}``."""

    def __init__(self, path: Path, keep_bytes: int = 0) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.touch()
        # On resume, drop what was written after the last checkpoint: those rows are re-read.
        with path.open("r+b") as handle:
            handle.truncate(keep_bytes)
        self._handle: IO[str] = path.open("a", encoding="utf-8")
        self.count = 0

    def add(self, file: str, line: int, reason: str, raw: str, field: str | None = None) -> None:
        record = {"file": file, "line": line, "field": field, "reason": reason, "raw": raw[:500]}
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.count += 1

    def flush(self) -> int:
        """Flush to disk and return the file's size (recorded in the checkpoint)."""
        self._handle.flush()
        return self._handle.tell()

    def close(self) -> None:
        self._handle.close()
