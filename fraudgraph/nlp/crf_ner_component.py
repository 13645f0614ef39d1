"""The spaCy component ``fraudgraph_crf_ner``: a :class:`CrfTaggerModel` that sets ``doc.ents``.

It tags the characters of ``doc.text`` (whatever the tokenizer did) and turns the decoded BIOES
tags into entity spans, so it works behind ``spacy.blank("zh")``. Added under the name ``ner``,
a saved pipeline loads with ``spacy.load`` and is scored by ``fraudgraph nlp eval`` like the
spaCy NER models. ``to_disk`` writes ``crf.json`` (model sizes + vocabulary) and
``weights.pt`` (the torch state dict). An ensemble (several models with one vocabulary, decoded
together by :meth:`CrfTaggerModel.decode_mean`) adds ``weights.1.pt`` ... and ``"members"`` to
``crf.json``; a file without ``"members"`` holds one model.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacy.language import Language

from fraudgraph.errors import ModelError
from fraudgraph.nlp.corpus import Span
from fraudgraph.nlp.crf_vocab import CrfVocab

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from fraudgraph.nlp.crf_tagger_model import CrfTaggerModel

_META = "crf.json"
_WEIGHTS = "weights.pt"


class CrfNerComponent:
    """Pipeline component wrapping a trained CRF tagger (see the module docstring)."""

    def __init__(self, name: str = "ner", batch_size: int = 64) -> None:
        self.name = name
        self.batch_size = batch_size
        self.vocab: CrfVocab | None = None
        self.models: list[CrfTaggerModel] = []

    @property
    def model(self) -> CrfTaggerModel | None:
        """The (first) trained model, None before one is set."""
        return self.models[0] if self.models else None

    def set_model(self, vocab: CrfVocab, model: CrfTaggerModel) -> None:
        """Use a trained ``model`` with its ``vocab``."""
        self.set_models(vocab, [model])

    def set_models(self, vocab: CrfVocab, models: Sequence[CrfTaggerModel]) -> None:
        """Use trained ``models`` (an ensemble sharing ``vocab``)."""
        self.vocab = vocab
        self.models = list(models)

    @property
    def labels(self) -> tuple[str, ...]:
        """Entity labels the model predicts."""
        return tuple(self.vocab.labels) if self.vocab is not None else ()

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        """Set ``doc.ents`` of every doc, tagging ``batch_size`` texts at a time."""
        size = batch_size or self.batch_size
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= size:
                yield from self._tag(batch)
                batch = []
        yield from self._tag(batch)

    def _tag(self, docs: list[Doc]) -> list[Doc]:
        for doc, spans in zip(docs, self.predict([doc.text for doc in docs]), strict=True):
            found = [doc.char_span(s, e, label, alignment_mode="contract") for s, e, label in spans]
            doc.ents = [span for span in found if span is not None and len(span) > 0]
        return docs

    def predict(self, texts: Sequence[str]) -> list[list[Span]]:
        """Character spans of every text (empty texts have none)."""
        import torch

        from fraudgraph.nlp.crf_trainer import to_device

        if self.vocab is None or not self.models:
            raise ModelError(f"component {self.name!r} has no trained CRF model")
        # Models being trained on a GPU are scored there (saved and loaded ones are on CPU).
        device = next(self.models[0].parameters()).device
        results: list[list[Span]] = [[] for _ in texts]
        todo = [i for i, text in enumerate(texts) if text]
        if not todo:
            return results
        # Sorting by length keeps padding low when a batch mixes short and long texts.
        todo.sort(key=lambda i: len(texts[i]))
        for model in self.models:
            model.eval()
        with torch.inference_mode():
            for start in range(0, len(todo), self.batch_size):
                chunk = todo[start : start + self.batch_size]
                encoded = to_device(self.vocab.encode([texts[i] for i in chunk]), device)
                paths = self.models[0].decode_mean(self.models, encoded)
                for i, path in zip(chunk, paths, strict=True):
                    results[i] = self.vocab.spans(path)
        return results

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Write the sizes, vocabulary and weights under ``path``."""
        import torch

        if self.vocab is None or not self.models:
            raise ModelError(f"component {self.name!r} has no trained CRF model to save")
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        meta: dict[str, Any] = {"shape": self.models[0].shape.as_dict()}
        if len(self.models) > 1:
            meta["members"] = len(self.models)
        meta["vocab"] = self.vocab.to_dict()
        (folder / _META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        for member, model in enumerate(self.models):
            torch.save(model.state_dict(), folder / self._weights(member))

    @staticmethod
    def _weights(member: int) -> str:
        """File of the ``member``-th model's weights (the first keeps the old name)."""
        return _WEIGHTS if member == 0 else _WEIGHTS.replace(".pt", f".{member}.pt")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> CrfNerComponent:
        """Load what :meth:`to_disk` wrote."""
        import torch

        from fraudgraph.nlp.crf_tagger_model import CrfTaggerModel, CrfTaggerShape

        folder = Path(path)
        meta: dict[str, Any] = json.loads((folder / _META).read_text(encoding="utf-8"))
        vocab = CrfVocab.from_dict(meta["vocab"])
        shape = CrfTaggerShape(**meta["shape"])
        models = []
        for member in range(int(meta.get("members", 1))):
            model = CrfTaggerModel(shape, vocab.allowed())
            weights = folder / self._weights(member)
            model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
            models.append(model.eval())
        self.set_models(vocab, models)
        return self


@Language.factory("fraudgraph_crf_ner", default_config={"batch_size": 64})
def make_crf_ner(nlp: Language, name: str, batch_size: int) -> CrfNerComponent:
    """spaCy factory of :class:`CrfNerComponent` (weights come from ``from_disk``)."""
    return CrfNerComponent(name, batch_size)
