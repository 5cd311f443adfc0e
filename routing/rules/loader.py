"""The enabled rules, parsed and compiled, cached per process for a few seconds."""

from __future__ import annotations

import logging
import threading
import time

from .engine import CompiledRule
from .schema import RuleError, parse_actions, parse_conditions

logger = logging.getLogger(__name__)
REFRESH_SECONDS = 5.0

_lock = threading.Lock()
_cache: tuple[float, list[CompiledRule]] | None = None


def compile_rule(data: dict) -> CompiledRule:
    return CompiledRule.build(
        name=data["name"],
        order=data["order"],
        stage=data["stage"],
        conditions=parse_conditions(data["conditions"]),
        actions=parse_actions(data["actions"]),
        stop=data["stop_after"],
    )


def active_rules() -> list[CompiledRule]:
    global _cache
    now = time.monotonic()
    cached = _cache
    if cached and now - cached[0] < REFRESH_SECONDS:
        return cached[1]
    from ..models import Rule

    with _lock:
        compiled = []
        for row in (
            Rule.objects.filter(enabled=True)
            .order_by("order", "name")
            .values("name", "order", "stage", "conditions", "actions", "stop_after")
        ):
            try:
                compiled.append(compile_rule(row))
            except RuleError as error:  # saved around the admin: skipped, never half-applied
                logger.error("rule %r skipped: %s", row["name"], error)
        _cache = (now, compiled)
        return compiled


def forget() -> None:
    global _cache
    _cache = None
