"""Turning ingest write batches into the node and relationship CSV files of a bulk import.

The batches are the very ones the transactional path writes (:class:`WriteBatch`, built by the
same parsing, NLP and :mod:`graph_rows` code); this class replays what the ingest Cypher does
with them, in the same order, on an in-memory model, so that the imported graph equals the
transactional one:

* a record whose key is new is created with the properties of :data:`queries.RECORD_PROPS`
  (null values are not stored) and its links are created, one relationship per link row;
* a record whose key is known (a duplicate row, or a bare node made by a reference) is
  updated like ``SET n += row.props`` (a null removes the property) and its structural
  relationship and links are merged (links on their field and span start, last one wins);
* the customers and accounts a batch refers to exist, bare if never loaded;
* an entity node keeps the ``valid`` and ``attrs`` of its first sighting (``ON CREATE SET``).

Records are kept in memory until :meth:`BulkCsvWriter.finish` (a later row may update them);
link relationships are streamed to disk as they come, and the rare later merges into links
already written are applied by rewriting that file once at the end.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from fraudgraph.errors import IngestError
from fraudgraph.graph import queries
from fraudgraph.graph.admin_import import ARRAY_DELIMITER, ImportGroup, ImportInput
from fraudgraph.ingest.graph_rows import PAIRS, WriteBatch

#: Record label -> (relationship, other label, row column, record is the start node).
STRUCTURE: dict[str, tuple[tuple[str, str, str, bool], ...]] = {
    "Application": (("APPLIED", "Customer", "customer_id", False),),
    "Account": (("OWNS", "Customer", "customer_id", False),),
    "Transaction": (("SENT", "Account", "payer", False), ("TO", "Account", "payee", True)),
}
#: Link relationship columns after start and end id, with their import types.
LINK_COLUMNS = (
    ("field", ""),
    ("start", ":long"),
    ("end", ":long"),
    ("text", ""),
    ("extractor", ""),
    ("version", ""),
    ("confidence", ":double"),
)
_TYPES: dict[type, str] = {
    str: "",
    float: ":double",
    int: ":long",
    bool: ":boolean",
    list: ":string[]",
}

#: (record label, relationship type, entity label) of a link file.
LinkFile = tuple[str, str, str]
#: (record key, entity key, field, span start): what identifies a merged link.
LinkKey = tuple[str, str, str, int]


@dataclass(slots=True)
class _Record:
    props: dict[str, Any]
    # Keys of the other end of each structural relationship of STRUCTURE[label], in order.
    ends: tuple[tuple[str, ...], ...] = ()


@dataclass(slots=True)
class _Links:
    path: Path
    handle: IO[str]
    writer: Any  # csv.writer over handle: strings quoted, numbers bare
    late: dict[LinkKey, dict[str, Any]] = field(default_factory=dict)


@dataclass(slots=True)
class BulkCounts:
    nodes: int = 0
    relationships: int = 0


class BulkCsvWriter:
    """Collects write batches; :meth:`finish` writes the CSV files and says how to import them."""

    def __init__(self, out_dir: Path) -> None:
        self._dir = out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        self._records: dict[str, dict[str, _Record]] = {lbl: {} for lbl in queries.RECORD_KEYS}
        self._entities: dict[str, dict[str, tuple[bool, list[str]]]] = {
            lbl: {} for lbl in queries.ENTITY_LABELS
        }
        self._links: dict[LinkFile, _Links] = {}
        self._multiline = False
        self._empty_attrs: list[str] = []
        self.counts = BulkCounts()

    # --- replaying batches ------------------------------------------------------------------
    def add(self, batch: WriteBatch) -> None:
        """Apply one batch as :func:`graph_writer._write_batch` would."""
        label = batch.label
        records = self._records[label]
        fresh: list[dict[str, Any]] = []
        known: list[dict[str, Any]] = []
        seen: set[str] = set()
        for row in batch.records:
            key = row["id"]
            if key in records or key in seen:
                known.append(row)
            else:
                seen.add(key)
                fresh.append(row)
        for ref_label, ref_ids in batch.references():
            refs = self._records[ref_label]
            for ref in ref_ids:
                if ref not in refs:
                    refs[ref] = _Record({})
        if fresh:
            self._create(label, fresh, [PAIRS_KEY[p] for p in batch.pairs()])
        if known:
            self._update(label, known)

    def _create(self, label: str, rows: list[dict[str, Any]], pairs: list[str]) -> None:
        records = self._records[label]
        names = queries.RECORD_PROPS[label]
        name_set = frozenset(names)
        structure = STRUCTURE.get(label, ())
        for row in rows:
            props = row["props"]
            if props.keys() <= name_set and None not in props.values():
                stored = props  # the common case: nothing to leave out
            else:
                stored = {k: v for k in names if (v := props.get(k)) is not None}
            ends = tuple(((row[col],) if row.get(col) else ()) for _, _, col, _ in structure)
            records[row["id"]] = _Record(stored, ends)
            links = row.get("links")
            if links:
                for pair in pairs:
                    found = links.get(pair)
                    if found:
                        self._new_links(label, pair, row["id"], found)

    def _update(self, label: str, rows: list[dict[str, Any]]) -> None:
        records = self._records[label]
        structure = STRUCTURE.get(label, ())
        for row in rows:
            record = records.setdefault(row["id"], _Record({}))
            for name, value in row["props"].items():
                if value is None:
                    record.props.pop(name, None)
                else:
                    record.props[name] = value
            ends = list(record.ends) or [() for _ in structure]
            for i, (_, _, col, _) in enumerate(structure):
                other = row.get(col)
                if other and other not in ends[i]:
                    ends[i] = (*ends[i], other)
            record.ends = tuple(ends)
        for pair in sorted({p for row in rows for p in row.get("links", ())}):
            for row in rows:
                for link in row.get("links", {}).get(pair, ()):
                    self._merge_link(label, pair, row["id"], link)

    def _entity(self, pair: str, link: dict[str, Any]) -> str:
        entity_label = PAIRS[pair][0]
        entities = self._entities[entity_label]
        if link["key"] not in entities:
            entities[link["key"]] = (link["valid"], link["attrs"])
        return entity_label

    def _link_file(self, label: str, pair: str) -> _Links:
        entity_label, rel = PAIRS[pair]
        name = (label, rel, entity_label)
        found = self._links.get(name)
        if found is None:
            path = self._dir / f"rel-{label}-{rel}-{entity_label}.csv"
            handle = path.open("w", encoding="utf-8", newline="")
            found = self._links[name] = _Links(path, handle, _csv_writer(handle))
        return found

    def _new_links(self, label: str, pair: str, key: str, links: list[dict[str, Any]]) -> None:
        """CREATE the links of one new record to the entities of one (label, relationship)."""
        entities = self._entities[PAIRS[pair][0]]
        writerow = self._link_file(label, pair).writer.writerow
        for link in links:
            if link["key"] not in entities:
                entities[link["key"]] = (link["valid"], link["attrs"])
            writerow(self._link_row(key, link))
        self.counts.relationships += len(links)

    def _merge_link(self, label: str, pair: str, key: str, link: dict[str, Any]) -> None:
        self._entity(pair, link)
        late = self._link_file(label, pair).late
        late[(key, link["key"], link["field"], link["start"])] = link

    def _link_row(self, key: str, link: dict[str, Any]) -> tuple[Any, ...]:
        text = link["text"]
        if "\n" in text or "\r" in text:
            self._multiline = True
        return (key, link["key"], link["field"], int(link["start"]), int(link["end"]), text,
                link["extractor"], link["version"], float(link["confidence"]))  # fmt: skip

    # --- writing the files ------------------------------------------------------------------
    def finish(self) -> ImportInput:
        """Write every file (header files apart) and return what the import tool reads."""
        data = ImportInput()
        for label in queries.RECORD_KEYS:
            if self._records[label]:
                data.nodes.append(self._write_records(label))
        for label in queries.ENTITY_LABELS:
            if self._entities[label]:
                data.nodes.append(self._write_entities(label))
        for label, structure in STRUCTURE.items():
            for i, spec in enumerate(structure):
                group = self._write_structure(label, i, spec)
                if group is not None:
                    data.relationships.append(group)
        for name, links in sorted(self._links.items()):
            data.relationships.append(self._close_links(name, links))
        data.multiline = self._multiline
        data.empty_attrs = self._empty_attrs
        return data

    def _header(self, name: str, columns: Iterable[str]) -> Path:
        path = self._dir / f"{name}.header.csv"
        path.write_text(",".join(columns) + "\n", encoding="utf-8")
        return path

    def _write_records(self, label: str) -> ImportGroup:
        records = self._records[label]
        names = list(queries.RECORD_PROPS[label])
        names += sorted({n for r in records.values() for n in r.props} - set(names))
        kinds: set[tuple[str, type]] = set()
        path = self._dir / f"node-{label}.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            for key, record in records.items():
                props = record.props
                values = [props.get(n) for n in names]
                kinds.update(zip(names, map(type, values), strict=True))
                line = _quote(key) + "," + ",".join(map(_cell, values))
                if "\n" in line or "\r" in line:
                    self._multiline = True
                out.write(line + "\n")
        self.counts.nodes += len(records)
        times = queries.TIME_PROPS.get(label, ())
        columns = [f"{queries.RECORD_KEYS[label]}:ID({label})"]
        for name in names:
            types = {t for n, t in kinds if n == name and t is not type(None)}
            columns.append(
                name + (":datetime" if name in times else _column_type(label, name, types))
            )
        return ImportGroup(label, (self._header(f"node-{label}", columns), path))

    def _write_entities(self, label: str) -> ImportGroup:
        entities = self._entities[label]
        path = self._dir / f"node-{label}.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            writerow = _csv_writer(out).writerow
            for key, (valid, attrs) in entities.items():
                # An empty list becomes "": no property, set to [] after the import.
                writerow((key, "true" if valid else "false", ARRAY_DELIMITER.join(attrs)))
        self.counts.nodes += len(entities)
        if any(not attrs for _, attrs in entities.values()):
            self._empty_attrs.append(label)
        columns = (f"key:ID({label})", "valid:boolean", "attrs:string[]")
        return ImportGroup(label, (self._header(f"node-{label}", columns), path))

    def _write_structure(
        self, label: str, index: int, spec: tuple[str, str, str, bool]
    ) -> ImportGroup | None:
        rel, other, _, record_first = spec
        path = self._dir / f"rel-{label}-{rel}.csv"
        written = 0
        with path.open("w", encoding="utf-8", newline="") as out:
            writerow = _csv_writer(out).writerow
            for key, record in self._records[label].items():
                if not record.ends:
                    continue
                for end in record.ends[index]:
                    writerow((key, end) if record_first else (end, key))
                    written += 1
        if not written:
            path.unlink()
            return None
        self.counts.relationships += written
        start, end = (label, other) if record_first else (other, label)
        columns = (f":START_ID({start})", f":END_ID({end})")
        return ImportGroup(rel, (self._header(f"rel-{label}-{rel}", columns), path))

    def _close_links(self, name: LinkFile, links: _Links) -> ImportGroup:
        links.handle.close()
        if links.late:
            self._apply_late(name[0], links)
        label, rel, entity_label = name
        columns = [f":START_ID({label})", f":END_ID({entity_label})"]
        columns += [n + t for n, t in LINK_COLUMNS]
        header = self._header(links.path.stem, columns)
        return ImportGroup(rel, (header, links.path))

    def _apply_late(self, label: str, links: _Links) -> None:
        """Merge the links of updated records into the file: matching ones get the new
        properties (MERGE ... SET), the others are added."""
        late = dict(links.late)
        done: set[LinkKey] = set()
        tmp = links.path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8", newline="") as out:
            writerow = _csv_writer(out).writerow
            for row in _read_rows(links.path):
                key: LinkKey = (row[0], row[1], row[2], int(row[3]))
                link = late.get(key)
                if link is None:
                    writerow((*row[:3], int(row[3]), int(row[4]), *row[5:8], float(row[8])))
                else:
                    writerow(self._link_row(row[0], link))
                    done.add(key)
            for key, link in late.items():
                if key not in done:
                    writerow(self._link_row(key[0], link))
                    self.counts.relationships += 1
        tmp.replace(links.path)


#: (entity label, relationship) -> pair key, the inverse of :data:`graph_rows.PAIRS`.
PAIRS_KEY: dict[tuple[str, str], str] = {v: k for k, v in PAIRS.items()}


def _read_rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.reader(handle)


def _csv_writer(out: IO[str]) -> Any:
    """Strings quoted (so that "" stays an empty string), numbers bare; never given None."""
    return csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _cell(value: Any) -> str:
    """One CSV cell: null is an empty unquoted cell, a string is always quoted."""
    format_cell = _FORMATS.get(type(value))
    if format_cell is None:
        raise IngestError(f"a bulk load cannot store a {type(value).__name__} property")
    return format_cell(value)


_FORMATS: dict[type, Callable[[Any], str]] = {
    type(None): lambda _: "",
    str: _quote,
    bool: lambda v: "true" if v else "false",
    float: float.__repr__,
    int: int.__repr__,
    list: lambda v: _quote(ARRAY_DELIMITER.join(str(x) for x in v)),
}


def _column_type(label: str, name: str, types: set[type]) -> str:
    if not types:
        return ""
    if len(types) > 1 or next(iter(types)) not in _TYPES:
        found = ", ".join(sorted(t.__name__ for t in types))
        raise IngestError(
            f"{label}.{name} holds values of types {found}: a bulk load needs one type per "
            "property; load this input without --bulk"
        )
    return _TYPES[next(iter(types))]
