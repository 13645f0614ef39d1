"""The address parser with a CRF pipeline: loading, the Doc-free fast path, the recipe."""

from __future__ import annotations

import dataclasses
import itertools
import random
import shutil
from pathlib import Path

import pytest
import torch

from fraudgraph.nlp.address_crf_tagger import AddressCrfTagger
from fraudgraph.nlp.address_parser import AddressParser
from fraudgraph.nlp.corpus import NerExample
from fraudgraph.nlp.crf_ner_component import CrfNerComponent
from fraudgraph.nlp.crf_tagger_model import CrfTaggerModel, CrfTaggerShape
from fraudgraph.nlp.crf_trainer import CrfTrainer, CrfTrainingSettings
from fraudgraph.nlp.crf_vocab import CrfVocab
from fraudgraph.nlp.crf_weight_packer import CrfWeightPacker
from fraudgraph.nlp.dataset_catalog import DatasetCatalog
from fraudgraph.nlp.ner_trainer import CONFIG_DIR
from fraudgraph.nlp.training_recipes import NATIVE, RECIPES, TrainingRecipes

SMALL = CrfTrainingSettings(
    epochs=25, char_width=16, bigram_width=8, hidden=24, dropout=0.0, batch_size=10,
    learn_rate=0.02, min_bigram_count=1, monitor_every=100,
)  # fmt: skip
_PARTS = {
    "city": ["杭州市", "宁波市", "温州市"],
    "district": ["西湖区", "鄞州区", "鹿城区", "余杭区"],
    "road": ["文三路", "中山路", "人民大道", "学院路"],
    "roadno": ["12号", "100号", "7号"],
    "poi": ["华星大厦", "阳光花园", "天堂软件园"],
}
# Whether the rule fast path takes the address: no city, or a poi, sends it to the model.
_ORDERS = (("district", "road", "roadno", "poi"), ("city", "district", "road", "poi"))


def _address(rng: random.Random) -> NerExample:
    text, spans = "", []
    for label in rng.choice(_ORDERS):
        part = rng.choice(_PARTS[label])
        spans.append((len(text), len(text) + len(part), label))
        text += part
    return NerExample(text, tuple(spans))


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """A one-model and a two-model (ensemble) CRF address pipeline trained on a toy corpus."""
    rng = random.Random(3)
    corpus = [_address(rng) for _ in range(120)]
    root = tmp_path_factory.mktemp("address")
    return {
        size: CrfTrainer(dataclasses.replace(SMALL, ensemble=size)).train(
            corpus, corpus[:20], root / f"crf-{size}", "zh", "toy_address"
        )
        for size in (1, 2)
    }


@pytest.mark.parametrize("size", [1, 2])
def test_load_gives_the_crf_fast_path(models: dict[int, Path], size: int) -> None:
    parser = AddressParser.load(models[size])
    assert isinstance(parser._crf, AddressCrfTagger)
    assert len(parser._crf.models) == size
    assert isinstance(parser.model.get_pipe("ner"), CrfNerComponent)  # type: ignore[union-attr]
    assert parser._decoder is None
    assert parser._encoder is None
    assert AddressParser(parser.model, fast=False)._crf is None


@pytest.mark.parametrize("size", [1, 2])
def test_fast_path_matches_the_spacy_pipeline(models: dict[int, Path], size: int) -> None:
    fast = AddressParser.load(models[size])
    reference = AddressParser(fast.model, fast=False)
    addresses = [
        "鄞州区学院路7号阳光花园",
        "温州市鹿城区中山路华星大厦",
        "西湖区 文三路12号  天堂软件园",  # whitespace: through the Docs
        "余杭区人民大道100号\t华星大厦",
        "",
    ]
    fast.prepare(addresses)
    reference.prepare(addresses)
    assert [fast.parse(a) for a in addresses] == [reference.parse(a) for a in addresses]
    assert fast.parse("鄞州区学院路7号阳光花园") == {
        "district": "鄞州区",
        "road": "学院路",
        "roadno": "7号",
        "poi": "阳光花园",
    }


