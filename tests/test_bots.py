"""The bot's brain in the desk: seed intents, training runs, predictions, triage."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from bots.models import Intent, IntentExample, MessagePrediction, ModelVersion
from bots.seed import INTENTS, seed_examples
from bots.services.training import should_activate, train_from_database
from bots.tasks import handle_message
from helpdesk.models import Conversation, Message, Sender
from helpdesk.services.conversations import conversation_start
from helpdesk.services.messages import customer_message_post

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_default_intent_ships_with_at_least_60_distinct_examples() -> None:
    examples = seed_examples()
    assert set(examples) == set(INTENTS)
    seen: dict[str, str] = {}
    for name, texts in examples.items():
        assert len(set(texts)) >= (200 if name == "out_of_scope" else 60), name
        for text in texts:
            key = text.strip().lower()
            assert seen.setdefault(key, name) == name, f"{text!r} is in {seen[key]} and {name}"


def words(text: str) -> str:
    """A message's words only: "Where's my package?" and "wheres my package" are one message."""
    return " ".join(re.sub(r"[^a-z0-9 ]", "", text.lower()).split())


def near(a: str, b: str) -> bool:
    """The same message with a few characters changed (difflib's ratio at least 0.85)."""
    from difflib import SequenceMatcher

    matcher = SequenceMatcher(None, a, b)
    quick = matcher.real_quick_ratio() >= 0.85 and matcher.quick_ratio() >= 0.85
    return a == b or (quick and matcher.ratio() >= 0.85)


def test_the_dev_set_is_held_out_from_the_training_examples() -> None:
    """bench/data/customer_dev.jsonl and customer_dev2.jsonl measure phrasing the model never
    saw: none of their messages may be a training example, and each names an intent the desk has."""
    from bench.customer_dev import DEFAULT_DATA, SECOND_DEV_SET, read_rows

    trained = {words(text) for texts in seed_examples().values() for text in texts}
    first, second = read_rows(DEFAULT_DATA), read_rows(SECOND_DEV_SET)
    assert len(first) >= 420 and {row["intent"] for row in first} == set(INTENTS)
    for rows in (first, second):
        assert {row["intent"] for row in rows} <= set(INTENTS)
        assert not [row["text"] for row in rows if words(row["text"]) in trained - {""}]
        assert len({row["text"].strip().lower() for row in rows}) == len(rows)


def test_the_frustration_examples_are_held_out_from_the_dev_set() -> None:
    """bots/seed/frustration_support.json trains the frustration head (bots/ml/train_emotions.py)
    and the dev set measures it: no example may be a dev-set message, nor one with a few
    characters changed. Nor a sentiment head example, which train_emotions reads as a check
    the frustration head never trained on."""
    from bench.customer_dev import DEFAULT_DATA, SECOND_DEV_SET, read_rows
    from bots.ml.train_emotions import FRUSTRATION_SUPPORT, SUPPORT

    examples = json.loads(FRUSTRATION_SUPPORT.read_text(encoding="utf-8"))
    assert set(examples) == {"frustrated", "calm"}
    assert all(len(set(texts)) == len(texts) >= 350 for texts in examples.values())
    assert not {t.strip().lower() for t in examples["frustrated"]} & {t.strip().lower() for t in examples["calm"]}
    dev = [words(row["text"]) for path in (DEFAULT_DATA, SECOND_DEV_SET) for row in read_rows(path)]
    copies = [text for texts in examples.values() for text in texts if any(near(words(text), d) for d in dev)]
    assert not copies
    sentiment = {words(t) for texts in json.loads(SUPPORT.read_text(encoding="utf-8")).values() for t in texts}
    assert not [text for texts in examples.values() for text in texts if words(text) in sentiment]


