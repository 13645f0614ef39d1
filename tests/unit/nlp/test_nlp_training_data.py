"""Training data assembly: label mapping, synthetic annotations, DocBin alignment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fraudgraph.errors import NotFoundError
from fraudgraph.nlp.corpus import NerExample
from fraudgraph.nlp.dataset_catalog import DatasetCatalog
from fraudgraph.nlp.ner_trainer import CONFIG_DIR, NerTrainer, TrainingPlan
from fraudgraph.nlp.training_recipes import (
    MONITOR_SIZE,
    SPACY_NATIVE,
    Recipe,
    TrainingRecipes,
    monitor,
)


def write_resume(root: Path) -> None:
    folder = root / "nlp" / "zh" / "resume"
    folder.mkdir(parents=True)
    lines = "张 B-NAME\n三 E-NAME\n读 O\n本 B-EDU\n科 E-EDU\n\n"
    (folder / "train.char.bmes").write_text(lines, encoding="utf-8")
    (folder / "dev.char.bmes").write_text(lines, encoding="utf-8")


def test_shipped_recipe_maps_labels_and_adds_synthetic(tmp_path: Path) -> None:
    write_resume(tmp_path)
    world = tmp_path / "world"
    (world / "truth").mkdir(parents=True)
    records = [
        {"text": "李四电话13912345678", "language": "zh", "entities": [
            {"start": 0, "end": 2, "label": "PERSON", "canonical": "李四"},
            {"start": 4, "end": 15, "label": "PHONE", "canonical": "+8613912345678"}]},
        {"text": "Bob", "language": "en", "entities": [
            {"start": 0, "end": 3, "label": "PERSON", "canonical": "bob"}]},
    ]  # fmt: skip
    (world / "truth" / "annotations.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8"
    )
    only_resume = Recipe("zh", ("resume",), False, "zh_ner.cfg", 10)
    recipes = TrainingRecipes(DatasetCatalog(tmp_path), world, {"zh": only_resume})
    train, dev = recipes.data("zh")
    assert train == [
        NerExample("张三读本科", ((0, 2, "PERSON"),)),
        NerExample("李四电话13912345678", ((0, 2, "PERSON"),)),
    ]
    assert dev == [NerExample("张三读本科", ((0, 2, "PERSON"),))]


def test_native_recipe_keeps_labels(tmp_path: Path) -> None:
    write_resume(tmp_path)
    train, _ = TrainingRecipes(DatasetCatalog(tmp_path)).data("resume")
    assert train == [NerExample("张三读本科", ((0, 2, "NAME"), (3, 5, "EDU")))]


def test_missing_dataset_is_reported(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        TrainingRecipes(DatasetCatalog(tmp_path)).data("weibo")


def test_docbin_alignment(tmp_path: Path) -> None:
    import spacy
    from spacy.tokens import DocBin

    plan = TrainingPlan(CONFIG_DIR / "en_ner.cfg", tmp_path / "model", "en")
    examples = [NerExample("Silicon Valley Bank lends", ((0, 19, "ORGANIZATION"), (3, 9, "X")))]
    path = NerTrainer(plan).to_docbin(examples, tmp_path / "train.spacy")
    (doc,) = DocBin().from_disk(path).get_docs(spacy.blank("en").vocab)
    assert [(ent.text, ent.label_) for ent in doc.ents] == [("Silicon Valley Bank", "ORGANIZATION")]


def test_native_models_keep_the_last_model_and_never_see_dev(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_resume(tmp_path)
    dev_file = tmp_path / "nlp" / "zh" / "resume" / "dev.char.bmes"
    dev_file.write_text("王 B-NAME\n五 E-NAME\n\n", encoding="utf-8")
    seen: list[tuple[TrainingPlan, list[NerExample], list[NerExample]]] = []

    def fake_train(self: NerTrainer, train: list[NerExample], dev: list[NerExample]) -> Path:
        seen.append((self.plan, train, dev))
        return self.plan.output

    monkeypatch.setattr(NerTrainer, "train", fake_train)
    recipes = TrainingRecipes(DatasetCatalog(tmp_path), recipes=SPACY_NATIVE)
    recipes.train("resume", tmp_path / "model")
    ((plan, train, monitored),) = seen
    assert plan.keep == "last"
    assert plan.config.name == "zh_native.cfg"
    assert monitored == train  # the monitor is drawn from train; the dev sentence is absent
    assert all("王五" not in example.text for example in monitored)


def test_monitor_is_a_seeded_sample_of_train() -> None:
    train = [NerExample(f"句子{i}", ()) for i in range(1000)]
    sample = monitor(train)
    assert len(sample) == MONITOR_SIZE
    assert len(set(sample)) == MONITOR_SIZE
    assert set(sample) <= set(train)
    assert sample == monitor(train)
    assert set(monitor(train[:5])) == set(train[:5])  # a small train set is monitored whole


def test_every_recipe_config_exists() -> None:
    recipes = TrainingRecipes(DatasetCatalog(Path("/nonexistent")))
    for target in TrainingRecipes.targets():
        recipe = recipes.recipe(target)
        assert (CONFIG_DIR / recipe.config).is_file(), target
        assert recipe.keep == ("best" if target in {"zh", "en"} else "last"), target
