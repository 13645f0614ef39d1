"""One Settings object for the whole of fraudgraph.

Environment variables are read here and nowhere else: entrypoints (the CLI, the gRPC server,
notebooks) build a :class:`Settings` once and pass it, or the parts of it a component needs,
down. Variables use the ``FRAUDGRAPH_`` prefix, except the four standard Neo4j ones
(``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``) which are also accepted
under that prefix.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _neo4j_alias(name: str) -> AliasChoices:
    return AliasChoices(f"NEO4J_{name}", f"FRAUDGRAPH_NEO4J_{name}")


class Settings(BaseSettings):
    """Every tunable of fraudgraph, with defaults that work on a developer's machine."""

    model_config = SettingsConfigDict(
        env_prefix="FRAUDGRAPH_", extra="ignore", populate_by_name=True, frozen=True
    )

    # --- Neo4j ----------------------------------------------------------------------------
    neo4j_uri: str = Field("bolt://127.0.0.1:7687", validation_alias=_neo4j_alias("URI"))
    neo4j_user: str = Field("neo4j", validation_alias=_neo4j_alias("USER"))
    neo4j_password: SecretStr = Field(
        SecretStr("fraudgraph-dev"), validation_alias=_neo4j_alias("PASSWORD")
    )
    neo4j_database: str = Field("neo4j", validation_alias=_neo4j_alias("DATABASE"))
    neo4j_manage_local: bool = Field(
        True, description="Start the bundled Neo4j when neo4j_uri points at loopback."
    )
    neo4j_http_port: int = Field(
        0, ge=0, le=65535, description="HTTP port of the local Neo4j (Neo4j Browser); 0 = off."
    )
    neo4j_pagecache: str = "512m"
    neo4j_heap: str = "1g"
    neo4j_start_timeout_s: float = Field(180.0, gt=0)
    neo4j_connection_timeout_s: float = Field(5.0, gt=0)
    neo4j_max_pool_size: int = Field(50, ge=1)
    neo4j_batch_size: int = Field(5000, ge=1)

    # --- Rings (fraudgraph/rings) -----------------------------------------------------------

    # --- Service (fraudgraph/service) -------------------------------------------------------

    # --- Local files ------------------------------------------------------------------------
    var_dir: Path = Field(Path("var"), description="Runtime state: local Neo4j data, models.")
    project_dir: Path = Field(
        Path(__file__).resolve().parent.parent,
        description="Source checkout that holds deploy/neo4j (for the local server build).",
    )

    @field_validator("neo4j_uri")
    @classmethod
    def _check_uri(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}:
            raise ValueError(f"unsupported Neo4j URI scheme {parts.scheme!r} in {value!r}")
        if not parts.hostname:
            raise ValueError(f"Neo4j URI {value!r} has no host")
        return value

    @property
    def neo4j_host(self) -> str:
        return urlsplit(self.neo4j_uri).hostname or "127.0.0.1"

    @property
    def neo4j_bolt_port(self) -> int:
        return urlsplit(self.neo4j_uri).port or 7687

    @property
    def neo4j_is_local(self) -> bool:
        """True when fraudgraph should run the bundled Neo4j itself."""
        return self.neo4j_manage_local and self.neo4j_host in _LOOPBACK_HOSTS

    @property
    def neo4j_home(self) -> Path:
        """Home (data, logs) of the local Neo4j; one per Bolt port so test servers don't clash."""
        return (self.var_dir / "neo4j" / str(self.neo4j_bolt_port)).resolve()

    @property
    def models_dir(self) -> Path:
        return (self.var_dir / "models").resolve()
