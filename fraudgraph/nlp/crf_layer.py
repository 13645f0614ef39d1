"""A linear-chain conditional random field over per-position tag scores, in torch.

The layer holds a score for every tag-to-tag transition plus a score for starting and for ending
on each tag. The negative log-likelihood of a gold tag path is ``log Z - score(path)``, with the
log partition ``log Z`` summed over all paths by the forward algorithm; decoding is Viterbi.
Both run on whole padded batches: ``mask`` marks the real positions, which must be a prefix of
each row (at least one per row).

``allowed`` (optional) lists the legal transitions of a tag scheme (BIOES: ``B-X`` is followed
only by ``I-X`` or ``E-X`` ...); illegal ones get a large fixed penalty in training and decoding,
so decoded paths always spell well-formed spans.
"""

from __future__ import annotations

import torch
from torch import nn

#: Added to the score of an illegal transition (large enough to never win, finite for autograd).
ILLEGAL = -10000.0


class CrfLayer(nn.Module):
    """Transition scores and the CRF loss / decoder of one tag set."""

    def __init__(
        self,
        num_tags: int,
        allowed: torch.Tensor | None = None,
        allowed_start: torch.Tensor | None = None,
        allowed_end: torch.Tensor | None = None,
    ) -> None:
        """``allowed``: bool ``(num_tags, num_tags)``, ``[i, j]`` when tag ``j`` may follow tag
        ``i``; ``allowed_start`` / ``allowed_end``: bool ``(num_tags,)``. All legal if None."""
        super().__init__()
        self.num_tags = num_tags
        self.transitions = nn.Parameter(torch.empty(num_tags, num_tags))
        self.start = nn.Parameter(torch.empty(num_tags))
        self.end = nn.Parameter(torch.empty(num_tags))
        every = torch.ones(num_tags, dtype=torch.bool)
        self.register_buffer("penalty", self._penalty(allowed, torch.ones(num_tags, num_tags)))
        self.register_buffer("start_penalty", self._penalty(allowed_start, every))
        self.register_buffer("end_penalty", self._penalty(allowed_end, every))
        self.reset_parameters()

    @staticmethod
    def _penalty(allowed: torch.Tensor | None, shape_of: torch.Tensor) -> torch.Tensor:
        if allowed is None:
            return torch.zeros_like(shape_of, dtype=torch.float32)
        return torch.where(allowed.bool(), 0.0, ILLEGAL).to(torch.float32)

    def reset_parameters(self) -> None:
        """Small random transition, start and end scores."""
        nn.init.uniform_(self.transitions, -0.1, 0.1)
        nn.init.uniform_(self.start, -0.1, 0.1)
        nn.init.uniform_(self.end, -0.1, 0.1)

    def scores(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(transitions, start, end) with the illegal-transition penalties added."""
        return (
            self.transitions + self.get_buffer("penalty"),
            self.start + self.get_buffer("start_penalty"),
            self.end + self.get_buffer("end_penalty"),
        )

    def forward(
        self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        """Mean negative log-likelihood of the gold paths.

        ``emissions``: float ``(batch, length, num_tags)``; ``tags``: long ``(batch, length)``
        (any value at padding); ``mask``: bool ``(batch, length)``. Returns a scalar.
        """
        return (self.log_partition(emissions, mask) - self.path_score(emissions, tags, mask)).mean()

    def path_score(
        self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        """Score of each row's tag path, shape ``(batch,)``."""
        transitions, start, end = self.scores()
        tags = tags.masked_fill(~mask, 0)
        emitted = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)  # (batch, length)
        moved = transitions[tags[:, :-1], tags[:, 1:]]  # (batch, length - 1)
        weights = mask.to(emissions.dtype)
        total = start[tags[:, 0]] + (emitted * weights).sum(dim=1)
        total = total + (moved * weights[:, 1:]).sum(dim=1)
        last = tags.gather(1, (mask.sum(dim=1, keepdim=True) - 1)).squeeze(1)
        return total + end[last]

    def log_partition(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``log Z`` of each row (forward algorithm), shape ``(batch,)``."""
        transitions, start, end = self.scores()
        # log-sum-exp over the previous tag as a matrix product in probability space, shifted
        # by each row's best score: far cheaper (forward and backward) than a (batch, tags,
        # tags) logsumexp. Illegal transitions become exact zeros.
        growth = transitions.exp()
        alpha = start.unsqueeze(0) + emissions[:, 0]
        for position in range(1, emissions.shape[1]):
            shift = alpha.max(dim=1, keepdim=True).values.detach()
            step = torch.log((alpha - shift).exp() @ growth) + shift + emissions[:, position]
            alpha = torch.where(mask[:, position].unsqueeze(1), step, alpha)
        return torch.logsumexp(alpha + end.unsqueeze(0), dim=1)

    def decode(
        self,
        emissions: torch.Tensor,
        mask: torch.Tensor,
        scores: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
    ) -> list[list[int]]:
        """The highest-scoring tag path of each row (Viterbi), cut to the row's length.

        ``scores``: (transitions, start, end) to use instead of this layer's :meth:`scores`
        (the mean of several layers')."""
        transitions, start, end = scores if scores is not None else self.scores()
        batch, length, num_tags = emissions.shape
        score = start.unsqueeze(0) + emissions[:, 0]
        stay = torch.arange(num_tags, device=emissions.device).expand(batch, num_tags)
        pointers = []
        for position in range(1, length):
            best, came_from = (score.unsqueeze(2) + transitions.unsqueeze(0)).max(dim=1)
            real = mask[:, position].unsqueeze(1)
            score = torch.where(real, best + emissions[:, position], score)
            # Padding keeps each tag where it is, so tracing back through it changes nothing.
            pointers.append(torch.where(real, came_from, stay))
        return trace_back(score + end.unsqueeze(0), pointers, mask)


def trace_back(
    final: torch.Tensor, pointers: list[torch.Tensor], mask: torch.Tensor
) -> list[list[int]]:
    """The Viterbi paths, cut to each row's length.

    ``final``: (batch, tags) path scores at the last position, end scores added; ``pointers``:
    for each position after the first, (batch, tags) the best previous tag (padding points a
    tag at itself); ``mask``: (batch, length) real positions.
    """
    tag = final.argmax(dim=1)
    path = [tag]
    for came_from in reversed(pointers):
        tag = came_from.gather(1, tag.unsqueeze(1)).squeeze(1)
        path.append(tag)
    rows = torch.stack(path[::-1], dim=1).tolist()
    lengths = mask.sum(dim=1).tolist()
    return [row[:size] for row, size in zip(rows, lengths, strict=True)]
