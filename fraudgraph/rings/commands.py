"""CLI commands of the rings stage: ``fraudgraph rings ...`` and ``fraudgraph screen``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

rings_app = typer.Typer(help="Fraud rings: detection, listing, evidence, review.")
console = Console()


def _calibration_path(models_dir: Path) -> Path:
    return models_dir / "rings_calibration.json"


@rings_app.command("detect")
def detect(
    since: Annotated[
        datetime | None,
        typer.Option(help="Only re-match rings touching records from this date (incremental)."),
    ] = None,
) -> None:
    """Detect rings over the whole graph, score them and persist the flagged ones."""
    from fraudgraph.graph.driver import create_driver
    from fraudgraph.rings.ring_detector import RingConfig, RingDetector
    from fraudgraph.rings.ring_scorer import RingScorer
    from fraudgraph.settings import Settings

    settings = Settings()
    scorer = RingScorer.load(_calibration_path(settings.models_dir))
    detector = RingDetector(RingConfig.from_settings(settings), scorer)
    driver = create_driver(settings)
    try:
        epoch = _as_utc(since).timestamp() if since else None
        result = detector.detect(driver, settings.neo4j_database, since=epoch)
    finally:
        driver.close()
    timings = ", ".join(f"{k} {v:.1f}" for k, v in result.timings.items())
    console.print(
        f"{result.candidates} candidates, {len(result.rings)} flagged rings written, "
        f"{len(result.retired)} retired ({timings})"
    )


@rings_app.command("calibrate")
def calibrate(
    worlds: Annotated[list[Path], typer.Argument(help="Synth output folders (with truth/).")],
) -> None:
    """Fit the ring score on synthetic worlds' planted truth; saved under the models folder."""
    from fraudgraph.rings.ring_calibration import calibrate as fit
    from fraudgraph.rings.ring_detector import RingConfig
    from fraudgraph.settings import Settings

    settings = Settings()
    scorer = fit(worlds, RingConfig.from_settings(settings))
    path = _calibration_path(settings.models_dir)
    scorer.save(path)
    console.print(f"ring score calibrated on {len(worlds)} worlds: {path}")


@rings_app.command("list")
def list_rings(
    status: Annotated[str | None, typer.Option(help="OPEN, IN_REVIEW, CONFIRMED...")] = None,
    min_score: Annotated[float, typer.Option(help="Lowest ring score shown.")] = 0.0,
    limit: Annotated[int, typer.Option(help="Most rings shown.")] = 50,
) -> None:
    """List active rings, highest score first."""
    from fraudgraph.graph.driver import create_driver
    from fraudgraph.rings.ring_store import RingStore
    from fraudgraph.settings import Settings

    settings = Settings()
    driver = create_driver(settings)
    try:
        rings = RingStore(driver, settings.neo4j_database).list_rings(status, min_score, limit)
    finally:
        driver.close()
    table = Table("ring", "status", "score", "action", "pattern", "size", "explanation")
    for r in rings:
        table.add_row(r["ring_id"], r["status"], f"{r['score']:.3f}", r.get("action", ""),
                      r["pattern"], str(r["size"]), r.get("explanation_en", ""))  # fmt: skip
    console.print(table)


@rings_app.command("show")
def show(ring_id: Annotated[str, typer.Argument(help="Ring id (RING-...).")]) -> None:
    """A ring's explanation, evidence, members and audit trail."""
    from fraudgraph.graph.driver import create_driver
    from fraudgraph.rings.ring_store import RingStore
    from fraudgraph.settings import Settings

    settings = Settings()
    driver = create_driver(settings)
    try:
        data = RingStore(driver, settings.neo4j_database).get(ring_id)
    finally:
        driver.close()
    ring = data["ring"]
    console.print(f"[bold]{ring_id}[/bold] {ring['status']} score {ring['score']:.3f} "
                  f"({ring['pattern']}, {ring['size']} members)")  # fmt: skip
    console.print(ring.get("explanation_en", ""))
    console.print(ring.get("explanation_zh", ""))
    evidence = json.loads(ring.get("evidence", "{}"))
    for b in evidence.get("bindings", []):
        console.print(f"  bound by {b['kind']} {b['key']} ({b['members']} members)")
    console.print("members: " + ", ".join(sorted(m["key"] for m in data["members"])))
    for e in data["events"]:
        change = f" {e['from_status']} -> {e['to_status']}" if e.get("to_status") else ""
        console.print(f"  {e['at']} {e['reviewer']} {e['action']}{change} {e.get('note') or ''}")


