"""The floor: how close is the desk's customer-message path to what Channels itself costs?

    .venv/bin/python bench/floor.py                            # 50 customers x 20, one message / 0.5 s each
    .venv/bin/python bench/floor.py --worker                   # the same, one Celery worker answering as the bot
    .venv/bin/python bench/floor.py --rate 25,50,100,200,400   # step the load, stop each side at its knee
    .venv/bin/python bench/floor.py --daphnes 2 --rate 100,200,300,400   # two daphnes a side, the echo's knee
    .venv/bin/python bench/floor.py --customers 20 --messages 5   # a short check

Two servers, one daphne each (`--daphnes N`: N each, the customers spread over them), on the
same Redis and the same channel layer (channels_redis' pub/sub layer, configured as
config/settings/base.py configures it):

- bare: bench/floor_echo.py, one consumer that sends each frame to its socket's own group and
  echoes it back from there: the framework's floor (daphne, Channels, the layer, no database);
- desk: production mode as bench/load.py starts it (a fresh PostgreSQL database, Redis
  emptied, migrate, seed_demo, the bench agents), with one daphne and, with --worker, one
  Celery worker (2 processes). A customer opens a conversation over HTTP, then its socket; a
  message is parsed, stored under the conversation's row lock, committed, pushed through the
  layer and echoed; the bot's task is queued. Without a worker nobody takes it, and the fail-open
  bound and the bot's recovery are put beyond the run, so the path stays the message's own.

The same client drives both with the same load: N customers, each sends a message, waits for
its echo, and sends the next one an interval after the one before (at once if the echo took
longer), M messages each, each customer starting at a random point of the first interval.
The bodies are bench/load.py's routine questions, so with --worker the bot answers them.

Measured, per side:
- echo latency: the frame sent -> the echo of that same frame back on the same socket (matched
  by `client_msg_id` on the desk, by an `id` in the frame on the bare app): median and p99,
  and desk/bare for both;
- messages/s achieved (sent over the span from the start of the sending to the last echo,
  against the offered N / interval);
- lost (never echoed by the end; a customer waits 10 s for an echo, then sends its next),
  duplicated and reordered echoes: all must be 0;
- CPU seconds per 1,000 customer messages, per process group, from /proc/<pid>/stat
  (utime + stime) read after every socket is open and again after the last echo and a settle
  (--settle, 1 s): the daphne, PostgreSQL, redis-server, the Celery worker and this client.
  PostgreSQL is the postmaster's own time, its ended backends' (its cutime, cstime) and its live
  processes': the cluster, however connections come and go; "db backends" is the desk's
  database's backends alone, those alive at the end (best effort).
  Each machine-wide group counts everything it did meanwhile, others' work included: on a
  shared machine the bare side's PostgreSQL figure is that noise.

--rate R1,R2,... sets the offered messages/s of each step (customers = R x interval, the interval
fixed); each side stops at its knee, the first step whose p99 passes 250 ms (--knee-ms) or where
a socket failed to open. The script exits 1 when an echo was lost, duplicated or reordered, or a
socket failed to open.

The client runs on the same cores as the servers, so the latencies include its cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402

from bench.common import percentile  # noqa: E402
from bench.loadgen.crowd import OPEN_TIMEOUT, QUESTIONS  # noqa: E402
from bench.loadgen.stack import Stack  # noqa: E402
from tests.support.servers import Server, base_env, daphne, http_json  # noqa: E402

ECHO_TIMEOUT = 10.0  # seconds a customer waits for an echo before it counts as lost and moves on
TICKS = os.sysconf("SC_CLK_TCK")
# No worker takes the bot's tasks: without these, each conversation would be handed to a person
# 15 s after its first message (fail open) and its tasks sent again after 20 s, mid-run.
NO_WORKER_ENV = {"HELPDESK_BOT_ANSWER_BOUND_SECONDS": "86400", "HELPDESK_BOT_RECOVERY_AFTER_SECONDS": "86400"}


# --- the two sides: how a customer opens its socket, and how a frame and its echo read ----------


class Side(Protocol):
    name: str
    roots: dict[str, list[int]]  # process group -> the pids at its top
    database: str | None  # the PostgreSQL database whose backends are counted apart

    async def open(self, index: int) -> Any: ...
    def frame(self, message_id: str, body: str) -> dict: ...
    def echo_id(self, frame: dict) -> str | None: ...
    def error(self, frame: dict) -> str | None: ...


class Bare:
    name = "bare"
    database = None

    def __init__(self, servers: list[Server]) -> None:
        self.ws_bases = [server.ws_url for server in servers]
        self.roots = {"daphne": [server.process.pid for server in servers]}

    async def open(self, index: int) -> Any:
        ws_base = self.ws_bases[index % len(self.ws_bases)]  # customers spread over the daphnes
        return await websockets.connect(f"{ws_base}/ws/echo/", open_timeout=OPEN_TIMEOUT, max_queue=None)

    def frame(self, message_id: str, body: str) -> dict:
        return {"id": message_id, "body": body}

    def echo_id(self, frame: dict) -> str | None:
        return frame.get("id")

    def error(self, frame: dict) -> str | None:
        return None


class Desk:
    name = "desk"

    def __init__(self, stack: Stack) -> None:
        self.servers = stack.servers
        self.roots = {"daphne": [server.process.pid for server in stack.servers]}
        if stack.worker is not None:
            self.roots["celery"] = [stack.worker.pid]
        self.database = urlparse(stack.database_url).path.lstrip("/")

    async def open(self, index: int) -> Any:
        server = self.servers[index % len(self.servers)]  # customers spread over the daphnes
        status, body = await asyncio.to_thread(
            http_json, "POST", f"{server.url}/api/v1/conversations/", {"name": f"floor {index}"}
        )
        if status != 201:
            raise RuntimeError(f"create answered {status}: {body}")
        return await websockets.connect(server.ws_url + body["ws_url"], open_timeout=OPEN_TIMEOUT, max_queue=None)

    def frame(self, message_id: str, body: str) -> dict:
        return {"type": "message", "body": body, "client_msg_id": message_id}

    def echo_id(self, frame: dict) -> str | None:
        # The greeting, the bot's answers and status frames pass; only the customer's own count.
        message = frame.get("message") if frame.get("type") == "message" else None
        return message.get("client_msg_id") if message and message.get("sender") == "customer" else None

    def error(self, frame: dict) -> str | None:
        return f"{frame.get('code')}: {frame.get('detail')}" if frame.get("type") == "error" else None


# --- CPU time from /proc -------------------------------------------------------------------------


@dataclass
class Proc:
    comm: str
    ppid: int
    own: float  # utime + stime, seconds
    reaped: float  # cutime + cstime: the children it has waited for


def processes() -> dict[int, Proc]:
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended while we looked
        # The command may hold spaces and parentheses: the fields start after the last ")".
        comm = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()  # fields[0] is field 3 of proc(5), the state
        utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
        table[int(entry.name)] = Proc(comm, int(fields[1]), (utime + stime) / TICKS, (cutime + cstime) / TICKS)
    return table


def tree(table: dict[int, Proc], root: int) -> float:
    """A process, its live children and the children it has reaped (one level: daphne, the
    Celery worker's prefork pool, the postmaster's backends)."""
    if root not in table:
        return 0.0
    return table[root].own + table[root].reaped + sum(p.own for p in table.values() if p.ppid == root)


def backend_database(pid: int) -> str | None:
    """The database a PostgreSQL backend serves, from its process title:
    "postgres: [cluster:] user database host(port) state"."""
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    if not words or words[0] != "postgres:":
        return None
    words = words[2:] if len(words) > 1 and words[1].endswith(":") else words[1:]
    return words[1] if len(words) > 2 else None


@dataclass
class CpuSample:
    groups: dict[str, float]
    backends: dict[int, float]  # the backends of the side's database: pid -> seconds


def cpu_sample(side: Side, redis_pid: int) -> CpuSample:
    """PostgreSQL: the postmaster's own time, its reaped children's (cutime, cstime: every
    backend that ended, whole lifetime) and its live processes'. Exact for the cluster, whatever
    connections come and go; the backends of the side's own database are also counted apart,
    but only those alive at the second reading (one that ended meanwhile is in the cluster's
    figure only, and reported)."""
    table = processes()
    postmasters = [
        pid
        for pid, p in table.items()
        if p.comm == "postgres" and table.get(p.ppid, Proc("", 0, 0, 0)).comm != "postgres"
    ]
    groups = {name: sum(tree(table, pid) for pid in pids) for name, pids in side.roots.items()}
    groups["postgres"] = sum(tree(table, pid) for pid in postmasters)
    groups["redis"] = tree(table, redis_pid)
    groups["client"] = table[os.getpid()].own  # its threads included; its children are the servers
    backends = {}
    if side.database:
        for pid, p in table.items():
            if p.ppid in postmasters and backend_database(pid) == side.database:
                backends[pid] = p.own
    return CpuSample(groups, backends)


# --- one run: the customers, their messages and what came back ----------------------------------


@dataclass
class Run:
    side: str
    customers: int
    interval: float
    latencies_ms: list[float] = field(default_factory=list)
    sent: int = 0
    lost: int = 0
    duplicate: int = 0
    reordered: int = 0
    handshake_errors: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0  # from the first send to the last echo
    cpu: dict[str, float] = field(default_factory=dict)  # seconds per process group
    backends_ended: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("inf")

    @property
    def p99(self) -> float:
        return percentile(self.latencies_ms, 0.99) if self.latencies_ms else float("inf")

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    def per_thousand(self, group: str) -> float | None:
        return self.cpu[group] / self.sent * 1000 if group in self.cpu and self.sent else None


@dataclass
class Customer:
    index: int
    ws: Any = None
    sent_at: dict[str, float] = field(default_factory=dict)  # message id -> send time
    order: dict[str, int] = field(default_factory=dict)  # message id -> its place in the customer's sending
    echoed: set[str] = field(default_factory=set)
    last: int = -1  # the latest place echoed so far
    waiting: dict[str, asyncio.Future] = field(default_factory=dict)


async def read(customer: Customer, side: Side, run: Run) -> None:
    try:
        async for raw in customer.ws:
            now = time.perf_counter()
            frame = json.loads(raw)
            if problem := side.error(frame):
                run.errors.append(f"customer {customer.index}: {problem}")
                continue
            message_id = side.echo_id(frame)
            if message_id not in customer.sent_at:
                continue
            if message_id in customer.echoed:
                run.duplicate += 1
                continue
            customer.echoed.add(message_id)
            # A late echo (after ECHO_TIMEOUT) still counts: it was slow, not lost.
            run.latencies_ms.append((now - customer.sent_at[message_id]) * 1000)
            place = customer.order[message_id]
            run.reordered += place < customer.last
            customer.last = max(customer.last, place)
            waiter = customer.waiting.pop(message_id, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
    except websockets.ConnectionClosed:
        pass


async def talk(customer: Customer, side: Side, messages: int, interval: float, run: Run) -> None:
    await asyncio.sleep(random.uniform(0, interval))
    loop = asyncio.get_running_loop()
    for i in range(messages):
        message_id = uuid.uuid4().hex
        waiter = customer.waiting[message_id] = loop.create_future()
        sent = time.perf_counter()
        customer.sent_at[message_id], customer.order[message_id] = sent, i
        body = QUESTIONS[(customer.index + i) % len(QUESTIONS)]
        try:
            await customer.ws.send(json.dumps(side.frame(message_id, body)))
        except websockets.ConnectionClosed as error:
            run.errors.append(f"customer {customer.index}: socket closed ({error})")
            return
        run.sent += 1
        try:
            await asyncio.wait_for(waiter, ECHO_TIMEOUT)
        except TimeoutError:
            pass  # lost unless it still arrives: counted at the end
        if i < messages - 1:
            await asyncio.sleep(max(0.0, sent + interval - time.perf_counter()))


async def one_run(side: Side, redis_pid: int, customers: int, messages: int, interval: float, settle: float) -> Run:
    run = Run(side=side.name, customers=customers, interval=interval)
    people = [Customer(index=i) for i in range(customers)]
    gate = asyncio.Semaphore(50)  # the ramp: a few handshakes at a time, not measured

    async def opened(customer: Customer) -> bool:
        async with gate:
            try:
                customer.ws = await side.open(customer.index)
                return True
            except Exception as error:  # noqa: BLE001 - every failure to open counts, and is shown
                run.handshake_errors += 1
                run.errors.append(f"customer {customer.index}: {type(error).__name__}: {error}")
                return False

    results = await asyncio.gather(*(opened(c) for c in people))
    people = [c for c, ok in zip(people, results, strict=True) if ok]
    readers = [asyncio.create_task(read(c, side, run)) for c in people]
    await asyncio.sleep(0.5)  # the greetings and replays of the opening go out before the count starts
    before = cpu_sample(side, redis_pid)
    started = time.perf_counter()
    await asyncio.gather(*(talk(c, side, messages, interval, run) for c in people))
    run.seconds = time.perf_counter() - started
    # The settle lets late echoes come, and with --worker the bot's last turns finish, so
    # their CPU time is in the count.
    await asyncio.sleep(settle)
    after = cpu_sample(side, redis_pid)
    run.cpu = {name: after.groups[name] - before.groups.get(name, 0.0) for name in after.groups}
    if side.database:
        run.cpu["db backends"] = sum(s - before.backends.get(pid, 0.0) for pid, s in after.backends.items())
        run.backends_ended = len(before.backends.keys() - after.backends.keys())
    run.lost = sum(len(c.sent_at) - len(c.echoed) for c in people)
    for customer in people:
        await customer.ws.close()
    await asyncio.gather(*readers, return_exceptions=True)
    return run


# --- the bare echo server ------------------------------------------------------------------------


@contextmanager
def echo_server(redis_url: str, log_dir: Path) -> Iterator[Server]:
    """bench/floor_echo.py in a daphne of its own (its settings are its own: no
    DJANGO_SETTINGS_MODULE)."""
    env = base_env(FLOOR_REDIS_URL=redis_url)
    env.pop("DJANGO_SETTINGS_MODULE")
    with daphne(env, log_dir, name="floor-echo", app="bench.floor_echo:application") as server:
        yield server


def redis_pid(url: str) -> int:
    import redis

    return int(redis.Redis.from_url(url).info("server")["process_id"])


# --- the report ----------------------------------------------------------------------------------

GROUPS = ["daphne", "postgres", "db backends", "redis", "celery", "client"]


def ms(value: float) -> str:
    return f"{value:.1f} ms" if value != float("inf") else "-"


def print_run(run: Run, messages: int) -> None:
    offered = run.customers / run.interval
    print(
        f"\n== {run.side}: {run.customers} customers x {messages} messages, one every {run.interval:g} s "
        f"(offered {offered:g} msg/s; load average {os.getloadavg()[0]:.2f})"
    )
    print(
        f"echo: n={len(run.latencies_ms)} median {ms(run.median)}, p99 {ms(run.p99)}, "
        f"max {ms(max(run.latencies_ms, default=float('inf')))}; {run.rate:.1f} messages/s over {run.seconds:.1f} s"
    )
    print(
        f"lost {run.lost}, duplicate {run.duplicate}, reordered {run.reordered}, "
        f"handshake errors {run.handshake_errors}, other errors {len(run.errors) - run.handshake_errors}"
    )
    for line in run.errors[:10]:
        print(f"  {line}")


def print_cpu(runs: list[Run]) -> None:
    """CPU seconds per 1,000 customer messages, one column per run."""
    print("\nCPU seconds per 1,000 customer messages (in brackets: CPU seconds over the run)")
    print(f"{'group':<14}" + "".join(f"{r.side:>22}" for r in runs))
    for group in GROUPS:
        if not any(group in r.cpu for r in runs):
            continue
        cells = []
        for r in runs:
            value = r.per_thousand(group)
            cells.append(f"{value:8.2f} ({r.cpu[group]:6.2f} s)" if value is not None else "-")
        print(f"{group:<14}" + "".join(f"{c:>22}" for c in cells))
    for r in runs:
        if r.backends_ended:
            print(f"({r.side}: {r.backends_ended} backends ended during the run: in 'postgres' only)")


def cpu_line(run: Run) -> str:
    parts = [f"{g} {run.per_thousand(g):.2f}" for g in GROUPS if run.per_thousand(g) is not None]
    return "CPU s / 1,000 msgs: " + ", ".join(parts)


def step_line(rate: float, run: Run) -> str:
    return (
        f"step {rate:g} msg/s ({run.customers} customers) {run.side}: {run.rate:.1f} msg/s, "
        f"median {ms(run.median)}, p99 {ms(run.p99)}, lost {run.lost}, duplicate {run.duplicate}, "
        f"reordered {run.reordered}, handshake errors {run.handshake_errors}"
    )


def ratio(desk: float, bare: float) -> str:
    return f"{desk / bare:.1f}x" if bare and bare != float("inf") and desk != float("inf") else "-"


# --- the entry point -----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20, help="messages per customer")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between one customer's messages")
    parser.add_argument("--worker", action="store_true", help="one Celery worker answers as the bot")
    parser.add_argument("--daphnes", type=int, default=1, help="daphnes per side, the customers spread over them")
    parser.add_argument(
        "--rate", type=lambda s: [float(x) for x in s.split(",")], help="offered messages/s per step, e.g. 25,50,100"
    )
    parser.add_argument("--knee-ms", type=float, default=250.0, help="a side's knee: the first step past this p99")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds after the last echo before CPU is read")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("HELPDESK_FLOOR_REDIS_URL", "redis://127.0.0.1:6379/11"),
        help="the desk's (emptied first)",
    )
    parser.add_argument("--echo-redis-url", default="redis://127.0.0.1:6379/12", help="the bare app's")
    parser.add_argument("--logs", type=Path, help="keep the servers' (and worker's) logs in this folder")
    args = parser.parse_args()
    workdir = args.logs or Path(tempfile.mkdtemp(prefix="helpdesk-floor-"))
    workdir.mkdir(parents=True, exist_ok=True)
    failures = 0
    try:
        with ExitStack() as exit_stack:
            bare = Bare(
                [exit_stack.enter_context(echo_server(args.echo_redis_url, workdir)) for _ in range(args.daphnes)]
            )
            stack = Stack(
                exit_stack,
                workdir,
                args.daphnes,
                args.redis_url,
                worker=args.worker,
                database="helpdesk_floor",
                env=None if args.worker else NO_WORKER_ENV,
            )
            desk = Desk(stack)
            sides: list[Side] = [bare, desk]
            pid = redis_pid(args.redis_url)
            worker = "one Celery worker (2 processes)" if args.worker else "no worker"
            print(f"each side: {args.daphnes} daphne(s); desk: {worker}")
            if args.rate:
                failures = steps(sides, pid, args)
            else:
                runs = []
                for side in sides:
                    run = asyncio.run(one_run(side, pid, args.customers, args.messages, args.interval, args.settle))
                    print_run(run, args.messages)
                    runs.append(run)
                    failures += run.lost + run.duplicate + run.reordered + run.handshake_errors
                bare_run, desk_run = runs
                print(
                    f"\ndesk/bare: median {ratio(desk_run.median, bare_run.median)}, "
                    f"p99 {ratio(desk_run.p99, bare_run.p99)}"
                )
                print_cpu(runs)
    finally:
        if not args.logs:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failures else 0


def steps(sides: list[Side], pid: int, args: argparse.Namespace) -> int:
    """Each step on each side still below its knee; one line per step and side."""
    knees: dict[str, str] = {}
    failures = 0
    for rate in args.rate:
        customers = max(1, round(rate * args.interval))
        step: dict[str, Run] = {}
        for side in sides:
            if side.name in knees:
                continue
            run = asyncio.run(one_run(side, pid, customers, args.messages, args.interval, args.settle))
            step[side.name] = run
            print(step_line(rate, run))
            print(f"    {cpu_line(run)}")
            for line in run.errors[:5]:
                print(f"    {line}")
            failures += run.lost + run.duplicate + run.reordered + run.handshake_errors
            if run.p99 > args.knee_ms or run.handshake_errors:
                knees[side.name] = f"at {rate:g} msg/s offered ({run.rate:.1f} achieved, p99 {ms(run.p99)})"
        if {"bare", "desk"} <= step.keys():
            print(
                f"    desk/bare: median {ratio(step['desk'].median, step['bare'].median)}, "
                f"p99 {ratio(step['desk'].p99, step['bare'].p99)}"
            )
        if len(knees) == len(sides):
            break
    for side in sides:
        where = knees.get(side.name, f"not reached up to {args.rate[-1]:g} msg/s (p99 <= {args.knee_ms:g} ms)")
        print(f"knee {side.name}: {where}")
    return failures


if __name__ == "__main__":
    sys.exit(main())
