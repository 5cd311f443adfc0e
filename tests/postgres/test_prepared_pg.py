"""The prepared statements' tests (tests/test_prepared.py) on PostgreSQL, which compiles its own
SQL for each of them (the bot's first read aggregates the earlier readings as JSON its own way)."""

from __future__ import annotations

import pytest

from tests.test_prepared import (  # noqa: F401 - collected here too, marked for PostgreSQL
    _no_bot,
    test_a_prepared_statement_runs_again_with_new_values_and_finds_nothing_as_nothing,
    test_a_row_insert_writes_what_save_writes,
    test_a_row_update_writes_what_save_writes,
    test_a_statement_that_does_not_carry_its_value_unchanged_is_refused,
    test_the_bots_first_read_prepared_is_the_orms,
    test_the_bots_repeat_check_prepared_is_the_orms,
    test_the_list_row_prepared_is_the_orms,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
