"""The external word dictionary and the CRF tagger's B/M/E/S dictionary-set features."""

from __future__ import annotations

import dataclasses
import json
import math
import random
from pathlib import Path

import pytest
import spacy

from fraudgraph.errors import ConfigurationError, ModelError
from fraudgraph.nlp.corpus import NerExample
from fraudgraph.nlp.crf_ner_component import CrfNerComponent
from fraudgraph.nlp.crf_trainer import CrfTrainer, CrfTrainingSettings
from fraudgraph.nlp.crf_vocab import TOP, CrfVocab
from fraudgraph.nlp.word_dictionary import WordDictionary

_WORDS = "上海 100 ns\n上海市 50 ns\n海 10 n\n市 20 n\n张伟 30 nr\n工作 500 v\n"


@pytest.fixture
def dictionary_file(tmp_path: Path) -> Path:
    path = tmp_path / "dict.txt"
    path.write_text(_WORDS, encoding="utf-8")
    return path


def test_matches_find_every_overlapping_word(dictionary_file: Path) -> None:
    dictionary = WordDictionary.load(str(dictionary_file))
    assert len(dictionary) == 6
    assert dictionary.tags == ["n", "nr", "ns", "v"]
    assert dictionary.matches("去上海市") == [
        (1, 3, 100, "ns"),
        (1, 4, 50, "ns"),
        (2, 3, 10, "n"),
        (3, 4, 20, "n"),
    ]
    assert dictionary.words_in(["上海市", "上海", "海"], min_count=2) == ["上海"]


