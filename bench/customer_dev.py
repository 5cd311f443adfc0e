"""The held-out customer dev set: intents, who takes the chat, and frustration (issue 14's table).

    .venv/bin/python bench/customer_dev.py [--data bench/data/customer_dev.jsonl]
        [--database-url URL] [--misses] [--banking77 [--seeds 5]]

Without `--database-url` it prepares a scratch SQLite database the way the demo does (`migrate`,
then `seed_demo`: the queues, the shipped rules, the knowledge base, the seed intents and a
model trained on them), then sends every message of the dev set, one per line, through
`manage.py triage`: the decision the live chat takes on a conversation's first message
(bots/services/deciding.py), so the routing figures are the product's, not a copy of it.
With `--database-url` it reads an existing database as it is (its rules, intents and active
model), which measures a desk after its supervisors' edits.

The dev set (bench/data/README.md) was written apart from the training examples and is not
trained or tuned on. `--misses` lists the messages each figure gets wrong, for reading, not
for copying into the training examples. `--banking77` also runs bench/banking77.py, the
figures docs/model.md reports for BANKING77.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.servers import DEMO_PASSWORD, base_env, manage  # noqa: E402

DEFAULT_DATA = ROOT / "bench" / "data" / "customer_dev.jsonl"
SECOND_DEV_SET = ROOT / "bench" / "data" / "customer_dev2.jsonl"  # `--data` it; written later, by another hand
FRUSTRATED_AT = 0.5  # the frustration head's output counts as "frustrated" from here
ROUTINE_KINDS = ("routine", "word_trap")
OUT_OF_SCOPE_KINDS = ("chatter", "out_of_domain")


def read_rows(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for number, row in enumerate(rows, 1):
        missing = {"text", "intent", "emotion", "must_human", "frustrated", "kind"} - set(row)
        if missing or "\n" in row["text"] or not row["text"].strip():
            raise SystemExit(f"{path}:{number}: a bad row ({', '.join(sorted(missing)) or 'its text'})")
    return rows


def prepared_env(database_url: str | None, workdir: Path) -> dict[str, str]:
    if database_url:
        return base_env(DATABASE_URL=database_url)
    env = base_env(DATABASE_URL=f"sqlite:///{workdir}/db.sqlite3")
    started = time.perf_counter()
    manage(env, "migrate", "--noinput", timeout=600)
    manage(env, "seed_demo", "--password", DEMO_PASSWORD, timeout=1200)
    print(
        f"scratch database migrated and seeded in {time.perf_counter() - started:.0f} s (seed_demo trains the intents)"
    )
    return env


def triage(env: dict[str, str], texts: list[str]) -> list[dict]:
    result = subprocess.run(
        [sys.executable, "manage.py", "triage"],
        cwd=ROOT,
        env=env,
        input="\n".join(texts) + "\n",
        capture_output=True,
        text=True,
        timeout=1200,
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py triage failed:\n{result.stdout}\n{result.stderr}")
    answers = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    if [a["text"] for a in answers] != [t.strip() for t in texts]:
        raise SystemExit("triage's answers do not line up with the dev set's messages")
    return answers


class Figures:
    """Each figure: a share of the rows it is about, printed with its count and its misses."""

    def __init__(self, pairs: list[tuple[dict, dict]], show_misses: bool) -> None:
        self.pairs = pairs
        self.show_misses = show_misses

    def share(
        self,
        name: str,
        about: Callable[[dict], bool],
        right: Callable[[dict, dict], bool],
        *,
        target: str = "",
        lower_is_better: bool = False,
    ) -> None:
        chosen = [(row, got) for row, got in self.pairs if about(row)]
        if not chosen:
            return
        hits = sum(1 for row, got in chosen if right(row, got))
        goal = f"   (target {target})" if target else ""
        print(f"  {name:<66} {hits / len(chosen):7.1%}  {hits:>3}/{len(chosen):<3}{goal}")
        if self.show_misses and not name.startswith(" "):  # a breakdown's misses are its total's
            for row, got in chosen:
                if right(row, got) == lower_is_better:  # a miss of a "≤" figure is one it counts
                    print(
                        f"      ✗ {row['text']!r}: want {row['intent']}, got {got['intent']} "
                        f"({got['intent_confidence']:.2f}) → {got['route']} ({got['trigger'] or '-'}), "
                        f"frustration {got['frustration']}, sentiment {got['sentiment_score']:+.2f}"
                    )


def report(rows: list[dict], answers: list[dict], show_misses: bool) -> None:
    pairs = list(zip(rows, answers, strict=True))
    figures = Figures(pairs, show_misses)

    def intent_right(row: dict, got: dict) -> bool:
        return got["intent"] == row["intent"]

    def to_human(row: dict, got: dict) -> bool:
        return got["route"] == "human"

    def with_bot(row: dict, got: dict) -> bool:
        return got["route"] == "bot"

    def flagged(row: dict, got: dict) -> bool:
        return got["frustration"] is not None and got["frustration"] >= FRUSTRATED_AT

    kinds = Counter(row["kind"] for row in rows)
    print(f"\n{len(rows)} messages: " + ", ".join(f"{kind} {n}" for kind, n in kinds.most_common()))
    print("\nintent accuracy")
    figures.share("all messages", lambda r: True, intent_right, target="≥ 90 % on outside phrasing")
    for kind, _ in kinds.most_common():
        figures.share(f"  {kind}", lambda r, k=kind: r["kind"] == k, intent_right)

    print("\nwho takes the first message (manage.py triage: the live chat's decision)")
    figures.share(
        "must go to a human (tier 3, explicit, frustrated), routed to one",
        lambda r: r["must_human"],
        to_human,
        target="≥ 97 %",
    )
    for kind in ("tier3", "explicit", "frustrated", "angry_damage"):
        figures.share(f"  {kind}", lambda r, k=kind: r["must_human"] and r["kind"] == k, to_human)
    figures.share("routine requests kept with the bot", lambda r: r["kind"] in ROUTINE_KINDS, with_bot, target="≥ 97 %")
    figures.share("  greetings and thanks kept with the bot", lambda r: r["kind"] == "courtesy", with_bot)
    figures.share(
        "calm damage reports handed to a human at once",
        lambda r: r["kind"] == "calm_damage",
        to_human,
        target="≤ 3 %",
        lower_is_better=True,
    )
    figures.share(
        "angry damage reports handed to a human", lambda r: r["kind"] == "angry_damage", to_human, target="≥ 95 %"
    )
    figures.share("every message that may stay with the bot, kept", lambda r: not r["must_human"], with_bot)
    triggers = Counter(got["trigger"] for row, got in pairs if not row["must_human"] and got["route"] == "human")
    if triggers:
        print(
            "  handed over although they may stay, by trigger: "
            + ", ".join(f"{t} {n}" for t, n in triggers.most_common())
        )

    print(f"\nfrustration (the emotion head's `frustration` ≥ {FRUSTRATED_AT})")
    figures.share("recall on frustrated messages", lambda r: r["frustrated"], flagged, target="≥ 80 %")
    figures.share(
        "neutral messages flagged",
        lambda r: r["emotion"] == "neutral" and not r["frustrated"],
        flagged,
        target="≤ 10 %",
        lower_is_better=True,
    )
    figures.share(
        "calm damage reports flagged", lambda r: r["kind"] == "calm_damage", flagged, lower_is_better=True
    )
    means: dict[str, list[float]] = defaultdict(list)
    for row, got in pairs:
        if got["frustration"] is not None:
            means[row["emotion"]].append(got["frustration"])
    print(
        "  mean frustration by written emotion: "
        + ", ".join(f"{emotion} {sum(v) / len(v):.2f} ({len(v)})" for emotion, v in sorted(means.items()))
    )

    print("\nout of scope")
    figures.share(
        "chatter and out-of-domain requests labelled out_of_scope",
        lambda r: r["kind"] in OUT_OF_SCOPE_KINDS,
        intent_right,
        target="≥ 90 %",
    )
    for kind in OUT_OF_SCOPE_KINDS:
        figures.share(f"  {kind}", lambda r, k=kind: r["kind"] == k, intent_right)
    figures.share(
        "in-scope messages wrongly labelled out_of_scope",
        lambda r: r["intent"] != "out_of_scope",
        lambda r, g: g["intent"] == "out_of_scope",
        lower_is_better=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--database-url", help="read this database as it is instead of a freshly seeded one")
    parser.add_argument("--misses", action="store_true", help="list the messages each figure gets wrong")
    parser.add_argument("--banking77", action="store_true", help="also run bench/banking77.py")
    parser.add_argument("--seeds", type=int, default=5, help="bench/banking77.py's 10-shot seeds")
    args = parser.parse_args()

    rows = read_rows(args.data)
    workdir = Path(tempfile.mkdtemp(prefix="helpdesk-customer-dev-"))
    try:
        env = prepared_env(args.database_url, workdir)
        started = time.perf_counter()
        answers = triage(env, [row["text"] for row in rows])
        print(f"triage: {len(rows)} messages in {time.perf_counter() - started:.1f} s (with the model's load)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report(rows, answers, args.misses)
    if args.banking77:
        print("\nBANKING77 (bench/banking77.py)", flush=True)
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "banking77.py"), "--seeds", str(args.seeds)], cwd=ROOT, check=True
        )


if __name__ == "__main__":
    main()
