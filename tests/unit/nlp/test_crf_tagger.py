"""The CRF tagger: vocabulary and tags, learning a synthetic corpus, saving and loading."""

from __future__ import annotations

import random
from pathlib import Path

import numpy
import pytest
import spacy

from fraudgraph.nlp.corpus import NerExample
from fraudgraph.nlp.crf_ner_component import CrfNerComponent
from fraudgraph.nlp.crf_trainer import CrfTrainer, CrfTrainingSettings
from fraudgraph.nlp.crf_vocab import CrfVocab
from fraudgraph.nlp.dataset_catalog import DatasetCatalog
from fraudgraph.nlp.ner_trainer import CONFIG_DIR
from fraudgraph.nlp.training_recipes import NATIVE, TrainingRecipes

SMALL = CrfTrainingSettings(
    epochs=20, char_width=16, bigram_width=8, hidden=16, dropout=0.0, batch_size=10,
    learn_rate=0.02, min_bigram_count=1, monitor_every=100,
)  # fmt: skip
_NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静"]
_CITIES = ["上海", "北京", "杭州", "深圳"]


def _sentence(rng: random.Random) -> NerExample:
    """``<name>在<city>工作`` or ``<city>的<name>``, with gold spans."""
    name, city = rng.choice(_NAMES), rng.choice(_CITIES)
    if rng.random() < 0.5:
        return NerExample(f"{name}在{city}工作", ((0, 2, "PER"), (3, 5, "LOC")))
    return NerExample(f"{city}的{name}", ((0, 2, "LOC"), (3, 5, "PER")))


def _corpus(size: int, seed: int) -> list[NerExample]:
    rng = random.Random(seed)
    return [_sentence(rng) for _ in range(size)]


def test_tags_round_trip_through_spans() -> None:
    example = NerExample("王在上海市", ((0, 1, "PER"), (2, 5, "LOC")))
    vocab = CrfVocab.build([example], min_bigram_count=1)
    tags = vocab.tag_ids(example)
    assert [vocab.tags[i] for i in tags] == ["S-PER", "O", "B-LOC", "I-LOC", "E-LOC"]
    assert vocab.spans(tags) == list(example.spans)


def test_bioes_rules_forbid_broken_spans() -> None:
    vocab = CrfVocab(["甲"], [], ["LOC", "PER"])
    moves, starts, ends = vocab.allowed()
    tag = vocab.tags.index
    assert moves[tag("B-LOC"), tag("E-LOC")]
    assert moves[tag("I-LOC"), tag("I-LOC")]
    assert not moves[tag("B-LOC"), tag("E-PER")]
    assert not moves[tag("O"), tag("I-LOC")]
    assert not moves[tag("B-LOC"), tag("O")]
    assert moves[tag("E-LOC"), tag("S-PER")]
    assert starts[tag("B-PER")]
    assert not starts[tag("E-PER")]
    assert ends[tag("S-LOC")]
    assert not ends[tag("I-LOC")]


def test_encoding_pads_and_marks_unknown_characters() -> None:
    vocab = CrfVocab.build([NerExample("上海", ())], min_bigram_count=1)
    batch = vocab.encode(["上海", "海口市"])
    assert batch.mask.tolist() == [[True, True, False], [True, True, True]]
    assert batch.chars[1, 1].item() == 1
    assert batch.chars[0, 2].item() == 0
    assert batch.left[0, 1].item() == batch.right[0, 0].item() > 1  # the bigram 上海


def test_training_learns_a_synthetic_corpus(tmp_path: Path) -> None:
    train, held_out = _corpus(120, 1), _corpus(50, 2)
    trainer = CrfTrainer(SMALL)
    path = trainer.train(train, train[:20], tmp_path / "model", name="tiny")
    component = spacy.load(path).get_pipe("ner")
    assert isinstance(component, CrfNerComponent)
    assert set(component.labels) == {"LOC", "PER"}
    predicted = component.predict([example.text for example in held_out])
    assert predicted == [list(example.spans) for example in held_out]


def test_untrained_model_does_not_know_the_corpus(tmp_path: Path) -> None:
    untrained = CrfTrainingSettings(**{**_fields(SMALL), "epochs": 0})
    path = CrfTrainer(untrained).train(_corpus(50, 1), [], tmp_path / "model")
    held_out = _corpus(50, 2)
    predicted = spacy.load(path).get_pipe("ner").predict([ex.text for ex in held_out])
    assert predicted != [list(example.spans) for example in held_out]


def _fields(settings: CrfTrainingSettings) -> dict[str, object]:
    return {name: getattr(settings, name) for name in settings.__slots__}


