"""The Go load generator (clients/go): Node's requests and error names, and its failures."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from fraudgraph.errors import ConfigurationError
from fraudgraph.service import process_load_generator
from fraudgraph.service.event_codec import EventCodec
from fraudgraph.service.load_generator import LoadPlan
from fraudgraph.service.process_load_generator import ProcessLoadGenerator
from fraudgraph.service.serve_benchmark import BenchConfig, ServeBenchmark
from fraudgraph.service.service_runtime import ServiceRuntime

#: Skipped where the Go load generator is not built; under CI (which builds it) it must run.
needs_go = pytest.mark.skipif(
    not ProcessLoadGenerator.available("go") and os.environ.get("CI", "").lower() != "true",
    reason="clients/go/bin/loadgen is needed (make install, with Go)",
)
needs_node = pytest.mark.skipif(
    not ProcessLoadGenerator.available("node"),
    reason="node and clients/node/node_modules are needed",
)


def _plan(runtime: ServiceRuntime, **kw: object) -> LoadPlan:
    values: dict[str, object] = {
        "target": f"127.0.0.1:{runtime.port}", "token": "score-token", "rate": 100.0,
        "duration_s": 0.3, "concurrency": 8, "accounts": 1000, "devices": 500, "seed": 11,
        "account_pool": ("acct-ring-1", "AC0000042"), "device_pool": ("dv-a", "dv-b", "dv-c"),
    }  # fmt: skip
    values.update(kw)
    return LoadPlan(**values)  # type: ignore[arg-type]


def _sent_records(runtime: ServiceRuntime) -> dict[tuple[str, int], dict[str, object]]:
    """The transactions the server recorded by (id prefix, n), without ids and timestamps."""
    records: dict[tuple[str, int], dict[str, object]] = {}
    for pending in runtime.outbox.pending(10_000):
        record, _ = EventCodec.decode_event(pending.event)
        prefix, n = pending.request_id.rsplit("-", 1)
        fields = dataclasses.asdict(record)
        assert fields.pop("transaction_id") == f"{prefix}-t{n}"
        fields.pop("timestamp")
        records[prefix, int(n)] = fields
    return records


@needs_go
@needs_node
def test_go_client_sends_exactly_the_node_clients_requests(runtime: ServiceRuntime) -> None:
    plan = _plan(runtime)
    for kind in ("node", "go"):
        result = ProcessLoadGenerator(dataclasses.replace(plan, id_prefix=kind), kind).run()
        assert (result.sent, len(result.client_ms), result.errors) == (30, 30, {})
    records = _sent_records(runtime)
    assert len(records) == 60
    go = [records["go", n] for n in range(30)]
    assert go == [records["node", n] for n in range(30)]  # the same seeded PRNG sequence
    assert {r["payer_account"] for r in go[1::3]} <= {"acct-ring-1", "AC0000042"}
    assert len({r["amount"] for r in go}) == 30
    assert sum("139" in str(r["memo"]) for r in go) == 10  # one in three carries a phone


@needs_go
@pytest.mark.parametrize("streams", [0, 2])
def test_another_seed_sends_other_requests(runtime: ServiceRuntime, streams: int) -> None:
    for seed, prefix in ((11, "a"), (12, "b")):
        plan = _plan(runtime, seed=seed, id_prefix=prefix, streams=streams)
        assert ProcessLoadGenerator(plan, "go").run().errors == {}
    records = _sent_records(runtime)
    amounts = {prefix: [records[prefix, n]["amount"] for n in range(30)] for prefix in "ab"}
    assert amounts["a"] != amounts["b"]


@needs_go
def test_missed_deadlines_are_counted_by_grpc_js_status_names(runtime: ServiceRuntime) -> None:
    result = ProcessLoadGenerator(_plan(runtime, deadline_s=1e-6), "go").run()
    assert result.errors == {"DEADLINE_EXCEEDED": 30}  # grpc-go itself says DeadlineExceeded
    assert result.client_ms == []


def test_a_missing_go_binary_says_how_to_build_it(
    runtime: ServiceRuntime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(process_load_generator, "GO_BINARY", tmp_path / "loadgen")
    assert not ProcessLoadGenerator.available("go")
    with pytest.raises(ConfigurationError, match="make install"):
        ProcessLoadGenerator(_plan(runtime), "go").run()


def test_an_unknown_load_generator_is_refused(runtime: ServiceRuntime) -> None:
    with pytest.raises(ConfigurationError, match="go, node"):
        ProcessLoadGenerator(_plan(runtime), "rust")


def test_the_benchmark_stops_before_starting_servers_without_its_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(process_load_generator, "GO_BINARY", tmp_path / "loadgen")
    assert BenchConfig().client == "go"
    with pytest.raises(ConfigurationError, match="--client node"):
        ServeBenchmark(BenchConfig()).run()  # at once: no index is built, no server started
