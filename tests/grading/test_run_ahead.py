"""A submission's hidden group started beside its visible one (``sandbox_slots`` = 2):
the two processes really overlap, and nothing a learner or the gradebook sees changes,
neither the verdicts nor the order in which cases arrive.  Real sandbox, tiny problem."""

from __future__ import annotations

import threading
import time

import pytest

from app.grading.engine import Grader
from app.grading.verdicts import Verdict
from app.problems.manifest import load_problem
from sandbox import Sandbox
from tests.conftest import DATA_DIR
from tests.tiny_problem import TINY_REFERENCE, write_tiny_problem

SCRATCH = "/dev/shm/tensorjudge-test-scratch"


class OverlapProof(Sandbox):
    """A real two-slot sandbox whose visible-group run may only begin once the hidden
    group's run has entered ``run``: grading one group after the other would wait here
    (and fail the test) instead of passing by luck of timing."""

    def __init__(self, hidden_case: str):
        super().__init__(scratch_root=SCRATCH, slots=2)
        self.hidden_case = hidden_case
        self.hidden_entered = threading.Event()
        self.waited_for_hidden = False
        self.gated = False

    def run(self, request, limits, on_case=None):
        names = [case.name for case in request.cases]
        if not self.gated or request.cache_writable:  # warming up; the reference's runs
            pass
        elif self.hidden_case in names:
            self.hidden_entered.set()
        else:
            self.waited_for_hidden = self.hidden_entered.wait(timeout=120)
            self.hidden_entered.clear()  # each grading's visible run waits for its own
        return super().run(request, limits, on_case)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    problems_dir, _ = write_tiny_problem(tmp_path_factory.mktemp("tiny-ahead"))
    return load_problem(problems_dir / "vector-add")


def wait_for(condition, timeout: float = 600.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.fixture(scope="module")
def overlapping(tiny):
    hidden = next(case.name for case in tiny.cases if not case.visible)
    with OverlapProof(hidden) as box:
        grader = Grader(box, DATA_DIR)
        # A fresh sandbox has no warm fork server: the first grading runs its groups one
        # after the other and then starts a spare, so the next ones can overlap.
        first = grader.grade(tiny, TINY_REFERENCE, "submit")
        assert first.verdict is Verdict.ACCEPTED
        assert wait_for(lambda: box.idle_fork_servers("jax") == 2), "no spare fork server started"
        box.gated = True
        yield grader


CODES = {
    "reference": TINY_REFERENCE,
    "wrong": "def add(a, b):\n    return [x + y + 1.0 for x, y in zip(a, b)]\n",
    "fails_on_hidden_only": (
        "def add(a, b):\n    if len(a) > 3:\n        raise ValueError('long')\n"
        "    return [x + y for x, y in zip(a, b)]\n"),
    "wrong_on_hidden_only": (
        "import numpy as np\n\ndef add(a, b):\n"
        "    return np.asarray(a) + np.asarray(b) + (len(a) > 3)\n"),
    "compile_error": "def add(a, b)\n    return a\n",
}


@pytest.mark.parametrize("name", sorted(CODES))
def test_hidden_group_overlaps_and_changes_nothing(grader, overlapping, tiny, name):
    code = CODES[name]
    seen: dict[str, list[str]] = {"ahead": [], "alone": []}

    def graded(by, grader_):
        # What the worker streams: each case as on_case hands it over, and a mark where
        # between_groups flushed (the visible cases are shown before the hidden ones).
        return grader_.grade(tiny, code, "submit", on_case=lambda c: seen[by].append(c.name),
                             between_groups=lambda: seen[by].append("|"))

    overlapping.sandbox.waited_for_hidden = False
    ahead = graded("ahead", overlapping)
    assert overlapping.sandbox.waited_for_hidden, "the visible group ran before the hidden one began"
    alone = graded("alone", grader)  # the session's one-slot sandbox: one group after the other
    assert alone.verdict is ahead.verdict
    assert [(c.name, c.verdict, c.message, c.stdout) for c in ahead.cases] == \
        [(c.name, c.verdict, c.message, c.stdout) for c in alone.cases]
    assert ahead.stdout == alone.stdout
    assert seen["ahead"] == seen["alone"]
    assert sorted(n for n in seen["ahead"] if n != "|") == sorted(c.name for c in tiny.cases)


def test_a_grading_that_stops_at_the_first_failure_runs_one_group_after_the_other(tiny):
    class Counting(Sandbox):
        def __init__(self):
            super().__init__(scratch_root=SCRATCH, slots=2)
            self.requests: list[list[str]] = []

        def run(self, request, limits, on_case=None):
            self.requests.append([case.name for case in request.cases])
            return super().run(request, limits, on_case)

    with Counting() as box:
        result = Grader(box, DATA_DIR).grade(tiny, CODES["wrong"], "submit", stop_on_failure=True)
        assert result.verdict is Verdict.WRONG_ANSWER
        # The visible case failed, so the hidden group never ran at all.
        assert box.requests == [[c.name for c in tiny.cases if c.visible]]
