"""The scorecard's hand-computed checks again on PostgreSQL, where percentiles use
percentile_cont and the period bounds use the server's time arithmetic."""

from __future__ import annotations

import pytest

from tests.support.scorecard_cases import (  # noqa: F401 - collected here under the postgres mark
    scripted,
    test_a_repeat_contact_within_seven_days_counts,
    test_every_figure_by_hand,
    test_rates_without_a_denominator_are_null,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