def test_the_knowledge_base_training_questions_are_held_out_from_the_bench() -> None:
    """bots/seed/kb_questions.json fine-tunes the encoder for retrieval (bots/ml/finetune.py),
    and it and the training-only shops of bots/seed/kb_train/ train the verifier
    (bots/ml/verifier.py); bench/data's question sets measure both: no training question may
    be one of theirs, nor one with a few characters changed, and every answerable one names a
    published article of its help centre."""
    from bots.ml.finetune import help_centre
    from bots.ml.verifier import training_centres

    articles, answerable, unanswerable = help_centre()
    assert len(answerable) >= 250 and len(unanswerable) >= 100
    bench = Path(__file__).resolve().parents[1] / "bench" / "data"
    sets = [bench / "kb_dev.jsonl", bench / "kb_calibration.jsonl", *sorted(bench.glob("kb_other*/questions.jsonl"))]
    assert len(sets) >= 5
    measured = [
        words(json.loads(line)["q"])
        for path in sets
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    for articles_dir, questions in training_centres():
        articles, answerable, unanswerable = help_centre(articles_dir, questions)
        assert {title for _, title in answerable} <= set(articles), questions
        vague = json.loads(questions.read_text(encoding="utf-8")).get("vague", [])
        trained = [question for question, _ in answerable] + unanswerable + vague
        assert not [q for q in trained if any(near(words(q), m) for m in measured)], questions


def test_tiers_and_queues_are_the_issue_table() -> None:
    assert {n for n, (tier, _, _) in INTENTS.items() if tier == 3} == {
        "billing_dispute",
        "cancel_subscription",
        "security_fraud",
        "complaint",
        "legal_privacy",
        "talk_to_human",
    }
    assert INTENTS["damaged_item"][1] == "Returns" and INTENTS["account_locked"][1] == "Security"
    # What a shop's customers ask every day is the bot's to answer (issue 14).
    routine = ("refund_request", "invoice_receipt", "account_signup", "contact_hours", "review_feedback")
    assert all(INTENTS[name][0] == 1 for name in routine) and INTENTS["refund_request"][1] == "Billing"


def say(conversation, body):
    return customer_message_post(conversation_id=conversation.pk, body=body)[0]


def test_a_customer_message_is_classified_once_and_the_conversation_learns_it(queues) -> None:
    conversation, _ = conversation_start(name="Ann")
    message = say(conversation, "where is my parcel? order A-1001 hasn't arrived")
    prediction = MessagePrediction.objects.get(message=message)
    assert prediction.intent == "order_status" and prediction.intent_confidence > 0.4
    assert prediction.sentiment in {"negative", "neutral", "positive"} and -1 <= prediction.sentiment_score <= 1
    conversation.refresh_from_db()
    assert conversation.intent == "order_status" and conversation.intent_confidence == prediction.intent_confidence
    message.refresh_from_db()
    assert message.data["prediction"]["intent"] == "order_status"
    # Safe to run twice: the second run stores nothing and answers nothing more.
    bot_messages = Message.objects.filter(conversation=conversation, sender=Sender.BOT).count()
    handle_message.run(message.pk)
    assert MessagePrediction.objects.filter(message=message).count() == 1
    assert Message.objects.filter(conversation=conversation, sender=Sender.BOT).count() == bot_messages


@pytest.mark.parametrize(
    ("text", "queue", "trigger"),
    [
        ("I was charged twice for the same order, can you refund one of them?", "Billing", "topic_rule"),
        ("someone hacked my account and placed orders I never made", "Security", "topic_rule"),
        ("please cancel my premium membership", "Retention", "topic_rule"),
        ("can I talk to a real person", "General", "explicit_request"),
    ],
)
def test_tier_three_and_explicit_requests_go_straight_to_a_human(queues, text, queue, trigger) -> None:
    conversation, _ = conversation_start(name="Ben")
    say(conversation, text)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.queue.name, conversation.handoff_trigger) == ("queued", queue, trigger)


def test_a_routine_question_is_answered_by_the_bot(queues) -> None:
    conversation, _ = conversation_start(name="Cy")
    say(conversation, "which payment methods do you accept?")
    conversation.refresh_from_db()
    assert conversation.status == "bot"
    answer = Message.objects.filter(conversation=conversation, sender=Sender.BOT).last()
    assert "PayPal" in answer.body and answer.data["flow"] == "information"


def test_the_fallback_ladder_clarifies_then_offers_buttons_then_hands_over(queues) -> None:
    conversation, _ = conversation_start(name="Di")
    say(conversation, "purple monkey trombone")
    conversation.refresh_from_db()
    first = Message.objects.filter(conversation=conversation, sender=Sender.BOT).last()
    assert conversation.status == "bot" and conversation.bot_failures == 1 and "another way" in first.body
    say(conversation, "zxq vlorp gnarf")
    conversation.refresh_from_db()
    second = Message.objects.filter(conversation=conversation, sender=Sender.BOT).last()
    assert conversation.status == "bot" and second.options[-1] == {"label": "Talk to a person", "value": "agent"}
    assert len(second.options) >= 2
    say(conversation, "blarg fizzle wump")
    conversation.refresh_from_db()
    assert conversation.status == "queued" and conversation.handoff_trigger in {"bot_failure", "low_confidence"}


