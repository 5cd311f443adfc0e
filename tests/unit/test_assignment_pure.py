from __future__ import annotations

from datetime import datetime

import pytest

from routing.assignment import AgentLoad, choose_agent

EARLY = datetime(2026, 1, 1, 9, 0)
LATE = datetime(2026, 1, 1, 10, 0)


@pytest.mark.parametrize(
    ("candidates", "order"),
    [
        ([AgentLoad(1, 2, 3, EARLY), AgentLoad(2, 1, 3, LATE)], [2, 1]),  # fewest chats first
        ([AgentLoad(1, 1, 3, LATE), AgentLoad(2, 1, 3, EARLY)], [2, 1]),  # tie: idle longest first
        ([AgentLoad(1, 1, 3, LATE), AgentLoad(2, 1, 3, None)], [2, 1]),  # never assigned = idle longest
        ([AgentLoad(1, 3, 3, EARLY), AgentLoad(2, 0, 0, None)], []),  # full, and no capacity at all
        ([], []),
    ],
)
def test_least_loaded_then_longest_idle_with_a_free_slot(candidates, order) -> None:
    assert [c.user_id for c in choose_agent(candidates)] == order
