"""The load script's CI version: 40 mixed submissions from 10 concurrent clients
against a real ``serve`` on SQLite and on PostgreSQL (the 200-submission run is
``bench/load.py``; its figures are in the README).  No timing is asserted."""

from __future__ import annotations

import pytest

from bench.load import ok, run_load


@pytest.mark.slow
@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_forty_mixed_submissions_from_ten_clients_each_graded_once(db, postgres_available):
    if db == "postgresql" and not postgres_available:
        pytest.fail("PostgreSQL is not running on 127.0.0.1:5432")
    figures = run_load(submissions=40, clients=10, workers=2, db=db, timeout=300)
    assert set(figures["alone"].values()) == {"accepted", "wrong_answer", "runtime_error",
                                              "time_limit_exceeded", "memory_limit_exceeded"}
    assert figures["errors"] == [] and figures["done"] == 40
    assert ok(figures), figures
