"""Rings in the money flow: fan-in, fan-out, gather-scatter, scatter-gather and cycles.

All structures are searched within a time window on the Account-Transaction-Account flow held
as time-sorted arrays. A fan is a hub account with at least ``min_fan`` distinct counterparties
inside one window; ``concentration`` (the window's share of the hub's money) and, for fan-ins,
the window's share of all the hub's payers tell a collection account apart from a busy
merchant. Cycles are time-respecting: each hop happens no earlier than the previous one and the
whole loop within the cycle window (twice the fan window unless set). Bust-outs are spending
bursts, grouped when they pay most of their money to the same (colluding) merchant.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from fraudgraph.rings.graph_snapshot import Transfers
from fraudgraph.rings.ring_candidate import Binding, RingCandidate, node_key

IntArray = npt.NDArray[np.int64]
#: Least amount spent in one window for a spending burst to count as a bust-out.
BUST_OUT_MIN_AMOUNT = 20_000.0
#: Distinct payers that make a payee look like a merchant.
BUST_OUT_MERCHANT_PAYERS = 10
#: (pattern, accounts, transfer rows, concentration)
Structure = tuple[str, frozenset[int], IntArray, float]


@dataclass(frozen=True, slots=True)
class Fan:
    """A hub and the counterparties it dealt with in its busiest window."""

    hub: int
    others: frozenset[int]
    rows: IntArray  # transfer rows inside the window
    start: float
    end: float
    concentration: float
    incoming: bool
    amount: float


class FlowRingFinder:
    """Finds money-flow structures in a :class:`Transfers` table."""

    def __init__(
        self,
        window_s: float = 96 * 3600.0,
        min_fan: int = 5,
        max_cycle: int = 8,
        hub_degree_cap: int = 200,
        min_concentration: float = 0.3,
        time_ordered: bool = True,
        cycle_window_s: float | None = None,
    ) -> None:
        self.window_s = window_s
        # Layering hops are spread over days: a loop gets twice the fan window by default.
        self.cycle_window_s = cycle_window_s or 2.0 * window_s
        self.min_fan = min_fan
        self.max_cycle = max_cycle
        self.hub_degree_cap = hub_degree_cap
        self.min_concentration = min_concentration
        # Simulators such as AMLSim spread a cycle's hops over the period in any order.
        self.time_ordered = time_ordered

    def find(
        self, transfers: Transfers, owner_of: dict[str, str] | None = None
    ) -> list[RingCandidate]:
        """All flow candidates; members are accounts plus their owners when known."""
        owners = owner_of or {}
        fans_in = self.fans(transfers, incoming=True)
        fans_out = self.fans(transfers, incoming=False)
        bursts = self.spend_bursts(transfers)
        structures = list(self._combine(fans_in, fans_out, {f.hub for f in bursts}))
        structures += list(self._bust_outs(transfers, bursts))
        structures += [("cycle", cyc, rows, 1.0) for cyc, rows in self.cycles(transfers)]
        return [_candidate(s, transfers, owners) for s in structures]

    # --- fans ----------------------------------------------------------------------------------

    @property
    def _pair_fan(self) -> int:
        """Smallest fan that can still be one half of a gather-scatter or scatter-gather."""
        return min(3, self.min_fan)

    def fans(self, t: Transfers, *, incoming: bool) -> list[Fan]:
        """Hubs with ``_pair_fan`` or more distinct counterparties in one window."""
        hub_col, other_col = (t.payee, t.payer) if incoming else (t.payer, t.payee)
        win = _Windows(t, hub_col, self.window_s)
        # Vectorised necessary conditions first: most accounts never qualify.
        hopeful = (win.max_count >= self._pair_fan) & (win.max_share >= self.min_concentration)
        out = []
        for rows in win.groups(hopeful):
            fan = self._best_window(t, rows, int(hub_col[rows[0]]), other_col, incoming)
            if fan is not None:
                out.append(fan)
        return out

    def _best_window(
        self, t: Transfers, rows: IntArray, hub: int, other_col: IntArray, incoming: bool
    ) -> Fan | None:
        others = other_col[rows]
        total = len(np.unique(others))
        if total < self._pair_fan:
            return None
        times = t.at[rows]
        ends = np.searchsorted(times, times + self.window_s, side="right")
        cum = np.concatenate([[0.0], np.cumsum(t.amount[rows])])
        # Share of the hub's money (not of its counterparties) moved in a window: a busy
        # merchant or employer spreads its flows over the year, a mule account does not.
        shares = (cum[ends] - cum[:-1]) / max(float(cum[-1]), 1e-9)
        best, best_i = (0, 0.0), -1
        for i, j in enumerate(ends):
            if j - i < best[0] or shares[i] < self.min_concentration:
                continue
            # Most counterparties first, then most money: an early window of small payments
            # must not hide the burst later in the year.
            rank = (len(np.unique(others[i:j])), float(shares[i]))
            if rank > best:
                best, best_i = rank, i
        # A merchant's burst of sales comes from a sliver of its customers; a collection
        # account's window holds most of the payers it ever had. (Outgoing fans are not held
        # to this: the hub's everyday spending goes to many shops.)
        few = incoming and best[0] < self.min_concentration * total
        if best_i < 0 or best[0] < self._pair_fan or few:
            return None
        inside = rows[best_i : ends[best_i]]
        share = best[1]
        return Fan(
            hub=hub,
            others=frozenset(int(o) for o in other_col[inside]) - {hub},
            rows=inside,
            start=float(t.at[inside[0]]),
            end=float(t.at[inside[-1]]),
            concentration=share,
            incoming=incoming,
            amount=float(t.amount[inside].sum()),
        )

    def _combine(
        self, fans_in: list[Fan], fans_out: list[Fan], bursts: set[int]
    ) -> Iterator[Structure]:
        """Pair fans into gather-scatter / scatter-gather; big unpaired fans stay plain fans."""
        used_in: set[int] = set()
        used_out: set[int] = set()
        out_by_hub = {f.hub: (n, f) for n, f in enumerate(fans_out)}
        for n, fin in enumerate(fans_in):
            hit = out_by_hub.get(fin.hub)
            if hit is not None and self._passes_through(fin, hit[1]):
                used_in.add(n)
                used_out.add(hit[0])
                accounts = fin.others | hit[1].others | {fin.hub}
                rows = np.concatenate([fin.rows, hit[1].rows])
                yield "gather_scatter", accounts, rows, min(fin.concentration, hit[1].concentration)
        yield from self._scatter_gathers(fans_in, fans_out, used_in, used_out)
        collectors = {f.hub for f in fans_in}
        for n, fin in enumerate(fans_in):
            if n not in used_in and (
                len(fin.others) >= self.min_fan or self._layered(fin, collectors)
            ):
                yield "fan_in", fin.others | {fin.hub}, fin.rows, fin.concentration
        for m, fout in enumerate(fans_out):
            if m not in used_out and len(fout.others) >= self.min_fan and fout.hub not in bursts:
                yield "fan_out", fout.others | {fout.hub}, fout.rows, fout.concentration

    def _layered(self, fin: Fan, collectors: set[int]) -> bool:
        """A small fan-in whose payers collect from several payers themselves: victims pay
        mules, the mules pay one collection account."""
        feeders = len(fin.others & collectors)
        return feeders >= self._pair_fan and 3 * feeders >= 2 * len(fin.others)

    def _scatter_gathers(
        self, fans_in: list[Fan], fans_out: list[Fan], used_in: set[int], used_out: set[int]
    ) -> Iterator[Structure]:
        """A source fanning out to accounts that all pay one sink (inverted index on members)."""
        sinks_of: dict[int, list[int]] = {}
        for n, fin in enumerate(fans_in):
            for other in fin.others:
                sinks_of.setdefault(other, []).append(n)
        for m, fout in enumerate(fans_out):
            if m in used_out:
                continue
            shared_count: dict[int, int] = {}
            for other in fout.others:
                for n in sinks_of.get(other, ()):
                    shared_count[n] = shared_count.get(n, 0) + 1
            for n, count in sorted(shared_count.items(), key=lambda kv: -kv[1]):
                fin = fans_in[n]
                if n in used_in or fin.hub == fout.hub or not self._follows(fout, fin):
                    continue
                if count >= max(3, 0.6 * min(len(fin.others), len(fout.others))):
                    used_in.add(n)
                    used_out.add(m)
                    accounts = (fin.others & fout.others) | {fin.hub, fout.hub}
                    rows = np.concatenate([fin.rows, fout.rows])
                    yield (
                        "scatter_gather",
                        accounts,
                        rows,
                        min(fin.concentration, fout.concentration),
                    )
                    break

    def _passes_through(self, fin: Fan, fout: Fan) -> bool:
        """Money gathered by a hub leaves it again in the window, most of it."""
        if not self._follows(fin, fout) or fout.end < fin.start:
            return False
        big = len(fin.others) >= self.min_fan and len(fout.others) >= self.min_fan
        # Small fans must move comparable money in and out; the counts of sources and targets
        # differ, so a factor of three either way.
        return big or fin.amount / 3.0 <= fout.amount <= 3.0 * fin.amount

    def _bust_outs(self, t: Transfers, bursts: list[Fan]) -> Iterator[Structure]:
        """Spending bursts; several paying most of their money to the same payee (a colluding
        merchant) in the same window form one ring."""
        by_payee: dict[int, list[Fan]] = {}
        for fan in bursts:
            payees, inverse = np.unique(t.payee[fan.rows], return_inverse=True)
            main = int(payees[np.argmax(np.bincount(inverse, weights=t.amount[fan.rows]))])
            by_payee.setdefault(main, []).append(fan)
        parts: list[list[Fan]] = []
        for fans in by_payee.values():
            fans.sort(key=lambda f: f.start)
            parts.append([fans[0]])
            for fan in fans[1:]:
                if self._follows(parts[-1][-1], fan):
                    parts[-1].append(fan)
                else:
                    parts.append([fan])
        for fans in parts:
            rows = np.concatenate([f.rows for f in fans])
            conc = min(f.concentration for f in fans)
            yield "bust_out", frozenset(f.hub for f in fans), rows, conc

    @staticmethod
    def _distinct_payers(t: Transfers) -> IntArray:
        """For every account, how many distinct accounts ever paid it."""
        pairs = np.unique(t.payee * np.int64(len(t.accounts)) + t.payer)
        return np.bincount(pairs // len(t.accounts), minlength=len(t.accounts)).astype(np.int64)

    def spend_bursts(self, t: Transfers) -> list[Fan]:
        """Payers whose busiest window (by amount) looks like a bust-out."""
        payers_of = self._distinct_payers(t)
        win = _Windows(t, t.payer, self.window_s)
        hopeful = (win.max_count >= 4) & (win.max_share >= 0.6)
        hopeful &= win.max_amount >= BUST_OUT_MIN_AMOUNT
        out = []
        for rows in win.groups(hopeful):
            amounts = t.amount[rows]
            times = t.at[rows]
            ends = np.searchsorted(times, times + self.window_s, side="right")
            cum = np.concatenate([[0.0], np.cumsum(amounts)])
            sums = cum[ends] - cum[:-1]
            best = int(np.argmax(sums))
            inside = rows[best : ends[best]]
            fan = Fan(
                hub=int(t.payer[rows[0]]),
                others=frozenset(int(q) for q in t.payee[inside]),
                rows=inside,
                start=float(times[best]),
                end=float(times[ends[best] - 1]),
                concentration=float(sums[best] / max(cum[-1], 1e-9)),
                incoming=False,
                amount=float(sums[best]),
            )
            if self._is_spend_burst(fan, payers_of):
                out.append(fan)
        return out

    @staticmethod
    def _is_spend_burst(fan: Fan, payers_of: IntArray) -> bool:
        """An account suddenly spending most of its outflow at merchants (bust-out).

        Merchants are payees many distinct accounts pay; a fan-out to fresh mule accounts is
        a different typology.
        """
        if len(fan.rows) < 4 or fan.amount < BUST_OUT_MIN_AMOUNT or fan.concentration < 0.6:
            return False
        return float(np.median(payers_of[list(fan.others)])) >= BUST_OUT_MERCHANT_PAYERS

    def _follows(self, first: Fan, second: Fan) -> bool:
        return second.end >= first.start and second.start <= first.end + self.window_s

    # --- collection accounts ------------------------------------------------------------------

    def add_collectors(
        self, t: Transfers, candidates: list[RingCandidate], patterns: frozenset[str]
    ) -> list[RingCandidate]:
        """Add to each candidate of ``patterns`` the accounts its accounts pay money into.

        A collection account is paid by at least two of the ring's accounts, and the ring's
        accounts are at least half of everyone who ever paid it (a shop or a landlord paid by
        the whole town is not one).
        """
        index = {name: i for i, name in enumerate(t.accounts)}
        payers_of = self._distinct_payers(t)
        order = np.argsort(t.payer, kind="stable")
        starts = np.searchsorted(t.payer[order], np.arange(len(t.accounts) + 1))
        out = []
        for cand in candidates:
            names = (m.removeprefix("Account:") for m in cand.members if m.startswith("Account:"))
            mine = [index[n] for n in names if n in index]
            if cand.pattern not in patterns or len(mine) < 2:
                out.append(cand)
                continue
            rows = np.concatenate([order[starts[a] : starts[a + 1]] for a in mine])
            pairs = np.unique(t.payee[rows] * np.int64(len(t.accounts)) + t.payer[rows])
            payees, ring_payers = np.unique(pairs // len(t.accounts), return_counts=True)
            keep = (ring_payers >= 2) & (2 * ring_payers >= payers_of[payees])
            extra = {node_key("Account", t.accounts[p]) for p in payees[keep]}
            out.append(replace(cand, members=cand.members | extra) if extra else cand)
        return out

    # --- cycles --------------------------------------------------------------------------------

    def cycles(self, t: Transfers) -> Iterator[tuple[frozenset[int], IntArray]]:
        """Time-respecting simple cycles of length 3..max_cycle within the window."""
        n_acc = len(t.accounts)
        degree = np.bincount(t.payer, minlength=n_acc) + np.bincount(t.payee, minlength=n_acc)
        busy = degree > self.hub_degree_cap
        order = np.lexsort((t.at, t.payer))
        starts = np.searchsorted(t.payer[order], np.arange(n_acc + 1))
        seen: set[frozenset[int]] = set()
        for row in np.flatnonzero(self._may_close(t) & ~busy[t.payer] & ~busy[t.payee]):
            u, v = int(t.payer[row]), int(t.payee[row])
            if u == v:
                continue
            # Search again from the same transfer until no loop not reported yet is left.
            while True:
                path = self._close(t, (order, starts, busy), seen, u, [int(row)], {u, v}, t.at[row])
                if path is None:
                    break
                accounts = frozenset(int(t.payer[r]) for r in path)
                seen.add(accounts)
                yield accounts, np.asarray(path, dtype=np.int64)

    def _may_close(self, t: Transfers) -> npt.NDArray[np.bool_]:
        """Transfers that can open a cycle: within the window, the payee pays someone and the
        payer is paid by someone (the closing hop)."""
        low = t.at - (0.0 if self.time_ordered else self.cycle_window_s)
        high = t.at + self.cycle_window_s
        payee_pays = _Windows(t, t.payer, self.cycle_window_s).has_event(t.payee, low, high)
        payer_paid = _Windows(t, t.payee, self.cycle_window_s).has_event(t.payer, low, high)
        return payee_pays & payer_paid

    def _close(
        self,
        t: Transfers,
        index: tuple[IntArray, IntArray, npt.NDArray[np.bool_]],
        seen: set[frozenset[int]],
        origin: int,
        path: list[int],
        visited: set[int],
        t0: float,
    ) -> list[int] | None:
        """Depth-first search for a time-respecting way back to ``origin`` along a loop not
        reported yet (``index``: rows by payer, their offsets, busy accounts)."""
        order, starts, busy = index
        here = int(t.payee[path[-1]])
        now = t.at[path[-1]]
        for row in order[starts[here] : starts[here + 1]]:
            at = t.at[row]
            if (self.time_ordered and at < now) or abs(at - t0) > self.cycle_window_s:
                continue
            nxt = int(t.payee[row])
            if nxt == origin and len(path) >= 2:
                if frozenset(visited) not in seen:
                    return [*path, int(row)]
                continue
            if nxt in visited or busy[nxt] or len(path) + 1 >= self.max_cycle:
                continue
            found = self._close(t, index, seen, origin, [*path, int(row)], visited | {nxt}, t0)
            if found is not None:
                return found
        return None


def _candidate(structure: Structure, t: Transfers, owners: dict[str, str]) -> RingCandidate:
    pattern, accounts, rows, concentration = structure
    names = [t.accounts[a] for a in accounts]
    members = {node_key("Account", a) for a in names}
    members.update(node_key("Customer", owners[a]) for a in names if a in owners)
    rows = np.unique(rows)
    counts = np.bincount(np.concatenate([t.payer[rows], t.payee[rows]]), minlength=len(t.accounts))
    top = sorted(accounts, key=lambda a: -counts[a])[:3]
    bindings = tuple(Binding("Account", t.accounts[a], int(counts[a])) for a in top)
    timeline = [
        (float(t.at[r]), f"{t.accounts[t.payer[r]]} -> {t.accounts[t.payee[r]]} {t.amount[r]:.2f}")
        for r in rows[:50]
    ]
    return RingCandidate(
        pattern=pattern,
        members=frozenset(members),
        bindings=bindings,
        first_seen=float(t.at[rows].min()),
        last_seen=float(t.at[rows].max()),
        amount=float(t.amount[rows].sum()),
        links=len(rows),
        concentration=concentration,
        timeline=timeline,
    )


class _Windows:
    """Transfers grouped by an account column and sorted by time, with per-account maxima over
    sliding windows (count and amount), all computed with vectorised searches."""

    def __init__(self, t: Transfers, account_col: IntArray, window_s: float) -> None:
        self.order = np.lexsort((t.at, account_col))
        self.accounts = account_col[self.order]
        times = t.at[self.order]
        self.t0 = float(times.min()) if len(times) else 0.0
        self.span = (float(times.max()) - self.t0 if len(times) else 0.0) + 3 * window_s + 1.0
        self.window_s = window_s
        # One sorted key over (account, time) turns per-account windows into one search.
        self.key = self.accounts * self.span + (times - self.t0)
        ends = np.searchsorted(self.key, self.key + window_s, side="right")
        counts = ends - np.arange(len(self.key))
        cum = np.concatenate([[0.0], np.cumsum(t.amount[self.order])])
        sums = cum[ends] - cum[:-1]
        self.starts = (
            np.flatnonzero(np.r_[True, np.diff(self.accounts) != 0])
            if len(self.key)
            else np.zeros(0, dtype=np.int64)
        )
        if len(self.key):
            self.max_count = np.maximum.reduceat(counts, self.starts)
            self.max_amount = np.maximum.reduceat(sums, self.starts)
            totals = np.add.reduceat(t.amount[self.order], self.starts)
            self.max_share = self.max_amount / np.maximum(totals, 1e-9)
        else:
            self.max_count = np.zeros(0, dtype=np.int64)
            self.max_amount = self.max_share = np.zeros(0)

    def groups(self, mask: npt.NDArray[np.bool_]) -> Iterator[IntArray]:
        """Transfer rows (time-sorted) of each account group selected by ``mask``."""
        bounds = np.r_[self.starts, len(self.key)]
        for g in np.flatnonzero(mask):
            yield self.order[bounds[g] : bounds[g + 1]]

    def has_event(
        self, accounts: IntArray, low: npt.NDArray[np.float64], high: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.bool_]:
        """Whether each account has a transfer with time in ``[low, high]``."""
        base = accounts * self.span - self.t0
        first = np.searchsorted(self.key, base + low, side="left")
        return np.searchsorted(self.key, base + high, side="right") > first
