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
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.loadgen.crowd import one_run  # noqa: E402
from bench.loadgen.knee import knee, plot  # noqa: E402
from bench.loadgen.stack import Stack, redis_clients, stored_once  # noqa: E402
from bench.loadgen.stats import figures, print_run  # noqa: E402

TIERS = {
    # customers, messages, interval (s), customer->agent median/p99 (ms), bot median/p99 (ms)
    "smoke": {"customers": 50, "messages": 10, "interval": 5.0, "agent": (20, 150), "bot": (60, 1000)},
    "full": {"customers": 500, "messages": 20, "interval": 30.0, "agent": (30, 300), "bot": (100, 2000)},
}


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
