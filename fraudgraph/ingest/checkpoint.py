"""Where a load got to, so that a killed load resumes instead of starting over.

The checkpoint is written only after a batch is committed, and written atomically (temp file +
rename). A crash between the commit and the checkpoint replays at most one batch on resume, and
every ingest write is a MERGE on natural keys, so the replay changes nothing: a resumed load ends
with exactly the graph of a clean one.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(slots=True)
class FileProgress:
    line: int = 0  # last input line whose batch is committed
    done: bool = False


@dataclass(slots=True)
class Checkpoint:
    path: Path
    files: dict[str, FileProgress] = field(default_factory=dict)
    rejects_bytes: int = 0  # size of the rejects file when the checkpoint was saved

    @classmethod
    def for_source(cls, state_dir: Path, source: Path) -> Checkpoint:
        digest = hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:16]
        path = state_dir / f"ingest-{source.name}-{digest}.json"
        checkpoint = cls(path)
        if path.exists():
            raw = json.loads(path.read_text())
            checkpoint.rejects_bytes = int(raw.get("rejects_bytes", 0))
            checkpoint.files = {n: FileProgress(**v) for n, v in raw.get("files", {}).items()}
        return checkpoint

    def progress(self, name: str) -> FileProgress:
        return self.files.setdefault(name, FileProgress())

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        files = {name: {"line": p.line, "done": p.done} for name, p in self.files.items()}
        payload = {"rejects_bytes": self.rejects_bytes, "files": files}
        tmp.write_text(json.dumps(payload, indent=1))
        os.replace(tmp, self.path)

    def clear(self) -> None:
        self.files.clear()
        self.rejects_bytes = 0
        self.path.unlink(missing_ok=True)
