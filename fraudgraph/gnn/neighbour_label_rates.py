"""Fraud rates of a node's neighbourhoods, from the training labels only (leave-self-out).

On bipartite graphs (Reddit: users and the subreddits they post in) fraudsters never touch each
other, so counting fraud neighbours says nothing; what matters is whether the *places* a node
visits are visited by known fraudsters. For every neighbour ``w`` of ``v`` this builder takes
the smoothed share of known fraud among ``w``'s other known neighbours (``v`` itself left out,
so a training node never sees its own label) and summarises those rates over ``w``: mean, max,
min, std, the 2-hop fraud count and share, the summed log-lift over the prior, and how many
neighbours have a known fraudster besides ``v``. Only labels at ``known`` indices are read.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor
from torch_geometric.utils import coalesce

from fraudgraph.gnn.scatter_ops import segment_count, segment_max, segment_mean, segment_sum

FEATURE_NAMES = [
    "label_rate_mean",
    "label_rate_max",
    "label_rate_min",
    "label_rate_std",
    "label_2hop_log_fraud",
    "label_2hop_share",
    "label_rate_log_lift",
    "label_log_fraud_neighbourhoods",
]


@dataclass(frozen=True, slots=True)
class NeighbourLabelRates:
    """Builder of the neighbourhood fraud-rate features [N, 8].

    ``prior_weight`` is the number of pseudo-observations at the training fraud rate that
    smooth each neighbour's rate, so a neighbour with one known visitor is not a 0 or a 1.
    Edges are used without direction and without self-loops.
    """

    prior_weight: float = 5.0

    def build(self, y: Tensor, known: Tensor, edge_index: Tensor, num_nodes: int) -> Tensor:
        """Features for every node from labels ``y`` [N] revealed only at ``known`` indices."""
        is_known = torch.zeros(num_nodes)
        is_known[known] = 1.0
        is_fraud = torch.zeros(num_nodes)
        is_fraud[known] = (y[known] == 1).float()
        prior = float(is_fraud.sum() / is_known.sum().clamp(min=1.0))
        src, dst = _undirected(edge_index, num_nodes)
        # Per middle node w: known fraud and known nodes among its neighbours.
        fraud_at = segment_sum(is_fraud[src].unsqueeze(1), dst, num_nodes).squeeze(1)
        known_at = segment_sum(is_known[src].unsqueeze(1), dst, num_nodes).squeeze(1)
        # Edge w=src -> v=dst: w's neighbourhood without v.
        fraud_e = fraud_at[src] - is_fraud[dst]
        known_e = known_at[src] - is_known[dst]
        return self._summarise(fraud_e, known_e, dst, num_nodes, prior)

    def _summarise(
        self, fraud_e: Tensor, known_e: Tensor, dst: Tensor, num_nodes: int, prior: float
    ) -> Tensor:
        smooth = self.prior_weight
        rate = ((fraud_e + smooth * prior) / (known_e + smooth)).unsqueeze(1)
        mean = segment_mean(rate, dst, num_nodes)
        mean_sq = segment_mean(rate * rate, dst, num_nodes)
        fraud_2hop = segment_sum(fraud_e.unsqueeze(1), dst, num_nodes)
        known_2hop = segment_sum(known_e.unsqueeze(1), dst, num_nodes)
        lift = torch.log(rate / max(prior, 1e-6)) if prior > 0 else torch.zeros_like(rate)
        isolated = segment_count(dst, num_nodes, rate.dtype) == 0
        columns = [
            mean,
            segment_max(rate, dst, num_nodes),
            -segment_max(-rate, dst, num_nodes),
            torch.sqrt(torch.relu(mean_sq - mean * mean)),
            torch.log1p(fraud_2hop),
            (fraud_2hop + smooth * prior) / (known_2hop + smooth),
            segment_sum(lift, dst, num_nodes),
            torch.log1p(segment_sum((fraud_e > 0).float().unsqueeze(1), dst, num_nodes)),
        ]
        out = torch.cat(columns, dim=1)
        # A node without neighbours has no evidence: the prior rate, zero counts.
        out[isolated.squeeze(1)] = torch.tensor([prior, prior, prior, 0.0, 0.0, prior, 0.0, 0.0])
        return out


def _undirected(edge_index: Tensor, num_nodes: int) -> tuple[Tensor, Tensor]:
    """Both directions of every link, once each, without self-loops."""
    both = torch.cat([edge_index, edge_index.flip(0)], dim=1)
    both = both[:, both[0] != both[1]]
    both = coalesce(both, num_nodes=num_nodes)
    return both[0], both[1]
