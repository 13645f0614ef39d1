"""An in-memory ring desk and a console wired to it, for the console's unit tests."""

from __future__ import annotations

import json
from typing import Any

import httpx

from fraudgraph.console.console_app import ConsoleApp
from fraudgraph.console.console_auth import ConsoleAuth
from fraudgraph.console.ring_desk import BindingEdge, MemberEdge
from fraudgraph.errors import InvalidInputError, NotFoundError
from fraudgraph.rings.ring_store import TRANSITIONS, RingStatus
from fraudgraph.service.token_authority import TokenAuthority

READER = "read-only-token"
REVIEWER = "reviewer-token"
BASE = "http://console.test"


class FakeDesk:
    """Rings in a dict; reviews follow the rings stage's transitions and append events."""

    def __init__(self) -> None:
        self.rings: dict[str, dict[str, Any]] = {}
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.members: dict[str, list[dict[str, Any]]] = {}

    def add(self, ring_id: str, score: float, status: str = "OPEN") -> None:
        evidence = {
            "bindings": [
                {"kind": "Device", "key": f"dev-{ring_id}", "members": 2, "via_txn": False}
            ],
            "timeline": [[1_750_000_000.0, "C1 applied with device <dev>"]],
        }
        self.rings[ring_id] = {
            "ring_id": ring_id, "score": score, "status": status, "pattern": "identity",
            "size": 2, "customers": 2, "accounts": 0, "explanation_en": f"why {ring_id}",
            "evidence": json.dumps(evidence),
        }  # fmt: skip
        self.members[ring_id] = [
            {"key": "Customer:C1", "score": 0.9},
            {"key": "Customer:C2", "score": 0.4},
        ]
        self.events[ring_id] = []

    def list_rings(
        self, status: str | None = None, min_score: float = 0.0, limit: int = 50
    ) -> list[dict[str, Any]]:
        rows = [r for r in self.rings.values() if status is None or r["status"] == status]
        return sorted(rows, key=lambda r: -r["score"])[:limit]

    def get(self, ring_id: str) -> dict[str, Any]:
        if ring_id not in self.rings:
            raise NotFoundError(f"no ring {ring_id!r}")
        return {
            "ring": self.rings[ring_id],
            "members": self.members[ring_id],
            "events": self.events[ring_id],
        }

    def review(
        self,
        ring_id: str,
        decision: str,
        reviewer: str,
        note: str = "",
        assignee: str | None = None,
    ) -> str:
        ring = self.get(ring_id)["ring"]
        current, target = RingStatus(ring["status"]), RingStatus(decision)
        if target not in TRANSITIONS[current]:
            raise InvalidInputError(f"cannot go from {current} to {target}", field="decision")
        ring["status"], ring["assignee"] = target.value, assignee or reviewer
        self.events[ring_id].append(
            {"reviewer": reviewer, "action": "REVIEW", "from_status": current.value,
             "to_status": target.value, "note": note, "at": None}
        )  # fmt: skip
        return current.value

    def edges(self, ring_id: str) -> tuple[list[BindingEdge], list[MemberEdge]]:
        self.get(ring_id)
        key = f"dev-{ring_id}"
        return [("Device", key, "Customer:C1"), ("Device", key, "Customer:C2")], []


def authority() -> TokenAuthority:
    return TokenAuthority(
        {
            TokenAuthority.digest(READER): "score",
            TokenAuthority.digest(REVIEWER): "alice: review",
        }
    )


def client(desk: FakeDesk, secret: bytes = b"k" * 32) -> httpx.Client:
    app = ConsoleApp(desk, ConsoleAuth(authority(), secret))
    return httpx.Client(transport=httpx.WSGITransport(app=app), base_url=BASE)


def login(http: httpx.Client, token: str) -> httpx.Response:
    return http.post("/login", data={"token": token, "next": ""})
