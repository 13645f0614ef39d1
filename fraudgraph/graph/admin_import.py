"""Running ``neo4j-admin database import full`` against the bundled local Neo4j.

The import tool ships in ``deploy/neo4j/target/lib`` (``neo4j-import-tool``): it writes a new
store from CSV files in one pass, far faster than transactions, but only into a stopped
server's data folder and only as a whole new database. :class:`AdminImport` builds the command
line (also for an operator who runs the tool against a production server himself) and runs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fraudgraph.errors import LocalServerError
from fraudgraph.settings import Settings

ADMIN_TOOL_CLASS = "org.neo4j.cli.AdminTool"
#: Separates the items of array properties: a control character no identifier holds.
ARRAY_DELIMITER = "\x1f"
_LOG_TAIL_LINES = 40
_PEAK_MEMORY = re.compile(r"Peak memory usage: (\S+)")


@dataclass(frozen=True, slots=True)
class ImportGroup:
    """One label (or relationship type) and its files: a header file, then data files."""

    name: str
    files: tuple[Path, ...]

    def argument(self) -> str:
        return f"{self.name}=" + ",".join(str(f) for f in self.files)


@dataclass(slots=True)
class ImportInput:
    """What the import tool reads: node and relationship groups and the CSV dialect."""

    nodes: list[ImportGroup] = field(default_factory=list)
    relationships: list[ImportGroup] = field(default_factory=list)
    multiline: bool = False  # some string holds a line break: slower parsing, but needed
    #: Labels with nodes whose empty ``attrs`` list the tool cannot store (set after it).
    empty_attrs: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ImportRun:
    """How long the import tool ran, its CPU seconds and the peak memory it reported."""

    seconds: float
    cpu_s: float
    peak_memory: str


class AdminImport:
    """Imports CSV files as the whole ``database`` of the (stopped) local server."""

    def __init__(self, settings: Settings, *, threads: int | None = None) -> None:
        self._settings = settings
        self._lib = settings.project_dir / "deploy" / "neo4j" / "target" / "lib"
        self._threads = threads or os.cpu_count() or 2

    def arguments(self, data: ImportInput, database: str, report: Path | None = None) -> list[str]:
        """The ``neo4j-admin`` arguments (after ``database import full``); ``report``: where
        the tool lists bad entries (default: import.report in the working directory)."""
        args = [
            database,
            "--overwrite-destination=true",
            "--id-type=string",
            "--array-delimiter=U+001F",
            f"--multiline-fields={'true' if data.multiline else 'false'}",
            f"--threads={self._threads}",
            "--high-parallel-io=on",
            "--bad-tolerance=0",
            "--skip-bad-relationships=false",
            "--skip-duplicate-nodes=false",
        ]
        if report is not None:
            args.append(f"--report-file={report}")
        args += [f"--nodes={g.argument()}" for g in data.nodes]
        args += [f"--relationships={g.argument()}" for g in data.relationships]
        return args

    def command(self, data: ImportInput, database: str, report: Path | None = None) -> list[str]:
        java = shutil.which("java")
        if java is None:
            raise LocalServerError("Java (JDK >= 17) is not on PATH: it runs the import tool")
        if not any(self._lib.glob("neo4j-import-tool-*.jar")):
            raise LocalServerError(
                f"the Neo4j import tool is not in {self._lib}: run `fraudgraph neo4j start` once "
                "to build the local server"
            )
        heap = self._settings.neo4j_heap
        return [java, f"-Xmx{heap}", "-cp", f"{self._lib}/*", ADMIN_TOOL_CLASS,
                "database", "import", "full", *self.arguments(data, database, report)]  # fmt: skip

    def run(self, data: ImportInput, database: str, log: Path) -> ImportRun:
        """Run the import into the local server's home; the server must be stopped. The
        tool's output goes to ``log``."""
        home = self._settings.neo4j_home
        env = dict(os.environ)
        env["NEO4J_HOME"] = str(home)
        env["NEO4J_CONF"] = str(home / "conf")
        (home / "conf").mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        with log.open("wb") as out:
            proc = subprocess.Popen(
                self.command(data, database, log.with_suffix(".report")),
                stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, env=env,
            )  # fmt: skip
            # wait4: the tool's own CPU time, not that of other children.
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            lines = log.read_text(errors="replace").splitlines()
            tail = "\n".join(lines[-_LOG_TAIL_LINES:])
            raise LocalServerError(f"neo4j-admin import failed (exit {proc.returncode}):\n{tail}")
        peak = _PEAK_MEMORY.findall(log.read_text(errors="replace"))
        return ImportRun(
            seconds=time.perf_counter() - started,
            cpu_s=usage.ru_utime + usage.ru_stime,
            peak_memory=peak[-1] if peak else "",
        )


def shell_command(args: Sequence[str]) -> str:
    """``neo4j-admin database import full ...`` as one line an operator can run."""
    quoted = " ".join(f"'{a}'" if any(c in a for c in " ,;$") else a for a in args)
    return f"neo4j-admin database import full {quoted}"