@rings_app.command("review")
def review(
    ring_id: Annotated[str, typer.Argument(help="Ring id (RING-...).")],
    decision: Annotated[
        str, typer.Option(help="IN_REVIEW, CONFIRMED, DISMISSED, ESCALATED, OPEN.")
    ],
    reviewer: Annotated[str, typer.Option(help="Who decides.")],
    note: Annotated[str, typer.Option(help="Why.")] = "",
    assignee: Annotated[str | None, typer.Option(help="Assign to (default: reviewer).")] = None,
) -> None:
    """Record a review decision (appended to the ring's audit trail)."""
    from fraudgraph.graph.driver import create_driver
    from fraudgraph.rings.ring_store import RingStore
    from fraudgraph.settings import Settings

    settings = Settings()
    driver = create_driver(settings)
    try:
        store = RingStore(driver, settings.neo4j_database)
        previous = store.review(ring_id, decision, reviewer, note, assignee)
    finally:
        driver.close()
    console.print(f"{ring_id}: {previous} -> {decision.upper()} by {reviewer}")


def screen(
    start: Annotated[datetime, typer.Option("--from", help="First day (UTC), YYYY-MM-DD.")],
    end: Annotated[datetime, typer.Option("--to", help="Last day (UTC, inclusive).")],
    out: Annotated[Path, typer.Option(help="Folder for alerts.csv and report.html.")] = Path(
        "screening"
    ),
    min_score: Annotated[float, typer.Option(help="Lowest score reported.")] = 0.1,
) -> None:
    """Screen every transaction of a period for money-flow typologies; write CSV + HTML."""
    from fraudgraph.graph.driver import create_driver
    from fraudgraph.rings.flow_ring_finder import FlowRingFinder
    from fraudgraph.rings.graph_snapshot import load_snapshot, load_transfers
    from fraudgraph.rings.ring_scorer import RingScorer
    from fraudgraph.rings.screening_report import ScreeningReport
    from fraudgraph.rings.transaction_screener import TransactionScreener
    from fraudgraph.settings import Settings

    settings = Settings()
    first, last = _as_utc(start), _as_utc(end) + timedelta(days=1)
    driver = create_driver(settings)
    try:
        transfers = load_transfers(driver, settings.neo4j_database, first, last)
        owners = load_snapshot(driver, settings.neo4j_database, with_transfers=False).owner_of
    finally:
        driver.close()
    finder = FlowRingFinder(settings.rings_flow_window_h * 3600.0, settings.rings_min_fan,
                            settings.rings_cycle_max_len)  # fmt: skip
    scorer = RingScorer.load(_calibration_path(settings.models_dir))
    alerts = TransactionScreener(finder, scorer).screen(transfers, owners, min_score)
    period = f"{first:%Y-%m-%d} .. {end:%Y-%m-%d}"
    report = ScreeningReport(alerts, period, len(transfers))
    csv_path = report.write_csv(out / "alerts.csv")
    html_path = report.write_html(out / "report.html")
    console.print(f"{len(transfers):,} transfers screened, {len(alerts)} alerts: "
                  f"{csv_path}, {html_path}")  # fmt: skip


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the top-level app."""
    app.add_typer(rings_app, name="rings")
    app.command("screen")(screen)