def test_crf_reads_only_what_the_rules_refuse(
    models: dict[int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    parser = AddressParser.load(models[1])
    assert parser._crf is not None
    seen: list[str] = []
    predict = parser._crf.predict

    def counting(texts: list[str]) -> list[list[tuple[int, int, str]]]:
        seen.extend(texts)
        return predict(texts)

    monkeypatch.setattr(parser._crf, "predict", counting)
    well_formed = "浙江省杭州市西湖区文三路100号2幢301室"
    parser.prepare([well_formed, "鄞州区学院路7号阳光花园", "鄞州区学院路7号阳光花园"])
    assert seen == ["鄞州区学院路7号阳光花园"]
    assert parser.parse(well_formed)["roadno"] == "100号"


def test_shipped_address_recipe_is_a_crf_ensemble() -> None:
    recipes = TrainingRecipes(DatasetCatalog(Path("missing")))
    recipe = recipes.recipe("zh_address")
    assert recipe is RECIPES["zh_address"]
    assert (recipe.trainer, recipe.keep, recipe.native_labels) == ("crf", "last", True)
    assert recipe.char_vectors
    assert recipe.datasets == ("address",)
    settings = CrfTrainingSettings.from_config(CONFIG_DIR / recipe.config, recipe.max_steps)
    assert settings.ensemble > 1
    assert settings.lexicon
    assert settings.epochs == recipe.max_steps
    # The single-model baseline stays the native-label ``address`` target.
    assert recipes.recipe("address") is NATIVE["address"]


def _random_members(count: int, labels: list[str]) -> CrfNerComponent:
    """Untrained members with random scores: many different best paths."""
    vocab = CrfVocab(list("甲乙丙丁"), [], labels)
    torch.manual_seed(5)
    members = []
    for _ in range(count):
        member = CrfTaggerModel(CrfTaggerShape(6, 2, len(vocab.tags), hidden=8), vocab.allowed())
        with torch.no_grad():
            for weights in (member.crf.transitions, member.crf.start, member.crf.end):
                weights.normal_(std=2.0)
        members.append(member)
    component = CrfNerComponent()
    component.set_models(vocab, members)
    return component


@pytest.mark.parametrize("count", [1, 3])
def test_legal_move_viterbi_finds_the_full_viterbi_path(count: int) -> None:
    component = _random_members(count, ["a", "bb", "city", "road"])
    tagger = AddressCrfTagger(component)
    torch.manual_seed(11)
    emissions = torch.randn(40, 9, len(component.vocab.tags)) * 3  # type: ignore[union-attr]
    lengths = torch.randint(1, 10, (40,))
    mask = torch.arange(9).unsqueeze(0) < lengths.unsqueeze(1)
    crf = component.models[0].crf
    expected = crf.decode(emissions, mask, (tagger.transitions, tagger.start, tagger.end))
    got = tagger.decode(emissions, mask)
    assert got == expected
    assert len({tuple(path) for path in got}) > 20
    moves, starts, ends = component.vocab.allowed()  # type: ignore[union-attr]
    for path in got:  # legal BIOES paths only
        assert starts[path[0]]
        assert ends[path[-1]]
        assert all(moves[a, b] for a, b in itertools.pairwise(path))


def test_legal_move_tagger_matches_the_component_on_text(models: dict[int, Path]) -> None:
    component = AddressParser.load(models[2]).model.get_pipe("ner")  # type: ignore[union-attr]
    assert isinstance(component, CrfNerComponent)
    characters = "".join(sorted(set("".join(itertools.chain(*_PARTS.values())))))
    rng = random.Random(8)
    texts = ["".join(rng.choices(characters, k=rng.randrange(1, 25))) for _ in range(150)]
    assert AddressCrfTagger(component).predict(texts) == component.predict(texts)


def test_packed_weights_are_half_the_size_and_tag_alike(
    models: dict[int, Path], tmp_path: Path
) -> None:
    packed = tmp_path / "packed"
    shutil.copytree(models[2], packed)
    assert CrfWeightPacker.from_config(CONFIG_DIR / RECIPES["zh_address"].config).half
    assert not CrfWeightPacker.from_config(CONFIG_DIR / "crf_native_lexicon.cfg").half
    assert CrfWeightPacker().pack(packed) == packed  # disabled: nothing changes
    assert _weights_size(packed) == _weights_size(models[2])
    CrfWeightPacker(half=True).pack(packed)
    assert _weights_size(packed) < 0.6 * _weights_size(models[2])
    state = torch.load(packed / "ner" / "weights.1.pt", weights_only=True)
    assert state["chars.weight"].dtype == torch.float16
    addresses = ["鄞州区学院路7号阳光花园", "温州市鹿城区中山路华星大厦", "余杭区人民大道12号"]
    parser, original = AddressParser.load(packed), AddressParser.load(models[2])
    assert [parser.parse(a) for a in addresses] == [original.parse(a) for a in addresses]
    assert parser.model is not None
    assert parser.model.meta["crf_weights"] == "float16"


def _weights_size(pipeline: Path) -> int:
    return sum(path.stat().st_size for path in (pipeline / "ner").glob("weights*.pt"))
