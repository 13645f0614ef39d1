"""Structured logs with masked identifiers."""

from __future__ import annotations

import json
import logging

from fraudgraph.service.identifier_masker import IdentifierMasker
from fraudgraph.service.json_log_formatter import JsonLogFormatter


def test_mask_hides_the_value_but_stays_stable() -> None:
    masked = IdentifierMasker.mask("6222020200112233445")
    assert "0200112233" not in masked
    assert masked.startswith("***45#")
    assert masked == IdentifierMasker.mask("6222020200112233445")
    assert masked != IdentifierMasker.mask("6222020200112233446")
    assert IdentifierMasker.mask("ab").startswith("***#")
    assert IdentifierMasker.mask("") == ""


def test_json_formatter_keeps_extra_fields() -> None:
    record = logging.makeLogRecord(
        {"name": "fraudgraph.audit", "levelname": "INFO", "msg": "ring %s", "args": ("R-1",),
         "reviewer": "token-ab", "created": 0.0}
    )  # fmt: skip
    line = json.loads(JsonLogFormatter().format(record))
    assert line["msg"] == "ring R-1"
    assert line["reviewer"] == "token-ab"
    assert line["logger"] == "fraudgraph.audit"
    assert line["ts"].startswith("1970-01-01")