def test_training_from_the_database_stores_a_version_and_activates_it(queues) -> None:
    from bots.services.seeding import intents_seed

    intents_seed()
    outcome = train_from_database()
    assert outcome.activated and outcome.version.active
    assert outcome.version.metrics["accuracy"] > 0.8 and "oos_recall" in outcome.version.metrics
    assert ModelVersion.objects.filter(kind="intent", active=True).count() == 1
    assert IntentExample.objects.filter(intent__name="order_status").count() >= 40


def test_a_regressing_version_is_not_activated_unless_forced() -> None:
    class Active:
        classes = ["a", "b"]
        metrics = {"accuracy": 0.95, "macro_f1": 0.95}

    assert should_activate({"accuracy": 0.90, "macro_f1": 0.95}, ["a", "b"], Active)[0] is False
    assert should_activate({"accuracy": 0.945, "macro_f1": 0.945}, ["b", "a"], Active)[0] is True
    assert should_activate({"accuracy": 0.99, "macro_f1": 0.99}, ["a", "c"], Active)[0] is False
    assert should_activate({"accuracy": 0.5, "macro_f1": 0.5}, ["a"], None)[0] is True


def test_triage_command_prints_one_json_line_per_message(queues, monkeypatch) -> None:
    lines = "where is my order A-1001\n\nI would like to dispute a charge on my card\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    out = io.StringIO()
    call_command("triage", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == 2
    keys = {"text", "intent", "intent_confidence", "sentiment", "sentiment_score", "route", "queue", "trigger"}
    keys |= {"answer", "choices", "emotions", "frustration"}  # knowledge-base.md §3
    assert all(set(row) == keys for row in rows)
    assert rows[0]["route"] == "bot" and rows[0]["intent"] == "order_status"
    assert (rows[1]["route"], rows[1]["queue"], rows[1]["trigger"]) == ("human", "Billing", "topic_rule")
    assert all(0 <= row["frustration"] <= 1 and set(row["emotions"]) >= {"anger", "confusion"} for row in rows)
    assert rows[0]["answer"] is None and rows[0]["choices"] == []  # order status is a flow, not an article


def test_triage_answers_an_information_question_from_its_article(queues, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("which payment methods do you accept?\n"))
    out = io.StringIO()
    call_command("triage", stdout=out)
    (row,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert row["intent"] == "payment_methods" and row["answer"]["title"]
    assert 0 < row["answer"]["score"] <= 1


def test_triage_hands_over_where_the_flows_first_step_does_and_keeps_nothing(queues, monkeypatch) -> None:
    # The refund flow finds the order and hands it to Billing at once, as the live chat does;
    # a technical problem gets the first step of its article's fix, with that article as the
    # answer. The turns ran on conversations that were rolled back.
    from helpdesk.models import KnowledgeGap

    kept = (Conversation.objects.count(), Message.objects.count(), KnowledgeGap.objects.count())
    lines = "has my refund for order A-1003 been processed yet?\nthe checkout page shows an error\n" + "x" * 5000
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    out = io.StringIO()
    call_command("triage", stdout=out)
    refund, technical, too_long = (json.loads(line) for line in out.getvalue().splitlines())
    assert refund["intent"] == "refund_status", refund
    assert (refund["route"], refund["queue"], refund["trigger"]) == ("human", "Billing", "topic_rule")
    assert technical["intent"] == "technical_issue" and technical["route"] == "bot", technical
    assert technical["answer"]["title"] and 0 < technical["answer"]["score"] <= 1
    assert "at most" in too_long["error"]
    assert (Conversation.objects.count(), Message.objects.count(), KnowledgeGap.objects.count()) == kept


def test_the_task_is_retry_safe_and_on_the_ml_queue() -> None:
    from config.celery import app

    assert handle_message.acks_late and handle_message.reject_on_worker_lost
    assert app.amqp.router.route({}, handle_message.name)["queue"].name == "ml"


def test_an_agent_sees_the_reading_in_the_packet(queues, supervisor, client) -> None:
    conversation, _ = conversation_start(name="Eve")
    say(conversation, "the box arrived crushed and the lamp inside is broken")
    conversation.refresh_from_db()
    assert Conversation.objects.get(pk=conversation.pk).intent == "damaged_item"
    from helpdesk.services.handoff import conversation_request_handoff

    conversation_request_handoff(conversation_id=conversation.pk, trigger="explicit_request", actor_type="customer")
    client.force_login(supervisor.user)
    packet = client.get(f"/api/v1/agent/conversations/{conversation.pk}/").json()
    customer_lines = [m for m in packet["transcript"] if m["sender"] == "customer"]
    assert customer_lines[0]["prediction"]["intent"] == "damaged_item"
    assert packet["intent"] == "damaged_item" and packet["intent_confidence"] > 0.4
    # chat-protocol.md: emotions and frustration of the latest customer message, as triage gives them.
    assert packet["emotions"] == customer_lines[-1]["prediction"]["emotions"] and "sadness" in packet["emotions"]
    assert 0 <= packet["frustration"] <= 1
    assert Intent.objects.get(name="damaged_item").default_queue.name == "Returns"


@pytest.mark.parametrize("batch_invariant", [True, False], ids=["fp32", "int8"])
def test_a_backlog_is_read_in_one_encoder_call_only_where_batches_read_alike(
    queues, settings, batch_invariant
) -> None:
    """The bot's turn in batches (issue 19): when the bot is behind, the first turn reads the
    messages queued after its own in one encoder call; their turns take those readings, which
    match what a lone read gives. A message that did not wait is read alone. With an encoder
    whose features move with their batch (the int8 graph), every message is read alone."""
    from datetime import timedelta

    from django.utils import timezone

    from bots import runtime

    settings.HELPDESK_TASK_MODE = "celery"  # the in-memory broker: the tasks queue, nobody runs them
    texts = ["where is my parcel?", "do you take paypal", "how do i reset my password"]
    messages = []
    for text in texts:
        conversation, _ = conversation_start(name="Queued")
        messages.append(say(conversation, text))
    Message.objects.filter(pk__in=[m.pk for m in messages]).update(created_at=timezone.now() - timedelta(seconds=2))

    loaded = runtime.current()
    calls: list[list[str]] = []
    classify = loaded.classifier.classify
    encoder = loaded.classifier.encoder
    served = encoder.batch_invariant

    def counted(batch):
        calls.append(list(batch))
        return classify(batch)

    loaded.classifier.classify = counted
    encoder.batch_invariant = batch_invariant  # the precision's property; the readings below are int8's
    try:
        for message in messages:
            handle_message.run(message.pk)
        assert calls == ([texts] if batch_invariant else [[text] for text in texts])
        for message, text in zip(messages, texts, strict=True):
            stored = MessagePrediction.objects.get(message=message)
            alone = classify([text])[0]
            assert (stored.intent, stored.sentiment) == (alone.intent.intent, alone.sentiment.label)
            answered = Message.objects.filter(sender=Sender.BOT, data__in_reply_to=message.pk)
            assert answered.exists() or Conversation.objects.get(pk=message.conversation_id).status != "bot"

        conversation, _ = conversation_start(name="Alone")
        fresh = say(conversation, "what is your return policy")
        calls.clear()
        handle_message.run(fresh.pk)
        assert calls == [["what is your return policy"]]
    finally:
        loaded.classifier.classify = classify
        encoder.batch_invariant = served


def test_the_int8_graph_reads_a_text_by_its_batch_and_the_fp32_one_does_not() -> None:
    """Why the int8 graph is never asked for a batch of customer messages: its activations are
    quantised by the range of the whole input."""
    import numpy as np

    from bots.ml.encoder import OnnxEncoder, default_onnx_path

    text = "my order arrived broken and nobody answers my emails"
    mates = [text, "hi", "I would like to know whether you deliver to Norway and what it costs, please!!"]
    for precision, invariant in (("fp32", True), ("int8", False)):
        encoder = OnnxEncoder(default_onnx_path(precision))
        assert encoder.batch_invariant is invariant
        alone, batched = encoder.encode([text])[0], encoder.encode(mates)[0]
        assert np.allclose(alone, batched, atol=1e-5) is invariant, precision


def test_an_intent_version_trained_on_another_encoder_is_named_in_the_log(queues, caplog) -> None:
    """A new adapter changes the features: a desk's active intent version trained before it
    reads them wrongly until it is retrained, and the log says so when a process loads it."""
    from bots import runtime
    from bots.ml.encoder import NO_ADAPTER, encoder_id

    runtime.current()
    assert "trained on the encoder" not in caplog.text
    ModelVersion.objects.filter(active=True).update(settings={"encoder": encoder_id(NO_ADAPTER)})
    runtime.forget()
    runtime.current()
    assert f"trained on the encoder {encoder_id(NO_ADAPTER)} and this process runs {encoder_id()}" in caplog.text
