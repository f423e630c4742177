"""Turn what a run saw (exit status, frames, log, cgroup events) into a ``RunResult``.

A submission's failure becomes a case status (time, memory, output, signal, crash);
only a failure of the sandbox itself is ``internal``.
"""

from __future__ import annotations

import os
import signal
import time
from typing import TYPE_CHECKING, TypeGuard

from sandbox.types import CaseOutcome, CaseStatus, RunRequest, RunResult, Termination

if TYPE_CHECKING:
    from sandbox.run import Run

_MAX_TEXT = 64 * 1024  # per message or captured stdout taken from a frame
_MEMORY_PATTERNS = ("out of memory", "bad_alloc", "resource_exhausted", "cannot allocate memory")


def internal_result(request: RunRequest, message: str) -> RunResult:
    """Every case ``internal``: the grader failed, not the code."""
    cases = [CaseOutcome(c.name, CaseStatus.INTERNAL, message=message) for c in request.cases]
    return RunResult(cases=cases, termination=Termination.INTERNAL, exit_detail=message)


def ending(run: Run, status: int) -> tuple[Termination, str]:
    """How the run ended and a one-line detail, from the exit status and what was seen.

    Memory is decided by the kernel's record (the memory cgroup's OOM kills and limit
    hits) or the child's own MemoryError frame, never by a clock: a run that reached
    its memory limit and was then stopped by a time limit (it was thrashing there,
    reclaiming pages the kernel had not yet given up on) is a memory verdict.
    """
    if run.killed_for is Termination.TIME and run.group and run.group.hit_memory_limit():
        return Termination.MEMORY, (f"memory limit reached (the run thrashed at its memory "
                                    f"limit until the {run.time_limit} time limit stopped it)")
    if run.killed_for is Termination.TIME:
        return Termination.TIME, f"killed: time limit ({run.time_limit})"
    if run.killed_for is Termination.YIELDED:
        return Termination.YIELDED, "stopped to make way for a learner's run"
    if run.killed_for is not None:
        return run.killed_for, f"killed: {run.killed_for.value} limit"
    if run.group and run.group.oom_killed():
        return Termination.MEMORY, "killed by the out-of-memory killer"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals.__members__.values() else str(sig)
        # SIGKILL past the CPU limit: the submission ignored SIGXCPU.
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and run.clock.reaped_cpu >= run.cpu_limit):
            run.time_limit = "cpu"
            return Termination.TIME, "killed: time limit (cpu)"
        log_text = run.log.decode(errors="replace").lower()
        if sig == signal.SIGABRT and any(p in log_text for p in _MEMORY_PATTERNS):
            return Termination.MEMORY, "aborted while allocating memory"
        return Termination.SIGNAL, f"killed by signal {name}"
    code = os.WEXITSTATUS(status)
    if "internal" in run.events and not run.untrusted_started:
        return Termination.INTERNAL, text_of(run.events["internal"].get("message"))
    return Termination.EXITED, f"exited with code {code}"


def classify(run: Run, status: int) -> RunResult:
    """The run's result: every case's outcome, the ones it never reached included."""
    termination, detail = ending(run, status)
    n_cases = len(run.request.cases)
    names = [c.name for c in run.request.cases]
    log_text = run.log.decode(errors="replace")
    result = RunResult(cases=[], termination=termination, exit_detail=detail, log=log_text,
                       log_truncated=run.log_total > len(run.log),
                       time_limit=run.time_limit if termination is Termination.TIME else None)
    run.fall_back_from = fall_back_from(run, termination)
    if termination is Termination.INTERNAL:
        result.cases = [CaseOutcome(n, CaseStatus.INTERNAL, message=detail) for n in names]
        return result
    if "compile_error" in run.events:
        event = run.events["compile_error"]
        result.cases = [CaseOutcome(n, CaseStatus.COMPILE_ERROR, message=text_of(event.get("message")),
                                    line=int_or_none(event.get("line")),
                                    column=int_or_none(event.get("column"))) for n in names]
        return result
    if "load_error" in run.events and "ready" not in run.events:
        event = run.events["load_error"]
        status_ = CaseStatus.MEMORY if event.get("memory") else CaseStatus.ERROR
        result.cases = [CaseOutcome(n, status_, message=text_of(event.get("message")),
                                    summary=text_of(event.get("summary")),
                                    stdout=text_of(event.get("stdout"))) for n in names]
        return result
    first_missing = True
    for index in range(n_cases):
        if index in run.outcomes:
            result.cases.append(run.outcomes[index])
            continue
        if first_missing and termination not in (Termination.STOPPED, Termination.YIELDED):
            first_missing = False
            status_ = {Termination.TIME: CaseStatus.TIME, Termination.MEMORY: CaseStatus.MEMORY,
                       Termination.OUTPUT: CaseStatus.OUTPUT}.get(termination, CaseStatus.CRASHED)
            now = time.monotonic()
            if "ready" not in run.events and termination is Termination.EXITED:
                detail_ = f"the process {detail} while loading your code"
            elif status_ is CaseStatus.TIME:
                detail_ = run.clock.time_message(run.time_limit, run.step_s(),
                                                 "ready" not in run.events, now)
            else:
                detail_ = f"the process {detail}" if status_ is CaseStatus.CRASHED else detail
            result.cases.append(CaseOutcome(
                names[index], status_, message=detail_, time_ms=(now - run.clock.step_started) * 1000,
                cpu_ms=run.clock.step_cpu_used() * 1000,
                time_limit=run.time_limit if status_ is CaseStatus.TIME else None,
                execution=run.mode))
        else:
            why = ("the run made way for a learner's" if termination is Termination.YIELDED
                   else "an earlier case ended the process")
            result.cases.append(CaseOutcome(names[index], CaseStatus.NOT_RUN, message=f"not run: {why}"))
    return result


def fall_back_from(run: Run, termination: Termination) -> int | None:
    """The case to run again one step down the execution ladder, or None.

    Only CPU time and memory (what compiling multiplies) send a run down, only after
    the code loaded, only from a path that compiles, and never after a case of the
    run failed on its own.
    """
    if run.mode == run.ladder[-1] or "ready" not in run.events:
        return None
    if not (termination is Termination.MEMORY
            or (termination is Termination.TIME and run.time_limit == "cpu")):
        return None
    if not run.events["ready"].get("compiles"):
        return None
    start = next((i for i in range(len(run.request.cases)) if i not in run.outcomes), None)
    if start is None or any(o.status is not CaseStatus.OK for o in run.outcomes.values()):
        return None
    return start


def finite(value: object) -> TypeGuard[int | float]:
    """A real number a child may report (no bool, NaN or infinity)."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and abs(value) < float("inf"))


def text_of(value: object, cap: int = _MAX_TEXT) -> str:
    """Text from a child's frame: a str or nothing, capped, valid UTF-8 (no lone surrogates)."""
    if not isinstance(value, str):
        return ""
    return value[:cap].encode("utf-8", "replace").decode("utf-8")


def int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
