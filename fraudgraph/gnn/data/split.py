"""Train/validation/test node splits, official or stratified."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from fraudgraph.errors import InvalidInputError


@dataclass(frozen=True, slots=True)
class Split:
    """Node indices of one train/validation/test partition (each a 1-D long tensor)."""

    name: str
    train: Tensor
    val: Tensor
    test: Tensor

    @classmethod
    def from_masks(cls, name: str, train: Tensor, val: Tensor, test: Tensor) -> Split:
        """Build a split from boolean masks of shape [N]."""
        return cls(name, *(torch.nonzero(m, as_tuple=False).flatten() for m in (train, val, test)))

    @classmethod
    def stratified(
        cls, labels: Tensor, seed: int, fractions: tuple[float, float] = (0.4, 0.2)
    ) -> Split:
        """Stratified random split: ``fractions`` = (train, val); the rest is test.

        Labels below 0 mark unlabelled nodes, which are left out of all three parts. This is the
        GADBench protocol (40/20/40) when called with the defaults.
        """
        train_frac, val_frac = fractions
        if not (train_frac > 0 and val_frac > 0 and train_frac + val_frac < 1):
            raise InvalidInputError(f"bad split fractions {fractions}", field="fractions")
        rng = np.random.default_rng(seed)
        y = labels.cpu().numpy()
        parts: list[list[np.ndarray]] = [[], [], []]
        for cls_value in np.unique(y[y >= 0]):
            idx = rng.permutation(np.flatnonzero(y == cls_value))
            n_train = round(train_frac * idx.size)
            n_val = round(val_frac * idx.size)
            for part, chunk in zip(parts, np.split(idx, [n_train, n_train + n_val]), strict=True):
                part.append(chunk)
        train, val, test = (torch.from_numpy(np.sort(np.concatenate(p))).long() for p in parts)
        return cls(f"seed{seed}", train, val, test)
