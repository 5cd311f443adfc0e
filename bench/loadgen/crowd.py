"""The simulated customers and agents, and one run of the load against a stack."""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import websockets

from bench.loadgen.stack import BENCH_AGENTS, Stack
from bench.loadgen.stats import Stats
from tests.support.servers import DEMO_PASSWORD, http_json

# Routine questions the bot answers itself (tier 1), so each message gets one bot reply.
QUESTIONS = [
    "which payment methods do you accept?",
    "how long does shipping to france take",
    "what is your return policy",
    "how do i change the email on my account",
    "do you take paypal",
]
OPEN_TIMEOUT = 30


@dataclass
class Customer:
    index: int
    human: bool
    conversation_id: str = ""
    ws_url: str = ""
    ws: object = None
    sent_at: dict[str, float] = field(default_factory=dict)  # client_msg_id -> send time
    echo_seq: dict[str, int] = field(default_factory=dict)  # client_msg_id -> seq of its echo
    echoed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seqs: list[int] = field(default_factory=list)
    awaiting_bot: list[tuple[str, float]] = field(default_factory=list)  # (client_msg_id, sent)
    assigned: asyncio.Event = field(default_factory=asyncio.Event)


class Agents:
    """The bench agents' sockets: which conversations they were given, and what reached them."""

    def __init__(self) -> None:
        self.sockets: list = []
        self.received: dict[str, list[tuple[str, int]]] = defaultdict(list)  # conversation -> (cmid, seq)
        self.arrived: dict[str, float] = {}
        self.assigned: set[str] = set()
        self.tasks: list[asyncio.Task] = []

    async def connect(self, ws_bases: list[str], http_base: str, count: int) -> None:
        for i in range(count):
            status, token = await asyncio.to_thread(
                http_json,
                "POST",
                f"{http_base}/api/v1/auth/token/",
                {"username": f"load_agent_{i}", "password": DEMO_PASSWORD},
            )
            assert status == 200, token
            ws = await websockets.connect(
                f"{ws_bases[i % len(ws_bases)]}/ws/agent/?token={token['token']}",
                open_timeout=OPEN_TIMEOUT,
                max_queue=None,
            )
            self.sockets.append(ws)
            self.tasks.append(asyncio.create_task(self._read(ws)))

    async def _read(self, ws) -> None:
        try:
            async for raw in ws:
                now = time.perf_counter()
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "conversation.assigned":
                    # The packet's transcript delivers what was written before the agent's
                    # socket joined the conversation (live frames of those are not sent again).
                    packet = frame["conversation"]
                    self.assigned.add(packet["id"])
                    for message in packet.get("transcript") or []:
                        if message.get("sender") == "customer":
                            self._arrive(packet["id"], message, now)
                elif kind == "message" and frame["message"]["sender"] == "customer":
                    self._arrive(frame["conversation_id"], frame["message"], now)
        except websockets.ConnectionClosed:
            pass

    def _arrive(self, conversation_id: str, message: dict, now: float) -> None:
        cmid = message.get("client_msg_id")
        self.received[conversation_id].append((cmid, message["seq"]))
        if cmid and cmid not in self.arrived:
            self.arrived[cmid] = now

    async def close(self) -> None:
        for ws in self.sockets:
            await ws.close()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def open_customer(customer: Customer, http_base: str, ws_base: str, stats: Stats) -> bool:
    try:
        status, body = await asyncio.to_thread(
            http_json, "POST", f"{http_base}/api/v1/conversations/", {"name": f"load {customer.index}"}
        )
        if status != 201:
            raise RuntimeError(f"create answered {status}: {body}")
        customer.conversation_id = body["id"]
        customer.ws = await websockets.connect(ws_base + body["ws_url"], open_timeout=OPEN_TIMEOUT, max_queue=None)
        return True
    except Exception as error:  # noqa: BLE001 - every failure to open counts, and is shown
        stats.handshake_errors += 1
        stats.errors.append(f"customer {customer.index}: {type(error).__name__}: {error}")
        return False