def test_bad_dictionary_files_are_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.txt"
    broken.write_text("上海 many ns\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="line 1"):
        WordDictionary.load(str(broken))
    latin = tmp_path / "latin.txt"
    latin.write_bytes("上海 1 ns\n".encode("gb18030"))
    with pytest.raises(ConfigurationError, match="UTF-8"):
        WordDictionary.load(str(latin))
    with pytest.raises(ConfigurationError, match="cannot read"):
        WordDictionary.load(str(tmp_path / "missing.txt"))


def test_a_changed_dictionary_is_refused_by_digest(dictionary_file: Path) -> None:
    digest = WordDictionary.load(str(dictionary_file)).digest
    assert WordDictionary.load(str(dictionary_file), digest).digest == digest
    other = dictionary_file.with_name("other.txt")
    other.write_text(_WORDS + "北京 90 ns\n", encoding="utf-8")
    with pytest.raises(ModelError, match="SHA-256"):
        WordDictionary.load(str(other), digest)


def test_sets_hold_the_words_around_each_character(dictionary_file: Path) -> None:
    dictionary = WordDictionary.load(str(dictionary_file))
    vocab = CrfVocab.build([NerExample("上海市", ())] * 2, 1, dictionary=dictionary)
    assert vocab.dictionary_words == ["上海", "上海市"]
    batch = vocab.encode(["上海市", "海"])
    assert batch.dict_tags is not None
    assert batch.dict_weights is not None
    assert batch.dict_words is not None
    assert tuple(batch.dict_tags.shape) == (2, 3, 4, TOP)
    begin, inside, end, alone = 0, 1, 2, 3
    word = {w: i + 2 for i, w in enumerate(vocab.dictionary_words)}
    # 上: begins 上海 and 上海市 (the more frequent first), nothing else.
    assert batch.dict_words[0, 0, begin, :2].tolist() == [word["上海"], word["上海市"]]
    assert batch.dict_weights[0, 0, inside:].sum().item() == 0.0
    # 海: ends 上海, is inside 上海市, and is a word alone.
    assert batch.dict_words[0, 1, end, 0].item() == word["上海"]
    assert batch.dict_words[0, 1, inside, 0].item() == word["上海市"]
    assert batch.dict_weights[0, 1, alone, 0].item() > 0
    # Weights: log frequency shares of the character's words, summing to 4 per character.
    for position in range(3):
        assert batch.dict_weights[0, position].sum().item() == pytest.approx(4.0)
    share = math.log1p(100) / (math.log1p(100) + math.log1p(50))
    assert batch.dict_weights[0, 0, begin, 0].item() == pytest.approx(4 * share)
    # Padding rows and slots stay empty.
    assert batch.dict_weights[1, 1:].sum().item() == 0.0
    assert batch.dict_tags[1, 0, alone, 0].item() > 1


def _sentence(rng: random.Random) -> NerExample:
    name, city = rng.choice(["张伟", "王芳", "李娜"]), rng.choice(["上海", "上海市"])
    return NerExample(f"{name}在{city}工作", ((0, 2, "PER"), (3, 3 + len(city), "LOC")))


def test_a_dictionary_model_learns_saves_and_reloads(dictionary_file: Path, tmp_path: Path) -> None:
    rng = random.Random(3)
    train, held_out = [_sentence(rng) for _ in range(120)], [_sentence(rng) for _ in range(30)]
    settings = CrfTrainingSettings(
        epochs=15, char_width=16, bigram_width=8, hidden=16, dropout=0.0, batch_size=10,
        learn_rate=0.02, min_bigram_count=1, monitor_every=100,
        dictionary=str(dictionary_file), dict_tag_width=4, dict_word_width=4,
    )  # fmt: skip
    path = CrfTrainer(settings).train(train, [], tmp_path / "model", name="dict")
    saved = json.loads((path / "ner" / "crf.json").read_text(encoding="utf-8"))
    digest = WordDictionary.load(str(dictionary_file)).digest
    assert saved["vocab"]["dictionary"]["sha256"] == digest
    assert saved["shape"]["num_dict_tags"] == 6  # four tags + padding + unknown
    component = spacy.load(path).get_pipe("ner")
    assert isinstance(component, CrfNerComponent)
    predicted = component.predict([example.text for example in held_out])
    assert predicted == [list(example.spans) for example in held_out]
    # An edited dictionary would change the features: the model refuses to load with it.
    dictionary_file.write_text(_WORDS + "北京 90 ns\n", encoding="utf-8")
    with pytest.raises(ModelError, match="SHA-256"):
        spacy.load(path)


def test_plain_batches_are_refused_by_a_dictionary_model(dictionary_file: Path) -> None:
    from fraudgraph.nlp.crf_tagger_model import CrfTaggerModel, CrfTaggerShape

    dictionary = WordDictionary.load(str(dictionary_file))
    vocab = CrfVocab.build([NerExample("上海", ())], 1, dictionary=dictionary)
    plain = CrfVocab.build([NerExample("上海", ())], 1)
    tags, words = vocab.dictionary_sizes
    assert (tags, words) == (6, 2)  # four tags, no word seen twice; padding + unknown each
    shape = CrfTaggerShape(*vocab.sizes, num_dict_tags=tags, num_dict_words=words)
    model = CrfTaggerModel(shape, vocab.allowed())
    assert tuple(model(vocab.encode(["上海"])).shape) == (1, 2, len(vocab.tags))
    with pytest.raises(ValueError, match="dictionary"):
        model(plain.encode(["上海"]))
    unchanged = dataclasses.replace(shape, num_dict_tags=0)
    assert CrfTaggerModel(unchanged).dict_tags is None


def test_gazetteer_keeps_frequent_entity_strings_with_their_usual_label() -> None:
    mentions = [("上海", "LOC")] * 3 + [("上海", "ORG"), ("张伟", "PER"), ("王", "PER")]
    gazetteer = WordDictionary.gazetteer(mentions, min_count=2)
    assert gazetteer.items() == [("上海", 4, "G:LOC")]
    again = WordDictionary.from_items(gazetteer.items(), "gazetteer")
    assert again.digest == gazetteer.digest
    assert again.matches("在上海") == [(1, 3, 4, "G:LOC")]


def test_a_gazetteer_vocabulary_round_trips(dictionary_file: Path) -> None:
    examples = [NerExample("张伟在上海", ((0, 2, "PER"), (3, 5, "LOC")))] * 2
    dictionary = WordDictionary.load(str(dictionary_file))
    vocab = CrfVocab.build(examples, 1, dictionary=dictionary, gazetteer_min_count=2)
    assert vocab.gazetteer is not None
    assert [tag for _, _, tag in vocab.gazetteer.items()] == ["G:LOC", "G:PER"]
    assert vocab.dictionary_sizes == (len(dictionary.tags) + 2 + 2, len(["上海", "张伟"]) + 2)
    loaded = CrfVocab.from_dict(json.loads(json.dumps(vocab.to_dict())))
    first, second = vocab.encode(["张伟在上海市"]), loaded.encode(["张伟在上海市"])
    assert first.dict_tags is not None
    assert second.dict_tags is not None
    assert first.dict_tags.equal(second.dict_tags)
    # 上 begins both the dictionary's 上海 (ns) and the gazetteer's 上海 (G:LOC).
    begins = {vocab.dictionary_tags[i - 2] for i in first.dict_tags[0, 3, 0].tolist() if i > 1}
    assert begins == {"ns", "G:LOC"}
    plain = CrfVocab.build(examples, 1, gazetteer_min_count=2)
    assert plain.dictionary is None
    assert plain.dictionary_sizes == (4, 4)
