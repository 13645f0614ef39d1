"""Distributed data-parallel training: two gloo processes end with identical weights."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp
from torch_geometric.data import Data

from fraudgraph.gnn.data.split import Split
from fraudgraph.gnn.models.sep_gnn import SepGNN
from fraudgraph.gnn.training.distributed import train_rank
from fraudgraph.gnn.training.train_config import TrainConfig


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_two_cpu_ranks_finish_with_identical_weights(planted_graph: Data, tmp_path: Path) -> None:
    data = planted_graph
    split = Split.stratified(data.y, seed=0, fractions=(0.5, 0.2))
    config = TrainConfig(epochs=6, patience=100, lr=0.01, progress=False, device="cpu")
    kwargs = {"in_channels": 4, "hidden_channels": 8, "num_layers": 1}
    init = f"tcp://127.0.0.1:{_free_port()}"
    mp.spawn(
        train_rank,
        args=(2, init, data, split.train, split.val, kwargs, config, tmp_path),
        nprocs=2,
        join=True,
    )
    rank0 = torch.load(tmp_path / "rank0.pt")
    rank1 = torch.load(tmp_path / "rank1.pt")
    assert rank0.keys() == rank1.keys()
    for name in rank0:
        assert torch.equal(rank0[name], rank1[name]), name
    # training moved the weights away from rank 0's initial values
    torch.manual_seed(config.seed)
    initial = SepGNN(**kwargs).state_dict()
    assert any(not torch.equal(initial[k], rank0[k]) for k in rank0)
