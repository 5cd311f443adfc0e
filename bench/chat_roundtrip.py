"""Chat round trip through a real daphne: customer message -> stored -> echoed back, and
agent reply -> customer.

    .venv/bin/python bench/chat_roundtrip.py [--customers 20] [--messages 20] [--production]

Embedded by default (SQLite, in-memory layer, one daphne). --production runs two daphnes on
PostgreSQL and Redis with a Celery worker; customers connect to one, the agent to the other.
Prints the figures; docs/benchmarks.md records them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402

from bench.common import percentile, production_env  # noqa: E402
from tests.support.servers import DEMO_PASSWORD, base_env, celery_worker, daphne, http_json, manage  # noqa: E402
from tests.support.services import PG_ADMIN_URL, REDIS_TEST_URL, fresh_database  # noqa: E402


async def customer_run(ws_base: str, http_base: str, messages: int, latencies: list[float]) -> None:
    status, conversation = http_json("POST", f"{http_base}/api/v1/conversations/", {"name": "bench"})
    assert status == 201, conversation
    async with websockets.connect(ws_base + conversation["ws_url"]) as ws:
        await asyncio.wait_for(ws.recv(), 10)  # the greeting
        for i in range(messages):
            client_id = uuid.uuid4().hex
            started = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "body": f"bench message {i}", "client_msg_id": client_id}))
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if frame.get("type") == "message" and frame["message"]["client_msg_id"] == client_id:
                    latencies.append((time.perf_counter() - started) * 1000)
                    break
            await asyncio.sleep(0.1)  # a person types; this is not a flood test


async def agent_reply_run(
    customer_ws: str, agent_ws: str, http_base: str, agent_http: str, replies: int
) -> list[float]:
    status, conversation = http_json("POST", f"{http_base}/api/v1/conversations/", {"name": "bench-agent"})
    _, token = http_json(
        "POST", f"{agent_http}/api/v1/auth/token/", {"username": "agent_general", "password": DEMO_PASSWORD}
    )
    cid = conversation["id"]
    latencies: list[float] = []
    async with (
        websockets.connect(f"{agent_ws}/ws/agent/?token={token['token']}") as agent,
        websockets.connect(customer_ws + conversation["ws_url"]) as customer,
    ):
        await customer.send(json.dumps({"type": "request_human"}))
        while json.loads(await asyncio.wait_for(agent.recv(), 20)).get("type") != "conversation.queued":
            pass
        await agent.send(json.dumps({"type": "accept", "conversation_id": cid}))
        while json.loads(await asyncio.wait_for(customer.recv(), 10)).get("type") != "assigned":
            pass
        for i in range(replies):
            body = f"agent reply {i}"
            started = time.perf_counter()
            await agent.send(json.dumps({"type": "message", "conversation_id": cid, "body": body}))
            while True:
                frame = json.loads(await asyncio.wait_for(customer.recv(), 10))
                if frame.get("type") == "message" and frame["message"]["body"] == body:
                    latencies.append((time.perf_counter() - started) * 1000)
                    break
            await asyncio.sleep(0.05)
        await agent.send(json.dumps({"type": "resolve", "conversation_id": cid}))
    return latencies


def report(name: str, latencies: list[float], seconds: float | None = None) -> None:
    line = (
        f"{name}: n={len(latencies)} p50={statistics.median(latencies):.1f} ms "
        f"p95={percentile(latencies, 0.95):.1f} ms max={max(latencies):.1f} ms"
    )
    if seconds:
        line += f"  ({len(latencies) / seconds:.0f} msg/s over {seconds:.1f} s)"
    print(line)


async def run(args: argparse.Namespace, customer_base: str, agent_base: str) -> None:
    ws = customer_base.replace("http://", "ws://")
    agent_ws = agent_base.replace("http://", "ws://")
    latencies: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(customer_run(ws, customer_base, args.messages, latencies) for _ in range(args.customers)))
    report(
        f"customer message echo ({args.customers} customers x {args.messages})",
        latencies,
        time.perf_counter() - started,
    )
    report("agent reply -> customer", await agent_reply_run(ws, agent_ws, customer_base, agent_base, args.messages))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--production", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="helpdesk-bench-"))
    try:
        with ExitStack() as stack:
            if args.production:
                env = production_env(fresh_database(PG_ADMIN_URL, "helpdesk_bench"), REDIS_TEST_URL)
            else:
                env = base_env(DATABASE_URL=f"sqlite:///{workdir}/db.sqlite3", HELPDESK_CREATE_RATE_LIMIT="100000")
            manage(env, "migrate", "--noinput")
            manage(env, "seed_demo", "--password", DEMO_PASSWORD)
            first = stack.enter_context(daphne(env, workdir, "bench-a"))
            second = first
            if args.production:
                stack.enter_context(celery_worker(env, workdir))
                second = stack.enter_context(daphne(env, workdir, "bench-b"))
            print(f"mode: {'production (2 daphnes, PostgreSQL, Redis, Celery)' if args.production else 'embedded'}")
            asyncio.run(run(args, first.url, second.url))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
