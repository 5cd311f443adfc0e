"""A customer message's bot round trip in production mode, and the worker's memory.

    .venv/bin/python bench/bot_roundtrip.py [--customers 10] [--messages 20]

Two daphnes on PostgreSQL and Redis pub/sub and a Celery worker (2 processes) on the `ml`
queue. Each customer sends routine questions, one at a time, and times socket send → stored →
Celery → classified (prediction stored) → the bot's answer pushed back to the socket. Prints
median and p99, then the resident memory of each worker process with the model loaded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402

from bench.common import percentile, production_env  # noqa: E402
from tests.support.servers import DEMO_PASSWORD, celery_worker, daphne, http_json, manage  # noqa: E402
from tests.support.services import PG_ADMIN_URL, REDIS_TEST_URL, fresh_database  # noqa: E402

QUESTIONS = [
    "which payment methods do you accept?",
    "how long does shipping to france take",
    "what is your return policy",
    "hello",
    "how do i change the email on my account",
]


async def customer(base: str, messages: int, latencies: list[float]) -> None:
    status, conversation = http_json("POST", f"{base}/api/v1/conversations/", {"name": "bench"})
    assert status == 201, conversation
    async with websockets.connect(base.replace("http://", "ws://") + conversation["ws_url"]) as ws:
        await asyncio.wait_for(ws.recv(), 10)  # greeting
        for i in range(messages):
            started = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "body": QUESTIONS[i % len(QUESTIONS)]}))
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if frame.get("type") == "message" and frame["message"]["sender"] == "bot":
                    latencies.append((time.perf_counter() - started) * 1000)
                    break
            await asyncio.sleep(0.2)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=10)
    parser.add_argument("--messages", type=int, default=20)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="helpdesk-bench-"))
    try:
        with ExitStack() as stack:
            env = production_env(fresh_database(PG_ADMIN_URL, "helpdesk_bench"), REDIS_TEST_URL)
            manage(env, "migrate", "--noinput")
            manage(env, "seed_demo", "--password", DEMO_PASSWORD)
            worker = stack.enter_context(celery_worker(env, workdir))
            server = stack.enter_context(daphne(env, workdir, "bench-a"))
            latencies: list[float] = []

            async def everyone() -> None:
                runs = (customer(server.url, args.messages, latencies) for _ in range(args.customers))
                await asyncio.wait_for(asyncio.gather(*runs), 600)

            asyncio.run(everyone())
            print(
                f"bot round trip (socket -> Celery -> prediction stored -> answer pushed), n={len(latencies)}: "
                f"median {statistics.median(latencies):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms, "
                f"max {max(latencies):.1f} ms"
            )
            children = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True).stdout.split()
            for pid in children:
                print(f"celery worker process {pid}: resident memory {rss_mb(int(pid)):.0f} MB")
            print(f"celery main process {worker.pid}: resident memory {rss_mb(worker.pid):.0f} MB")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
