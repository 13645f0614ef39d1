"""The linear-chain CRF against brute force over every tag path of tiny examples."""

from __future__ import annotations

import itertools

import pytest
import torch

from fraudgraph.nlp.crf_layer import CrfLayer


def _layer(num_tags: int, seed: int, allowed: torch.Tensor | None = None) -> CrfLayer:
    torch.manual_seed(seed)
    layer = CrfLayer(num_tags, allowed)
    with torch.no_grad():  # scores large enough that a wrong sum or argmax shows
        for weights in (layer.transitions, layer.start, layer.end):
            weights.normal_(0.0, 1.5)
    return layer


def _brute_scores(
    layer: CrfLayer, emissions: torch.Tensor, length: int
) -> dict[tuple[int, ...], float]:
    """Score of every tag path of one row of ``length`` positions, summed by hand."""
    transitions, start, end = (part.detach() for part in layer.scores())
    scores = {}
    for path in itertools.product(range(layer.num_tags), repeat=length):
        total = start[path[0]] + emissions[0, path[0]] + end[path[-1]]
        for before, tag, position in zip(path, path[1:], range(1, length), strict=False):
            total = total + transitions[before, tag] + emissions[position, tag]
        scores[path] = float(total)
    return scores


def _batch(lengths: list[int], num_tags: int) -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(3)
    emissions = torch.randn(len(lengths), max(lengths), num_tags) * 2
    mask = torch.arange(max(lengths)).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)
    return emissions, mask


@pytest.mark.parametrize("seed", [0, 1])
def test_log_partition_equals_the_sum_over_all_paths(seed: int) -> None:
    layer = _layer(3, seed)
    lengths = [4, 1, 3]
    emissions, mask = _batch(lengths, 3)
    got = layer.log_partition(emissions, mask)
    for row, length in enumerate(lengths):
        brute = torch.logsumexp(
            torch.tensor(list(_brute_scores(layer, emissions[row], length).values())), dim=0
        )
        assert float(got[row]) == pytest.approx(float(brute), abs=1e-4)


def test_path_score_and_loss_match_brute_force() -> None:
    layer = _layer(3, 2)
    lengths = [4, 2]
    emissions, mask = _batch(lengths, 3)
    tags = torch.tensor([[2, 0, 1, 1], [1, 2, 0, 0]])
    scores = layer.path_score(emissions, tags, mask)
    first = _brute_scores(layer, emissions[0], 4)
    second = _brute_scores(layer, emissions[1], 2)
    assert float(scores[0]) == pytest.approx(first[(2, 0, 1, 1)], abs=1e-4)
    assert float(scores[1]) == pytest.approx(second[(1, 2)], abs=1e-4)
    expected = sum(
        float(torch.logsumexp(torch.tensor(list(table.values())), 0)) - table[path]
        for table, path in ((first, (2, 0, 1, 1)), (second, (1, 2)))
    )
    assert float(layer(emissions, tags, mask)) == pytest.approx(expected / 2, abs=1e-4)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_viterbi_finds_the_brute_force_argmax(seed: int) -> None:
    layer = _layer(4, seed)
    lengths = [5, 2, 4]
    emissions, mask = _batch(lengths, 4)
    decoded = layer.decode(emissions, mask)
    for row, length in enumerate(lengths):
        scores = _brute_scores(layer, emissions[row], length)
        assert tuple(decoded[row]) == max(scores, key=lambda path: scores[path])


def test_illegal_transitions_are_never_decoded() -> None:
    # Tag 1 may never follow tag 0, although the emissions push for exactly that.
    allowed = torch.ones(2, 2, dtype=torch.bool)
    allowed[0, 1] = False
    layer = CrfLayer(2, allowed)
    emissions = torch.tensor([[[5.0, 0.0], [0.0, 5.0], [0.0, 5.0]]])
    mask = torch.ones(1, 3, dtype=torch.bool)
    path = layer.decode(emissions, mask)[0]
    assert all((a, b) != (0, 1) for a, b in itertools.pairwise(path))
    assert CrfLayer(2).decode(emissions, mask)[0] == [0, 1, 1]
