"""The bot's task sent to Redis: Celery's publish against one LPUSH (helpdesk/infrastructure/broker.py).

    .venv/bin/python bench/task_send.py [--calls 3000] [--repeat 5]

This process as a production server's would be (the Celery app on a Redis broker, database 12
of HELPDESK_TEST_REDIS_URL, emptied before and after; no database is touched). `handle_message`
is sent `--calls` times each way, the two interleaved `--repeat` times; printed: this process's
CPU and the wall time a call (median of the repeats). The daphne pays this for every customer
message, on the thread its database calls share.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from bench.common import production_env
    from tests.support.services import PG_ADMIN_URL, REDIS_TEST_URL

    redis_url = urlunsplit(urlsplit(REDIS_TEST_URL)._replace(path="/12"))
    os.environ.update(production_env(PG_ADMIN_URL, redis_url))
    import django

    django.setup()
    import redis

    from bots.tasks import handle_message
    from helpdesk.infrastructure import broker

    client = redis.Redis.from_url(redis_url)
    ways = {
        "Celery's publish (task.delay)": handle_message.delay,
        "one LPUSH (broker.send)": lambda message_id: broker.send(handle_message, message_id),
    }
    cpu: dict[str, list[float]] = {name: [] for name in ways}
    wall: dict[str, list[float]] = {name: [] for name in ways}
    client.flushdb()
    try:
        for send in ways.values():  # both warmed: the producer pool, the template
            send(0)
        for _ in range(args.repeat):
            for name, send in ways.items():
                client.flushdb()
                started_cpu, started = time.process_time(), time.perf_counter()
                for message_id in range(args.calls):
                    send(message_id)
                cpu[name].append((time.process_time() - started_cpu) / args.calls * 1000)
                wall[name].append((time.perf_counter() - started) / args.calls * 1000)
                assert client.llen("ml") == args.calls, "every task is on the ml queue"
    finally:
        client.flushdb()
    print(f"{args.calls} sends x {args.repeat}, median of the repeats:")
    for name in ways:
        print(
            f"  {name:32} CPU {statistics.median(cpu[name]):.3f} ms a call, wall {statistics.median(wall[name]):.3f} ms"
        )


if __name__ == "__main__":
    main()
