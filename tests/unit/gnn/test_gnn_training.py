"""The trainer learns a planted problem, checkpoints and resumes."""

from __future__ import annotations

from pathlib import Path

import torch
from torch_geometric.data import Data

from fraudgraph.gnn.data.split import Split
from fraudgraph.gnn.models.sep_gnn import SepGNN
from fraudgraph.gnn.training.metrics import auprc
from fraudgraph.gnn.training.train_config import TrainConfig
from fraudgraph.gnn.training.trainer import Trainer


def _split(data: Data) -> Split:
    return Split.stratified(data.y, seed=0, fractions=(0.5, 0.2))


def _test_auprc(trainer: Trainer, data: Data, split: Split) -> float:
    return auprc(data.y[split.test].numpy(), trainer.predict(data, split.test).numpy())


def test_training_improves_auprc_on_planted_problem(planted_graph: Data) -> None:
    torch.manual_seed(0)
    split = _split(planted_graph)
    model = SepGNN(4, hidden_channels=16, num_layers=1, aggregators=("mean", "std"))
    trainer = Trainer(model, TrainConfig(epochs=60, lr=0.01, patience=60, progress=False))
    before = _test_auprc(trainer, planted_graph, split)
    result = trainer.fit(planted_graph, split.train, split.val)
    after = _test_auprc(trainer, planted_graph, split)
    positive_rate = float(planted_graph.y[split.test].float().mean())
    assert before < 0.4
    assert after > 0.8
    assert after > before + 0.4
    assert after > 4 * positive_rate
    assert result.best_val_auprc > 0.7


def test_mini_batch_training_with_sampler_learns(planted_graph: Data) -> None:
    torch.manual_seed(0)
    split = _split(planted_graph)
    model = SepGNN(4, hidden_channels=16, num_layers=1, aggregators=("mean", "max"))
    config = TrainConfig(
        epochs=30, lr=0.01, patience=30, batch_size=64, fanouts=(10,), progress=False
    )
    trainer = Trainer(model, config)
    trainer.fit(planted_graph, split.train, split.val)
    assert _test_auprc(trainer, planted_graph, split) > 0.7


def test_checkpoint_and_resume_continue_the_run(planted_graph: Data, tmp_path: Path) -> None:
    split = _split(planted_graph)

    def make(epochs: int, resume: bool) -> Trainer:
        torch.manual_seed(0)
        model = SepGNN(4, hidden_channels=8, num_layers=1)
        config = TrainConfig(
            epochs=epochs, patience=100, checkpoint_dir=tmp_path, resume=resume, progress=False
        )
        return Trainer(model, config)

    first = make(3, resume=False).fit(planted_graph, split.train, split.val)
    assert (tmp_path / "checkpoint.pt").is_file()
    assert first.epochs_run == 3
    resumed = make(6, resume=True).fit(planted_graph, split.train, split.val)
    assert resumed.epochs_run == 6  # 3 restored from the checkpoint + 3 new
    assert [h["epoch"] for h in resumed.history] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert resumed.history[:3] == first.history


def test_early_stopping_stops_before_the_epoch_budget(planted_graph: Data) -> None:
    split = _split(planted_graph)
    model = SepGNN(4, hidden_channels=8, num_layers=1)
    trainer = Trainer(model, TrainConfig(epochs=500, lr=0.05, patience=5, progress=False))
    result = trainer.fit(planted_graph, split.train, split.val)
    assert result.epochs_run < 500
    assert result.epochs_run - 1 - result.best_epoch == 5
