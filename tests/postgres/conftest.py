"""Every module here runs on PostgreSQL (make test-postgres sets DATABASE_URL)."""

from __future__ import annotations

import os

import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def _on_postgres() -> None:
    if connection.vendor != "postgresql":
        # Only reached by a bare `pytest` on a developer's machine: CI runs these through
        # `make test-postgres`, and there a wrong database is a failure, never a skip.
        if os.environ.get("CI"):
            pytest.fail("the PostgreSQL tests ran without DATABASE_URL=postgres://...", pytrace=False)
        pytest.skip("run with DATABASE_URL=postgres://... (make test-postgres)")
