"""A request whose bytes are not a valid protobuf message (truncated, invalid UTF-8...).

gRPC turns a deserializer exception into an INTERNAL status; the service's deserializers return
this marker instead, and servicers answer INVALID_ARGUMENT.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from google.protobuf.message import DecodeError

from fraudgraph.errors import InvalidInputError

M = TypeVar("M")


class MalformedMessage:
    """Stands for request bytes that could not be parsed."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    @staticmethod
    def check(request: M | MalformedMessage) -> M:
        """``request`` itself, or INVALID_ARGUMENT when it was malformed."""
        if isinstance(request, MalformedMessage):
            raise InvalidInputError(f"not a valid message ({request.reason})", field="request")
        return request

    @staticmethod
    def deserializer(message_type: Callable[[bytes], M]) -> Callable[[bytes], M | MalformedMessage]:
        """A deserializer that returns a marker instead of raising."""

        def parse(data: bytes) -> M | MalformedMessage:
            try:
                return message_type(data)
            except (DecodeError, RuntimeError, ValueError) as exc:
                return MalformedMessage(type(exc).__name__)

        return parse
