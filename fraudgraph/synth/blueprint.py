"""Sizes of everything planted in a world, decided before any person is created.

The population is allocated once, so the number of fraudsters' identities (ring members, burst
applicants, mules, money-laundering account holders) must be known up front. Person indices are
laid out as ``[real customers | synthetic identities | device-burst | ip-burst | mules | AML]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fraudgraph.errors import InvalidInputError
from fraudgraph.synth.world_config import WorldConfig

AML_PATTERNS = ("fan_in", "fan_out", "cycle", "scatter_gather", "gather_scatter")
# Rough shares of applications / transactions given to each planted pattern.
_SID_APP_SHARE = 0.012
_BURST_APP_SHARE = 0.006
_MULE_TX_SHARE = 0.005
_AML_TX_SHARE = 0.0008
_BUST_TX_SHARE = 0.001
_REPEAT_APPLICANTS = 0.15


@dataclass(frozen=True, slots=True)
class AmlShape:
    """One money-laundering instance: its typology and how many accounts take part.

    ``sizes`` are typology-specific: (leaves,) for fans, (length,) for a cycle, (middles,) for
    scatter-gather, (sources, targets) for gather-scatter. ``external`` marks the leaves held at
    other banks (fans only).
    """

    pattern: str
    sizes: tuple[int, ...]
    internal: int
    external: int


@dataclass(frozen=True, slots=True)
class Blueprint:
    """Counts and person-index ranges of the planted patterns."""

    real_persons: int
    real_applications: int
    sid_rings: tuple[tuple[int, ...], ...]  # applications per identity, one tuple per ring
    device_bursts: tuple[int, ...]
    ip_bursts: tuple[int, ...]
    mule_networks: tuple[tuple[int, int, int], ...]  # (mules, victims, collectors)
    aml: tuple[AmlShape, ...]
    bust_outs: tuple[int, ...]  # persons per bust-out ring

    @staticmethod
    def plan(config: WorldConfig, rng: np.random.Generator) -> Blueprint:
        """Draw the sizes for ``config``."""
        n_apps, n_tx = config.applications, config.total_transactions
        sid = tuple(
            tuple(int(a) for a in 1 + (rng.random(int(k)) < 0.2))
            for k in rng.integers(
                3, min(16, max(4, n_apps // 40)), _count(n_apps * _SID_APP_SHARE / 11)
            )
        )
        # Small worlds get small rings, so that most applications stay genuine.
        burst_max = min(31, max(6, n_apps // 40))
        bursts = _count(n_apps * _BURST_APP_SHARE / 17)
        device = tuple(int(k) for k in rng.integers(5, burst_max, bursts))
        ip = tuple(int(k) for k in rng.integers(5, burst_max, bursts))
        fraud_apps = sum(sum(r) for r in sid) + sum(device) + sum(ip)
        real_apps = n_apps - fraud_apps
        if real_apps < n_apps // 2:
            raise InvalidInputError("too few for the planted patterns", field="applications")
        mules = tuple(
            (int(rng.integers(3, 11)), int(rng.integers(10, 31)), int(rng.integers(1, 3)))
            for _ in range(_count(n_tx * _MULE_TX_SHARE / 50))
        )
        aml = tuple(
            _aml_shape(p, rng)
            for p in AML_PATTERNS
            for _ in range(_count(n_tx * _AML_TX_SHARE / 12))
        )
        bust = tuple(int(k) for k in rng.integers(1, 4, _count(n_tx * _BUST_TX_SHARE / 30)))
        return Blueprint(
            real_persons=max(1, round(real_apps / (1 + _REPEAT_APPLICANTS))),
            real_applications=real_apps,
            sid_rings=sid,
            device_bursts=device,
            ip_bursts=ip,
            mule_networks=mules,
            aml=aml,
            bust_outs=bust,
        )

    @property
    def sid_start(self) -> int:
        """First person index of the synthetic identities."""
        return self.real_persons

    @property
    def device_burst_start(self) -> int:
        """First person index of the device-burst applicants."""
        return self.sid_start + sum(len(r) for r in self.sid_rings)

    @property
    def ip_burst_start(self) -> int:
        """First person index of the IP-burst applicants."""
        return self.device_burst_start + sum(self.device_bursts)

    @property
    def mule_start(self) -> int:
        """First person index of the mules."""
        return self.ip_burst_start + sum(self.ip_bursts)

    @property
    def aml_start(self) -> int:
        """First person index of the money-laundering account holders."""
        return self.mule_start + sum(m[0] for m in self.mule_networks)

    @property
    def total_persons(self) -> int:
        """Size of the population."""
        return self.aml_start + sum(s.internal for s in self.aml)

    @property
    def external_fraud_accounts(self) -> int:
        """Accounts at other banks used by the planted flows (collectors, fan leaves)."""
        return sum(m[2] for m in self.mule_networks) + sum(s.external for s in self.aml)


def _count(expected: float) -> int:
    """At least one instance of every pattern, however small the world."""
    return max(1, round(expected))


def _aml_shape(pattern: str, rng: np.random.Generator) -> AmlShape:
    if pattern in ("fan_in", "fan_out"):
        leaves = int(rng.integers(6, 16))
        external = int((rng.random(leaves) < 0.4).sum())
        return AmlShape(pattern, (leaves,), 1 + leaves - external, external)
    if pattern == "cycle":
        length = int(rng.integers(3, 9))
        return AmlShape(pattern, (length,), length, 0)
    if pattern == "scatter_gather":
        middles = int(rng.integers(3, 9))
        return AmlShape(pattern, (middles,), middles + 2, 0)
    sources, targets = int(rng.integers(3, 9)), int(rng.integers(3, 9))
    return AmlShape(pattern, (sources, targets), sources + targets + 1, 0)
