"""Pairwise precision/recall of entity resolution against a synthetic world's ground truth.

Predicted clusters are the connected components of the SAME_AS links; the truth clusters are
the applications of each ``person_id`` in ``truth/identity.jsonl``. A pair of applications is
predicted-positive when both lie in one predicted cluster. Counts come from the contingency
table, so no quadratic pair enumeration is needed.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from fraudgraph.errors import IngestError, NotFoundError
from fraudgraph.nlp.entity_resolver import EntityResolver, SameAsLink
from fraudgraph.nlp.party_record import PartyRecord

_FIELDS = ("name", "id_number", "phone", "email", "address", "employer")


def _pairs(count: int) -> int:
    return count * (count - 1) // 2


class ResolutionEvaluator:
    """Scores resolution output with pairwise precision, recall and F1."""

    @staticmethod
    def clusters(record_ids: Iterable[str], links: Iterable[SameAsLink]) -> dict[str, str]:
        """Cluster id (a representative record id) of every record, by union-find."""
        parent = {record_id: record_id for record_id in record_ids}

        def find(item: str) -> str:
            while parent[item] != item:
                parent[item] = parent[parent[item]]
                item = parent[item]
            return item

        for link in links:
            parent.setdefault(link.left, link.left)
            parent.setdefault(link.right, link.right)
            root_left, root_right = find(link.left), find(link.right)
            if root_left != root_right:
                parent[max(root_left, root_right)] = min(root_left, root_right)
        return {item: find(item) for item in parent}

    @staticmethod
    def pairwise(predicted: Mapping[str, str], truth: Mapping[str, str]) -> dict[str, float]:
        """Pairwise P/R/F1 over records present in ``truth`` (record -> cluster maps)."""
        cells: Counter[tuple[str, str]] = Counter()
        for record, person in truth.items():
            cells[(predicted.get(record, record), person)] += 1
        true_positive = sum(_pairs(n) for n in cells.values())
        predicted_sizes: Counter[str] = Counter()
        truth_sizes: Counter[str] = Counter()
        for (cluster, person), count in cells.items():
            predicted_sizes[cluster] += count
            truth_sizes[person] += count
        predicted_pairs = sum(_pairs(n) for n in predicted_sizes.values())
        true_pairs = sum(_pairs(n) for n in truth_sizes.values())
        precision = true_positive / predicted_pairs if predicted_pairs else 1.0
        recall = true_positive / true_pairs if true_pairs else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "true_pairs": true_pairs,
            "predicted_pairs": predicted_pairs,
            "true_positive_pairs": true_positive,
        }

    def evaluate(
        self, records: Sequence[PartyRecord], truth: Mapping[str, str], resolver: EntityResolver
    ) -> dict[str, Any]:
        """Resolve ``records`` and score against ``truth`` (record id -> person id)."""
        links = resolver.resolve(records)
        predicted = self.clusters((r.record_id for r in records), links)
        return {"records": len(records), "links": len(links), **self.pairwise(predicted, truth)}

    def run_world(self, world: Path, resolver: EntityResolver | None = None) -> dict[str, Any]:
        """Evaluate on a synthetic world directory (applications file + truth/identity.jsonl)."""
        truth_path = world / "truth" / "identity.jsonl"
        if not truth_path.is_file():
            raise NotFoundError(f"no ground truth at {truth_path}")
        truth = {row["application_id"]: row["person_id"] for row in self._json_lines(truth_path)}
        records = self._applications(world)
        report = self.evaluate(records, truth, resolver or EntityResolver())
        return {"benchmark": "entity_resolution", "world": str(world), **report}

    def _applications(self, world: Path) -> list[PartyRecord]:
        for name in ("applications.jsonl", "applications.csv"):
            path = world / name
            if path.is_file():
                rows = (
                    self._json_lines(path)
                    if name.endswith(".jsonl")
                    else csv.DictReader(path.open(encoding="utf-8", newline=""))
                )
                return [
                    PartyRecord(
                        str(row["application_id"]), *(str(row.get(f) or "") for f in _FIELDS)
                    )
                    for row in rows
                ]
        raise NotFoundError(f"no applications.jsonl or applications.csv in {world}")

    @staticmethod
    def _json_lines(path: Path) -> list[dict[str, Any]]:
        try:
            return [
                json.loads(line)
                for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
        except (OSError, json.JSONDecodeError) as exc:
            raise IngestError(f"cannot read {path}: {exc}") from exc
