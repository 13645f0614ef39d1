"""Prints extracted entities for people (a rich table) or for programs (JSON lines)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

from fraudgraph.types import Entity


class EntityPrinter:
    """Formats ``fraudgraph extract`` output."""

    def print(self, results: Sequence[Sequence[Entity]], *, as_json: bool) -> None:
        """One JSON object per entity, or one table for all of them."""
        if as_json:
            for entities in results:
                for entity in entities:
                    print(json.dumps(asdict(entity), ensure_ascii=False, default=str))
            return
        from rich.console import Console
        from rich.table import Table

        table = Table("source", "span", "kind", "text", "canonical", "valid", "extractor")
        for entities in results:
            for entity in entities:
                where = entity.provenance
                span = f"{where.start}-{where.end}" if where else ""
                table.add_row(
                    where.source_id if where else "",
                    span,
                    entity.kind.value,
                    entity.text,
                    entity.canonical,
                    "yes" if entity.valid else "NO",
                    where.extractor if where else "",
                )
        Console().print(table)
