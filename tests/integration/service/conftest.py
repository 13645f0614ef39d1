"""The service's integration tests share the in-process server fixtures of its unit tests."""

from __future__ import annotations

from tests.unit.service.conftest import extractor, runtime_and_channel

__all__ = ["extractor", "runtime_and_channel"]
