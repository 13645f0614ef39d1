"""RingService: translates ring protos to the ring store and back."""

from __future__ import annotations

import base64
import binascii
import logging
import math
from datetime import datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from fraudgraph._proto.fraudgraph.v1 import rings_pb2 as pb
from fraudgraph.errors import InvalidInputError
from fraudgraph.service.call_context import CallContext
from fraudgraph.service.field_rules import FieldRules as F
from fraudgraph.service.malformed_message import MalformedMessage
from fraudgraph.service.ring_store import RingStore
from fraudgraph.service.ring_views import RingSummary

AUDIT = logging.getLogger("fraudgraph.audit")
_STATUS_TO_TEXT = {
    pb.RING_STATUS_OPEN: "OPEN",
    pb.RING_STATUS_IN_REVIEW: "IN_REVIEW",
    pb.RING_STATUS_CONFIRMED: "CONFIRMED",
    pb.RING_STATUS_DISMISSED: "DISMISSED",
    pb.RING_STATUS_ESCALATED: "ESCALATED",
}
_TEXT_TO_STATUS = {v: k for k, v in _STATUS_TO_TEXT.items()}
#: Verdict -> the status it moves the ring to.
_VERDICTS = {
    pb.VERDICT_CONFIRM: "CONFIRMED",
    pb.VERDICT_DISMISS: "DISMISSED",
    pb.VERDICT_REOPEN: "OPEN",
    pb.VERDICT_START_REVIEW: "IN_REVIEW",
    pb.VERDICT_ESCALATE: "ESCALATED",
}
DEFAULT_PAGE = 50
MAX_PAGE = 500


class RingServicer:
    """The three RPCs of ``fraudgraph.v1.RingService``."""

    def __init__(self, store: RingStore) -> None:
        self._store = store

    def ListRings(  # noqa: N802  gRPC method names are CamelCase
        self, request: pb.ListRingsRequest | MalformedMessage, context: grpc.ServicerContext
    ) -> pb.ListRingsResponse:
        """One page of rings matching the filters."""
        req = MalformedMessage.check(request)
        if req.status != pb.RING_STATUS_UNSPECIFIED and req.status not in _STATUS_TO_TEXT:
            raise InvalidInputError("unknown status", field="status")
        if not math.isfinite(req.min_score) or not 0.0 <= req.min_score <= 1.0:
            raise InvalidInputError("must be in [0, 1]", field="min_score")
        if not 0 <= req.page_size <= MAX_PAGE:
            raise InvalidInputError(f"must be in [0, {MAX_PAGE}]", field="page_size")
        CallContext.check_deadline()
        rings, next_offset = self._store.list_rings(
            status=_STATUS_TO_TEXT.get(req.status, ""),
            min_score=req.min_score,
            offset=self._offset(req.page_token),
            limit=req.page_size or DEFAULT_PAGE,
        )
        token = "" if next_offset is None else self._token(next_offset)
        return pb.ListRingsResponse(rings=[self._ring(r) for r in rings], next_page_token=token)

    def GetRing(  # noqa: N802
        self, request: pb.GetRingRequest | MalformedMessage, context: grpc.ServicerContext
    ) -> pb.GetRingResponse:
        """A ring with its members, evidence and timeline."""
        req = MalformedMessage.check(request)
        ring_id = F.identifier(req.ring_id, "ring_id")
        CallContext.check_deadline()
        detail = self._store.get_ring(ring_id)
        return pb.GetRingResponse(
            ring=self._ring(detail.summary),
            members=[pb.RingMember(label=lbl, key=key) for lbl, key in detail.members],
            evidence=[pb.Evidence(label=lbl, key=k, shared_by=n) for lbl, k, n in detail.evidence],
            timeline=[
                pb.TimelineEvent(at=self._stamp(e.at), kind=e.kind, description=e.description)
                for e in detail.timeline
            ],
        )

    def ReviewRing(  # noqa: N802
        self, request: pb.ReviewRingRequest | MalformedMessage, context: grpc.ServicerContext
    ) -> pb.ReviewRingResponse:
        """Record a verdict (once per request id) and write the audit trail."""
        req = MalformedMessage.check(request)
        request_id = F.identifier(req.request_id, "request_id")
        ring_id = F.identifier(req.ring_id, "ring_id")
        if req.verdict not in _VERDICTS:
            raise InvalidInputError("a verdict is required", field="verdict")
        note = F.text(req.note, "note", max_len=2000)
        reviewer = CallContext.principal().name
        CallContext.check_deadline()
        summary, event_id = self._store.review(
            ring_id=ring_id,
            to_status=_VERDICTS[req.verdict],
            note=note,
            reviewer=reviewer,
            request_id=request_id,
        )
        AUDIT.info(
            "ring reviewed",
            extra={"ring_id": ring_id, "verdict": _VERDICTS[req.verdict], "reviewer": reviewer,
                   "event_id": event_id, "status": summary.status},
        )  # fmt: skip
        return pb.ReviewRingResponse(ring=self._ring(summary), review_event_id=event_id)

    @staticmethod
    def _ring(summary: RingSummary) -> pb.Ring:
        return pb.Ring(
            ring_id=summary.ring_id,
            status=_TEXT_TO_STATUS.get(summary.status, pb.RING_STATUS_UNSPECIFIED),
            score=summary.score,
            member_count=summary.member_count,
            pattern=summary.pattern,
            explanation_en=summary.explanation_en,
            explanation_zh=summary.explanation_zh,
        )

    @staticmethod
    def _token(offset: int) -> str:
        return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()

    @staticmethod
    def _offset(token: str) -> int:
        if not token:
            return 0
        try:
            text = base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii")
            prefix, _, number = text.partition(":")
            offset = int(number)
        except (binascii.Error, UnicodeError, ValueError) as exc:
            raise InvalidInputError("not a token from this service", field="page_token") from exc
        if prefix != "o" or offset < 0:
            raise InvalidInputError("not a token from this service", field="page_token")
        return offset

    @staticmethod
    def _stamp(at: datetime | None) -> Timestamp:
        stamp = Timestamp()
        if at is not None:
            stamp.FromDatetime(at)
        return stamp
