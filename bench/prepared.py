"""The bot turn's statements, each the ORM's way and compiled once (helpdesk/infrastructure/prepared.py).

    .venv/bin/python bench/prepared.py [--calls 400] [--repeat 5]

A fresh PostgreSQL database (`helpdesk_prepared`, suffixed by HELPDESK_TEST_DB_TAG; emptied at
the end), migrated and seeded with the demo desk, and one conversation of eight customer
messages with readings and a bot answer. Each statement the bot's turn runs on every answer
is called `--calls` times the ORM's way and the prepared way, the pairs interleaved `--repeat`
times; printed: this process's CPU a call (median of the repeats), which is what the ORM's
compiling costs. The database's side is the same statement either way.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import demo_desk_in_process  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with demo_desk_in_process("helpdesk_prepared"):
        from django.conf import settings

        # No bot: the readings are the ones written here.
        settings.HELPDESK_EVENT_SUBSCRIBERS = {**settings.HELPDESK_EVENT_SUBSCRIBERS, "message.customer_posted": []}
        run(args)


def pairs():
    """(what, the ORM's way, the prepared way) for each statement of the turn."""
    from django.db import transaction

    from bots import runtime
    from bots.models import FlowState, MessagePrediction
    from bots.services.state import state_save
    from bots.services.turns import _message_for_turn, _turn_read
    from helpdesk.infrastructure.prepared import row_insert, row_update
    from helpdesk.models import Conversation, Message, Sender
    from helpdesk.services.conversations import conversation_start
    from helpdesk.services.lifecycle import _LIST_ROW
    from helpdesk.services.messages import _BOT_ANSWER_TO, bot_say, customer_message_post
    from routing.facts import _CUSTOMER_CONVERSATIONS, _earlier_readings

    conversation, _ = conversation_start(name="Ana")
    asked = []
    for number in range(8):
        message, _ = customer_message_post(conversation_id=conversation.pk, body=f"where is my parcel {number}")
        prediction = {"sentiment": "neutral", "frustration": 0.1}
        Message.objects.filter(pk=message.pk).update(data={"prediction": prediction})
        asked.append(message)
    bot_say(conversation_id=conversation.pk, body="It is on its way.", data={"in_reply_to": asked[0].pk})
    FlowState.objects.create(conversation=conversation)
    state = FlowState.objects.get(pk=conversation.pk)
    version = runtime.current().version_id
    last = asked[-1]
    last.data = {"prediction": {"sentiment": "neutral", "frustration": 0.2, "intent": "order_status"}}
    customer = conversation.customer_id

    def reading() -> MessagePrediction:
        return MessagePrediction(
            message=last,
            model_version_id=version,
            intent="order_status",
            intent_confidence=0.9,
            sentiment="neutral",
            sentiment_score=0.0,
        )

    def rolled_back(write):
        def run() -> None:
            with transaction.atomic():
                write()
                transaction.set_rollback(True)

        return run

    def read_orm() -> None:
        message = _turn_read(last.pk, version).get()
        _earlier_readings(message.conversation, last.pk)

    def state_orm() -> None:
        with transaction.atomic():
            state.save()

    def state_prepared() -> None:
        with transaction.atomic():
            state_save(state)

    return [
        ("the turn's first read and the earlier readings", read_orm, lambda: _message_for_turn(last.pk, version)),
        (
            "has this message an answer? (bot_say)",
            lambda: Message.objects.filter(
                conversation=conversation, sender=Sender.BOT, data__in_reply_to=asked[3].pk
            ).first(),
            lambda: _BOT_ANSWER_TO.first(conversation_id=conversation.pk, reply_to=asked[3].pk),
        ),
        (
            "the customer's conversations (facts)",
            lambda: tuple(Conversation.objects.filter(customer_id=customer).values_list("created_at", flat=True)),
            lambda: tuple(c.created_at for c in _CUSTOMER_CONVERSATIONS.all(customer_id=customer)),
        ),
        (
            "the reading's insert (rolled back)",
            rolled_back(lambda: reading().save(force_insert=True)),
            rolled_back(lambda: row_insert(reading())),
        ),
        (
            "the reading on the message's data",
            lambda: Message.objects.filter(pk=last.pk).update(data=last.data),
            lambda: row_update(last, ["data"]),
        ),
        ("the bot's state saved whole", state_orm, state_prepared),
        (
            "the inbox's list row (after commit)",
            lambda: Conversation.objects.select_related("queue", "customer", "agent__agent").get(pk=conversation.pk),
            lambda: _LIST_ROW.first(pk=conversation.pk),
        ),
    ]


def run(args) -> None:
    measured: dict[tuple[str, str], list[float]] = {}
    statements = pairs()
    for _ in range(args.repeat):
        for what, orm, prepared in statements:
            for way, call in (("orm", orm), ("prepared", prepared)):
                started = time.process_time()
                for _ in range(args.calls):
                    call()
                measured.setdefault((what, way), []).append((time.process_time() - started) / args.calls * 1000)
    print(f"this process's CPU a call, ms (median of {args.repeat} x {args.calls} calls): the ORM's / prepared")
    total_orm = total_prepared = 0.0
    for what, _, _ in statements:
        orm = statistics.median(measured[(what, "orm")])
        prepared = statistics.median(measured[(what, "prepared")])
        total_orm, total_prepared = total_orm + orm, total_prepared + prepared
        print(f"  {what:48} {orm:6.3f} / {prepared:6.3f}")
    print(f"  {'together':48} {total_orm:6.3f} / {total_prepared:6.3f}")


if __name__ == "__main__":
    main()
