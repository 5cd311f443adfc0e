"""Statements compiled once per process (helpdesk/infrastructure/prepared.py), on PostgreSQL,
where the bot's first read aggregates the earlier readings as JSON its own way."""

from __future__ import annotations

import pytest

from tests.support.prepared import check_the_turns_read_is_the_orms

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_bots_first_read_prepared_is_the_orms(settings, queues) -> None:
    check_the_turns_read_is_the_orms(settings, queues)
