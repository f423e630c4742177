"""How the supervisor splits the run's CPU time among cases (``sandbox.run.Run._case_ms``).

The frames are the child's; the CPU count, which the cgroup gives in a real run, is a
counter each test sets by hand, so a read that delivers several frames at once (a busy
machine) can be replayed exactly.
"""

from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pytest

from sandbox import CaseSpec, Limits, RunRequest
from sandbox.protocol import HEADER, encode_frame
from sandbox.run import Run


class _Counter:
    """The cgroup's CPU seconds, as the run's clock reads them (``_CpuSource``)."""

    seconds = 0.0

    def cpu_seconds(self) -> float:
        return self.seconds


def _run() -> tuple[Run, _Counter]:
    cases = tuple(CaseSpec(f"c{i}", {"x": np.ones(2, np.float32)}) for i in range(3))
    request = RunRequest(code="", harness_code="", entry="f", cases=cases)
    box = types.SimpleNamespace(scratch_root=Path("/nonexistent"), layers=(), disabled_layers=())
    run = Run(box, request, Limits(), on_case=None, mode="batch",  # type: ignore[arg-type]
              fork_server=lambda runtime: None)  # type: ignore[arg-type,return-value]
    counter = _Counter()
    run.clock.group = counter
    return run, counter


def _frame(run: Run, meta: dict, output: bool = False) -> None:
    arrays = {"output": np.ones(2, np.float32)} if output else None
    run._on_frame(encode_frame(meta, arrays)[HEADER.size:])


def _program_then_alone_case(reported_cpu: float, cgroup_during_case: float) -> list[float]:
    """A program of cases 1 and 2 (10 -> 100 ms of CPU), case 0 run alone after it."""
    run, counter = _run()
    _frame(run, {"type": "ready"})
    counter.seconds = 0.010
    _frame(run, {"type": "batch", "cases": 3})
    counter.seconds = 0.100
    _frame(run, {"type": "batched"})
    counter.seconds += cgroup_during_case
    _frame(run, {"type": "case", "index": 0, "status": "ok", "execution": "per_case",
                 "seconds": 0.05, "cpu": reported_cpu}, output=True)
    for index in (1, 2):
        _frame(run, {"type": "case", "index": index, "status": "ok", "execution": "batch",
                     "seconds": 0.02, "share": 0.5}, output=True)
    return [run.outcomes[i].cpu_ms for i in range(3)]


def test_allow_a_case_alone_after_the_program_counts_its_own_cpu_time():
    # Read apart: the cgroup saw the case's 40 ms between the two frames.
    assert _program_then_alone_case(0.040, cgroup_during_case=0.040) == pytest.approx([40, 45, 45])


def test_allow_a_case_read_with_the_programs_end_takes_its_cpu_time_back():
    # One read: the program's count already holds the case's 40 ms, which the case
    # takes back (the child's figure); the cases still add up to the cgroup's 90 ms.
    assert _program_then_alone_case(0.040, cgroup_during_case=0.0) == pytest.approx([40, 25, 25])


def test_deny_a_forged_case_cpu_figure_takes_more_than_the_program_held():
    # A child's figure only splits the cgroup's count: never more than the program's 90 ms.
    assert _program_then_alone_case(99.0, cgroup_during_case=0.0) == pytest.approx([90, 0, 0])
    assert _program_then_alone_case(float("nan"), cgroup_during_case=0.0) == pytest.approx(
        [0, 45, 45])
