"""An open-loop load generator for the scoring service, run in its own process.

Requests are sent on a fixed schedule (``rate`` per second) whatever the server's speed, so a
slow server shows up as latency rather than as a politely reduced rate; at most
``concurrency`` calls are in flight.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

import grpc

from fraudgraph._proto.fraudgraph.v1 import scoring_pb2 as pb


@dataclass(frozen=True, slots=True)
class LoadPlan:
    """What to send: how fast, for how long, over which keys."""

    target: str
    token: str
    rate: float
    duration_s: float
    concurrency: int
    accounts: int
    devices: int
    seed: int = 7
    deadline_s: float = 1.0
    id_prefix: str = "bench"


@dataclass(slots=True)
class LoadResult:
    """Latencies (ms) of the successful calls and the status codes of the failed ones."""

    client_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    sent: int = 0
    elapsed_s: float = 0.0
    actions: dict[str, int] = field(default_factory=dict)


class LoadGenerator:
    """Sends ScoreTransaction calls according to a :class:`LoadPlan`."""

    def __init__(self, plan: LoadPlan) -> None:
        self.plan = plan
        self._rng = random.Random(plan.seed)

    def run(self) -> LoadResult:
        """Run the plan to completion (blocking)."""
        return asyncio.run(self._run())

    def request(self, n: int) -> pb.ScoreTransactionRequest:
        """The ``n``-th request of the plan: random accounts, devices and memo phones."""
        p, rng = self.plan, self._rng
        payer, payee = rng.randrange(p.accounts), rng.randrange(p.accounts)
        txn = pb.Transaction(
            transaction_id=f"{p.id_prefix}-t{n}",
            payer_account=f"AC{payer:07d}",
            payee_account=f"AC{payee:07d}",
            amount=round(rng.uniform(1, 50_000), 2),
            currency="CNY",
            device_id=f"dev-{rng.randrange(p.devices):06d}",
            ip=f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            memo=f"转账 还款 139{rng.randrange(10**8):08d}" if n % 3 == 0 else "货款",
        )
        txn.timestamp.GetCurrentTime()
        return pb.ScoreTransactionRequest(request_id=f"{p.id_prefix}-{n}", transaction=txn)

    async def _run(self) -> LoadResult:
        p = self.plan
        result = LoadResult()
        async with grpc.aio.insecure_channel(p.target) as channel:
            call = channel.unary_unary(
                "/fraudgraph.v1.ScoringService/ScoreTransaction",
                request_serializer=pb.ScoreTransactionRequest.SerializeToString,
                response_deserializer=pb.ScoreTransactionResponse.FromString,
            )
            await channel.channel_ready()
            gate = asyncio.Semaphore(p.concurrency)
            tasks: list[asyncio.Task[None]] = []
            started = time.perf_counter()
            total = int(p.rate * p.duration_s)
            for n in range(total):
                due = started + n / p.rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                await gate.acquire()
                tasks.append(asyncio.create_task(self._one(call, n, gate, result)))
            await asyncio.gather(*tasks)
            result.elapsed_s = time.perf_counter() - started
        result.sent = total
        return result

    async def _one(
        self,
        call: grpc.aio.UnaryUnaryMultiCallable[
            pb.ScoreTransactionRequest, pb.ScoreTransactionResponse
        ],
        n: int,
        gate: asyncio.Semaphore,
        result: LoadResult,
    ) -> None:
        request = self.request(n)
        sent = time.perf_counter()
        try:
            response = await call(
                request,
                metadata=(("authorization", f"Bearer {self.plan.token}"),),
                timeout=self.plan.deadline_s,
            )
            result.client_ms.append((time.perf_counter() - sent) * 1000.0)
            result.server_ms.append(response.decision.server_latency_ms)
            action = pb.Action.Name(response.decision.action)
            result.actions[action] = result.actions.get(action, 0) + 1
        except grpc.aio.AioRpcError as exc:
            name = exc.code().name
            result.errors[name] = result.errors.get(name, 0) + 1
        finally:
            gate.release()
