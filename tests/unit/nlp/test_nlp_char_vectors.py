"""Character vectors pretrained on training text, and the recipes that use them."""

from __future__ import annotations

from pathlib import Path

import numpy
import pytest

from fraudgraph.nlp.char_vector_pretrainer import CharVectorPretrainer, SkipGramSettings
from fraudgraph.nlp.corpus import NerExample
from fraudgraph.nlp.dataset_catalog import DatasetCatalog
from fraudgraph.nlp.ner_trainer import CONFIG_DIR, NerTrainer, TrainingPlan
from fraudgraph.nlp.training_recipes import SPACY_NATIVE, TrainingRecipes

SMALL = SkipGramSettings(width=8, epochs=2, batch_size=64, min_count=1)


def test_vocabulary_is_frequent_characters_in_a_fixed_order() -> None:
    pretrainer = CharVectorPretrainer(SkipGramSettings(min_count=2))
    assert pretrainer.vocabulary(["乙甲甲 乙", "丙甲"]) == ["甲", "乙"]
    assert pretrainer.vocabulary(["丙甲", "乙甲甲 乙"]) == ["甲", "乙"]


def test_pairs_stay_inside_one_text_and_within_the_window() -> None:
    pretrainer = CharVectorPretrainer(SkipGramSettings(window=1, min_count=1))
    index = {"甲": 0, "乙": 1, "丙": 2}
    pairs = {tuple(pair) for pair in pretrainer.pairs(["甲乙", "丙"], index).tolist()}
    assert pairs == {(0, 1), (1, 0)}  # 乙 and 丙 are in different texts
    wide = CharVectorPretrainer(SkipGramSettings(window=2, min_count=1))
    assert (0, 2) in {tuple(pair) for pair in wide.pairs(["甲乙丙"], index).tolist()}


def test_characters_in_the_same_contexts_get_similar_vectors() -> None:
    # 东/西 appear only before 路, 猫/狗 only after 小: a skip-gram must learn that.
    texts = ["东路", "西路", "小猫", "小狗"] * 200
    chars, vectors = CharVectorPretrainer(SkipGramSettings(width=16, min_count=1)).train(texts)
    unit = vectors / numpy.linalg.norm(vectors, axis=1, keepdims=True)
    row = {char: unit[i] for i, char in enumerate(chars)}
    assert float(row["东"] @ row["西"]) > float(row["东"] @ row["猫"])
    assert float(row["猫"] @ row["狗"]) > float(row["猫"] @ row["西"])


def test_training_is_reproducible() -> None:
    texts = ["上海市浦东新区", "北京市海淀区"] * 10
    first = CharVectorPretrainer(SMALL).train(texts)
    second = CharVectorPretrainer(SMALL).train(texts)
    assert first[0] == second[0]
    assert numpy.array_equal(first[1], second[1])


def test_written_vectors_load_as_a_spacy_pipeline(tmp_path: Path) -> None:
    import spacy

    path = CharVectorPretrainer(SMALL).write(["上海市", "海市"], tmp_path / "vectors")
    nlp = spacy.load(path)
    assert nlp.vocab.vectors.shape == (3, 8)
    assert nlp.vocab["海"].has_vector
    assert not nlp.vocab["京"].has_vector


def test_vectors_are_written_where_the_parent_folders_do_not_exist_yet(tmp_path: Path) -> None:
    # `nlp train --target weibo` on a fresh checkout: var/models/nlp does not exist.
    path = tmp_path / "var" / "models" / "nlp" / ".weibo-vectors"
    assert CharVectorPretrainer(SMALL).write(["上海市", "海市"], path) == path
    assert (path / "meta.json").is_file()


def write_columns(root: Path, name: str, train: str, dev: str) -> None:
    folder = root / "nlp" / "zh" / name
    folder.mkdir(parents=True)
    files = {"resume": ("train.char.bmes", "dev.char.bmes"), "weibo": ("train.conll", "dev.conll")}
    train_name, dev_name = files[name]
    (folder / train_name).write_text(train, encoding="utf-8")
    (folder / dev_name).write_text(dev, encoding="utf-8")


def test_vector_recipe_pretrains_on_training_text_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_columns(tmp_path, "resume", "张 B-NAME\n三 E-NAME\n\n", "王 B-NAME\n五 E-NAME\n\n")
    write_columns(tmp_path, "weibo", "李0 B-PER.NAM\n四0 I-PER.NAM\n\n", "赵0 O\n\n")
    written: list[list[str]] = []
    seen: list[TrainingPlan] = []

    def fake_write(
        self: CharVectorPretrainer, texts: list[str], path: Path, language: str = "zh"
    ) -> Path:
        written.append(list(texts))
        path.mkdir(parents=True)
        return path

    def fake_train(self: NerTrainer, train: list[NerExample], dev: list[NerExample]) -> Path:
        seen.append(self.plan)
        assert Path(str(self.plan.overrides["initialize.vectors"])).is_dir()
        return self.plan.output

    monkeypatch.setattr(CharVectorPretrainer, "write", fake_write)
    monkeypatch.setattr(NerTrainer, "train", fake_train)
    recipes = TrainingRecipes(DatasetCatalog(tmp_path), recipes=SPACY_NATIVE)
    assert recipes.recipe("weibo").char_vectors
    recipes.train("weibo", tmp_path / "model")
    # resume + weibo training text, never dev; the absent data sets are skipped
    assert written == [["张三", "李四"]]
    (plan,) = seen
    assert plan.config.name == "zh_native_vectors.cfg"
    assert not (tmp_path / ".model-vectors").exists()  # removed once the model is trained


def test_vector_configs_use_static_vectors() -> None:
    for name in ("zh_native_vectors.cfg", "zh_native_deep_vectors.cfg"):
        assert "include_static_vectors = true" in (CONFIG_DIR / name).read_text(), name
