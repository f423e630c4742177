"""``Sandbox.make_way``: a background run (validation, warming) stops so that a learner's
run can start; a learner's run never does, and a request made between runs is dropped."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from sandbox import CaseSpec, CaseStatus, RunRequest, RunResult, Sandbox, Termination
from sandbox.harnesses import builtin_source
from tests.sandbox.conftest import FAST

# The second case spins until its CPU limit unless the run is stopped first.
CODE = textwrap.dedent("""
    import numpy as np

    def f(n):
        while n == 2:
            pass
        return np.arange(3) * n
""")


def _run(box: Sandbox, background: bool, ask_after_first: bool) -> RunResult:
    cases = (CaseSpec("first", {"n": 1}), CaseSpec("spins", {"n": 2}))
    request = RunRequest(code=CODE, harness_code=builtin_source("call"), entry="f", cases=cases,
                         background=background)

    def on_case(index: int, _outcome: object) -> None:
        if index == 0 and ask_after_first:
            box.make_way()  # as a worker's watcher does when a learner's job waits

    return box.run(request, FAST, on_case=on_case)


def test_a_background_run_makes_way_and_reports_what_it_did_not_run(sandbox: Sandbox):
    result = _run(sandbox, background=True, ask_after_first=True)
    assert result.termination is Termination.YIELDED, (result.termination, result.exit_detail)
    first, spins = result.cases
    assert first.status is CaseStatus.OK and first.output is not None
    assert spins.status is CaseStatus.NOT_RUN and "made way" in spins.message


def test_a_learners_run_ignores_make_way(sandbox: Sandbox):
    result = _run(sandbox, background=False, ask_after_first=True)
    assert result.termination is Termination.TIME, (result.termination, result.exit_detail)
    assert [c.status for c in result.cases] == [CaseStatus.OK, CaseStatus.TIME]
    assert result.cases[1].time_limit == "cpu"


def test_a_request_made_before_a_background_run_is_not_for_it(sandbox: Sandbox):
    sandbox.make_way()
    sandbox.make_way()  # several pending requests are one
    cases = (CaseSpec("only", {"n": 3}),)
    result = sandbox.run(RunRequest(code=CODE, harness_code=builtin_source("call"), entry="f",
                                    cases=cases, background=True), FAST)
    assert result.termination is Termination.EXITED, (result.termination, result.exit_detail)
    assert result.cases[0].status is CaseStatus.OK


def _still_open(fd: int, identity: tuple[int, int]) -> bool:
    """Whether ``fd`` still names the pipe it named (a closed number may be reused)."""
    try:
        st = os.fstat(fd)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == identity


def test_close_releases_the_make_way_pipe_and_a_later_request_does_nothing(tmp_path: Path):
    box = Sandbox(scratch_root=str(tmp_path))  # no run: no fork server is started
    fds = (box.make_way_fd, box._make_way_w)
    identities = [(os.fstat(fd).st_dev, os.fstat(fd).st_ino) for fd in fds]
    box.close()
    box.make_way()  # as a worker's watcher may, after the worker closed its sandbox
    box.close()  # closing twice is harmless
    assert not any(_still_open(fd, identity) for fd, identity in zip(fds, identities, strict=True))
