"""The bot's turn in a conversation."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from helpdesk import realtime
from helpdesk.models import Conversation, ConversationStatus, Customer, Message, Sender
from helpdesk.services.handoff import conversation_request_handoff
from helpdesk.services.messages import bot_say

from . import brain


def bot_greet(*, conversation_id: str) -> None:
    conversation = Conversation.objects.select_related("customer").get(pk=conversation_id)
    customer: Customer = conversation.customer
    first_name = (customer.name or "").split(" ")[0]
    bot_say(conversation_id=conversation_id, body=brain.greeting(first_name), options=[brain.TALK_TO_PERSON])


def bot_handle_message(*, message_id: int) -> None:
    """Answer one customer message. Safe to run twice: a message already answered is skipped."""
    message = Message.objects.select_related("conversation").get(pk=message_id)
    conversation = message.conversation
    if conversation.status != ConversationStatus.BOT or message.sender != Sender.CUSTOMER:
        return
    # Idempotence (a task may run twice): each bot answer names the message it answers.
    if Message.objects.filter(conversation=conversation, sender=Sender.BOT, data__in_reply_to=message.pk).exists():
        return
    realtime.typing_to_customer(conversation.pk, "bot")
    reply = brain.respond(message.body, failures_so_far=conversation.bot_failures)
    if reply.failed_turn:
        with transaction.atomic():
            Conversation.objects.filter(pk=conversation.pk).update(bot_failures=F("bot_failures") + 1)
    if reply.body:
        bot_say(
            conversation_id=conversation.pk, body=reply.body, options=reply.options, data={"in_reply_to": message.pk}
        )
    if reply.handoff_trigger:
        conversation_request_handoff(conversation_id=conversation.pk, trigger=reply.handoff_trigger, actor_type="bot")
