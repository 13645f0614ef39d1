"""Screening: ranked alerts, CSV and a self-contained HTML report."""

from __future__ import annotations

import csv
from pathlib import Path

from fraudgraph.rings.flow_ring_finder import FlowRingFinder
from fraudgraph.rings.screening_report import ScreeningReport
from fraudgraph.rings.transaction_screener import ScreeningAlert, TransactionScreener
from tests.unit.rings.rings_builders import DAY, HOUR, T0, transfers


def _alerts() -> list[ScreeningAlert]:
    ring = ["a", "b", "c"]
    rows = [(ring[i], ring[(i + 1) % 3], 9000.0, T0 + i * HOUR) for i in range(3)]
    rows += [(f"s{i}", "<hub>", 800.0, T0 + i * HOUR) for i in range(6)]
    rows += [("p", "q", 5.0, T0 + n * DAY) for n in range(20)]
    screener = TransactionScreener(FlowRingFinder(window_s=2 * DAY))
    return screener.screen(transfers(rows))


def test_alerts_are_ranked_and_cover_both_typologies() -> None:
    alerts = _alerts()
    assert sorted(a.typology for a in alerts) == ["cycle", "fan_in"]
    assert [a.rank for a in alerts] == [1, 2]
    assert alerts[0].score >= alerts[1].score
    cycle = next(a for a in alerts if a.typology == "cycle")
    assert cycle.accounts == ("a", "b", "c")
    assert cycle.amount == 27000.0


def test_csv_and_html_are_written(tmp_path: Path) -> None:
    report = ScreeningReport(_alerts(), "2025-06-01 .. 2025-06-30", 29)
    rows = list(csv.DictReader(report.write_csv(tmp_path / "alerts.csv").open()))
    assert [r["rank"] for r in rows] == ["1", "2"]
    assert {r["typology"] for r in rows} == {"cycle", "fan_in"}
    page = report.write_html(tmp_path / "report.html").read_text()
    assert "29 transfers screened, 2 alerts" in page
    assert "&lt;hub&gt;" in page
    assert "<hub>" not in page
    assert "http://" not in page
    assert "https://" not in page