def test_saved_pipeline_round_trip_gives_the_same_entities(tmp_path: Path) -> None:
    settings = CrfTrainingSettings(**{**_fields(SMALL), "epochs": 3})
    vectors = (["张", "上"], numpy.ones((2, 16), dtype=numpy.float32))
    path = CrfTrainer(settings).train(_corpus(60, 3), [], tmp_path / "a", vectors=vectors)
    texts = [example.text for example in _corpus(30, 4)] + ["", "未见过的字"]
    first = spacy.load(path)
    again = tmp_path / "b"
    first.to_disk(again)
    second = spacy.load(again)
    assert first.pipe_names == second.pipe_names == ["ner"]
    ents = [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in first.pipe(texts)]
    assert ents == [
        [(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in second.pipe(texts)
    ]
    assert first.meta["crf_training"]["epochs"] == 3


def test_training_is_reproducible(tmp_path: Path) -> None:
    settings = CrfTrainingSettings(**{**_fields(SMALL), "epochs": 2})
    corpus = _corpus(40, 5)
    a = CrfTrainer(settings).train(corpus, [], tmp_path / "a")
    b = CrfTrainer(settings).train(corpus, [], tmp_path / "b")
    assert (a / "ner" / "weights.pt").read_bytes() == (b / "ner" / "weights.pt").read_bytes()


def test_crf_recipes_read_their_config() -> None:
    recipe = TrainingRecipes(DatasetCatalog(Path("missing"))).recipe("resume")
    assert recipe is NATIVE["resume"]
    assert recipe.trainer == "crf"
    assert recipe.keep == "last"
    settings = CrfTrainingSettings.from_config(CONFIG_DIR / recipe.config, recipe.max_steps)
    assert settings.epochs == recipe.max_steps
    assert settings.hidden > 0


@pytest.mark.parametrize(
    ("target", "config"), [("resume", "crf_resume.cfg"), ("address", "crf_native_lexicon.cfg")]
)
def test_native_targets_use_the_crf_trainer(target: str, config: str) -> None:
    recipe = TrainingRecipes(DatasetCatalog(Path("missing"))).recipe(target)
    assert recipe.trainer == "crf"
    assert recipe.char_vectors
    assert recipe.config == config
    assert (CONFIG_DIR / config).is_file()
    assert TrainingRecipes(DatasetCatalog(Path("missing"))).recipe("weibo").trainer == "spacy"


def _write_resume(root: Path, train: str, dev: str) -> None:
    folder = root / "nlp" / "zh" / "resume"
    folder.mkdir(parents=True)
    (folder / "train.char.bmes").write_text(train, encoding="utf-8")
    (folder / "dev.char.bmes").write_text(dev, encoding="utf-8")


def test_crf_recipe_trains_on_the_training_split_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_resume(tmp_path, "张 B-NAME\n三 E-NAME\n\n", "王 B-NAME\n五 E-NAME\n\n")
    vector_texts: list[list[str]] = []
    seen: list[tuple[list[NerExample], list[NerExample], CrfTrainingSettings]] = []

    def fake_vectors(self: object, texts: list[str]) -> tuple[list[str], numpy.ndarray]:
        vector_texts.append(list(texts))
        return [], numpy.zeros((0, 64), dtype=numpy.float32)

    def fake_train(
        self: CrfTrainer, train: list[NerExample], monitor: list[NerExample], output: Path,
        *args: object,
    ) -> Path:  # fmt: skip
        seen.append((list(train), list(monitor), self.settings))
        return output

    monkeypatch.setattr(
        "fraudgraph.nlp.char_vector_pretrainer.CharVectorPretrainer.train", fake_vectors
    )
    monkeypatch.setattr(CrfTrainer, "train", fake_train)
    TrainingRecipes(DatasetCatalog(tmp_path)).train("resume", tmp_path / "model", max_steps=3)
    assert vector_texts == [["张三"]]  # dev text (王五) never used
    ((train, monitored, settings),) = seen
    assert [example.text for example in train] == ["张三"]
    assert monitored == train
    assert settings.epochs == 3


def test_lexicon_words_are_found_at_each_character() -> None:
    examples = [NerExample("上海市的上海", ((0, 3, "LOC"), (4, 6, "LOC")))] * 2
    vocab = CrfVocab.build(examples, min_bigram_count=1, lexicon=True)
    assert "上海市" in vocab.lexicon  # a gold entity seen twice
    batch = vocab.encode(["在上海市"])
    word = {i + 2: w for i, w in enumerate(vocab.lexicon)}
    assert word[int(batch.first[0, 1])] == "上海市"  # longest word starting at 上
    assert word[int(batch.last[0, 3])] == "上海市"
    assert int(batch.first[0, 0]) == 0  # nothing starts at 在
    assert CrfVocab.from_dict(vocab.to_dict()).lexicon == vocab.lexicon


def test_lexicon_model_learns_and_round_trips(tmp_path: Path) -> None:
    settings = CrfTrainingSettings(**{**_fields(SMALL), "lexicon": True, "word_width": 8})
    train, held_out = _corpus(120, 1), _corpus(30, 2)
    path = CrfTrainer(settings).train(train, [], tmp_path / "model")
    component = spacy.load(path).get_pipe("ner")
    assert component.vocab.lexicon
    predicted = component.predict([example.text for example in held_out])
    assert predicted == [list(example.spans) for example in held_out]


def test_nlp_eval_scores_a_crf_model(tmp_path: Path) -> None:
    from fraudgraph.nlp.evaluation_runner import EvaluationRunner

    train, held_out = _corpus(120, 1), _corpus(20, 2)
    model = CrfTrainer(SMALL).train(train, [], tmp_path / "model")
    lines = []
    for example in held_out:
        tags = ["O"] * len(example.text)
        for start, end, label in example.spans:
            tags[start] = f"B-{label}"
            tags[start + 1 : end] = [f"I-{label}"] * (end - start - 1)
        lines += [f"{char} {tag}" for char, tag in zip(example.text, tags, strict=True)] + [""]
    gold = tmp_path / "dev.bmes"
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = EvaluationRunner(tmp_path, tmp_path).run(str(gold), model, "zh")
    assert report.labels == "native"
    assert report.overall["support"] == 40
    assert report.overall["f1"] == 100.0
