"""Code generation from proto/ and the token authority."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from fraudgraph.errors import ConfigurationError
from fraudgraph.service.codegen import PROTO_DIR, generate
from fraudgraph.service.token_authority import TokenAuthority


def test_generate_rewrites_imports(tmp_path: Path) -> None:
    written = generate(PROTO_DIR, tmp_path / "_proto")
    names = {p.name for p in written}
    assert {"scoring_pb2.py", "scoring_pb2_grpc.py", "rings_pb2.py", "rings_pb2.pyi"} <= names
    grpc_module = (tmp_path / "_proto" / "fraudgraph" / "v1" / "scoring_pb2_grpc.py").read_text()
    assert "from fraudgraph._proto.fraudgraph.v1 import scoring_pb2" in grpc_module
    assert "\nfrom fraudgraph.v1 import" not in grpc_module
    assert (tmp_path / "_proto" / "fraudgraph" / "v1" / "__init__.py").is_file()
    spec = importlib.util.find_spec("fraudgraph._proto.fraudgraph.v1.scoring_pb2")
    assert spec is not None


def test_generate_without_protos_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        generate(tmp_path, tmp_path / "out")


def test_tokens_scopes_and_public_methods() -> None:
    authority = TokenAuthority({TokenAuthority.digest("s3cret"): "score, review"})
    who = authority.principal("Bearer s3cret")
    assert who is not None
    assert who.scopes == {"score", "review"}
    assert "s3cret" not in who.name
    assert authority.principal("Bearer other") is None
    assert authority.principal("s3cret") is None
    assert authority.required_scope("/grpc.health.v1.Health/Check") is None
    assert authority.required_scope("/fraudgraph.v1.RingService/ReviewRing") == "review"
    assert authority.required_scope("/fraudgraph.v1.Unknown/Do") == "admin"
    assert not authority.allows(who, "admin")
    with pytest.raises(ConfigurationError):
        TokenAuthority({"ab": "superuser"})
