"""thinc operations whose matrix products use numpy's BLAS instead of blis.

The CNN encoder of the NER models is mostly matrix products of a (tokens x 288) batch by a
(288 x 288) weight. On x86 the OpenBLAS that numpy ships runs that shape several times faster
than the blis kernels thinc's ``NumpyOps`` uses (measured 70 vs 20 GFLOP/s on one core), so the
extractor swaps these ops into its loaded pipelines. Everything else (maxout, seq2col, hashing)
stays the compiled ``NumpyOps`` code; results agree up to float32 rounding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy
from thinc.api import Model, NumpyOps
from thinc.types import Floats2d

if TYPE_CHECKING:
    from spacy.language import Language


class BlasOps(NumpyOps):  # type: ignore[misc]  # thinc ships NumpyOps untyped (Cython)
    """``NumpyOps`` with ``gemm`` through ``numpy.dot`` (OpenBLAS/MKL)."""

    name = "fraudgraph_blas"

    def gemm(
        self,
        x: Floats2d,
        y: Floats2d,
        *,
        out: Floats2d | None = None,
        trans1: bool = False,
        trans2: bool = False,
    ) -> Floats2d:
        left: Any = x.T if trans1 else x
        right: Any = y.T if trans2 else y
        if out is None:
            return cast(Floats2d, numpy.dot(left, right))
        numpy.dot(left, right, out=cast(Any, out))
        return out

    @classmethod
    def install(cls, nlp: Language) -> int:
        """Use these ops in every thinc model of ``nlp``; returns how many nodes changed."""
        ops = cls()
        changed = 0
        for _, component in nlp.pipeline:
            model: Any = getattr(component, "model", None)
            if not isinstance(model, Model):
                continue
            for node in model.walk():
                if type(node.ops) is NumpyOps:
                    node.ops = ops
                    changed += 1
        return changed