async def read_customer(customer: Customer, stats: Stats) -> None:
    try:
        async for raw in customer.ws:
            now = time.perf_counter()
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "assigned":
                customer.assigned.set()
            elif kind == "message":
                message = frame["message"]
                if customer.seqs and message["seq"] <= customer.seqs[-1]:
                    stats.reordered += message["seq"] < customer.seqs[-1]
                    stats.duplicate += message["seq"] == customer.seqs[-1]
                elif customer.seqs and message["seq"] != customer.seqs[-1] + 1:
                    stats.gaps += 1
                customer.seqs.append(message["seq"])
                cmid = message.get("client_msg_id")
                if message["sender"] == "customer" and cmid in customer.sent_at:
                    customer.echoed[cmid] += 1
                    customer.echo_seq.setdefault(cmid, message["seq"])
                elif message["sender"] == "bot" and customer.awaiting_bot:
                    # The first bot message after a question's echo is its answer.
                    for cmid_waiting, sent in list(customer.awaiting_bot):
                        echo = customer.echo_seq.get(cmid_waiting)
                        if echo is not None and message["seq"] > echo:
                            stats.bot_ms.append((now - sent) * 1000)
                            customer.awaiting_bot.remove((cmid_waiting, sent))
    except websockets.ConnectionClosed:
        pass


async def talk(customer: Customer, messages: int, interval: float, stats: Stats) -> None:
    await asyncio.sleep(random.uniform(0, interval))
    for i in range(messages):
        cmid = uuid.uuid4().hex
        body = QUESTIONS[(customer.index + i) % len(QUESTIONS)] if not customer.human else f"load {customer.index}/{i}"
        sent = time.perf_counter()
        customer.sent_at[cmid] = sent
        if not customer.human:
            customer.awaiting_bot.append((cmid, sent))
        await customer.ws.send(json.dumps({"type": "message", "body": body, "client_msg_id": cmid}))
        stats.sent += 1
        await asyncio.sleep(interval)


async def run_load(
    *, http_bases: list[str], customers: int, messages: int, interval: float, agents: Agents, settle: float = 5.0
) -> Stats:
    stats = Stats()
    ws_bases = [base.replace("http://", "ws://") for base in http_bases]
    people = [Customer(index=i, human=i % 2 == 0) for i in range(customers)]
    # Open every conversation (ramp, not measured), a few at a time.
    gate = asyncio.Semaphore(50)

    async def opened(customer: Customer) -> bool:
        async with gate:
            base = customer.index % len(http_bases)
            return await open_customer(customer, http_bases[base], ws_bases[base], stats)

    results = await asyncio.gather(*(opened(c) for c in people))
    people = [c for c, ok in zip(people, results, strict=True) if ok]
    stats.conversations = len(people)
    readers = [asyncio.create_task(read_customer(c, stats)) for c in people]
    # Hand half of them over to the agents, and wait until each is assigned.
    for customer in people:
        if customer.human:
            await customer.ws.send(json.dumps({"type": "request_human"}))
    humans = [c for c in people if c.human]
    try:
        await asyncio.wait_for(asyncio.gather(*(c.assigned.wait() for c in humans)), 120)
    except TimeoutError:
        missing = sum(not c.assigned.is_set() for c in humans)
        stats.errors.append(f"{missing} handed-off conversations were not assigned within 120 s")
    started = time.perf_counter()
    await asyncio.gather(*(talk(c, messages, interval, stats) for c in people))
    stats.seconds = time.perf_counter() - started  # the sending, not the wait for the last answers
    # Let the last answers arrive.
    deadline = time.perf_counter() + settle + 10
    while time.perf_counter() < deadline:
        outstanding = sum(len(c.awaiting_bot) for c in people) + sum(
            1 for c in humans for cmid in c.sent_at if cmid not in agents.arrived
        )
        if outstanding == 0:
            break
        await asyncio.sleep(0.2)
    for customer in people:
        for cmid, sent in customer.sent_at.items():
            copies = customer.echoed.get(cmid, 0)
            stats.lost += copies == 0
            stats.duplicate += max(copies - 1, 0)
            if customer.human:
                if cmid in agents.arrived:
                    stats.agent_ms.append((agents.arrived[cmid] - sent) * 1000)
                else:
                    stats.lost += 1
        if customer.human:
            delivered = agents.received.get(customer.conversation_id, [])
            cmids = [cmid for cmid, _ in delivered]
            stats.duplicate += len(cmids) - len(set(cmids))
            seqs = [seq for _, seq in delivered]
            stats.reordered += sum(1 for a, b in zip(seqs, seqs[1:], strict=False) if b < a)
        stats.unanswered += len(customer.awaiting_bot)
    for customer in people:
        await customer.ws.close()
    await asyncio.gather(*readers, return_exceptions=True)
    return stats


async def one_run(stack: Stack, customers: int, messages: int, interval: float) -> Stats:
    agents = Agents()
    bases = [s.url for s in stack.servers]
    await agents.connect([b.replace("http://", "ws://") for b in bases], bases[0], BENCH_AGENTS)
    try:
        return await run_load(
            http_bases=bases, customers=customers, messages=messages, interval=interval, agents=agents
        )
    finally:
        await agents.close()
