"""Training data assembly: label mapping, synthetic annotations, DocBin alignment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fraudgraph.errors import NotFoundError
from fraudgraph.nlp.corpus import NerExample
from fraudgraph.nlp.dataset_catalog import DatasetCatalog
from fraudgraph.nlp.ner_trainer import CONFIG_DIR, NerTrainer, TrainingPlan
from fraudgraph.nlp.training_recipes import Recipe, TrainingRecipes


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
