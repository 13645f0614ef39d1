"""A bank's list of organisations and the other names they go by.

No spelling rule joins 建行重庆分行 to 中国建设银行重庆分行, 重医附一院 to its hospital or an
English name to a Chinese one that is not its pinyin: abbreviations and translations are facts
about one organisation. A bank knows them for its large corporate clients and payroll employers
(its client master, the names its staff have seen). :class:`OrganisationDirectory` reads such a
list, and :class:`~fraudgraph.nlp.mention_linker.MentionLinker` links every graph key whose
organisation core is one of an entry's names to the other keys of that entry.

The file is tab-separated text, UTF-8, one name a row: ``ENTRY<TAB>NAME``, where ENTRY is the
organisation's name in the directory and NAME one more name it is written as; a row with ENTRY
alone lists the entry's own name. Blank lines and lines starting with ``#`` are skipped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

from fraudgraph.errors import InvalidInputError, NotFoundError
from fraudgraph.nlp.organisation_normaliser import OrganisationNormaliser


class OrganisationDirectory:
    """Organisation cores (:meth:`OrganisationNormaliser.core`) -> the entry they name.

    A core that two entries claim (one abbreviation of two firms) names neither: it is kept
    in :attr:`ambiguous` so that the caller can report it, and links nothing.
    """

    def __init__(self, names: Mapping[str, Iterable[str]]) -> None:
        normaliser = OrganisationNormaliser()
        owners: dict[str, set[str]] = defaultdict(set)
        for entry, others in names.items():
            for name in (entry, *others):
                core = normaliser.core(name)
                if core:
                    owners[core].add(entry)
        self._entries = {core: next(iter(e)) for core, e in owners.items() if len(e) == 1}
        self.ambiguous = sorted(core for core, e in owners.items() if len(e) > 1)
        self.size = len(names)

    @classmethod
    def load(cls, path: Path) -> OrganisationDirectory:
        """Read a directory file (the module docstring gives its format)."""
        if not path.is_file():
            raise NotFoundError(f"no organisation directory at {path}")
        names: dict[str, list[str]] = defaultdict(list)
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip() or line.startswith("#"):
                    continue
                cells = [cell.strip() for cell in line.rstrip("\r\n").split("\t")]
                if len(cells) > 2 or not cells[0]:
                    raise InvalidInputError(
                        f"{path}:{number}: expected ENTRY or ENTRY<TAB>NAME", field="directory"
                    )
                names[cells[0]].extend(cell for cell in cells[1:] if cell)
        return cls(names)

    def entry(self, core: str) -> str | None:
        """The entry that ``core`` names, or None."""
        return self._entries.get(core)
