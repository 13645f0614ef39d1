"""A real multi-process server: two spawned workers sharing one port and one outbox."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import psutil
import pytest

from fraudgraph._proto.fraudgraph.v1 import scoring_pb2 as pb
from fraudgraph.service.cpu_shares import CpuShares
from fraudgraph.service.outbox import Outbox
from fraudgraph.service.service_runtime import RuntimeOptions
from fraudgraph.service.service_supervisor import ServiceSupervisor
from fraudgraph.service.service_worker import WorkerSpec
from fraudgraph.service.synthetic_index import SyntheticIndex
from fraudgraph.service.token_authority import TokenAuthority
from tests.supervised_service import listening_port, supervised
from tests.unit.service.conftest import auth, offline_settings

pytestmark = pytest.mark.slow
#: Connections opened: the kernel hashes each to one process; all 24 on one has p = 2^-23.
CONNECTIONS = 24
SCORE = "/fraudgraph.v1.ScoringService/ScoreTransaction"


@pytest.fixture(scope="module")
def supervisor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceSupervisor]:
    settings = offline_settings(tmp_path_factory.mktemp("multi"))
    spec = WorkerSpec(
        settings, RuntimeOptions.from_settings(settings),
        synthetic=SyntheticIndex(applications=2000, transactions=10_000), json_logs=False,
    )  # fmt: skip
    with supervised(spec) as sup:
        yield sup


def _channels(port: int, count: int) -> list[grpc.Channel]:
    """Channels with a connection each (no subchannel shared between them)."""
    options = [("grpc.use_local_subchannel_pool", 1)]
    return [grpc.insecure_channel(f"127.0.0.1:{port}", options=options) for _ in range(count)]


def _score(channel: grpc.Channel, request_id: str) -> pb.Decision:
    call = channel.unary_unary(
        SCORE,
        request_serializer=pb.ScoreTransactionRequest.SerializeToString,
        response_deserializer=pb.ScoreTransactionResponse.FromString,
    )
    txn = pb.Transaction(
        transaction_id=f"t-{request_id}",
        payer_account="AC0000001",
        payee_account="AC0000002",
        amount=120.0,
        device_id="dev-000001",
    )
    request = pb.ScoreTransactionRequest(request_id=request_id, transaction=txn)
    response = call(request, metadata=tuple(auth("score-token")), timeout=10.0)
    decision: pb.Decision = response.decision
    return decision


def _connections_by_pid(supervisor: ServiceSupervisor, port: int | None = None) -> dict[int, int]:
    """Established connections each process holds on ``port`` (default: the shared one)."""
    counts = {}
    for pid in supervisor.pids():
        conns = psutil.Process(pid).net_connections(kind="tcp")
        counts[pid] = sum(
            1 for c in conns if c.status == psutil.CONN_ESTABLISHED
            and c.laddr and c.laddr.port == (port or supervisor.port)
        )  # fmt: skip
    return counts


def _on_own_ports(supervisor: ServiceSupervisor, prefix: str) -> list[dict[int, int]]:
    """Score over three connections to each process's own port; where they landed, by port."""
    landed = []
    for address, port in zip(supervisor.addresses(), supervisor.private_ports, strict=True):
        channels = [
            grpc.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)])
            for _ in range(3)
        ]
        try:
            for i, ch in enumerate(channels):
                assert _score(ch, f"{prefix}-{port}-{i}").request_id == f"{prefix}-{port}-{i}"
            landed.append(_connections_by_pid(supervisor, port))
        finally:
            for ch in channels:
                ch.close()
    return landed


def test_both_processes_answer_and_agree_on_a_request_id(supervisor: ServiceSupervisor) -> None:
    ready = supervisor.ready
    assert sorted(r.slot for r in ready) == [0, 1]
    assert {r.port for r in ready} == {supervisor.port}
    assert all(r.index_entries > 0 for r in ready)  # each built its own index
    channels = _channels(supervisor.port, CONNECTIONS)
    try:
        decisions = [_score(ch, "same-id") for ch in channels]
        by_pid = _connections_by_pid(supervisor)
    finally:
        for ch in channels:
            ch.close()
    assert all(n > 0 for n in by_pid.values()), by_pid  # both processes got connections
    assert sum(by_pid.values()) >= CONNECTIONS
    assert {(d.action, d.score, d.model_version) for d in decisions} == {
        (decisions[0].action, decisions[0].score, decisions[0].model_version)
    }
    assert [d.replayed for d in decisions].count(False) == 1  # scored once, replayed after
    box = Outbox(Path(supervisor.spec.options.outbox_path))
    try:
        events = [e for e in box.pending(1000) if e.request_id == "same-id"]
    finally:
        box.close()
    assert len(events) == 1


