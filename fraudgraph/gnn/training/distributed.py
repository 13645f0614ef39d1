"""Distributed data-parallel training (torchrun or spawned processes, gloo or NCCL)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor
from torch_geometric.data import Data

from fraudgraph.gnn.models.sep_gnn import SepGNN
from fraudgraph.gnn.training.train_config import TrainConfig
from fraudgraph.gnn.training.train_job import TrainJob
from fraudgraph.gnn.training.trainer import Trainer


def train_rank(
    rank: int,
    world: int,
    init_method: str,
    data: Data,
    train_idx: Tensor,
    val_idx: Tensor,
    model_kwargs: dict[str, Any],
    config: TrainConfig,
    out_dir: Path,
) -> None:
    """Train one rank of a CPU (gloo) DDP job and save its final weights as ``rank{R}.pt``.

    Used by tests through ``torch.multiprocessing.spawn``: every rank must end with the
    same weights, because DDP averages gradients and starts from rank 0's parameters.
    """
    dist.init_process_group("gloo", init_method=init_method, rank=rank, world_size=world)
    try:
        torch.manual_seed(config.seed + rank)  # different on purpose: DDP must sync the start
        model = SepGNN(**model_kwargs)
        ddp = torch.nn.parallel.DistributedDataParallel(model)
        trainer = Trainer(ddp, config, rank=rank)
        trainer.fit(data, train_idx, val_idx, shard=(rank, world))
        torch.save(model.state_dict(), out_dir / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def main() -> None:
    """Entry point of ``torchrun -m fraudgraph.gnn.training.distributed JOB.json``."""
    job = TrainJob(**json.loads(Path(sys.argv[1]).read_text()))
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    dist.init_process_group(backend)  # rank and world size come from torchrun's launcher
    try:
        rank, world = dist.get_rank(), dist.get_world_size()
        if backend == "nccl":
            torch.cuda.set_device(rank % torch.cuda.device_count())
        summary = job.run(rank, world)
        if rank == 0:
            print(json.dumps(summary, default=str))
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
