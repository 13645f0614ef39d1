"""An open-loop load generator for the scoring service, run in its own process.

Requests are sent on a fixed schedule (``rate`` per second) whatever the server's speed, so a
slow server shows up as latency rather than as a politely reduced rate; at most
``concurrency`` calls are in flight. Latency is measured from each request's scheduled send
time, so a request that waits for a free slot behind a slow server counts that wait too (no
coordinated omission). ``streams`` = 0 sends unary ``ScoreTransaction`` calls (round-robin
over ``connections`` connections); a number spreads the requests over that many
``ScoreStream`` streams (how high-volume callers are meant to call: no per-call setup), each
on a connection of its own and answered in order. With ``targets`` (the addresses of a
multi-process server's processes) connection i goes to ``targets[i % len(targets)]``: the
processes get the connections round-robin, evenly, whatever the kernel's port hash would do.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

import grpc

from fraudgraph._proto.fraudgraph.v1 import scoring_pb2 as pb

_Send = Callable[[int, float], None]
#: A channel with a connection of its own (no subchannel shared with the other channels), so
#: that a server of several processes sharing the port gets the load spread over them.
_OWN = (("grpc.use_local_subchannel_pool", 1),)


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
    streams: int = 0
    #: Keys of the loaded graph (accounts, devices): one request in three uses them.
    account_pool: tuple[str, ...] = ()
    device_pool: tuple[str, ...] = ()
    #: TCP connections for unary calls (each stream has its own anyway): a multi-process
    #: server gets work per connection.
    connections: int = 1
    #: Addresses to spread the connections over round-robin (empty: all to ``target``).
    targets: tuple[str, ...] = ()
    #: Seconds of load at the full rate, on the same connections, before ``duration_s`` of
    #: measured load: their answers are not measured (a fresh client and fresh streams are
    #: slow for their first second or so). Their errors still count.
    warmup_s: float = 0.0

    def connection_target(self, i: int) -> str:
        """The address connection ``i`` goes to."""
        return self.targets[i % len(self.targets)] if self.targets else self.target


@dataclass(slots=True)
class LoadResult:
    """Latencies (ms) of the successful calls and the status codes of the failed ones."""

    client_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    sent: int = 0
    elapsed_s: float = 0.0
    actions: dict[str, int] = field(default_factory=dict)
    #: Requests sent in the plan's warm-up (answered, not measured).
    unmeasured: int = 0
    #: perf_counter() time before which a scheduled request is warm-up (not measured).
    measure_from: float = 0.0


class LoadGenerator:
    """Sends ScoreTransaction calls according to a :class:`LoadPlan`."""

    def __init__(self, plan: LoadPlan) -> None:
        self.plan = plan
        self._rng = random.Random(plan.seed)
        self._metadata = (("authorization", f"Bearer {plan.token}"),)
        self._inflight: set[asyncio.Task[None]] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._sent: list[deque[float]] = []
        #: Streams that ended with an error, and its status: later sends on them fail at once.
        self._failed: dict[int, str] = {}

    def run(self) -> LoadResult:
        """Run the plan to completion (blocking)."""
        return asyncio.run(self._run())

    def request(self, n: int) -> pb.ScoreTransactionRequest:
        """The ``n``-th request of the plan: random accounts, devices and memo phones."""
        p, rng = self.plan, self._rng
        from_graph = n % 3 == 1
        payer = (
            rng.choice(p.account_pool)
            if from_graph and p.account_pool
            else f"AC{rng.randrange(p.accounts):07d}"
        )
        device = (
            rng.choice(p.device_pool)
            if from_graph and p.device_pool
            else f"dev-{rng.randrange(p.devices):06d}"
        )
        txn = pb.Transaction(
            transaction_id=f"{p.id_prefix}-t{n}",
            payer_account=payer,
            payee_account=f"AC{rng.randrange(p.accounts):07d}",
            amount=round(rng.uniform(1, 50_000), 2),
            currency="CNY",
            device_id=device,
            ip=f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            memo=f"转账 还款 139{rng.randrange(10**8):08d}" if n % 3 == 0 else "货款",
        )
        txn.timestamp.GetCurrentTime()
        return pb.ScoreTransactionRequest(request_id=f"{p.id_prefix}-{n}", transaction=txn)

    async def _run(self) -> LoadResult:
        p = self.plan
        result = LoadResult()
        async with AsyncExitStack() as stack:
            channels = [
                await stack.enter_async_context(
                    grpc.aio.insecure_channel(p.connection_target(i), options=_OWN)
                )
                for i in range(p.streams or max(1, p.connections))
            ]
            await asyncio.gather(*(ch.channel_ready() for ch in channels))
            gate = asyncio.Semaphore(p.concurrency)
            if p.streams:
                send = await self._streaming(channels, gate, result)
            else:
                send = self._unary(channels, gate, result)
            started = time.perf_counter()
            warm = int(p.rate * p.warmup_s)
            result.measure_from = started + warm / p.rate
            total = warm + int(p.rate * p.duration_s)
            for n in range(total):
                scheduled = started + n / p.rate
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                await gate.acquire()
                send(n, scheduled)
            await self._drain(gate)
            result.elapsed_s = time.perf_counter() - result.measure_from
        result.sent = total - warm
        return result

    async def _drain(self, gate: asyncio.Semaphore) -> None:
        for _ in range(self.plan.concurrency):
            await gate.acquire()
        for task in self._tasks:
            task.cancel()

    def _unary(
        self, channels: list[grpc.aio.Channel], gate: asyncio.Semaphore, result: LoadResult
    ) -> _Send:
        calls = [
            channel.unary_unary(
                "/fraudgraph.v1.ScoringService/ScoreTransaction",
                request_serializer=pb.ScoreTransactionRequest.SerializeToString,
                response_deserializer=pb.ScoreTransactionResponse.FromString,
            )
            for channel in channels
        ]

        def send(n: int, scheduled: float) -> None:
            call = calls[n % len(calls)]
            task = asyncio.create_task(self._one(call, n, scheduled, gate, result))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)

        return send

    async def _streaming(
        self, channels: list[grpc.aio.Channel], gate: asyncio.Semaphore, result: LoadResult
    ) -> _Send:
        queues: list[asyncio.Queue[pb.ScoreStreamRequest]] = []
        for k in range(self.plan.streams):
            call = channels[k].stream_stream(
                "/fraudgraph.v1.ScoringService/ScoreStream",
                request_serializer=pb.ScoreStreamRequest.SerializeToString,
                response_deserializer=pb.ScoreStreamResponse.FromString,
            )
            queue: asyncio.Queue[pb.ScoreStreamRequest] = asyncio.Queue()
            sent: deque[float] = deque()
            stream = call(self._feed(queue), metadata=self._metadata,
                          timeout=self.plan.warmup_s + self.plan.duration_s + 60.0)  # fmt: skip
            self._sent.append(sent)
            self._tasks.append(asyncio.create_task(self._read(stream, k, gate, result)))
            queues.append(queue)

        def send(n: int, scheduled: float) -> None:
            k = n % len(queues)
            if k in self._failed:
                result.errors[self._failed[k]] = result.errors.get(self._failed[k], 0) + 1
                gate.release()
                return
            self._sent[k].append(scheduled)
            queues[k].put_nowait(pb.ScoreStreamRequest(transaction=self.request(n)))

        return send

    @staticmethod
    async def _feed(
        queue: asyncio.Queue[pb.ScoreStreamRequest],
    ) -> AsyncIterator[pb.ScoreStreamRequest]:
        while True:
            yield await queue.get()

    async def _read(
        self,
        stream: grpc.aio.StreamStreamCall[pb.ScoreStreamRequest, pb.ScoreStreamResponse],
        k: int,
        gate: asyncio.Semaphore,
        result: LoadResult,
    ) -> None:
        sent = self._sent[k]
        try:
            async for response in stream:
                LoadGenerator._observe(result, sent.popleft(), response)
                gate.release()
        except grpc.aio.AioRpcError as exc:
            name = exc.code().name
            self._failed[k] = name
            while sent:  # every request still waiting on this stream failed with it
                sent.popleft()
                result.errors[name] = result.errors.get(name, 0) + 1
                gate.release()

    @staticmethod
    def _observe(result: LoadResult, sent: float, response: pb.ScoreStreamResponse) -> None:
        if response.HasField("error"):
            name = grpc.StatusCode.INTERNAL.name
            for code in grpc.StatusCode:
                if code.value[0] == response.error.code:
                    name = code.name
            result.errors[name] = result.errors.get(name, 0) + 1
            return
        LoadGenerator._decided(result, sent, response.decision)

    @staticmethod
    def _decided(result: LoadResult, sent: float, decision: pb.Decision) -> None:
        if sent < result.measure_from:
            result.unmeasured += 1
            return
        result.client_ms.append((time.perf_counter() - sent) * 1000.0)
        result.server_ms.append(decision.server_latency_ms)
        action = pb.Action.Name(decision.action)
        result.actions[action] = result.actions.get(action, 0) + 1

    async def _one(
        self,
        call: grpc.aio.UnaryUnaryMultiCallable[
            pb.ScoreTransactionRequest, pb.ScoreTransactionResponse
        ],
        n: int,
        scheduled: float,
        gate: asyncio.Semaphore,
        result: LoadResult,
    ) -> None:
        request = self.request(n)
        try:
            response = await call(
                request,
                metadata=self._metadata,
                timeout=self.plan.deadline_s,
            )
            LoadGenerator._decided(result, scheduled, response.decision)
        except grpc.aio.AioRpcError as exc:
            name = exc.code().name
            result.errors[name] = result.errors.get(name, 0) + 1
        finally:
            gate.release()
