"""Verdicts are a property of the code, not of how busy the machine is: the corpus of
``bench/fairness.py`` (every verdict: correct, wrong, runtime and compile errors, busy
loops, sleepers, memory bombs and creeps, fork and thread bombs, an output flood) is
graded through a real ``serve`` once idle and once beside CPU hogs on every core plus a
memory-bandwidth hog, which the test starts and stops itself.  No timing is asserted."""

from __future__ import annotations

import pytest

from bench.fairness import CORPUS, report, run_fairness


@pytest.mark.slow
@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_every_verdict_is_the_same_idle_and_under_load(db, postgres_available):
    if db == "postgresql" and not postgres_available:
        pytest.fail("PostgreSQL is not running on 127.0.0.1:5432")
    assert len(CORPUS) >= 20
    assert {want for want, _ in CORPUS.values()} == {
        "accepted", "wrong_answer", "runtime_error", "compile_error", "time_limit_exceeded",
        "memory_limit_exceeded", "output_limit_exceeded"}
    figures = run_fairness(db=db, workers=2)
    text = report(figures)
    assert figures["unexpected"] == [], text
    assert figures["flips"] == [], text
    # Which clock stopped the time-limited files is part of the verdict's record.
    for part in ("idle", "loaded"):
        files = figures[part]["files"]
        assert files["busy_loop"]["time_limit"] == "cpu", text
        assert files["sleeper"]["time_limit"] == "wall", text
