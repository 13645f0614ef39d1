"""A candidate fraud ring: who is in it, what binds them, and the raw facts the scorer needs."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Identifier kinds that identify one person or one device: sharing one is a strong signal.
STRONG_KINDS = frozenset({"Phone", "Email", "IdNumber", "BankCard", "Device"})


def node_key(node_label: str, key: str) -> str:
    """The key of a member node across the rings stage: ``Label:natural key``."""
    return f"{node_label}:{key}"


def split_key(member: str) -> tuple[str, str]:
    """Inverse of :func:`node_key`."""
    node_label, _, key = member.partition(":")
    return node_label, key


@dataclass(frozen=True, slots=True)
class Binding:
    """An identifier (or hub account) shared by ``members`` members of a ring."""

    kind: str
    key: str
    members: int
    via_transactions: bool = False


@dataclass(slots=True)
class RingCandidate:
    """A group of customers/applications/accounts found by one detector, before scoring."""

    pattern: str
    members: frozenset[str]
    bindings: tuple[Binding, ...] = ()
    first_seen: float = 0.0  # epoch seconds of the first binding event
    last_seen: float = 0.0
    amount: float = 0.0  # money moved inside the structure (flow rings)
    links: int = 0  # binding edges (customer-identifier or transfers)
    concentration: float = 1.0  # share of the hub's activity inside the structure (flow rings)
    timeline: list[tuple[float, str]] = field(default_factory=list)

    @property
    def customers(self) -> int:
        """Number of customer members."""
        return sum(1 for m in self.members if m.startswith("Customer:"))

    @property
    def accounts(self) -> int:
        """Number of account members."""
        return sum(1 for m in self.members if m.startswith("Account:"))

    @property
    def span_hours(self) -> float:
        """How long the ring took to form."""
        return max(0.0, self.last_seen - self.first_seen) / 3600.0

    @property
    def strong_share(self) -> float:
        """Share of the bindings that are strong identifiers or money-flow hubs."""
        if not self.bindings:
            return 0.0
        strong = sum(1 for b in self.bindings if b.kind in STRONG_KINDS or b.kind == "Account")
        return strong / len(self.bindings)
