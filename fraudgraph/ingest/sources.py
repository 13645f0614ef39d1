"""Input files as streams of numbered raw rows, whatever their format.

Every reader yields :class:`RawRow` items: the 1-based line (or row) number, and either the row
as a dict or the reason it could not be read (bad encoding, bad JSON). Nothing is skipped
silently: the loader sends unreadable rows to the rejects file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import orjson

from fraudgraph.errors import IngestError

RecordKind = Literal["customers", "applications", "accounts", "transactions"]
RECORD_KINDS: tuple[RecordKind, ...] = ("customers", "applications", "accounts", "transactions")
#: AMLSim time steps are days; they are placed on a calendar from this date.
AMLSIM_EPOCH = datetime(2017, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RawRow:
    line: int
    data: dict[str, Any] | None
    error: str | None = None
    raw: str = ""
    raw_bytes: bytes = b""  # the input line, decoded only when a reject needs it

    def preview(self) -> str:
        """The input line as read (500 characters at most), for the rejects file."""
        if self.raw or not self.raw_bytes:
            return self.raw
        return self.raw_bytes[:500].decode("utf-8", errors="replace").rstrip("\r\n")


RowAdapter = Callable[[int, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One input file of one record kind, with an optional column mapping and row adapter."""

    path: Path
    kind: RecordKind
    columns: Mapping[str, str] = field(default_factory=dict)  # input column -> field name
    adapter: RowAdapter | None = None

    def rows(self) -> Iterator[RawRow]:
        suffix = "".join(self.path.suffixes[-1:]).lower()
        if suffix in {".jsonl", ".ndjson", ".json"}:
            rows = _jsonl_rows(self.path)
        elif suffix in {".csv", ".tsv"}:
            rows = _csv_rows(self.path, "\t" if suffix == ".tsv" else ",")
        elif suffix == ".parquet":
            rows = _parquet_rows(self.path)
        else:
            raise IngestError(f"unsupported file type {self.path.name} (jsonl, csv, tsv, parquet)")
        if not self.columns and self.adapter is None:
            yield from rows
            return
        for row in rows:
            if row.data is None:
                yield row
                continue
            data = {self.columns.get(k, k): v for k, v in row.data.items()}
            if self.adapter is not None:
                data = self.adapter(row.line, data)
            yield RawRow(row.line, data, None, row.raw, row.raw_bytes)


def _decode(line: bytes) -> str:
    return line.decode("utf-8").rstrip("\r\n")


def _jsonl_rows(path: Path) -> Iterator[RawRow]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError:
                if not raw.strip():
                    continue
                slow = _slow_jsonl_row(number, raw)  # what orjson refuses and json reads
                if slow.data is None:
                    yield slow
                    continue
                data = slow.data
            if not isinstance(data, dict):
                yield RawRow(number, None, "a JSON object was expected", "", raw)
                continue
            yield RawRow(number, data, None, "", raw)


def _slow_jsonl_row(number: int, raw: bytes) -> RawRow:
    """The standard library's reading of a line orjson refused (NaN, integers past 64 bits),
    or why the line cannot be read at all."""
    preview = raw[:500].decode("utf-8", errors="replace").rstrip("\r\n")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return RawRow(number, None, f"bad encoding (not UTF-8): {exc.reason}", preview)
    try:
        return RawRow(number, json.loads(text), None, preview)
    except json.JSONDecodeError as exc:
        return RawRow(number, None, f"bad JSON: {exc.msg} at column {exc.colno}", preview)


