"""Query builders only accept schema labels; errors from the driver are translated."""

from __future__ import annotations

import pytest
from neo4j import exceptions as neo4j_exc

from fraudgraph.errors import (
    ConstraintViolationError,
    GraphAuthError,
    GraphUnavailableError,
    InvalidInputError,
    QueryError,
)
from fraudgraph.graph import queries
from fraudgraph.graph.errors import neo4j_errors, translate_neo4j_error


@pytest.mark.parametrize("bad", ["Customer) DETACH DELETE (x", "customer", "", "Phone`"])
def test_unknown_labels_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInputError, match="unknown node label"):
        queries.merge_nodes(bad)


def test_unknown_relationship_type_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="relationship type"):
        queries.merge_links("Customer", "KNOWS]->() DELETE", "Phone")


def test_record_and_entity_keys() -> None:
    assert "MERGE (n:Customer {customer_id: row.key})" in queries.merge_nodes("Customer")
    assert "MERGE (n:Phone {key: row.key})" in queries.merge_nodes("Phone")
    # Every label of the schema has a uniqueness constraint on its key.
    for lbl in queries.NODE_LABELS:
        assert any(f"(n:{lbl})" in c for c in queries.SCHEMA_CONSTRAINTS)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (neo4j_exc.AuthError("bad credentials"), GraphAuthError),
        (neo4j_exc.ServiceUnavailable("connection refused"), GraphUnavailableError),
        (ConnectionRefusedError("refused"), GraphUnavailableError),
    ],
)
def test_driver_errors_are_translated(exc: Exception, expected: type[Exception]) -> None:
    translated = translate_neo4j_error(exc)
    assert isinstance(translated, expected)


def test_server_errors_are_translated_by_code() -> None:
    constraint = neo4j_exc.Neo4jError._hydrate_neo4j(  # how the driver builds server errors
        code="Neo.ClientError.Schema.ConstraintValidationFailed", message="already exists"
    )
    syntax = neo4j_exc.Neo4jError._hydrate_neo4j(
        code="Neo.ClientError.Statement.SyntaxError", message="Invalid input"
    )
    assert isinstance(translate_neo4j_error(constraint), ConstraintViolationError)
    assert isinstance(translate_neo4j_error(syntax), QueryError)
    with pytest.raises(ConstraintViolationError, match="already exists") as info, neo4j_errors():
        raise constraint
    assert info.value.__cause__ is constraint
