"""Domain events: how the kernel tells higher apps that something happened.

`publish` registers the event to be delivered after the surrounding transaction commits, so a
subscriber never sees a change that is later rolled back. Subscribers are listed in one place,
`settings.HELPDESK_EVENT_SUBSCRIBERS`, by dotted path; helpdesk never imports bots or routing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

_cache: dict[str, Callable[[dict[str, Any]], Any]] = {}


def publish(name: str, **payload: Any) -> None:
    transaction.on_commit(lambda: dispatch(name, payload))


def ask(name: str, **payload: Any) -> list[Any]:
    """Now, inside the caller's transaction, and in order: for the few events whose
    subscribers' work must be part of the kernel's change (a customer's erasure: the bot drops
    their words in the same transaction, or nothing is erased) or whose output the caller
    prints (seeding the demo). A subscriber that fails fails the caller. Returns each
    subscriber's answer."""
    return [_handler(path)(payload) for path in settings.HELPDESK_EVENT_SUBSCRIBERS.get(name, [])]


def _handler(path: str) -> Callable[[dict[str, Any]], Any]:
    return _cache.get(path) or _cache.setdefault(path, import_string(path))


def dispatch(name: str, payload: dict[str, Any]) -> None:
    for path in settings.HELPDESK_EVENT_SUBSCRIBERS.get(name, []):
        try:
            _handler(path)(payload)
        except Exception:  # a subscriber's failure must not undo or block the committed change
            logger.exception("subscriber %s failed on %s %s", path, name, payload)
