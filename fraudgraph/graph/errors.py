"""Translation of Neo4j driver errors into fraudgraph errors: the one place where that happens."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from neo4j import exceptions as neo4j_exc

from fraudgraph.errors import (
    ConstraintViolationError,
    GraphAuthError,
    GraphError,
    GraphUnavailableError,
    QueryError,
)


def translate_neo4j_error(exc: Exception) -> GraphError:
    """Return the fraudgraph error that stands for a Neo4j driver error."""
    if isinstance(exc, neo4j_exc.AuthError):
        return GraphAuthError(f"Neo4j refused the credentials: {_message(exc)}")
    if isinstance(exc, neo4j_exc.ConstraintError):
        return ConstraintViolationError(f"constraint violated: {_message(exc)}")
    if isinstance(exc, neo4j_exc.ServiceUnavailable | neo4j_exc.SessionExpired):
        return GraphUnavailableError(f"Neo4j is unavailable: {_message(exc)}")
    if isinstance(exc, neo4j_exc.CypherSyntaxError | neo4j_exc.CypherTypeError):
        return QueryError(f"Neo4j rejected the query: {_message(exc)}")
    if isinstance(exc, neo4j_exc.TransientError):
        return GraphUnavailableError(f"Neo4j transient failure: {_message(exc)}")
    if isinstance(exc, neo4j_exc.ClientError):
        return QueryError(f"Neo4j rejected the request: {_message(exc)}")
    if isinstance(exc, OSError):
        return GraphUnavailableError(f"cannot reach Neo4j: {exc}")
    return GraphError(f"Neo4j error: {_message(exc)}")


def _message(exc: Exception) -> str:
    if isinstance(exc, neo4j_exc.Neo4jError):
        text = exc.message or str(exc)
        return f"{text} [{exc.code}]" if exc.code else text
    return str(exc)


@contextmanager
def neo4j_errors() -> Iterator[None]:
    """Run a block, re-raising Neo4j driver errors as fraudgraph errors."""
    try:
        yield
    except (neo4j_exc.Neo4jError, neo4j_exc.DriverError, OSError) as exc:
        raise translate_neo4j_error(exc) from exc
