"""A synthetic bank world with planted fraud and its ground truth (``fraudgraph synth``).

Banks cannot share real data, so this package generates a realistic one, deterministically
from a seed, streaming to disk in bounded memory. Folder layout (format "fraudgraph-synth/1"):

- ``manifest.json``: format, seed, start, end, counts, generator_version.
- ``customers.jsonl``: the customer master, canonical values.
- ``applications.jsonl``: :class:`fraudgraph.types.Application` fields, as applicants typed
  them (messy phones, IDs, addresses), ``created_at`` ISO 8601 with +08:00.
- ``accounts.jsonl``: :class:`fraudgraph.types.Account` fields (``opened_at`` null for accounts
  at other banks; ``kind`` debit | credit | merchant | corporate | external).
- ``transactions.jsonl``: :class:`fraudgraph.types.Transaction` fields, by timestamp.
- ``truth/labels.jsonl``, ``truth/rings.jsonl``, ``truth/benign_groups.jsonl``,
  ``truth/identity.jsonl``, ``truth/annotations.jsonl``: the ground truth.

Canonical forms: phones E.164 ("+8613912345678", landline "+862361234567"); resident IDs
upper-case; card numbers digits only; amounts "12345.00 CNY"; dates ISO; person names in the
text's script ("王芳", "Zhang Wei"); organisations and addresses by their official name/form
in the text's language. Ring ``shared`` kinds are entity kinds (PHONE, DEVICE, IP, ADDRESS,
ORGANIZATION, PERSON) plus ACCOUNT for account ids.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fraudgraph.synth.world_config import WorldConfig, WorldSummary
    from fraudgraph.synth.world_generator import generate_world

__all__ = ["WorldConfig", "WorldSummary", "generate_world"]


def __getattr__(name: str) -> Any:
    """Import lazily: the CLI imports this package and must not pay for numpy at start-up."""
    if name in ("WorldConfig", "WorldSummary"):
        from fraudgraph.synth import world_config

        return getattr(world_config, name)
    if name == "generate_world":
        from fraudgraph.synth.world_generator import generate_world

        return generate_world
    raise AttributeError(name)
