"""Load: many customers at once against the production stack, with agents holding the
handed-off chats.

    .venv/bin/python bench/load.py --tier smoke          # 50 customers x 10 messages (CI runs this)
    .venv/bin/python bench/load.py --tier full           # 500 x 20
    .venv/bin/python bench/load.py --knee                # raise the load until p99 passes 1 s
    .venv/bin/python bench/load.py --customers 200 --messages 5 --interval 2

The stack is production mode on one machine over loopback: PostgreSQL, Redis (channel layer
and Celery broker), two daphne processes and a Celery worker (2 processes) with the real model.
Half of the customers ask for a person first and are assigned to connected agents; the other
half stay with the bot. Every customer then sends its messages at the set interval (each starts
at a random offset inside the first interval, so the load is spread, not a burst).

Measured:
- customer -> agent: the customer's frame sent -> the agent's socket receives the message;
- bot reply: the customer's frame sent -> the first bot message after it reaches the customer;
- per conversation: lost (sent, never delivered to the customer's echo or the agent), duplicate
  (delivered twice), reordered (a seq lower than one already seen), gaps in the customer's seq;
  every customer message stored exactly once (counted in PostgreSQL);
- handshake errors (conversation create or socket open failing);
- resident memory of the daphne and Celery processes, and Redis' connected clients, before the
  clients connect and after they have all left.

The load generator runs on the same two cores as the stack, so the figures include its cost.
`--check` exits 1 when a correctness figure (lost, duplicate, reordered, gaps, handshake
errors) is not zero, and reports latency against the tier's targets (it fails on those only
with --enforce-latency: CI machines are shared, correctness is not negotiable, speed is
measured here and recorded in docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402

from bench.common import percentile, production_env  # noqa: E402
from tests.support.servers import DEMO_PASSWORD, celery_worker, daphne, http_json, manage  # noqa: E402
from tests.support.services import PG_ADMIN_URL, fresh_database  # noqa: E402

TIERS = {
    # customers, messages, interval (s), customer->agent median/p99 (ms), bot median/p99 (ms)
    "smoke": {"customers": 50, "messages": 10, "interval": 5.0, "agent": (20, 150), "bot": (60, 1000)},
    "full": {"customers": 500, "messages": 20, "interval": 30.0, "agent": (30, 300), "bot": (100, 2000)},
}
# Routine questions the bot answers itself (tier 1), so each message gets one bot reply.
QUESTIONS = [
    "which payment methods do you accept?",
    "how long does shipping to france take",
    "what is your return policy",
    "how do i change the email on my account",
    "do you take paypal",
]
BENCH_AGENTS = 10
AGENT_CAPACITY = 1000
OPEN_TIMEOUT = 30


@dataclass
class Stats:
    agent_ms: list[float] = field(default_factory=list)
    bot_ms: list[float] = field(default_factory=list)
    handshake_errors: int = 0
    lost: int = 0
    duplicate: int = 0
    reordered: int = 0
    gaps: int = 0
    unanswered: int = 0  # bot customers' messages with no bot reply seen before the end
    sent: int = 0
    seconds: float = 0.0  # from the first message sent to the last
    conversations: int = 0
    errors: list[str] = field(default_factory=list)


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


def stored_once(database_url: str) -> tuple[int, int]:
    """(customer messages stored, client_msg_ids stored more than once) in PostgreSQL."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        total = connection.execute("SELECT count(*) FROM helpdesk_message WHERE sender = 'customer'").fetchone()[0]
        twice = connection.execute(
            "SELECT count(*) FROM (SELECT conversation_id, client_msg_id FROM helpdesk_message "
            "WHERE client_msg_id IS NOT NULL AND client_msg_id <> '' "
            "GROUP BY 1, 2 HAVING count(*) > 1) AS d"
        ).fetchone()[0]
    return total, twice


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def family(pid: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid, *(int(c) for c in children)]


def redis_clients(url: str) -> int:
    import redis

    return int(redis.Redis.from_url(url).info("clients")["connected_clients"])


def summary(values: list[float]) -> str:
    if not values:
        return "n=0"
    return (
        f"n={len(values)} median {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms, "
        f"p99 {percentile(values, 0.99):.1f} ms, max {max(values):.1f} ms"
    )


def figures(stats: Stats) -> dict:
    def pct(values: list[float], q: float) -> float | None:
        return round(percentile(values, q), 1) if values else None

    return {
        "conversations": stats.conversations,
        "messages_sent": stats.sent,
        "messages_per_s": round(stats.sent / stats.seconds, 1) if stats.seconds else None,
        "agent_median_ms": pct(stats.agent_ms, 0.5),
        "agent_p95_ms": pct(stats.agent_ms, 0.95),
        "agent_p99_ms": pct(stats.agent_ms, 0.99),
        "agent_max_ms": round(max(stats.agent_ms), 1) if stats.agent_ms else None,
        "bot_median_ms": pct(stats.bot_ms, 0.5),
        "bot_p95_ms": pct(stats.bot_ms, 0.95),
        "bot_p99_ms": pct(stats.bot_ms, 0.99),
        "bot_max_ms": round(max(stats.bot_ms), 1) if stats.bot_ms else None,
        "lost": stats.lost,
        "duplicate": stats.duplicate,
        "reordered": stats.reordered,
        "gaps": stats.gaps,
        "unanswered": stats.unanswered,
        "handshake_errors": stats.handshake_errors,
    }


