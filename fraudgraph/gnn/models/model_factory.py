"""Rebuild a model from the (class name, constructor arguments) a registry entry records."""

from __future__ import annotations

from typing import Any

from torch import nn

from fraudgraph.errors import ModelError
from fraudgraph.gnn.models.hetero_sep_gnn import HeteroSepGNN
from fraudgraph.gnn.models.sep_gnn import SepGNN

MODEL_CLASSES: dict[str, type[nn.Module]] = {"SepGNN": SepGNN, "HeteroSepGNN": HeteroSepGNN}


def build_model(class_name: str, kwargs: dict[str, Any]) -> nn.Module:
    """Instantiate ``class_name`` with ``kwargs`` (lists become tuples where JSON lost them)."""
    cls = MODEL_CLASSES.get(class_name)
    if cls is None:
        raise ModelError(f"unknown model class {class_name!r}; known: {sorted(MODEL_CLASSES)}")
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ModelError(f"bad arguments for {class_name}: {exc}") from exc
