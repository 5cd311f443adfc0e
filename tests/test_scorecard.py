"""The scorecard against a scripted set of conversations, every figure computed by hand."""

from __future__ import annotations

import pytest

from analytics.scorecard import scorecard
from tests.support.scorecard_cases import (  # noqa: F401 - the shared checks, collected here
    scripted,
    test_a_repeat_contact_within_seven_days_counts,
    test_every_figure_by_hand,
    test_rates_without_a_denominator_are_null,
    today,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_is_for_supervisors(client, queues, agent, supervisor) -> None:
    url = "/api/v1/analytics/scorecard/?start=2026-01-01&end=2026-02-01"
    assert client.get(url).status_code == 401
    client.force_login(agent.user)
    assert client.get(url).status_code == 403
    client.force_login(supervisor.user)
    answer = client.get(url)
    assert answer.status_code == 200 and answer.json()["volume"] == 0
    assert client.get("/api/v1/analytics/scorecard/?start=2026-02-01&end=2026-01-01").status_code == 400
    assert client.get("/api/v1/analytics/scorecard/?start=yesterday").status_code == 400


def test_query_count_is_bounded(scripted, django_assert_max_num_queries) -> None:  # noqa: F811 - the imported fixture
    with django_assert_max_num_queries(30):
        scorecard(*today())


def test_csv_exports_stream_one_row_per_conversation(client, scripted, supervisor, agent) -> None:  # noqa: F811 - the imported fixture
    import csv
    import io

    start, end = today()
    client.force_login(supervisor.user)
    answer = client.get(f"/api/v1/analytics/conversations.csv?start={start}&end={end}")
    assert answer.status_code == 200 and answer.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert len(rows) == 7
    by_outcome = {r["outcome"] for r in rows}
    assert by_outcome == {
        "contained",
        "handed_off_resolved",
        "abandoned_in_bot",
        "abandoned_in_queue",
        "abandoned_with_agent",
        "",
    }
    handed = next(r for r in rows if r["outcome"] == "handed_off_resolved" and r["csat"])
    assert handed["csat"] == "3" and handed["agent"] == "grace" and float(handed["handle_time_s"]) >= 0
    card = client.get(f"/api/v1/analytics/scorecard.csv?start={start}&end={end}")
    lines = b"".join(card.streaming_content).decode()
    assert "containment_rate,0.1667" in lines and "csat_by_outcome.contained,5.0" in lines
    client.force_login(agent.user)
    assert client.get(f"/api/v1/analytics/conversations.csv?start={start}&end={end}").status_code == 403


def test_the_dashboard_and_weekly_view_for_supervisors_only(client, scripted, supervisor, agent) -> None:  # noqa: F811 - the imported fixture
    client.force_login(agent.user)
    assert client.get("/analytics/").status_code == 403
    client.force_login(supervisor.user)
    page = client.get("/analytics/")
    html = page.content.decode()
    assert page.status_code == 200 and "Containment" in html and "<svg" in html and "Payment methods" in html
    weekly = client.get("/analytics/weekly/").content.decode()
    assert "Weekly scorecard" in weekly and "CSAT by outcome" in weekly and "<svg" in weekly
