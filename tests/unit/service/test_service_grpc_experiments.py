"""gRPC core experiment switches reach the processes that load gRPC after they are set."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from fraudgraph.service.grpc_experiments import ENV_VAR, GrpcExperiments

_PROBE = (
    "import sys; from fraudgraph.service.grpc_experiments import GrpcExperiments as G; "
    "first = G.export(sys.argv[1]); import grpc; "
    "second = G.export(sys.argv[1]); print(first, second)"
)


def test_export_sets_the_variable_and_reports_a_loaded_core(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    import grpc  # noqa: F401  this test process has loaded gRPC core

    assert GrpcExperiments.export("-event_engine_listener") is False
    assert GrpcExperiments.core_loaded()
    assert os.environ[ENV_VAR] == "-event_engine_listener"


def test_an_empty_value_keeps_the_operators_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "-tcp_rcv_lowat")
    GrpcExperiments.export("")
    assert os.environ[ENV_VAR] == "-tcp_rcv_lowat"


def test_a_fresh_process_applies_it_and_grpc_knows_the_switch() -> None:
    # gRPC core logs "Unknown experiment" for a name it does not have: the default must be
    # one this grpcio knows, or the setting would silently do nothing after an upgrade.
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, "-event_engine_listener"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert done.stdout.split() == ["True", "False"]
    assert "Unknown experiment" not in done.stderr
    bogus = subprocess.run(
        [sys.executable, "-c", _PROBE, "-no_such_x"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert "Unknown experiment" in bogus.stderr
