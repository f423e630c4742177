"""A submission's later process group, started before its turn on the sandbox's second slot.

A submission's visible and hidden cases run in separate processes (``process_groups``).
Run one after the other, the hidden group waits for the whole visible one; on a worker
with a spare slot the grader starts the hidden group at once, beside the visible one.
Its cases are handed to the grader only when the grader turns to that group, in the
order the run produced them, so they are judged, held back, streamed and shown exactly
as if the run had started then: only the waiting is removed.  Each process keeps its own
cgroup and its own CPU-time allowance, so the verdict does not depend on whether the
groups overlapped.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from sandbox import CaseOutcome, Limits, RunRequest, RunResult, Sandbox


class RunAhead:
    """One sandboxed run in a thread of its own; ``replay`` hands over what it produced."""

    def __init__(self, sandbox: Sandbox, request: RunRequest, limits: Limits):
        self._events: queue.SimpleQueue[tuple[str, Any, Any]] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, args=(sandbox, request, limits),
                                        name="run-ahead", daemon=True)
        self._thread.start()

    def _run(self, sandbox: Sandbox, request: RunRequest, limits: Limits) -> None:
        try:
            result = sandbox.run(request, limits, on_case=self._on_case)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the grader's thread
            self._events.put(("error", exc, None))
            return
        self._events.put(("done", result, None))

    def _on_case(self, index: int, outcome: CaseOutcome) -> None:
        self._events.put(("case", index, outcome))

    def replay(self, on_case: Callable[[int, CaseOutcome], object]) -> RunResult:
        """Call ``on_case(index, outcome)`` for each case as the run finished it (waiting
        for the run where it has not got there yet), then return the run's result; an
        exception the run raised is raised here.  Never stops the run: a grader that
        stops at the first failure runs its groups one after the other instead."""
        while True:
            kind, first, second = self._events.get()
            if kind == "case":
                on_case(first, second)
            elif kind == "done":
                return first
            else:
                raise first
