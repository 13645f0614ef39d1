"""Label-free money-flow features a bank analyst computes per account from its transfers.

Laundering cycles leave three traces that per-account totals miss:

* **short directed cycles**: money leaving an account and coming back to it in 2, 3 or 4
  hops. Counted as closed walks ``diag(A^k)`` of the binary transfer graph ``A``, computed
  row-wise from ``A^2`` (never a dense matrix, never ``A^3``). Hubs (more than
  :data:`HUB_DEGREE` partners: utilities, payroll) are left out of the walks, which bounds
  the size of ``A^2``;
* **structuring bursts**: at least :data:`BURST_MIN` identical transfers (same payer, payee,
  amount and step), and how many of an account's partners (1 and 2 hops) show such bursts;
* **amount reuse**: an amount received and later paid out unchanged by the same account, and
  the number of *other* payers that sent the same exact amount (a cycle passes one amount on).

Columns are log-scaled counts; nothing here reads a label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    import pandas as pd

BURST_MIN = 3
HUB_DEGREE = 500
FLOW_FEATURE_NAMES = [
    "cycles_2",
    "cycles_3",
    "cycles_4",
    "out_amount_reuse",
    "in_amount_reuse",
    "forwarded_amounts",
    "burst",
    "burst_partners",
    "burst_partners_2hop",
]


@dataclass(frozen=True, slots=True)
class FlowFeatures:
    """Builder of :data:`FLOW_FEATURE_NAMES` for ``n`` accounts from a transfer table."""

    burst_min: int = BURST_MIN

    def build(self, transfers: pd.DataFrame, n: int) -> pd.DataFrame:
        """``transfers`` has integer ``src``/``dst`` (0..n-1), ``amount`` and ``time`` columns."""
        import pandas as pd

        src = transfers["src"].to_numpy(np.int64)
        dst = transfers["dst"].to_numpy(np.int64)
        adjacency = sp.coo_matrix((np.ones(src.size), (src, dst)), shape=(n, n)).tocsr()
        adjacency.data[:] = 1.0
        out_reuse, in_reuse = _amount_reuse(transfers, n)
        burst = self._burst(transfers, n)
        links = ((adjacency + adjacency.T) > 0).astype(np.float64)
        partners = links @ burst
        columns = {
            **_closed_walks(adjacency),
            "out_amount_reuse": out_reuse,
            "in_amount_reuse": in_reuse,
            "forwarded_amounts": _forwarded(transfers, n),
            "burst": burst,
            "burst_partners": partners,
            "burst_partners_2hop": links @ partners,
        }
        table = pd.DataFrame({name: columns[name] for name in FLOW_FEATURE_NAMES})
        return table.clip(lower=0).apply(np.log1p)

    def _burst(self, transfers: pd.DataFrame, n: int) -> np.ndarray:
        """1.0 for accounts paying or receiving ``burst_min`` identical transfers in one step."""
        repeats = transfers.groupby(["src", "dst", "amount", "time"]).size()
        hits = repeats[repeats >= self.burst_min].reset_index()
        flags = np.zeros(n)
        flags[hits["src"].to_numpy(np.int64)] = 1.0
        flags[hits["dst"].to_numpy(np.int64)] = 1.0
        return flags


def _closed_walks(adjacency: sp.csr_matrix) -> dict[str, np.ndarray]:
    """Closed walks of length 2, 3 and 4 through every node: row sums of ``A^a * (A^b)^T``."""
    degree = np.diff(adjacency.indptr) + np.diff(adjacency.tocsc().indptr)
    keep = sp.diags((degree <= HUB_DEGREE).astype(np.float64))
    adjacency = (keep @ adjacency @ keep).tocsr()
    square = (adjacency @ adjacency).tocsr()
    return {
        "cycles_2": _row_sums(adjacency.multiply(adjacency.T)),
        "cycles_3": _row_sums(square.multiply(adjacency.T)),
        "cycles_4": _row_sums(square.multiply(square.T)),
    }


def _row_sums(matrix: sp.spmatrix) -> np.ndarray:
    return np.asarray(matrix.sum(axis=1), dtype=np.float64).ravel()


def _amount_reuse(transfers: pd.DataFrame, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per account, the most other payers that sent one of its sent / received amounts."""
    payers = transfers.groupby("amount")["src"].nunique()
    others = transfers["amount"].map(payers).to_numpy(np.float64) - 1.0
    frame = transfers.assign(others=others)
    out = frame.groupby("src")["others"].max().reindex(range(n)).fillna(0.0)
    received = frame.groupby("dst")["others"].max().reindex(range(n)).fillna(0.0)
    return out.to_numpy(np.float64), received.to_numpy(np.float64)


def _forwarded(transfers: pd.DataFrame, n: int) -> np.ndarray:
    """Distinct amounts an account both received and paid out unchanged."""
    received = transfers[["dst", "amount"]].drop_duplicates().rename(columns={"dst": "node"})
    paid = transfers[["src", "amount"]].drop_duplicates().rename(columns={"src": "node"})
    both = received.merge(paid, on=["node", "amount"]).groupby("node").size()
    return both.reindex(range(n)).fillna(0).to_numpy(np.float64)
