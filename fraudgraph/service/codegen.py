"""Generating the Python gRPC code of ``proto/`` into ``fraudgraph/_proto`` (git-ignored).

Run ``python -m fraudgraph.service.codegen`` after a checkout or a change to a .proto file. The
generated modules import each other as ``fraudgraph.v1...`` (their proto package), which would
collide with this package's own name, so their imports are rewritten to
``fraudgraph._proto.fraudgraph.v1...``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from fraudgraph.errors import ConfigurationError

PROJECT_DIR = Path(__file__).resolve().parents[2]
PROTO_DIR = PROJECT_DIR / "proto"
OUT_DIR = PROJECT_DIR / "fraudgraph" / "_proto"
_IMPORT = re.compile(r"^from fraudgraph\.v1 import ", re.MULTILINE)


def generate(proto_dir: Path = PROTO_DIR, out_dir: Path = OUT_DIR) -> list[Path]:
    """Compile every .proto under ``proto_dir`` into ``out_dir``; return the files written."""
    from grpc_tools import protoc  # type: ignore[import-untyped]

    sources = sorted(str(p.relative_to(proto_dir)) for p in proto_dir.rglob("*.proto"))
    if not sources:
        raise ConfigurationError(f"no .proto files under {proto_dir}")
    out_dir.mkdir(parents=True, exist_ok=True)
    include = Path(protoc.__file__).parent / "_proto"  # google/protobuf/*.proto
    args = [
        "grpc_tools.protoc",
        f"-I{proto_dir}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *sources,
    ]
    if protoc.main(args) != 0:
        raise ConfigurationError(f"protoc failed on {', '.join(sources)}")
    written = sorted(p for p in out_dir.rglob("*") if p.suffix in {".py", ".pyi"})
    for path in written:
        text = _IMPORT.sub("from fraudgraph._proto.fraudgraph.v1 import ", path.read_text("utf-8"))
        # protoc's output is not ours to lint: mypy checks our use of it, not its insides.
        path.write_text("# mypy: ignore-errors\n" + text, "utf-8")
    for folder in {out_dir, *(p.parent for p in written)}:
        (folder / "__init__.py").touch()
    return written


def main() -> None:
    """Entry point of ``python -m fraudgraph.service.codegen``."""
    files = generate()
    sys.stdout.write(f"generated {len(files)} files under {OUT_DIR}\n")


if __name__ == "__main__":
    main()
