"""A risk index sized like a graph of a given size, for benchmarks without a Neo4j."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fraudgraph.service.risk_index import RiskIndex
from fraudgraph.service.scorer import IdentifierRisk

#: The service's default hub cap: link counts stop growing past it.
HUB_CAP = 200


@dataclass(frozen=True, slots=True)
class SyntheticIndex:
    """Link counts as a graph of this size would give them (devices and IPs shared).

    The same sizes and seed give the same entries, so every server process of a benchmark
    builds the same index.
    """

    applications: int
    transactions: int
    seed: int = 7

    def entries(self) -> dict[str, IdentifierRisk]:
        """The index's entries: shared devices and ring accounts (1% of accounts)."""
        rng = np.random.default_rng(self.seed)
        accounts, devices = self.applications, max(self.applications // 2, 1)
        records = self.applications + self.transactions
        device_links = np.bincount(rng.zipf(1.6, records) % devices, minlength=devices)
        entries: dict[str, IdentifierRisk] = {}
        for d in np.nonzero(device_links >= 2)[0]:
            links = int(min(device_links[d], HUB_CAP))
            entries[RiskIndex.key("Device", f"dev-{d:06d}")] = IdentifierRisk(links=links)
        for a in rng.choice(accounts, size=max(accounts // 100, 1), replace=False):
            ring = f"R-{int(a) % 997}"
            entries[RiskIndex.key("Account", f"AC{int(a):07d}")] = IdentifierRisk(
                ring_id=ring, ring_score=0.85
            )
        return entries