class Stack:
    """PostgreSQL database, Redis, two daphnes, one Celery worker, bench agents."""

    def __init__(self, exit_stack: ExitStack, workdir: Path, daphnes: int, redis_url: str) -> None:
        import redis

        self.database_url = fresh_database(PG_ADMIN_URL, "helpdesk_load")
        # A database of its own, emptied: tasks queued by an earlier run that was cut short
        # would otherwise reach this run's worker first.
        redis.Redis.from_url(redis_url).flushdb()
        self.env = production_env(self.database_url, redis_url)
        manage(self.env, "migrate", "--noinput")
        manage(self.env, "seed_demo", "--password", DEMO_PASSWORD)
        manage(
            self.env,
            "shell",
            "-c",
            AGENTS_SNIPPET.format(count=BENCH_AGENTS, capacity=AGENT_CAPACITY, password=DEMO_PASSWORD),
        )
        self.worker = exit_stack.enter_context(celery_worker(self.env, workdir))
        self.servers = [exit_stack.enter_context(daphne(self.env, workdir, f"load-{i}")) for i in range(daphnes)]

    def pids(self) -> dict[str, list[int]]:
        return {"celery": family(self.worker.pid), "daphne": [s.process.pid for s in self.servers]}

    def memory(self) -> dict[str, float]:
        return {name: round(sum(rss_mb(p) for p in pids), 1) for name, pids in self.pids().items()}


# Bench agents in every queue, each able to hold many chats: the load is on the stack, not on
# the staffing.
AGENTS_SNIPPET = """
from django.contrib.auth import get_user_model
from helpdesk.models import AgentProfile, Queue
for i in range({count}):
    user, _ = get_user_model().objects.get_or_create(username=f"load_agent_{{i}}")
    user.set_password("{password}")
    user.save()
    profile, _ = AgentProfile.objects.update_or_create(
        user=user, defaults={{"display_name": f"Load {{i}}", "max_concurrent_chats": {capacity}}}
    )
    profile.queues.set(Queue.objects.all())
"""


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


def print_run(label: str, stats: Stats) -> None:
    rate = stats.sent / stats.seconds if stats.seconds else 0.0
    print(
        f"\n== {label}: {stats.conversations} conversations, {stats.sent} messages "
        f"({rate:.1f} messages/s over {stats.seconds:.0f} s)"
    )
    print(f"customer -> agent: {summary(stats.agent_ms)}")
    print(f"bot reply:         {summary(stats.bot_ms)}")
    print(
        f"lost {stats.lost}, duplicate {stats.duplicate}, reordered {stats.reordered}, seq gaps {stats.gaps}, "
        f"bot questions unanswered {stats.unanswered}, handshake errors {stats.handshake_errors}"
    )
    for line in stats.errors[:10]:
        print(f"  {line}")


def knee(stack: Stack, args: argparse.Namespace) -> list[dict]:
    """Raise connections and message rate together until either p99 passes 1 s."""
    steps = []
    for customers in args.knee_steps:
        stats = asyncio.run(one_run(stack, customers, args.knee_messages, args.knee_interval))
        row = {"customers": customers, "offered_msgs_per_s": round(customers / args.knee_interval, 1), **figures(stats)}
        steps.append(row)
        print_run(f"knee step: {customers} customers, 1 message / {args.knee_interval} s each", stats)
        worst = max(row["agent_p99_ms"] or 0, row["bot_p99_ms"] or 0)
        if worst > 1000 or stats.handshake_errors:
            print(f"knee: p99 passed 1 s at {customers} connections, {row['messages_per_s']} messages/s")
            break
    return steps


