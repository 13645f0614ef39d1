"""The fraudgraph error hierarchy.

Every error that leaves a fraudgraph API is a :class:`FraudGraphError`. Errors raised by
foreign libraries (the Neo4j driver, gRPC, torch) are translated where fraudgraph meets them,
so that callers handle one family of exceptions with messages written for people.
"""

from __future__ import annotations


class FraudGraphError(Exception):
    """Base class of all fraudgraph errors."""


class ConfigurationError(FraudGraphError):
    """A setting is missing or invalid."""


class InvalidInputError(FraudGraphError):
    """Input data is malformed; ``field`` names the offending field when known."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message if field is None else f"{field}: {message}")
        self.field = field


class NotFoundError(FraudGraphError):
    """A requested object (ring, model, customer...) does not exist."""


class GraphError(FraudGraphError):
    """Base class of errors talking to the Neo4j graph."""


class GraphUnavailableError(GraphError):
    """Neo4j cannot be reached (down, restarting, network)."""


class GraphAuthError(GraphError):
    """Neo4j refused the credentials."""


class ConstraintViolationError(GraphError):
    """A write broke a uniqueness or existence constraint."""


class QueryError(GraphError):
    """Neo4j rejected a query (syntax, types, a client-side mistake)."""


class LocalServerError(FraudGraphError):
    """The local development Neo4j could not be built, started or stopped."""


class IngestError(FraudGraphError):
    """A load could not proceed (unreadable input, unknown format)."""


class ModelError(FraudGraphError):
    """A model could not be trained, saved or loaded."""
