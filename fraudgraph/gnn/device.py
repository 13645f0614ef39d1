"""Choice of the torch device: CUDA when present, CPU otherwise."""

from __future__ import annotations

import torch

from fraudgraph.errors import ConfigurationError


def pick_device(requested: str = "auto") -> torch.device:
    """Return the device for ``requested`` (``auto``, ``cpu``, ``cuda`` or ``cuda:N``)."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(requested)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigurationError(f"device {requested!r} requested but CUDA is not available")
    return device
