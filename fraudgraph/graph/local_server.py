"""The local development Neo4j: built from deploy/neo4j with Maven, run as a background JVM.

Production never uses this: it points ``NEO4J_URI`` at a real server or cluster, and
:meth:`LocalNeo4j.start` then refuses to start anything.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from fraudgraph.errors import FraudGraphError, GraphAuthError, GraphError, LocalServerError
from fraudgraph.graph.driver import ServerInfo, check_connectivity, create_driver
from fraudgraph.settings import Settings

LAUNCHER_CLASS = "io.fraudgraph.neo4j.Launcher"
_LOG_TAIL_LINES = 30


@dataclass(frozen=True, slots=True)
class LocalStatus:
    """State of the local server as seen from its pid file and Bolt."""

    running: bool
    pid: int | None
    home: Path
    info: ServerInfo | None = None
    problem: str | None = None


class LocalNeo4j:
    """Builds, starts, checks and stops the bundled Neo4j Community server."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._project = settings.project_dir / "deploy" / "neo4j"
        self._target = self._project / "target"
        self.home = settings.neo4j_home
        self.pid_file = self.home / "neo4j.pid"
        self.log_file = self.home / "neo4j.out.log"

    # --- build ------------------------------------------------------------------------------
    def needs_build(self) -> bool:
        jar = self._target / "fraudgraph-neo4j.jar"
        if not jar.exists() or not (self._target / "lib").is_dir():
            return True
        sources = [self._project / "pom.xml", *self._project.glob("src/**/*.java")]
        return any(src.stat().st_mtime > jar.stat().st_mtime for src in sources)

    def build(self) -> None:
        """Compile the launcher and fetch the Neo4j jars (first use only; Maven caches them)."""
        if not self.needs_build():
            return
        mvn = shutil.which("mvn")
        if mvn is None:
            raise LocalServerError(
                "Maven (mvn) is not on PATH: it is needed to build the local Neo4j"
            )
        self._require_java()
        cmd = [mvn, "-q", "-B", "-f", str(self._project / "pom.xml"), "package", "-DskipTests"]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-_LOG_TAIL_LINES:])
            raise LocalServerError(f"building the local Neo4j failed:\n{tail}")

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> LocalStatus:
        """Start the server in the background and wait until Bolt answers; harmless if running."""
        self._require_local()
        current = self._running_pid()
        if current is not None:
            return self._wait_ready(current, proc=None)
        self._cleanup_stale()
        self._require_port_free()
        self.build()
        return self._wait_ready(*self._launch())

    def stop(self, timeout_s: float = 60.0) -> bool:
        """Stop the server: SIGTERM, SIGKILL after ``timeout_s``; False if none was running."""
        pid = self._running_pid()
        if pid is None:
            self._cleanup_stale()
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    @property
    def browser_url(self) -> str | None:
        """Where Neo4j Browser is served when the HTTP connector is on (loopback only)."""
        port = self._settings.neo4j_http_port
        return f"http://127.0.0.1:{port}/browser/" if port else None

    def browser_available(self, timeout_s: float = 5.0) -> bool:
        """True when the running server answers with the Neo4j Browser page."""
        url = self.browser_url
        if url is None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=timeout_s) as response:
                page = response.read(4096).decode("utf-8", errors="replace")
        except (urllib.error.URLError, OSError):
            return False
        return "<title>Neo4j Browser</title>" in page

    def status(self) -> LocalStatus:
        pid = self._running_pid()
        if pid is None:
            return LocalStatus(running=False, pid=None, home=self.home)
        try:
            return LocalStatus(True, pid, self.home, info=self._server_info())
        except GraphError as exc:
            return LocalStatus(True, pid, self.home, problem=str(exc))

    # --- internals ----------------------------------------------------------------------------
    def _require_local(self) -> None:
        if not self._settings.neo4j_is_local:
            raise LocalServerError(
                f"NEO4J_URI is {self._settings.neo4j_uri}: fraudgraph uses that server and starts "
                "nothing locally (set it to bolt://127.0.0.1:PORT for the bundled one)"
            )

    @staticmethod
    def _require_java() -> str:
        java = shutil.which("java")
        if java is None:
            raise LocalServerError(
                "Java (JDK >= 17) is not on PATH: it is needed for the local Neo4j"
            )
        return java

    def _require_port_free(self) -> None:
        ports = {self._settings.neo4j_bolt_port: "NEO4J_URI"}
        if self._settings.neo4j_http_port:
            ports[self._settings.neo4j_http_port] = "FRAUDGRAPH_NEO4J_HTTP_PORT"
        for port, where in ports.items():
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.settimeout(0.5)
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    raise LocalServerError(
                        f"port {port} is taken by another process; stop it or choose another "
                        f"port in {where}"
                    )

    def _launch(self) -> tuple[int, subprocess.Popen[bytes]]:
        java = self._require_java()
        self.home.mkdir(parents=True, exist_ok=True)
        classpath = f"{self._target / 'fraudgraph-neo4j.jar'}{os.pathsep}{self._target / 'lib'}/*"
        cmd = [java, f"-Xmx{self._settings.neo4j_heap}", "-XX:+ExitOnOutOfMemoryError",
               "-cp", classpath, LAUNCHER_CLASS, "--home", str(self.home),
               "--bolt-port", str(self._settings.neo4j_bolt_port),
               "--http-port", str(self._settings.neo4j_http_port),
               "--pagecache", self._settings.neo4j_pagecache]  # fmt: skip
        env = dict(os.environ)
        env["FRAUDGRAPH_NEO4J_LOCAL_PASSWORD"] = self._settings.neo4j_password.get_secret_value()
        with self.log_file.open("ab") as log:
            proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=env, start_new_session=True,  # survives the CLI that started it
                preexec_fn=_idle_priority if self._settings.neo4j_local_idle_priority else None,
            )  # fmt: skip
        self.pid_file.write_text(str(proc.pid))
        return proc.pid, proc

    def _wait_ready(self, pid: int, proc: subprocess.Popen[bytes] | None) -> LocalStatus:
        deadline = time.monotonic() + self._settings.neo4j_start_timeout_s
        last: FraudGraphError | None = None
        while time.monotonic() < deadline:
            if (proc is not None and proc.poll() is not None) or not _alive(pid):
                self.pid_file.unlink(missing_ok=True)
                raise LocalServerError(f"the local Neo4j exited during start:\n{self._log_tail()}")
            try:
                return LocalStatus(True, pid, self.home, info=self._server_info())
            except GraphAuthError as exc:
                # A server we just launched sets its password after Bolt opens: retry until
                # it says it is ready. Any other server with the wrong password is an error.
                if proc is not None and not self._logged_ready():
                    last = exc
                    time.sleep(0.5)
                    continue
                raise LocalServerError(
                    f"the local Neo4j (pid {pid}) refused the password from settings ({exc}); "
                    "run `fraudgraph neo4j stop` and start it again to apply the password"
                ) from exc
            except GraphError as exc:
                last = exc
                time.sleep(0.5)
        wait = self._settings.neo4j_start_timeout_s
        raise LocalServerError(
            f"the local Neo4j did not answer on Bolt within {wait:.0f} s (last error: {last}); "
            f"log tail:\n{self._log_tail()}"
        )

    def _server_info(self) -> ServerInfo:
        driver = create_driver(self._settings)
        try:
            return check_connectivity(driver, self._settings.neo4j_database)
        finally:
            driver.close()

    def _running_pid(self) -> int | None:
        """The pid from the pid file if that process is alive and is our launcher."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _alive(pid) and _is_launcher(pid, self.home) else None

    def _cleanup_stale(self) -> None:
        # A crash (or SIGKILL) leaves the pid file behind; Neo4j recovers its store on next start.
        self.pid_file.unlink(missing_ok=True)

    def _logged_ready(self) -> bool:
        try:
            lines = self.log_file.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return False
        # Only the lines of the latest start count: the log is appended to across restarts.
        for line in reversed(lines):
            if line.startswith("FRAUDGRAPH_NEO4J_READY"):
                return True
            if line.startswith("FRAUDGRAPH_NEO4J_STOPPED"):
                return False
        return False

    def _log_tail(self) -> str:
        try:
            lines = self.log_file.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return "(no log written)"
        return "\n".join(lines[-_LOG_TAIL_LINES:])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited child not yet reaped) still answers kill(0): look at its state.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _is_launcher(pid: int, home: Path) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # no /proc (macOS): trust the pid file
    args = [a.decode(errors="replace") for a in cmdline]
    return LAUNCHER_CLASS in args and str(home) in args


def _idle_priority() -> None:
    """(In the child, before exec.) SCHED_IDLE: every thread the JVM starts inherits it."""
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