def _csv_rows(path: Path, delimiter: str) -> Iterator[RawRow]:
    bad: list[RawRow] = []
    state = {"line": 0}

    def lines() -> Iterator[str]:
        with path.open("rb") as handle:
            for raw in handle:
                state["line"] += 1
                try:
                    yield _decode(raw)
                except UnicodeDecodeError as exc:
                    preview = raw[:500].decode("utf-8", errors="replace").rstrip("\r\n")
                    bad.append(RawRow(state["line"], None, f"bad encoding: {exc.reason}", preview))

    reader = csv.reader(lines(), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        return
    for values in reader:
        yield from bad
        bad.clear()
        if not values:
            continue
        line = state["line"]
        if len(values) != len(header):
            got = f"{len(values)} columns, expected {len(header)}"
            yield RawRow(line, None, got, delimiter.join(values)[:500])
            continue
        yield RawRow(line, dict(zip(header, values, strict=True)), None, "")
    yield from bad


def _parquet_rows(path: Path) -> Iterator[RawRow]:
    import pyarrow.parquet as pq

    number = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000):
        for data in batch.to_pylist():
            number += 1
            yield RawRow(number, data, None, "")


# --- Layouts -----------------------------------------------------------------------------------


def synth_files(folder: Path) -> list[SourceFile]:
    """The files of a ``fraudgraph synth`` output folder, in load order."""
    files = [SourceFile(folder / f"{kind}.jsonl", kind) for kind in RECORD_KINDS]
    missing = [f.path.name for f in files if not f.path.exists()]
    if missing:
        raise IngestError(f"{folder} is not a synth output folder: missing {', '.join(missing)}")
    return files


def _amlsim_account(line: int, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "account_id": f"amlsim-{row.get('nodeid', '')}" if row.get("nodeid", "") != "" else "",
        "init_balance": row.get("init_balance"),
        "kind": "amlsim",
        # The simulator's ground truth: kept as a label for training, never as a feature.
        "label_fraud": str(row.get("isFraud", "0")).strip() == "1",
    }


def _amlsim_transfer(line: int, row: dict[str, Any]) -> dict[str, Any]:
    step = row.get("time", "")
    try:
        timestamp: str = (AMLSIM_EPOCH + timedelta(days=int(step))).isoformat()
    except (TypeError, ValueError):
        timestamp = str(step)  # the parser rejects it with the reason
    src, dst = row.get("sourceNodeId", ""), row.get("targetNodeId", "")
    return {
        # AMLSim has no transfer id: the data row number is stable for a given file.
        "transaction_id": f"amlsim-t{line - 1}",
        "payer_account": f"amlsim-{src}" if src != "" else "",
        "payee_account": f"amlsim-{dst}" if dst != "" else "",
        "amount": row.get("value"),
        "currency": "USD",
        "timestamp": timestamp,
        "channel": "amlsim",
    }


def amlsim_files(folder: Path) -> list[SourceFile]:
    """An AMLSim-format folder: ``nodes.csv`` (accounts) and ``transactions.csv`` (transfers)."""
    nodes, transfers = folder / "nodes.csv", folder / "transactions.csv"
    if not nodes.exists() or not transfers.exists():
        raise IngestError(
            f"{folder} is not in AMLSim format: nodes.csv and transactions.csv needed"
        )
    return [
        SourceFile(nodes, "accounts", adapter=_amlsim_account),
        SourceFile(transfers, "transactions", adapter=_amlsim_transfer),
    ]


def detect_files(path: Path) -> list[SourceFile]:
    """The files of a folder in one of the known layouts (synth output or AMLSim)."""
    if (path / "manifest.json").exists() or (path / "applications.jsonl").exists():
        return synth_files(path)
    if (path / "nodes.csv").exists():
        return amlsim_files(path)
    raise IngestError(
        f"cannot tell the layout of {path}: expected a synth output folder (manifest.json, "
        "applications.jsonl...) or an AMLSim folder (nodes.csv, transactions.csv); for one file "
        "of another layout give --kind and --map"
    )


def parse_mapping(items: list[str]) -> dict[str, str]:
    """``["their_col=field", ...]`` -> {their_col: field}."""
    mapping: dict[str, str] = {}
    for item in items:
        source, sep, target = item.partition("=")
        if not sep or not source or not target:
            raise IngestError(f"bad column mapping {item!r}: expected COLUMN=FIELD")
        mapping[source] = target
    return mapping
