"""A routing rule as the admin's rule editor posts it, for the tests that add rules there."""

from __future__ import annotations

import json


def form(**overrides) -> dict:
    data = {
        "name": "Tech by keyword",
        "description": "",
        "stage": "on_message",
        "order": "80",
        "enabled": "on",
        "conditions": json.dumps({"match": "all", "items": [{"type": "text_contains", "words": ["error 500"]}]}),
        "actions": json.dumps([{"type": "handoff", "queue": "Tech", "trigger": "tech_keyword"}]),
    }
    data.update(overrides)
    return data
