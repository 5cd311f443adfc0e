"""The bot's reactions to kernel events (wired in settings.HELPDESK_EVENT_SUBSCRIBERS)."""

from __future__ import annotations

from typing import Any

from helpdesk.infrastructure.tasks_runner import run_task

from .services.turns import bot_greet
from .tasks import handle_message


def on_conversation_created(payload: dict[str, Any]) -> None:
    # Inline: one insert, and the customer should see who they talk to from the first frame.
    bot_greet(conversation_id=payload["conversation_id"])


def on_customer_message(payload: dict[str, Any]) -> None:
    # Every customer message is classified, whoever holds the conversation.
    run_task(handle_message, payload["message_id"])


def on_bot_corrected(payload: dict[str, Any]) -> None:
    """An agent named the right intent: the conversation's first customer message becomes an
    example of it for the next retrain."""
    from helpdesk.models import Message

    from .models import ExampleSource, Intent, IntentExample
    from .services.training import training_texts

    intent = Intent.objects.filter(name=payload["intent"]).first()
    first = Message.objects.filter(conversation_id=payload["conversation_id"], sender="customer").order_by("id").first()
    if intent is None or first is None:
        return
    # Stored redacted (HELPDESK_REDACT_PII): an example outlives the conversation it came from.
    (text,) = training_texts([first.body])
    IntentExample.objects.get_or_create(intent=intent, text=text[:1000], defaults={"source": ExampleSource.CORRECTION})


def on_handed_back(payload: dict[str, Any]) -> None:
    """Back from a human: the customer has had their answer, so "that's all, thanks" closes."""
    from .services.state import state_update

    state_update(payload["conversation_id"], flow="", step="", tries=0, answered=True)


def on_reopened(payload: dict[str, Any]) -> None:
    """The customer wrote again after the chat was resolved: the bot starts afresh."""
    from .services.state import state_reset

    state_reset(payload["conversation_id"])


def on_customer_erasing(payload: dict[str, Any]) -> int:
    """Inside the erasure's transaction: training examples made from the customer's words go."""
    from .services.erasure import erase_customer_texts

    return erase_customer_texts(customer_id=payload["customer_id"], texts=payload["texts"])


def on_demo_seeding(payload: dict[str, Any]) -> None:
    from .services.seeding import seed_demo_hook

    seed_demo_hook(stdout=payload["stdout"])


def on_article_changed(payload: dict[str, Any]) -> None:
    from .services.knowledge import on_article_changed as reindex

    reindex(payload)


def on_kb_intents(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """The intents an article can be tagged with (the knowledge base's admin form)."""
    from .models import Intent

    return list(Intent.objects.order_by("name").values_list("name", "description"))


def on_kb_searching(payload: dict[str, Any]) -> list[dict[str, Any]]:
    from .services.knowledge import on_searching

    return on_searching(payload)
