"""The review console in a real headless Chromium against the session's real Neo4j.

Rings are detected on a small loaded world; the console is served on a free port; Chromium
logs in with a token, opens the queue, opens a ring, records a decision with a note, and the
decision and its audit event are then read back from Neo4j. Screenshots are kept in
``test-artifacts/``. Without ``/usr/bin/chromium`` (Debian's ``chromium`` package) or the
``playwright`` package the test is skipped, except under CI (``CI=true``) where it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from fraudgraph.console.console_app import ConsoleApp
from fraudgraph.console.console_auth import ConsoleAuth
from fraudgraph.console.console_server import ConsoleServer
from fraudgraph.console.neo4j_ring_desk import Neo4jRingDesk
from fraudgraph.rings.ring_detector import RingConfig, RingDetector
from fraudgraph.rings.ring_store import RingStore
from fraudgraph.service.token_authority import TokenAuthority
from fraudgraph.settings import Settings
from tests.integration.console.console_world import load_world

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
TOKEN = "console-test-token"
# customer -> (device, phone): two rings bound by a shared device (and, in ring A, a phone).
SHARED = {
    1: ("dev-ring-a", "13900000001"),
    2: ("dev-ring-a", "13900000001"),
    3: ("dev-ring-a", "13900000003"),
    4: ("dev-ring-a", "13900000004"),
    6: ("dev-ring-b", "13800000006"),
    7: ("dev-ring-b", "13800000007"),
    8: ("dev-ring-b", "13800000008"),
}


def _browser_available() -> None:
    """Skip without Chromium or Playwright; under CI that is a failure, not a skip."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package")
    if not missing:
        return
    message = "console browser test needs " + " and ".join(missing)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def seeded(driver: Driver, neo4j_settings: Settings, tmp_path: Path) -> list[dict[str, Any]]:
    """Two detected rings in Neo4j, as the queue lists them."""
    db = neo4j_settings.neo4j_database
    load_world(driver, db, tmp_path / "world", 12, SHARED)
    RingDetector(RingConfig()).detect(driver, db)
    rings = RingStore(driver, db).list_rings()
    assert len(rings) == 2
    return rings


@pytest.fixture
def console_url(driver: Driver, neo4j_settings: Settings) -> Iterator[str]:
    authority = TokenAuthority({TokenAuthority.digest(TOKEN): "alice: review"})
    app = ConsoleApp(Neo4jRingDesk(driver, neo4j_settings.neo4j_database), ConsoleAuth(authority))
    server = ConsoleServer(app, "127.0.0.1", 0)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def test_a_reviewer_confirms_a_ring_in_chromium(
    seeded: list[dict[str, Any]], console_url: str, driver: Driver, neo4j_settings: Settings
) -> None:
    _browser_available()
    from playwright.sync_api import expect, sync_playwright

    top = seeded[0]["ring_id"]  # highest score first
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{console_url}/rings")
            expect(page).to_have_url(f"{console_url}/login?next=/rings")
            page.fill("#token", TOKEN)
            page.click("button[type=submit]")
            queue = page.get_by_test_id("queue")
            expect(queue.locator("tbody tr")).to_have_count(2)
            expect(queue.locator("tbody tr").first).to_contain_text(top)
            expect(page.get_by_test_id("user")).to_have_text("alice")
            page.screenshot(path=str(ARTIFACTS / "console-queue.png"), full_page=True)

            page.click(f"text={top}")
            expect(page.get_by_test_id("ring-status")).to_have_text("OPEN")
            graph = page.get_by_test_id("ring-graph")
            expect(graph.locator("rect").first).to_be_visible()  # a shared identifier
            assert graph.locator("circle").count() == len(
                RingStore(driver, neo4j_settings.neo4j_database).get(top)["members"]
            )
            page.fill("#note", "shared device, same morning")
            page.click("button[value=confirm]")
            expect(page.get_by_test_id("flash")).to_contain_text("CONFIRMED")
            expect(page.get_by_test_id("ring-status")).to_have_text("CONFIRMED")
            expect(page.get_by_test_id("audit")).to_contain_text("shared device, same morning")
            page.screenshot(path=str(ARTIFACTS / "console-ring.png"), full_page=True)

            page.click("text=← queue")
            page.select_option("#status", "CONFIRMED")
            page.click("text=Filter")
            expect(page).to_have_url(f"{console_url}/rings?status=CONFIRMED")
            expect(queue.locator("tbody tr")).to_have_count(1)
            expect(queue.locator("tbody tr")).to_contain_text(top)
        finally:
            browser.close()

    stored = RingStore(driver, neo4j_settings.neo4j_database).get(top)
    assert stored["ring"]["status"] == "CONFIRMED"
    assert stored["ring"]["assignee"] == "alice"
    reviews = [e for e in stored["events"] if e["action"] == "REVIEW"]
    assert [(e["reviewer"], e["from_status"], e["to_status"], e["note"]) for e in reviews] == [
        ("alice", "OPEN", "CONFIRMED", "shared device, same morning")
    ]
    assert (ARTIFACTS / "console-ring.png").stat().st_size > 10_000
