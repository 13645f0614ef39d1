"""The bundled local Neo4j: start twice, crash recovery after SIGKILL, clear start errors."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from fraudgraph.errors import LocalServerError
from fraudgraph.graph.driver import create_driver
from fraudgraph.graph.local_server import LocalNeo4j
from fraudgraph.graph.record_store import RecordStore
from fraudgraph.graph.schema import init_schema
from fraudgraph.settings import Settings
from tests.conftest import local_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def private_server(tmp_path: Path) -> Iterator[LocalNeo4j]:
    server = LocalNeo4j(local_settings(tmp_path))
    try:
        yield server
    finally:
        server.stop(timeout_s=20)


def _wait_dead(pid: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def test_start_twice_kill_and_recover(private_server: LocalNeo4j, tmp_path: Path) -> None:
    settings = local_settings(tmp_path, port=int(private_server.pid_file.parent.name))
    first = private_server.start()
    again = private_server.start()
    assert again.pid == first.pid  # starting twice is harmless
    driver = create_driver(settings)
    try:
        init_schema(driver, settings.neo4j_database)
        RecordStore(driver, settings.neo4j_database).merge_nodes(
            "Customer", [{"key": f"k{i}", "props": {"n": i}} for i in range(100)]
        )
    finally:
        driver.close()

    assert first.pid is not None
    os.kill(first.pid, signal.SIGKILL)
    _wait_dead(first.pid)
    assert private_server.status().running is False  # stale pid file is not trusted

    recovered = private_server.start()
    assert recovered.pid != first.pid
    assert recovered.info is not None
    assert recovered.info.nodes == 100  # committed data survived the crash
    driver = create_driver(settings)
    try:
        got = RecordStore(driver, settings.neo4j_database).get_nodes("Customer", ["k42"])
    finally:
        driver.close()
    assert got["k42"]["n"] == 42


def test_port_taken_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        server = LocalNeo4j(local_settings(tmp_path, port=port))
        with pytest.raises(LocalServerError, match=f"port {port} is taken"):
            server.start()
    assert not server.pid_file.exists()


def test_remote_uri_starts_nothing(tmp_path: Path) -> None:
    settings = Settings(neo4j_uri="neo4j+s://example.databases.neo4j.io", var_dir=tmp_path)
    with pytest.raises(LocalServerError, match="starts nothing locally"):
        LocalNeo4j(settings).start()


def test_wrong_password_on_running_server_is_explained(
    private_server: LocalNeo4j, tmp_path: Path
) -> None:
    status = private_server.start()
    port = int(private_server.pid_file.parent.name)
    wrong = local_settings(tmp_path, port=port).model_copy(
        update={"neo4j_password": SecretStr("not-the-password")}
    )
    with pytest.raises(LocalServerError, match="refused the password"):
        LocalNeo4j(wrong).start()
    assert private_server.status().pid == status.pid


def test_idle_priority_reaches_every_neo4j_thread(tmp_path: Path) -> None:
    if os.sched_getscheduler(0) == os.SCHED_IDLE:  # the server would inherit it anyway
        pytest.skip("the tests themselves run at idle priority")
    settings = local_settings(tmp_path).model_copy(update={"neo4j_local_idle_priority": True})
    server = LocalNeo4j(settings)
    try:
        status = server.start()
        assert status.pid is not None
        threads = [int(t) for t in os.listdir(f"/proc/{status.pid}/task")]
        assert len(threads) > 10  # the JVM's own threads, started after exec, and Neo4j's
        assert {os.sched_getscheduler(t) for t in threads} == {os.SCHED_IDLE}
    finally:
        server.stop(timeout_s=20)
    # the default leaves the scheduler alone
    assert not Settings().neo4j_local_idle_priority
