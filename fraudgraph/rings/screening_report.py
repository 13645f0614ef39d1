"""Screening output: a CSV of ranked alerts and a self-contained HTML report (no CDN)."""

from __future__ import annotations

import csv
import html
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from fraudgraph.rings.transaction_screener import ScreeningAlert

CSV_COLUMNS = ("rank", "typology", "score", "accounts", "amount", "transfers", "first_seen",
               "last_seen", "explanation_en", "explanation_zh", "evidence")  # fmt: skip
_STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:4px 6px;
vertical-align:top;font-size:13px}th{background:#f0f0f0}td.num{text-align:right}
details{font-size:12px;color:#555}
"""


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%d %H:%M UTC") if epoch else ""


class ScreeningReport:
    """Writes the alerts of one screening run."""

    def __init__(self, alerts: Sequence[ScreeningAlert], period: str, transfers: int) -> None:
        self.alerts = list(alerts)
        self.period = period
        self.transfers = transfers

    def write_csv(self, path: Path) -> Path:
        """One row per alert; accounts and evidence joined with ``;``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            for a in self.alerts:
                writer.writerow([a.rank, a.typology, f"{a.score:.4f}", ";".join(a.accounts),
                                 f"{a.amount:.2f}", a.transfers, _iso(a.first_seen),
                                 _iso(a.last_seen), a.explanation_en, a.explanation_zh,
                                 ";".join(a.evidence)])  # fmt: skip
        return path

    def write_html(self, path: Path) -> Path:
        """A readable report with inline CSS only, so it opens offline."""
        path.parent.mkdir(parents=True, exist_ok=True)
        counts = Counter(a.typology for a in self.alerts)
        summary = ", ".join(f"{html.escape(k)}: {v}" for k, v in counts.most_common())
        rows = "\n".join(self._row(a) for a in self.alerts)
        path.write_text(
            "<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'>"
            f"<title>AML screening {html.escape(self.period)}</title><style>{_STYLE}</style>"
            f"</head><body><h1>AML screening / 反洗钱筛查</h1>"
            f"<p>Period 期间: {html.escape(self.period)} — {self.transfers:,} transfers screened, "
            f"{len(self.alerts)} alerts ({summary or 'none'})</p>"
            "<table><tr><th>#</th><th>Typology 类型</th><th>Score</th><th>Accounts 账户</th>"
            "<th>Amount 金额</th><th>Window 时间</th><th>Explanation 说明</th></tr>"
            f"{rows}</table></body></html>",
            encoding="utf-8",
        )
        return path

    @staticmethod
    def _row(a: ScreeningAlert) -> str:
        accounts = html.escape(", ".join(a.accounts[:12]) + (" …" if len(a.accounts) > 12 else ""))
        evidence = "<br>".join(html.escape(e) for e in a.evidence)
        return (
            f"<tr><td class='num'>{a.rank}</td><td>{html.escape(a.typology)}</td>"
            f"<td class='num'>{a.score:.3f}</td><td>{accounts}</td>"
            f"<td class='num'>{a.amount:,.2f}</td>"
            f"<td>{_iso(a.first_seen)}<br>{_iso(a.last_seen)}</td>"
            f"<td>{html.escape(a.explanation_en)}<br>{html.escape(a.explanation_zh)}"
            f"<details><summary>{a.transfers} transfers</summary>{evidence}</details></td></tr>"
        )
