"""Training loop: seeds, device, mixed precision, early stopping, checkpoints, resume."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from torch_geometric.data import Data
from tqdm import tqdm

from fraudgraph.errors import ModelError
from fraudgraph.gnn.device import pick_device
from fraudgraph.gnn.sampling.csr_graph import CsrGraph
from fraudgraph.gnn.sampling.neighbor_sampler import NeighborSampler
from fraudgraph.gnn.training.metrics import auprc
from fraudgraph.gnn.training.train_config import TrainConfig
from fraudgraph.gnn.training.train_result import TrainResult

CHECKPOINT_FILE = "checkpoint.pt"


def seed_everything(seed: int) -> None:
    """Fix Python, NumPy and torch random state so runs repeat."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class Trainer:
    """Train a node-scoring model (``model(x, edge_index, edge_attr) -> logits [N]``).

    Early stopping watches validation AUPRC (the metric that matters at a 1-5% fraud rate) and
    the best weights are restored at the end. ``directed`` says the graph's edges keep their
    direction (sampling then follows links both ways); undirected full-batch training without
    edge features uses a sparse CSR adjacency instead of ``edge_index`` (much faster). For
    distributed training wrap the model in DistributedDataParallel first and give each rank its
    ``shard`` of the seed nodes.
    """

    def __init__(
        self, model: nn.Module, config: TrainConfig, *, directed: bool = False, rank: int = 0
    ) -> None:
        self.config = config
        self.directed = directed
        self.device = pick_device(config.device)
        self.model = model.to(self.device)
        self.rank = rank
        self.optimizer = torch.optim.AdamW(
            model.parameters(), lr=config.lr, weight_decay=config.weight_decay
        )
        self._sampler: NeighborSampler | None = None
        self._graph: _GraphOnDevice | None = None

    def fit(
        self, data: Data, train_idx: Tensor, val_idx: Tensor, *, shard: tuple[int, int] = (0, 1)
    ) -> TrainResult:
        """Train on ``train_idx`` (this rank's ``shard`` = (rank, world)); stop on ``val_idx``."""
        seed_everything(self.config.seed)
        start = time.perf_counter()
        graph = self._on_device(data)
        state = self._resume_state()
        history: list[dict[str, float]] = state.get("history", [])
        best = float(state.get("best", -1.0))
        best_epoch = int(state.get("best_epoch", -1))
        best_weights = state.get("best_weights") or _copy_weights(self.model)
        # Equal shard sizes: ranks with a different number of batches would hang in all-reduce.
        usable = train_idx.numel() // shard[1] * shard[1]
        my_train = train_idx[:usable][shard[0] :: shard[1]]
        labels = data.y.float()
        epoch = int(state.get("epoch", -1)) + 1
        bar = tqdm(
            range(epoch, self.config.epochs),
            disable=not self.config.progress or self.rank != 0,
            desc="train",
            leave=False,
        )
        for epoch in bar:
            loss = self._train_epoch(graph, my_train, labels)
            val = _agree(auprc(data.y[val_idx].numpy(), self.predict(data, val_idx).numpy()))
            history.append({"epoch": float(epoch), "loss": loss, "val_auprc": val})
            if val > best:
                best, best_epoch, best_weights = val, epoch, _copy_weights(self.model)
            bar.set_postfix(loss=f"{loss:.4f}", val_auprc=f"{val:.4f}", best=f"{best:.4f}")
            self._save_checkpoint(epoch, best, best_epoch, best_weights, history)
            if epoch - best_epoch >= self.config.patience:
                break
        bar.close()
        self.model.load_state_dict(best_weights)
        return TrainResult(best, best_epoch, len(history), time.perf_counter() - start, history)

    @torch.no_grad()
    def predict(self, data: Data, nodes: Tensor | None = None) -> Tensor:
        """Fraud probabilities (CPU float tensor) of ``nodes`` (all nodes when None)."""
        self.model.eval()
        graph = self._on_device(data)
        nodes = torch.arange(data.num_nodes) if nodes is None else nodes
        if self.config.batch_size is None:
            with self._autocast():
                logits = self.model(graph.x, graph.structure, graph.edge_attr)
            return torch.sigmoid(logits.float()[nodes.to(self.device)]).cpu()
        chunks = []
        for batch in torch.split(nodes, self.config.batch_size):
            with self._autocast():
                logits, _ = self._forward_sampled(graph, data, batch)
            chunks.append(torch.sigmoid(logits.float()).cpu())
        return torch.cat(chunks)

    def _train_epoch(self, graph: _GraphOnDevice, train_idx: Tensor, labels: Tensor) -> float:
        self.model.train()
        batches: Iterator[Tensor]
        if self.config.batch_size is None:
            batches = iter([train_idx])
        else:
            order = train_idx[torch.randperm(train_idx.numel())]
            batches = iter(torch.split(order, self.config.batch_size))
        total, count = 0.0, 0
        for batch in batches:
            self.optimizer.zero_grad(set_to_none=True)
            with self._autocast():
                if self.config.batch_size is None:
                    logits = self.model(graph.x, graph.structure, graph.edge_attr)[
                        batch.to(self.device)
                    ]
                else:
                    logits, _ = self._forward_sampled(graph, graph.data, batch)
            target = labels[batch].to(self.device)
            loss = nn.functional.binary_cross_entropy_with_logits(logits.float(), target)
            loss.backward()  # type: ignore[no-untyped-call]
            self.optimizer.step()
            total += float(loss.detach()) * batch.numel()
            count += batch.numel()
        return total / max(count, 1)

    def _forward_sampled(
        self, graph: _GraphOnDevice, data: Data, seeds: Tensor
    ) -> tuple[Tensor, int]:
        sampler = self._get_sampler(data)
        sub = sampler.sample(seeds)
        x = data.x[sub.node_ids].to(self.device)
        edge_attr = graph.edge_attr_cpu
        attr = None if edge_attr is None else edge_attr[sub.edge_ids].to(self.device)
        logits = self.model(x, sub.edge_index.to(self.device), attr)
        return logits[: sub.num_seeds], sub.num_seeds

    def _get_sampler(self, data: Data) -> NeighborSampler:
        if self._sampler is None:
            csr = CsrGraph.from_edge_index(
                data.edge_index, data.num_nodes, both_directions=self.directed
            )
            self._sampler = NeighborSampler(
                csr, data.edge_index, self.config.fanouts, seed=self.config.seed
            )
        return self._sampler

    def _on_device(self, data: Data) -> _GraphOnDevice:
        cached = self._graph
        if cached is not None and cached.data is data:
            return cached
        inner = getattr(self.model, "module", self.model)  # unwrap DistributedDataParallel
        use_sparse = (
            self.config.sparse_adjacency
            and bool(getattr(inner, "supports_sparse_adjacency", False))
            and self.config.batch_size is None
            and not self.directed
            and getattr(data, "edge_attr", None) is None
        )
        self._graph = _GraphOnDevice(data, self.device, use_sparse)
        return self._graph

    def _autocast(self) -> AbstractContextManager[Any]:
        # bfloat16 autocast on GPU only: on CPU it is slower than float32 for these sizes.
        if self.config.amp and self.device.type == "cuda":
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return nullcontext()

    def _checkpoint_path(self) -> Path | None:
        folder = self.config.checkpoint_dir
        return None if folder is None else folder / CHECKPOINT_FILE

    def _resume_state(self) -> dict[str, Any]:
        path = self._checkpoint_path()
        if not self.config.resume or path is None or not path.is_file():
            return {}
        try:
            state: dict[str, Any] = torch.load(path, map_location=self.device, weights_only=False)
        except (OSError, RuntimeError) as exc:
            raise ModelError(f"cannot read checkpoint {path}: {exc}") from exc
        self.model.load_state_dict(state["weights"])
        self.optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["rng"])
        return state

    def _save_checkpoint(
        self,
        epoch: int,
        best: float,
        best_epoch: int,
        best_weights: dict[str, Tensor],
        history: list[dict[str, float]],
    ) -> None:
        path = self._checkpoint_path()
        if path is None or self.rank != 0:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {
            "epoch": epoch,
            "best": best,
            "best_epoch": best_epoch,
            "best_weights": best_weights,
            "weights": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "rng": torch.get_rng_state(),
            "history": history,
        }
        tmp = path.with_suffix(".tmp")
        torch.save(state, tmp)
        tmp.replace(path)  # atomic: a crash mid-write never leaves a torn checkpoint


class _GraphOnDevice:
    """The full graph's tensors moved to the training device once."""

    def __init__(self, data: Data, device: torch.device, sparse: bool) -> None:
        self.data = data
        self.x: Tensor = data.x.to(device)
        self.edge_index: Tensor = data.edge_index.to(device)
        self.structure = self.edge_index
        if sparse:
            csr = CsrGraph.from_edge_index(data.edge_index, data.num_nodes)
            self.structure = csr.to_sparse_adjacency().to(device)
        attr = getattr(data, "edge_attr", None)
        self.edge_attr_cpu: Tensor | None = attr
        self.edge_attr: Tensor | None = None if attr is None else attr.to(device)


def _agree(value: float) -> float:
    """Rank 0's value on every rank, so early stopping decides the same everywhere under DDP."""
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return value
    buffer = torch.tensor([value], dtype=torch.float64)
    torch.distributed.broadcast(buffer, src=0)
    return float(buffer.item())


def _copy_weights(model: nn.Module) -> dict[str, Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}
