"""The CRF trainer's ``device`` and ``layers`` options (CPU only); the selection sweep's
helpers are tested in test_nlp_crf_sweep.py."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import spacy
import torch

from fraudgraph.errors import ConfigurationError
from fraudgraph.nlp.crf_ner_component import CrfNerComponent
from fraudgraph.nlp.crf_trainer import CrfTrainer, CrfTrainingSettings, to_device
from fraudgraph.nlp.crf_vocab import CrfVocab
from fraudgraph.nlp.ner_trainer import CONFIG_DIR
from tests.unit.nlp.test_crf_tagger import SMALL, _corpus

_TEXTS = ["张伟在上海工作", "北京的王芳", "李娜在杭州工作", "深圳的陈静"]


def _component(path: Path) -> CrfNerComponent:
    component = spacy.load(path).get_pipe("ner")
    assert isinstance(component, CrfNerComponent)
    return component


def test_a_two_layer_model_learns_saves_and_loads(tmp_path: Path) -> None:
    settings = dataclasses.replace(SMALL, layers=2, epochs=25)
    path = CrfTrainer(settings).train(_corpus(120, 1), [], tmp_path / "model")
    component = _component(path)
    assert component.model is not None
    assert component.model.shape.layers == 2
    assert component.model.encoder.num_layers == 2
    meta = json.loads((path / "ner" / "crf.json").read_text(encoding="utf-8"))
    assert meta["shape"]["layers"] == 2
    assert component.predict(["王芳在北京工作"]) == [[(0, 2, "PER"), (3, 5, "LOC")]]


def test_a_model_saved_without_layers_loads_as_one_layer(tmp_path: Path) -> None:
    path = CrfTrainer(dataclasses.replace(SMALL, epochs=3)).train(
        _corpus(40, 2), [], tmp_path / "model"
    )
    before = _component(path).predict(_TEXTS)
    meta_path = path / "ner" / "crf.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    del meta["shape"]["layers"]  # as every model saved before the option existed
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    component = _component(path)
    assert component.model is not None
    assert component.model.encoder.num_layers == 1
    assert component.predict(_TEXTS) == before


def test_the_device_defaults_to_cpu_and_is_not_recorded(tmp_path: Path) -> None:
    assert CrfTrainingSettings().device == "cpu"
    path = CrfTrainer(dataclasses.replace(SMALL, epochs=1)).train(
        _corpus(20, 3), [], tmp_path / "model"
    )
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    assert "device" not in meta["crf_training"]
    component = _component(path)
    assert component.model is not None
    assert {p.device.type for p in component.model.parameters()} == {"cpu"}


def test_auto_follows_what_torch_sees(monkeypatch: pytest.MonkeyPatch) -> None:
    auto = CrfTrainer(dataclasses.replace(SMALL, device="auto"))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert auto.device() == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert auto.device().type == "cuda"


def test_cuda_without_a_gpu_and_unknown_devices_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ConfigurationError, match="no GPU"):
        CrfTrainer(dataclasses.replace(SMALL, device="cuda")).device()
    with pytest.raises(ConfigurationError, match="unknown training device"):
        CrfTrainer(dataclasses.replace(SMALL, device="abacus")).device()


def test_device_and_layers_come_from_a_config(tmp_path: Path) -> None:
    base = (CONFIG_DIR / "crf_resume.cfg").read_text(encoding="utf-8")
    config = base.replace("[model]\n", "[model]\nlayers = 2\n").replace(
        "[training]\n", '[training]\ndevice = "auto"\n'
    )
    path = tmp_path / "crf_gpu.cfg"
    path.write_text(config, encoding="utf-8")
    settings = CrfTrainingSettings.from_config(path, 5)
    assert (settings.layers, settings.device, settings.epochs) == (2, "auto", 5)
    shipped = CrfTrainingSettings.from_config(CONFIG_DIR / "crf_resume.cfg", 5)
    assert (shipped.layers, shipped.device) == (1, "cpu")


def test_to_device_keeps_a_batch_already_there() -> None:
    vocab = CrfVocab.build(_corpus(10, 4), 1)
    batch = vocab.encode(_TEXTS)
    assert to_device(batch, torch.device("cpu")) is batch
    moved = to_device(batch, torch.device("meta"))
    assert moved.chars.device.type == "meta"
    assert moved.mask.dtype == torch.bool
