"""Pairwise precision/recall of entity resolution against a synthetic world's ground truth.

Customers: predicted clusters are the connected components of the record-level SAME_AS links;
the truth clusters are the applications of each ``person_id`` in ``truth/identity.jsonl``
("customer"), and the customer master records of each person ("customer_ids": one person may
hold several customer ids, which ingest links as Customer SAME_AS).
Addresses and employers (when the truth names their ``address_id`` / ``employer_id``): an
application's ``address`` / ``employer`` field is extracted as ingest does it (the entity's
canonical graph key), and two applications are predicted to name the same address or employer
when their keys are equal ("keys") or joined by the mention-level SAME_AS links
("keys_and_same_as"). A pair of applications is predicted-positive when both lie in one
predicted cluster. Counts come from the contingency table, so no quadratic pair enumeration is
needed.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fraudgraph.errors import IngestError, NotFoundError
from fraudgraph.nlp.entity_resolver import EntityResolver, SameAsLink
from fraudgraph.nlp.mention_linker import MentionLinker
from fraudgraph.nlp.party_record import PartyRecord
from fraudgraph.types import EntityKind

if TYPE_CHECKING:
    from fraudgraph.nlp.extractor import EntityExtractor

_FIELDS = ("name", "id_number", "phone", "email", "address", "employer")
#: Entity types scored besides customers: (record field = report name, kind, truth column).
_ENTITY_TYPES = (
    ("address", EntityKind.ADDRESS, "address_id"),
    ("employer", EntityKind.ORGANIZATION, "employer_id"),
)


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

    def evaluate_entities(
        self,
        records: Sequence[PartyRecord],
        truth: Mapping[str, str],
        field: str,
        kind: EntityKind,
        extractor: EntityExtractor,
        linker: MentionLinker,
    ) -> dict[str, Any]:
        """Score the ``kind`` keys of the ``field`` of ``records`` (address or employer)
        against ``truth`` (record id -> address or employer id; records without one are left
        out)."""
        from fraudgraph.nlp.extractor import TextRecord

        scored = [r for r in records if r.record_id in truth and getattr(r, field).strip()]
        texts = [TextRecord(getattr(r, field), r.record_id, field) for r in scored]
        keys: dict[str, str] = {}
        for record, entities in zip(scored, extractor.extract_many(texts), strict=True):
            named = [e for e in entities if e.kind is kind]
            # No entity (an unparseable value) keeps the record alone: a miss, not a match.
            keys[record.record_id] = (
                f"{kind.value}:{named[0].canonical}" if named else f"none:{record.record_id}"
            )
        distinct = set(keys.values())
        prefix = f"{kind.value}:"  # the "none:" stand-ins are record ids, not names to link
        links = linker.link(
            (kind, key.removeprefix(prefix)) for key in distinct if key.startswith(prefix)
        )
        joined = self.clusters(distinct, links)
        truth_scored = {r.record_id: truth[r.record_id] for r in scored}
        return {
            "records": len(scored),
            "distinct_keys": len(distinct),
            "same_as_links": len(links),
            "keys": self.pairwise(keys, truth_scored),
            "keys_and_same_as": self.pairwise(
                {record: joined[key] for record, key in keys.items()}, truth_scored
            ),
        }

    def run_world(
        self,
        world: Path,
        resolver: EntityResolver | None = None,
        extractor: EntityExtractor | None = None,
        linker: MentionLinker | None = None,
    ) -> dict[str, Any]:
        """Evaluate on a synthetic world directory (applications file + truth/identity.jsonl):
        customers always, addresses and employers when the truth names them (the NLP models
        are loaded for it unless ``extractor`` is given; ``linker`` joins their keys)."""
        truth_path = world / "truth" / "identity.jsonl"
        if not truth_path.is_file():
            raise NotFoundError(f"no ground truth at {truth_path}")
        rows = self._json_lines(truth_path)
        truth = {row["application_id"]: row["person_id"] for row in rows}
        records = self._applications(world)
        resolver = resolver or EntityResolver()
        report = self.evaluate(records, truth, resolver)
        by_type: dict[str, Any] = {"customer": dict(report)}
        customer_ids = self._customer_ids(world, truth, resolver)
        if customer_ids is not None:
            by_type["customer_ids"] = customer_ids
        for field, kind, column in _ENTITY_TYPES:
            ids = {row["application_id"]: row[column] for row in rows if row.get(column)}
            if not ids:
                continue  # a world written before the truth named addresses and employers
            if extractor is None:
                from fraudgraph.nlp.extractor import EntityExtractor

                extractor = EntityExtractor.load()
            by_type[field] = self.evaluate_entities(
                records, ids, field, kind, extractor, linker or MentionLinker()
            )
        return {"benchmark": "entity_resolution", "world": str(world), **report, "by_type": by_type}

    def _customer_ids(
        self, world: Path, truth: Mapping[str, str], resolver: EntityResolver
    ) -> dict[str, Any] | None:
        """The customer master records resolved to persons (what ingest links as Customer
        SAME_AS): two customer ids of one person should be linked. A customer's person is
        the person behind its applications; customers without one are left out."""
        path, applications = world / "customers.jsonl", world / "applications.jsonl"
        if not (path.is_file() and applications.is_file()):
            return None
        persons = {
            str(row["customer_id"]): truth[str(row["application_id"])]
            for row in self._json_lines(applications)
            if row.get("customer_id") and str(row["application_id"]) in truth
        }
        customers = [
            PartyRecord(str(row["customer_id"]), *(str(row.get(f) or "") for f in _FIELDS))
            for row in self._json_lines(path)
        ]
        return self.evaluate(customers, persons, resolver)

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
