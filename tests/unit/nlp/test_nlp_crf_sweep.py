"""The pure helpers of the CRF selection sweep (benchmarks/nlp_crf_sweep.py): the held-out
split, the variants and their selection, the dictionary option and the choice of a variant."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any, cast

import pytest

from benchmarks.nlp_crf_sweep import (
    DATASETS,
    GOALS,
    JIEBA,
    VARIANTS,
    Job,
    Log,
    Sweep,
    Variant,
    datasets_of,
    file_facts,
    holdout_split,
    resolve_changes,
    selected,
    variants_of,
)
from fraudgraph.nlp.crf_trainer import CrfTrainingSettings
from fraudgraph.nlp.ner_trainer import CONFIG_DIR
from tests.unit.nlp.test_crf_tagger import _corpus

_NONE: dict[str, str | None] = dict.fromkeys(DATASETS)


def _args(**changes: Any) -> argparse.Namespace:
    values: dict[str, Any] = {
        "epochs": 0,
        "datasets_root": Path("data"),
        "vectors": None,
        "device": "cpu",
        "sample": 0,
        "dictionary": None,
        "phase2_timeout": None,
        "out_dir": Path("out"),
    }
    return argparse.Namespace(**(values | changes))


def _variant(name: str) -> Variant:
    (variant,) = [variant for variant in VARIANTS if variant.name == name]
    return variant


def _job(variant: Variant, f1: float | None, seconds: float = 10.0) -> Job:
    result = None if f1 is None else {"heldout": {"f1": f1}, "train_seconds": seconds}
    return Job(variant.name, {}, cast(Any, None), Path("log"), result)


def test_the_sweep_holds_out_a_seeded_tenth_of_train() -> None:
    examples = _corpus(200, 5)
    fit, heldout = holdout_split(examples)
    assert (len(fit), len(heldout)) == (180, 20)
    assert sorted(map(id, fit + heldout)) == sorted(map(id, examples))
    again, _ = holdout_split(examples)
    assert [id(example) for example in again] == [id(example) for example in fit]
    other, _ = holdout_split(examples, seed=14)
    assert [id(example) for example in other] != [id(example) for example in fit]


def test_every_variant_names_real_settings_and_a_config_with_a_goal() -> None:
    assert {variant.dataset for variant in VARIANTS} == set(DATASETS) == set(GOALS)
    assert len({variant.name for variant in VARIANTS}) == len(VARIANTS)
    fields = {field.name for field in dataclasses.fields(CrfTrainingSettings)}
    for variant in VARIANTS:
        assert set(variant.changes) <= fields, variant.name
        assert (CONFIG_DIR / variant.config).is_file()
    dictionary = {variant.name for variant in VARIANTS if variant.changes.get("dictionary")}
    assert dictionary == {
        *("a_dict", "a_dict_e20", "a_dict_gaz"),
        *("r_dict", "r_dict_e30", "r_dict_gaz"),
        *("w_dict", "w_dict_d05", "w_dict_gaz"),
    }


def test_variants_are_selected_per_data_set_in_data_set_order() -> None:
    assert [variant.name for variant in selected("a_base,r_base,a_l2", "address")] == [
        "a_base",
        "a_l2",
    ]
    assert [variant.name for variant in selected(None, "weibo")] == [
        "w_base",
        "w_dict",
        "w_dict_d05",
        "w_dict_gaz",
    ]
    chosen = variants_of(
        ["address", "weibo"], _NONE | {"address": "a_dict", "weibo": "w_base", "resume": "r_base"}
    )
    assert [variant.name for variant in chosen] == ["a_dict", "w_base"]
    everything = variants_of(list(DATASETS), _NONE)
    assert [variant.name for variant in everything] == [
        variant.name for dataset in DATASETS for variant in VARIANTS if variant.dataset == dataset
    ]


def test_unknown_variant_and_data_set_names_are_refused() -> None:
    with pytest.raises(ValueError, match="no address variants"):
        variants_of(["address"], _NONE | {"address": "a_base,r_base"})
    with pytest.raises(ValueError, match="'w_typo'"):
        variants_of(["weibo"], _NONE | {"weibo": "w_typo"})
    assert datasets_of("weibo,address") == ["address", "weibo"]
    with pytest.raises(ValueError, match="unknown data sets"):
        datasets_of("address,msra")


def test_the_dictionary_file_replaces_only_the_jieba_source(tmp_path: Path) -> None:
    dictionary = tmp_path / "dict.txt"
    changes = {"dictionary": JIEBA, "dropout": 0.5}
    assert resolve_changes(changes, dictionary) == {
        "dictionary": str(dictionary),
        "dropout": 0.5,
    }
    assert changes["dictionary"] == JIEBA  # the variant itself is unchanged
    assert resolve_changes(changes, None) == changes
    assert resolve_changes({"hidden": 192}, dictionary) == {"hidden": 192}
    other = {"dictionary": "words.txt"}
    assert resolve_changes(other, dictionary) == other


def test_a_job_spec_carries_the_dictionary_file(tmp_path: Path) -> None:
    dictionary = tmp_path / "dict.txt"
    sweep = Sweep(_args(dictionary=dictionary, epochs=3), tmp_path, Log(None))
    spec = sweep.spec(_variant("w_dict_d05"), "heldout", 7, "p1_w_dict_d05")
    assert spec["changes"] == {"dictionary": str(dictionary), "dropout": 0.5}
    assert (spec["epochs"], spec["config"], spec["dataset"]) == (
        3,
        "crf_native_lexicon.cfg",
        "weibo",
    )
    plain = sweep.spec(_variant("w_base"), "full", 7, "p2_weibo_7")
    assert (plain["changes"], plain["epochs"]) == ({}, 3)


def test_the_dictionary_facts_are_its_digest_and_lines(tmp_path: Path) -> None:
    path = tmp_path / "dict.txt"
    path.write_bytes(b"abc\n")
    facts = file_facts(path)
    # sha256 of b"abc\n" (as `printf 'abc\n' | sha256sum` prints it)
    assert facts["sha256"] == "edeaaff3f1774ad2888673770c6d64097e391bc362d7d6fb34982ddf0efd18cb"
    assert facts["lines"] == 1
    path.write_bytes("上海 10 ns\n北京 8 ns".encode())
    assert file_facts(path)["lines"] == 2


def test_the_best_held_out_variant_that_fits_phase_2_is_chosen(tmp_path: Path) -> None:
    names = ["w_base", "w_dict", "w_dict_d05", "r_base"]
    variants = [_variant(name) for name in names]
    jobs = [
        _job(variants[0], 60.0),
        _job(variants[1], 61.5, seconds=100.0),
        _job(variants[2], 61.5),
        _job(variants[3], 90.0),
    ]
    sweep = Sweep(_args(), tmp_path, Log(None))
    assert sweep.choose(jobs, variants, "weibo") == variants[1]  # a tie keeps the earlier
    limited = Sweep(_args(phase2_timeout=50.0), tmp_path, Log(None))
    assert limited.choose(jobs, variants, "weibo") == variants[2]  # w_dict is too slow
    jobs[1] = _job(variants[1], None)
    jobs[2] = _job(variants[2], None)
    assert sweep.choose(jobs, variants, "weibo") == variants[0]
    assert sweep.choose(jobs, variants, "address") is None
