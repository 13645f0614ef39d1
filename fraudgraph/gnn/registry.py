"""Versioned model registry on the file system.

Layout under the models root::

    v0001/ weights.pt  transform.pt  config.json  feature_schema.json  metrics.json
           fingerprint.txt  README.md (model card)
    PROMOTED            (the name of the version the service should load)

A version directory is written under a temporary name and renamed into place, so readers
never see a half-written model; PROMOTED is replaced atomically the same way.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from fraudgraph.errors import ModelError, NotFoundError
from fraudgraph.gnn.input_transform import InputTransform
from fraudgraph.gnn.models.model_factory import build_model

_VERSION = re.compile(r"^v(\d{4,})$")
PROMOTED_FILE = "PROMOTED"


@dataclass(slots=True)
class ModelRecord:
    """One registered model: what it is, how it was trained and how well it did."""

    version: str
    path: Path
    config: dict[str, Any]
    feature_schema: dict[str, Any]
    metrics: dict[str, Any]
    fingerprint: str
    promoted: bool


@dataclass(slots=True)
class LoadedModel:
    """A model ready to score: weights loaded, eval mode, with its input transform."""

    record: ModelRecord
    model: nn.Module
    transform: InputTransform


class ModelRegistry:
    """Save, list, inspect, promote and load models under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(
        self,
        model: nn.Module,
        *,
        config: dict[str, Any],
        transform: InputTransform,
        feature_schema: dict[str, Any],
        metrics: dict[str, Any],
        fingerprint: str,
    ) -> ModelRecord:
        """Register a new version; ``config['model']`` = {"class": ..., "kwargs": {...}}."""
        if "model" not in config or "class" not in config["model"]:
            raise ModelError("config must name the model class and its constructor kwargs")
        self.root.mkdir(parents=True, exist_ok=True)
        version = self._next_version()
        staging = self.root / f".staging-{version}-{os.getpid()}"
        staging.mkdir()
        torch.save(model.state_dict(), staging / "weights.pt")
        torch.save(transform.state(), staging / "transform.pt")
        _write_json(staging / "config.json", config)
        _write_json(staging / "feature_schema.json", feature_schema)
        _write_json(staging / "metrics.json", metrics)
        (staging / "fingerprint.txt").write_text(fingerprint + "\n")
        (staging / "README.md").write_text(_model_card(version, config, metrics, fingerprint))
        staging.rename(self.root / version)
        return self.show(version)

    def versions(self) -> list[str]:
        """Registered versions, oldest first."""
        if not self.root.is_dir():
            return []
        found = [p.name for p in self.root.iterdir() if p.is_dir() and _VERSION.match(p.name)]
        return sorted(found, key=lambda v: int(v[1:]))

    def list(self) -> list[ModelRecord]:
        """All records, oldest first."""
        return [self.show(v) for v in self.versions()]

    def show(self, version: str) -> ModelRecord:
        """The record of one version."""
        path = self.root / version
        if not _VERSION.match(version) or not path.is_dir():
            raise NotFoundError(f"model version {version!r} not found under {self.root}")
        return ModelRecord(
            version=version,
            path=path,
            config=_read_json(path / "config.json"),
            feature_schema=_read_json(path / "feature_schema.json"),
            metrics=_read_json(path / "metrics.json"),
            fingerprint=(path / "fingerprint.txt").read_text().strip(),
            promoted=self.promoted_version() == version,
        )

    def promote(self, version: str) -> ModelRecord:
        """Make ``version`` the one :meth:`load_promoted` returns."""
        self.show(version)  # raises NotFoundError for unknown versions
        tmp = self.root / f".{PROMOTED_FILE}.{os.getpid()}"
        tmp.write_text(version + "\n")
        tmp.replace(self.root / PROMOTED_FILE)
        return self.show(version)

    def promoted_version(self) -> str | None:
        """Name of the promoted version, or None."""
        path = self.root / PROMOTED_FILE
        return path.read_text().strip() if path.is_file() else None

    def load(self, version: str, device: str = "cpu") -> LoadedModel:
        """Rebuild the model of ``version`` with its weights and transform."""
        record = self.show(version)
        spec = record.config["model"]
        model = build_model(spec["class"], spec.get("kwargs", {}))
        try:
            weights = torch.load(record.path / "weights.pt", map_location=device)
            transform_state = torch.load(record.path / "transform.pt", map_location=device)
            model.load_state_dict(weights)
        except (OSError, RuntimeError) as exc:
            raise ModelError(f"cannot load model {version}: {exc}") from exc
        model.eval()
        return LoadedModel(record, model.to(device), InputTransform.from_state(transform_state))

    def load_promoted(self, device: str = "cpu") -> LoadedModel:
        """Load the promoted model (what the real-time service scores with)."""
        version = self.promoted_version()
        if version is None:
            raise NotFoundError(f"no promoted model under {self.root}")
        return self.load(version, device)

    def _next_version(self) -> str:
        existing = self.versions()
        number = int(existing[-1][1:]) + 1 if existing else 1
        return f"v{number:04d}"


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"unreadable registry file {path}: {exc}") from exc
    return data


def _model_card(version: str, config: dict[str, Any], metrics: dict[str, Any], fp: str) -> str:
    lines = [
        f"# fraudgraph GNN model {version}",
        "",
        f"- Created: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}",
        f"- Model: {config['model']['class']} {json.dumps(config['model'].get('kwargs', {}))}",
        f"- Training data: {config.get('dataset', {}).get('name', 'unknown')} "
        f"(fingerprint sha256 {fp[:16]}...)",
        "- Intended use: ranking accounts/customers for fraud review; scores are probabilities",
        "  from a model trained on the data named above and shift when the population shifts.",
        "",
        "## Metrics",
        "",
    ]
    lines += [f"- {k}: {v}" for k, v in sorted(metrics.items())]
    return "\n".join(lines) + "\n"
