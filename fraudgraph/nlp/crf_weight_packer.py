"""Stores a saved CRF pipeline's weights as float16 (half the size on disk).

An ensemble of address CRFs is three models, mostly embedding tables; in float32 they would
take about 17 MB. :meth:`CrfWeightPacker.pack` rewrites every ``weights*.pt`` of the pipeline's
``ner`` folder with its floating-point tensors in float16 and notes it in ``meta.json``. Loading
needs nothing new: ``load_state_dict`` copies the float16 values into the float32 model, which
then runs in float32 as before. A crf config asks for it with ``[save] half = true`` (the
trainer reads only ``[model]`` and ``[training]``).
"""

from __future__ import annotations

import json
from pathlib import Path


class CrfWeightPacker:
    """Rewrites a saved CRF pipeline's weights in float16 when enabled."""

    def __init__(self, half: bool = False) -> None:
        self.half = half

    @classmethod
    def from_config(cls, path: Path) -> CrfWeightPacker:
        """The ``[save]`` section of a crf config (absent: weights stay float32)."""
        from thinc.api import Config

        config = Config().from_disk(path)
        return cls(bool(config.get("save", {}).get("half", False)))

    def pack(self, pipeline: Path) -> Path:
        """Store the weights of the pipeline at ``pipeline`` as float16 if enabled; return it."""
        import torch

        if not self.half:
            return pipeline
        for weights in sorted((pipeline / "ner").glob("weights*.pt")):
            state = torch.load(weights, map_location="cpu", weights_only=True)
            half = {
                name: tensor.half() if tensor.is_floating_point() else tensor
                for name, tensor in state.items()
            }
            torch.save(half, weights)
        meta_path = pipeline / "meta.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["crf_weights"] = "float16"
        meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
        return pipeline
