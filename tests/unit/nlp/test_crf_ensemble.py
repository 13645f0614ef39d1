"""The CRF tagger's pretrained bigram vectors and its seed ensembles (several models decoded
together, saved in one pipeline)."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import numpy
import pytest
import spacy
import torch

from fraudgraph.nlp.char_vector_pretrainer import CharVectorPretrainer, SkipGramSettings
from fraudgraph.nlp.corpus import NerExample
from fraudgraph.nlp.crf_ner_component import CrfNerComponent
from fraudgraph.nlp.crf_tagger_model import CrfTaggerModel, CrfTaggerShape
from fraudgraph.nlp.crf_trainer import CrfTrainer, CrfTrainingSettings
from fraudgraph.nlp.crf_vocab import CrfVocab
from fraudgraph.nlp.dataset_catalog import DatasetCatalog
from fraudgraph.nlp.training_recipes import Recipe, TrainingRecipes
from tests.unit.nlp.test_crf_tagger import _CITIES, _NAMES
from tests.unit.nlp.test_crf_tagger import SMALL as TAGGER_SMALL

SMALL = dataclasses.replace(TAGGER_SMALL, epochs=15)


def _corpus(size: int, seed: int) -> list[NerExample]:
    rng = random.Random(seed)
    examples = []
    for _ in range(size):
        name, city = rng.choice(_NAMES), rng.choice(_CITIES)
        examples.append(NerExample(f"{name}在{city}工作", ((0, 2, "PER"), (3, 5, "LOC"))))
    return examples


def _with(**changes: object) -> CrfTrainingSettings:
    fields = {name: getattr(SMALL, name) for name in SMALL.__slots__}
    return CrfTrainingSettings(**{**fields, **changes})


def test_bigrams_of_a_text_line_up_with_its_characters() -> None:
    bigrams = CrfVocab.bigrams_of("上海市")
    assert bigrams == ["\x02上", "上海", "海市", "市\x03"]
    vocab = CrfVocab.build([NerExample("上海市", ())], 1, extra_bigrams=["浦东"])
    batch = vocab.encode(["上海市"])
    assert vocab.bigram_id("浦东") > 1  # a pretrained bigram joins the vocabulary
    assert vocab.bigram_id("东京") == 1
    assert int(batch.left[0, 1]) == vocab.bigram_id("上海")
    assert int(batch.right[0, 1]) == vocab.bigram_id("海市")


def test_bigram_sequences_pretrain_like_characters() -> None:
    texts = [CrfVocab.bigrams_of(text) for text in ["东路口", "西路口", "小猫叫", "小狗叫"] * 200]
    settings = SkipGramSettings(width=16, min_count=1, batch_size=256, epochs=5)
    units, vectors = CharVectorPretrainer(settings).train(texts)
    assert "东路" in units
    assert "\x02小" in units
    unit = vectors / numpy.linalg.norm(vectors, axis=1, keepdims=True)
    row = {bigram: unit[i] for i, bigram in enumerate(units)}
    assert float(row["东路"] @ row["西路"]) > float(row["东路"] @ row["小猫"])


def test_pretrained_bigram_vectors_initialise_the_bigram_rows(tmp_path: Path) -> None:
    rows = numpy.arange(16, dtype=numpy.float32).reshape(2, 8)
    settings = _with(epochs=0)
    path = CrfTrainer(settings).train(
        _corpus(20, 1), [], tmp_path / "model", bigram_vectors=(["上海", "外滩"], rows)
    )
    component = spacy.load(path).get_pipe("ner")
    assert isinstance(component, CrfNerComponent)
    assert component.vocab is not None
    assert component.model is not None
    table = component.model.bigrams.weight.detach()
    loaded = table[[component.vocab.bigram_id("上海"), component.vocab.bigram_id("外滩")]]
    scale = 0.1 / float(torch.from_numpy(rows).std())
    assert torch.allclose(loaded, torch.from_numpy(rows) * scale)


def test_an_ensemble_saves_every_member_and_tags_like_before(tmp_path: Path) -> None:
    train, held_out = _corpus(120, 1), _corpus(30, 2)
    path = CrfTrainer(_with(ensemble=3)).train(train, train[:10], tmp_path / "model")
    meta = json.loads((path / "ner" / "crf.json").read_text(encoding="utf-8"))
    assert meta["members"] == 3
    assert (path / "ner" / "weights.2.pt").is_file()
    nlp = spacy.load(path)
    assert nlp.meta["crf_training"]["ensemble"] == 3
    component = nlp.get_pipe("ner")
    assert isinstance(component, CrfNerComponent)
    assert len(component.models) == 3
    first, second = (component.models[i].output.weight for i in (0, 1))
    assert not torch.equal(first, second)  # members start from different seeds
    predicted = component.predict([example.text for example in held_out])
    assert predicted == [list(example.spans) for example in held_out]


def test_a_single_model_saves_without_members(tmp_path: Path) -> None:
    path = CrfTrainer(_with(epochs=1)).train(_corpus(20, 1), [], tmp_path / "model")
    meta = json.loads((path / "ner" / "crf.json").read_text(encoding="utf-8"))
    assert "members" not in meta
    assert not (path / "ner" / "weights.1.pt").exists()
    component = spacy.load(path).get_pipe("ner")
    assert isinstance(component, CrfNerComponent)
    assert len(component.models) == 1


def test_mean_decoding_averages_the_scores_of_the_members() -> None:
    vocab = CrfVocab.build(_corpus(5, 1), 1)
    shape = CrfTaggerShape(*vocab.sizes[:3], char_width=8, bigram_width=4, hidden=8)
    torch.manual_seed(3)
    one, two = (CrfTaggerModel(shape, vocab.allowed()).eval() for _ in range(2))
    batch = vocab.encode(["张伟在上海工作", "王芳"])
    with torch.no_grad():
        assert CrfTaggerModel.decode_mean([one], batch) == one.decode(batch)
        assert CrfTaggerModel.decode_mean([one, one], batch) == one.decode(batch)
        emissions = (one(batch) + two(batch)) / 2
        scores = [(a + b) / 2 for a, b in zip(one.crf.scores(), two.crf.scores(), strict=True)]
        expected = one.crf.decode(emissions, batch.mask, (scores[0], scores[1], scores[2]))
        assert CrfTaggerModel.decode_mean([one, two], batch) == expected


def test_recipe_pretrains_bigram_vectors_on_training_text_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "nlp" / "zh" / "resume"
    folder.mkdir(parents=True)
    (folder / "train.char.bmes").write_text("张 B-NAME\n三 E-NAME\n\n", encoding="utf-8")
    (folder / "dev.char.bmes").write_text("王 B-NAME\n五 E-NAME\n\n", encoding="utf-8")
    config = tmp_path / "crf.cfg"
    config.write_text(
        "[model]\nbigram_width = 8\n\n[training]\nbigram_vectors = true\n", encoding="utf-8"
    )
    pretrained: list[tuple[int, list[list[str]]]] = []
    handed: list[object] = []

    def fake_vectors(
        self: CharVectorPretrainer, texts: list[list[str]]
    ) -> tuple[list[str], numpy.ndarray]:
        pretrained.append((self.settings.width, [list(text) for text in texts]))
        return [], numpy.zeros((0, self.settings.width), dtype=numpy.float32)

    def fake_train(self: CrfTrainer, *args: object) -> Path:
        handed.append(args[-1])
        return tmp_path

    monkeypatch.setattr(CharVectorPretrainer, "train", fake_vectors)
    monkeypatch.setattr(CrfTrainer, "train", fake_train)
    recipe = Recipe("zh", ("resume",), True, str(config), 2, "last", True, "crf")
    recipes = TrainingRecipes(DatasetCatalog(tmp_path), recipes={"resume": recipe})
    recipes.train("resume", tmp_path / "model")
    assert pretrained[0] == (64, [list("张三")])  # characters, dev text (王五) never read
    assert pretrained[1] == (8, [["\x02张", "张三", "三\x03"]])  # bigrams, bigram_width wide
    assert handed
    assert handed[0] is not None


def test_new_options_default_to_the_old_behaviour() -> None:
    from fraudgraph.nlp.ner_trainer import CONFIG_DIR

    old = CrfTrainingSettings.from_config(CONFIG_DIR / "crf_native_lexicon.cfg", 20)
    assert (old.bigram_vectors, old.ensemble) == (False, 1)
    resume = CrfTrainingSettings.from_config(CONFIG_DIR / "crf_resume.cfg", 20)
    assert (resume.bigram_vectors, resume.ensemble, resume.dropout) == (False, 1, 0.5)
    bigram = CrfTrainingSettings.from_config(CONFIG_DIR / "crf_native_bigram.cfg", 20)
    assert bigram.bigram_vectors
    assert bigram.lexicon
    assert bigram.bigram_width == old.bigram_width