def test_each_process_also_serves_on_a_port_of_its_own(supervisor: ServiceSupervisor) -> None:
    ports = supervisor.private_ports
    assert len(ports) == 2
    assert len({supervisor.port, *ports}) == 3
    assert supervisor.addresses() == [f"127.0.0.1:{p}" for p in ports]
    pids = supervisor.pids()
    landed = _on_own_ports(supervisor, "own")
    # every connection to process i's port is held by process i, none by the other
    assert landed == [{pids[0]: 3, pids[1]: 0}, {pids[0]: 0, pids[1]: 3}]


def test_workers_start_with_the_configured_grpc_experiments(
    supervisor: ServiceSupervisor,
) -> None:
    wanted = supervisor.spec.settings.service_grpc_experiments
    assert wanted  # the default turns an experiment off (see GrpcExperiments)
    for pid in supervisor.pids():
        assert psutil.Process(pid).environ().get("GRPC_EXPERIMENTS") == wanted


def test_each_worker_runs_on_cpus_of_its_own(supervisor: ServiceSupervisor) -> None:
    shares = CpuShares.split(CpuShares.available(), 2)
    for pid, share in zip(supervisor.pids(), shares, strict=True):
        # every thread, gRPC's own included
        for task in Path(f"/proc/{pid}/task").iterdir():
            assert os.sched_getaffinity(int(task.name)) == set(share)


def test_a_killed_worker_is_restarted_and_serves(supervisor: ServiceSupervisor) -> None:
    ports = list(supervisor.private_ports)
    victim = supervisor.pids()[1]
    os.kill(victim, signal.SIGKILL)
    ready = supervisor.wait_ready(1, timeout_s=300, not_pid=victim)
    assert ready.pid != victim
    assert supervisor.restarts == 1
    assert ready.port == supervisor.port
    assert psutil.Process(ready.pid).is_running()
    channels = _channels(supervisor.port, CONNECTIONS)
    try:
        for i, ch in enumerate(channels):
            assert _score(ch, f"after-restart-{i}").request_id == f"after-restart-{i}"
        assert all(n > 0 for n in _connections_by_pid(supervisor).values())
    finally:
        for ch in channels:
            ch.close()
    assert supervisor.private_ports == ports  # the restarted process has its own port back
    landed = _on_own_ports(supervisor, "own-after-restart")
    assert landed[1] == {supervisor.pids()[0]: 0, ready.pid: 3}


def _flusher_restarted(supervisor: ServiceSupervisor, victim: int) -> int:
    """The successor of flusher process ``victim``."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        pid = supervisor.flusher_pid()
        if pid is not None and pid != victim and psutil.pid_exists(pid):
            return pid
        time.sleep(0.1)
    raise AssertionError("the flusher process was not restarted")


def test_the_outbox_flusher_runs_in_a_process_of_its_own(supervisor: ServiceSupervisor) -> None:
    flusher = supervisor.flusher_pid()
    assert flusher is not None
    assert flusher not in supervisor.pids()
    assert psutil.Process(flusher).is_running()
    restarts = supervisor.restarts
    os.kill(flusher, signal.SIGKILL)
    successor = _flusher_restarted(supervisor, flusher)
    assert successor != flusher
    assert supervisor.restarts == restarts + 1
    assert successor not in supervisor.pids()
    assert psutil.Process(successor).is_running()


def test_stop_ends_every_worker(supervisor: ServiceSupervisor) -> None:
    pids = supervisor.pids()
    flusher = supervisor.flusher_pid()
    supervisor.stop(0.5)
    assert not any(psutil.pid_exists(p) for p in pids)
    assert flusher is not None
    assert not psutil.pid_exists(flusher)
    restarts = supervisor.restarts
    with pytest.raises(grpc.RpcError):
        _score(_channels(supervisor.port, 1)[0], "after-stop")
    assert supervisor.restarts == restarts  # stopping is not dying: nothing restarted


def test_serve_command_runs_the_processes_and_sigterm_stops_them_all(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "FRAUDGRAPH_NEO4J_URI": "bolt://127.0.0.1:9",
        "FRAUDGRAPH_NEO4J_CONNECTION_TIMEOUT_S": "0.5",
        "FRAUDGRAPH_VAR_DIR": str(tmp_path),
        "FRAUDGRAPH_SERVICE_MODEL_POLL_S": "0",
        "FRAUDGRAPH_SERVICE_TOKEN_DIGESTS": json.dumps(
            {TokenAuthority.digest("score-token"): "score"}
        ),
    }
    fraudgraph = str(Path(sys.executable).with_name("fraudgraph"))
    command = [fraudgraph, "serve", "--port", "0", "--processes", "2", "--identifiers-only"]
    serve = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        port = listening_port(serve, " (2 processes)")
        workers = psutil.Process(serve.pid).children()
        assert len([w for w in workers if w.name().startswith("python")]) >= 2
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            assert _score(channel, "via-cli").request_id == "via-cli"
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=60) == 0
        _, alive = psutil.wait_procs(workers, timeout=10)
        assert alive == []
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
