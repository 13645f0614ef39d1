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
    neo4j_local_idle_priority: bool = Field(
        False,
        description="Run the local Neo4j's threads at idle CPU priority (Linux SCHED_IDLE): on "
        "a machine it shares with the service, its work (outbox writes, investigations) runs in "
        "the CPU time requests leave. Never set for a Neo4j that has the machine to itself.",
    )
    neo4j_start_timeout_s: float = Field(180.0, gt=0)
    neo4j_connection_timeout_s: float = Field(5.0, gt=0)
    neo4j_max_pool_size: int = Field(50, ge=1)
    neo4j_batch_size: int = Field(5000, ge=1)

    # --- Entity resolution (fraudgraph/nlp) -------------------------------------------------
    nlp_organisation_directory: Path | None = Field(
        None,
        description="Tab-separated list of organisations and the other names they go by "
        "(ENTRY<TAB>NAME rows; fraudgraph/nlp/organisation_directory.py): SAME_AS links "
        "between the employer keys an entry names, which no spelling rule finds.",
    )

    # --- Rings (fraudgraph/rings) -----------------------------------------------------------
    rings_hub_cap: int = Field(
        30, ge=2, description="Identifiers shared by more customers are hubs: they bind no ring."
    )
    rings_weak_cap: int = Field(
        8, ge=2, description="Cap for weak identifiers (address) before they stop binding."
    )
    rings_max_size: int = Field(
        80, ge=3, description="Components above this many customers are split by Louvain."
    )
    rings_flow_window_h: float = Field(
        96.0, gt=0, description="Time window (hours) of money-flow structures."
    )
    rings_min_fan: int = Field(5, ge=2, description="Counterparties that make a fan-in/out.")
    rings_cycle_max_len: int = Field(8, ge=3, description="Longest cycle searched.")
    rings_match_jaccard: float = Field(
        0.3, gt=0, le=1, description="Member overlap for a candidate to keep a ring's id."
    )
    rings_review_threshold: float = Field(0.5, ge=0, le=1, description="Ring score for REVIEW.")
    rings_block_threshold: float = Field(0.9, ge=0, le=1, description="Ring score for BLOCK.")

    # --- Service (fraudgraph/service) -------------------------------------------------------
    service_host: str = "127.0.0.1"
    service_port: int = Field(50051, ge=0, le=65535)
    service_workers: int = Field(16, ge=1, description="Threads serving RPCs.")
    service_processes: int = Field(
        1,
        ge=1,
        description="Server processes sharing the port (SO_REUSEPORT), each with "
        "service_workers threads; 1 = serve in the calling process.",
    )
    service_worker_ports_base: int = Field(
        0,
        ge=0,
        le=65535,
        description="With service_processes > 1, server process i also listens on a port of "
        "its own, base + i, so that a client can spread its connections evenly over the "
        "processes (round-robin over their addresses); 0 = the shared port + 1 + i (an "
        "ephemeral port each when the shared port is 0).",
    )
    service_max_concurrent_rpcs: int = Field(
        512, ge=1, description="Beyond this, calls get RESOURCE_EXHAUSTED instead of queueing."
    )
    service_review_threshold: float = Field(0.5, ge=0.0, le=1.0)
    service_block_threshold: float = Field(0.8, ge=0.0, le=1.0)
    service_fail_policy: str = Field(
        "open", pattern="^(open|closed)$", description="Unscorable: open = ALLOW, closed = BLOCK."
    )
    service_default_deadline_ms: float = Field(
        200.0, gt=0, description="Budget of a scoring call that sent no deadline."
    )
    service_ring_deadline_ms: float = Field(
        10_000.0, gt=0, description="Budget of a ring (investigator) call that sent no deadline."
    )
    service_require_auth: bool = True
    service_token_digests: dict[str, str] = Field(
        default_factory=dict,
        description="SHA-256 hex digest of a bearer token -> comma-separated scopes "
        "(score, review, admin), optionally after the holder's name: 'alice: review'.",
    )
    service_tls_cert: Path | None = None
    service_tls_key: Path | None = None
    service_tls_client_ca: Path | None = Field(
        None, description="When set, clients must present a certificate signed by this CA."
    )
    service_metrics_port: int = Field(0, ge=0, le=65535, description="Prometheus port; 0 = off.")
    service_index_refresh_s: float = Field(30.0, gt=0)
    service_hub_degree_cap: int = Field(
        200, ge=1, description="Parties counted per identifier: hubs stop growing past it."
    )
    service_outbox_flush_s: float = Field(0.5, gt=0)
    service_outbox_batch: int = Field(500, ge=1)
    service_outbox_min_flush_s: float = Field(
        0.0,
        ge=0,
        description="Least time between the starts of two outbox flushes, even with a backlog: "
        "fewer, larger Neo4j transactions (raise service_outbox_batch to match the rate).",
    )
    service_flusher_nice: int = Field(
        19,
        ge=0,
        le=19,
        description="Nice value of the outbox flusher process's flush thread (with "
        "service_processes > 1): decoding events and writing them to Neo4j use the CPU the "
        "requests leave over; its writes under the outbox lock keep the normal priority.",
    )
    service_pin_processes: bool = Field(
        True,
        description="With service_processes > 1, bind each server process to a share of the "
        "CPUs of its own (see fraudgraph/service/cpu_shares.py); the flusher is not bound.",
    )
    service_grpc_experiments: str = Field(
        "-event_engine_listener",
        description="gRPC core experiment switches (its GRPC_EXPERIMENTS, comma-separated, "
        "'-name' = off) for the server processes; the default saved ~20% of a server's CPU per "
        "streamed message here (see fraudgraph/service/grpc_experiments.py); '' = gRPC's own.",
    )
    service_gc_freeze_s: float = Field(
        1.0,
        ge=0,
        description="Move the heap's survivors out of the cyclic collector's sight this often "
        "(gc.freeze), so its full collections stop rescanning the index and caches (0: off).",
    )
    service_idempotency_window_s: float = Field(
        7 * 86400.0, gt=0, description="How long a request id keeps its decision."
    )
    service_use_nlp_models: bool = Field(
        True, description="Load the spaCy NER models for free text (identifiers always work)."
    )
    service_model_poll_s: float = Field(
        5.0, ge=0, description="How often to look for a newly promoted model; 0 = rules only."
    )

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
