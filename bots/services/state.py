"""The bot's own state of a conversation (`FlowState`): read with the turn's message, written
in the transaction that stores the bot's answer, reset when the conversation re-opens."""

from __future__ import annotations

from django.db import transaction

from helpdesk.infrastructure.locks import lock_conversation
from helpdesk.infrastructure.prepared import row_update
from helpdesk.models import Conversation

from ..models import FlowState


def state_of(conversation: Conversation) -> FlowState:
    """The stored state (read with the conversation by `select_related("bot_state")` where the
    caller can), or a fresh one, unsaved."""
    try:
        return conversation.bot_state
    except FlowState.DoesNotExist:
        return FlowState(conversation=conversation)


_FIELDS = [field.name for field in FlowState._meta.concrete_fields if not field.primary_key]


def state_save(state: FlowState) -> None:
    """The state written whole, inside the caller's transaction: every turn that answers
    writes it, so an existing row is updated by a statement built once (`row_update`)."""
    if state._state.adding or not row_update(state, _FIELDS):
        state.save()


def state_update(conversation_id, **fields) -> None:
    """Set fields, creating the row when the bot has kept nothing yet. Under the conversation's
    lock (taken here, or already the caller's): two writers cannot both create the row."""
    with transaction.atomic():
        lock_conversation(conversation_id)
        if not FlowState.objects.filter(pk=conversation_id).update(**fields):
            FlowState.objects.create(conversation_id=conversation_id, **fields)


def flow_drop(conversation: Conversation) -> list[str]:
    """The customer moved on: the flow under way is forgotten (a `Reading.changes` callback,
    so it commits with whatever this message leads to). No field of the conversation changes."""
    FlowState.objects.filter(pk=conversation.pk).update(flow="", step="", tries=0)
    return []


def state_reset(conversation_id) -> None:
    """A conversation that re-opens starts afresh with the bot."""
    FlowState.objects.filter(pk=conversation_id).delete()
