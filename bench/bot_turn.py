"""The bot's turn in one process on PostgreSQL: what one turn costs, without the sockets and Celery.

    .venv/bin/python bench/bot_turn.py [--conversations 10] [--turns 10] [--repeat 3]

A fresh database (`helpdesk_bot_turn`, suffixed by HELPDESK_TEST_DB_TAG; dropped at the end),
migrated and seeded with the demo desk. Each conversation's customer asks the load benchmark's
routine questions in turn (answered from the knowledge base: the commonest turn); each message
is stored as the socket stores it, then its turn runs here as the worker runs it
(`bot_handle_message`). Prints, per turn: this process's CPU (Python, and ONNX Runtime's one
thread), the PostgreSQL backend's CPU (from /proc), the wall time and the statements, then the
PostgreSQL CPU of each kind of statement (with --statements). The host's speed drifts: compare
two commits by running them back to back, several times (--repeat).
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import demo_desk_in_process  # noqa: E402
from bench.loadgen.crowd import QUESTIONS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=10)
    parser.add_argument("--turns", type=int, default=10, help="messages per conversation, each run")
    parser.add_argument("--repeat", type=int, default=3, help="runs, each on new conversations")
    parser.add_argument("--statements", action="store_true", help="the PostgreSQL CPU of each kind of statement")
    args = parser.parse_args()

    with demo_desk_in_process("helpdesk_bot_turn"):  # this process runs each turn itself
        run(args)


def run(args: argparse.Namespace) -> None:
    import helpdesk.infrastructure.tasks_runner as tasks_runner
    from bots import runtime
    from bots.services.turns import bot_handle_message
    from helpdesk.services.conversations import conversation_start
    from helpdesk.services.messages import customer_message_post

    tasks_runner.run_task = lambda *args, **kwargs: None  # the bot's task: run below instead
    import bots.subscribers

    bots.subscribers.run_task = tasks_runner.run_task
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()

    def backend_cpu() -> float:
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    per_statement: collections.Counter[str] = collections.Counter()
    statements = [0]

    def count(execute, sql, params, many, context):
        before = backend_cpu() if args.statements else 0.0
        try:
            return execute(sql, params, many, context)
        finally:
            statements[0] += 1
            if args.statements:
                per_statement[" ".join(sql.split())[:90]] += backend_cpu() - before

    runtime.current()
    rows = []
    total_turns = 0
    for _ in range(args.repeat):
        conversations = [conversation_start(name=f"Bench {i}")[0] for i in range(args.conversations)]
        for conversation in conversations[:2]:  # warm: the first turns load the rules, patterns, index
            message, _ = customer_message_post(conversation_id=conversation.pk, body="hello")
            bot_handle_message(message_id=message.pk)
        cpu = wall = 0.0
        statements[0] = 0
        pg_before = backend_cpu()
        turns = 0
        for turn in range(args.turns):
            for i, conversation in enumerate(conversations):
                body = QUESTIONS[(i + turn) % len(QUESTIONS)]
                message, _ = customer_message_post(conversation_id=conversation.pk, body=body)
                started_cpu, started = time.process_time(), time.perf_counter()
                with connection.execute_wrapper(count):
                    bot_handle_message(message_id=message.pk)
                cpu += time.process_time() - started_cpu
                wall += time.perf_counter() - started
                turns += 1
        # The backend's CPU includes each message's own insert (one statement): as a worker's
        # turn comes with the daphne's write.
        pg = backend_cpu() - pg_before
        rows.append((cpu / turns * 1000, pg / turns * 1000, wall / turns * 1000, statements[0] / turns))
        total_turns += turns
        print(
            f"{turns} turns: this process {rows[-1][0]:.2f} ms CPU, PostgreSQL {rows[-1][1]:.2f} ms CPU "
            f"(the message's insert included), wall {rows[-1][2]:.2f} ms, {rows[-1][3]:.1f} statements a turn"
        )
    if len(rows) > 1:
        medians = [statistics.median(column) for column in zip(*rows, strict=True)]
        print(
            f"median of {len(rows)} runs: this process {medians[0]:.2f} ms, PostgreSQL {medians[1]:.2f} ms, "
            f"wall {medians[2]:.2f} ms, {medians[3]:.1f} statements a turn"
        )
    if args.statements:
        print("PostgreSQL CPU a turn, by statement (the turn's own statements only):")
        for sql, seconds in per_statement.most_common(15):
            print(f"  {seconds / total_turns * 1000:6.2f} ms  {sql}")


if __name__ == "__main__":
    main()