def plot(steps: list[dict], path: Path) -> None:
    """Latency against offered load, an SVG with log-scaled latency."""
    import math

    width, height, left, bottom, top, right = 780, 420, 70, 50, 30, 180
    xs = [s["messages_per_s"] for s in steps]
    series = {
        "customer→agent p50": ("agent_median_ms", "#2b6cb0", ""),
        "customer→agent p99": ("agent_p99_ms", "#2b6cb0", "6 4"),
        "bot reply p50": ("bot_median_ms", "#c05621", ""),
        "bot reply p99": ("bot_p99_ms", "#c05621", "6 4"),
    }
    lo, hi = 1.0, 10_000.0
    x_max = max(xs) * 1.05

    def px(x: float) -> float:
        return left + (x / x_max) * (width - left - right)

    def py(y: float) -> float:
        y = min(max(y, lo), hi)
        return top + (1 - (math.log10(y) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))) * (
            height - top - bottom
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="18" font-size="14">Latency against load (production mode, one 2-core machine)</text>',
    ]
    for tick in (1, 10, 100, 1000, 10000):
        y = py(tick)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{tick} ms</text>')
    y1s = py(1000)
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y1s:.1f}" y2="{y1s:.1f}" stroke="#c53030"/>')
    for step in steps:
        x = px(step["messages_per_s"])
        parts.append(
            f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle">{step["messages_per_s"]:g}</text>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{height - bottom + 30}" text-anchor="middle" fill="#666">{step["customers"]}</text>'
        )
    parts.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 4}" text-anchor="middle">customer messages/s '
        "(grey: customers connected, plus 10 agents)</text>"
    )
    for i, (name, (key, colour, dash)) in enumerate(series.items()):
        points = [(px(s["messages_per_s"]), py(s[key])) for s in steps if s.get(key)]
        if points:
            path_d = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(
                f'<polyline points="{path_d}" fill="none" stroke="{colour}" stroke-width="2" '
                f'stroke-dasharray="{dash}"/>'
            )
        ly = top + 20 + i * 20
        parts.append(
            f'<line x1="{width - right + 10}" x2="{width - right + 35}" y1="{ly}" y2="{ly}" stroke="{colour}" '
            f'stroke-width="2" stroke-dasharray="{dash}"/>'
        )
        parts.append(f'<text x="{width - right + 40}" y="{ly + 4}">{name}</text>')
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n")
    print(f"wrote {path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tier", choices=sorted(TIERS), default="smoke")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--messages", type=int)
    parser.add_argument("--interval", type=float, help="seconds between one customer's messages")
    parser.add_argument("--daphnes", type=int, default=2)
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("HELPDESK_LOAD_REDIS_URL", "redis://127.0.0.1:6379/9"),
        help="emptied first",
    )
    parser.add_argument("--knee", action="store_true", help="find the load at which p99 passes 1 s")
    parser.add_argument(
        "--knee-steps", type=lambda s: [int(x) for x in s.split(",")], default=[100, 200, 400, 600, 800, 1000, 1400]
    )
    parser.add_argument("--knee-interval", type=float, default=2.0)
    parser.add_argument("--knee-messages", type=int, default=8)
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "load-latency.svg")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--logs", type=Path, help="keep the servers' and worker's logs in this folder")
    parser.add_argument("--check", action="store_true", help="exit 1 unless lost/duplicate/reordered/errors are 0")
    parser.add_argument(
        "--enforce-latency", action="store_true", help="with --check, fail on the tier's latency targets too"
    )
    args = parser.parse_args()
    tier = TIERS[args.tier]
    customers = args.customers or tier["customers"]
    messages = args.messages or tier["messages"]
    interval = args.interval or tier["interval"]
    workdir = args.logs or Path(tempfile.mkdtemp(prefix="helpdesk-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    report: dict = {}
    try:
        with ExitStack() as exit_stack:
            stack = Stack(exit_stack, workdir, args.daphnes, args.redis_url)
            memory_before, clients_before = stack.memory(), redis_clients(args.redis_url)
            if args.knee:
                steps = knee(stack, args)
                report["knee"] = steps
                plot(steps, args.plot)
            else:
                stats = asyncio.run(one_run(stack, customers, messages, interval))
                print_run(f"{customers} customers x {messages} messages, one every {interval:g} s", stats)
                report["run"] = {"customers": customers, "messages": messages, "interval": interval, **figures(stats)}
                total, twice = stored_once(stack.database_url)
                expected = stats.sent
                print(f"stored customer messages: {total} (sent {expected}), stored twice: {twice}")
                report["run"].update({"stored": total, "stored_twice": twice})
                if args.check:
                    bad = {k: report["run"][k] for k in ("lost", "duplicate", "reordered", "gaps", "handshake_errors")}
                    failures += [f"{k} = {v}" for k, v in bad.items() if v]
                    if twice or total != expected:
                        failures.append(f"stored {total} customer messages for {expected} sent ({twice} twice)")
                    if stats.unanswered:
                        failures.append(f"{stats.unanswered} bot questions got no answer")
                targets = {
                    "customer->agent median": (report["run"]["agent_median_ms"], tier["agent"][0]),
                    "customer->agent p99": (report["run"]["agent_p99_ms"], tier["agent"][1]),
                    "bot reply median": (report["run"]["bot_median_ms"], tier["bot"][0]),
                    "bot reply p99": (report["run"]["bot_p99_ms"], tier["bot"][1]),
                }
                for name, (value, target) in targets.items():
                    met = value is not None and value <= target
                    print(f"target {name} <= {target} ms: {value} ms {'met' if met else 'NOT MET'}")
                    if args.check and args.enforce_latency and not met:
                        failures.append(f"{name} {value} ms > {target} ms")
            time.sleep(2)  # let the servers notice the closed sockets
            memory_after, clients_after = stack.memory(), redis_clients(args.redis_url)
            print(f"resident memory before: {memory_before} MB; after: {memory_after} MB")
            print(f"redis connected clients before: {clients_before}; after: {clients_after}")
            report["memory_mb"] = {"before": memory_before, "after": memory_after}
            report["redis_clients"] = {"before": clients_before, "after": clients_after}
    finally:
        if not args.logs:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
