"""Statements compiled once per process (helpdesk/infrastructure/prepared.py), on PostgreSQL,
where the bot's first read aggregates the earlier readings as JSON its own way."""

from __future__ import annotations

import pytest

from tests.support.prepared import (
    check_a_row_insert_writes_what_save_writes,
    check_a_row_update_writes_what_save_writes,
    check_the_bots_repeat_check_is_the_orms,
    check_the_list_row_is_the_orms,
    check_the_turns_read_is_the_orms,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_bots_first_read_prepared_is_the_orms(settings, queues) -> None:
    check_the_turns_read_is_the_orms(settings, queues)


def test_the_bots_repeat_check_prepared_is_the_orms(settings, queues) -> None:
    check_the_bots_repeat_check_is_the_orms(settings, queues)


def test_a_row_update_writes_what_save_writes(settings, queues) -> None:
    check_a_row_update_writes_what_save_writes(settings, queues)


def test_a_row_insert_writes_what_save_writes(settings, queues) -> None:
    check_a_row_insert_writes_what_save_writes(settings, queues)


def test_the_list_row_prepared_is_the_orms(settings, queues) -> None:
    check_the_list_row_is_the_orms(settings, queues)
