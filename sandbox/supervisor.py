"""Trusted side of the sandbox: owns its fork servers and runs requests one at a time.

The supervisor never imports JAX or PyTorch and never executes submitted code.  It
keeps one fork server per runtime (``sandbox/frameworks.py``): the JAX one, and the
PyTorch one, started on the first PyTorch run only and kept warm after it.  A run's state
machine is ``sandbox/run.py``; the fork server client ``sandbox/zygote_client.py``;
the sweep of dead workers' leftovers ``sandbox/sweep.py``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sandbox.classify import internal_result
from sandbox.errors import SandboxError, ScratchUnavailable
from sandbox.frameworks import why_unavailable
from sandbox.layers import REQUIRED
from sandbox.run import EXECUTION_LADDER, Run
from sandbox.sweep import sweep_stale_runs
from sandbox.types import CaseOutcome, Limits, RunRequest, RunResult
from sandbox.zygote_client import ZygoteClient

log = logging.getLogger("tensorjudge.sandbox")

DEFAULT_SCRATCH_ROOT = "/dev/shm/tensorjudge-scratch"


class Sandbox:
    """Runs untrusted code in confined children of warm fork servers (one per runtime).

    One run at a time per instance (a grading worker owns one).  ``disabled_layers``
    is an explicit, loudly logged development override; it is empty by default.
    """

    def __init__(self, scratch_root: str = DEFAULT_SCRATCH_ROOT,
                 disabled_layers: tuple[str, ...] = (), python: str = sys.executable,
                 max_runs_per_zygote: int = 200, zygote_timeout_s: float = 30.0,
                 zygote_start_s: float = 120.0):
        self.scratch_root = Path(scratch_root)
        # How long the fork server may take to answer (fork a child, or report an exit
        # after a kill) before it counts as hung and is replaced.
        self.zygote_timeout_s = zygote_timeout_s
        self.zygote_start_s = zygote_start_s  # importing JAX: minutes on an emulated host
        self.disabled_layers = tuple(disabled_layers)
        self.python = python
        self.max_runs_per_zygote = max_runs_per_zygote
        self._zygotes: dict[str, ZygoteClient] = {}
        self._swept = False
        self._lock = threading.Lock()
        # The fork server dies with the *thread* that started it (PR_SET_PDEATHSIG), so
        # it is always started from this one, which lives as long as the sandbox: a run
        # from a short-lived thread must not leave a fork server about to be killed.
        self._starter = ThreadPoolExecutor(1, thread_name_prefix="fork-server-starter")
        # make_way() writes a byte here; a background run watches the read end.  Both
        # are -1 once closed; the lock keeps make_way() from writing to a closed fd's
        # number, which may already name another file (it is held only for one write).
        self.make_way_fd, self._make_way_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._make_way_lock = threading.Lock()
        if self.disabled_layers:
            log.warning("SANDBOX LAYERS DISABLED BY OPERATOR: %s", ", ".join(self.disabled_layers))

    @property
    def layers(self) -> tuple[str, ...]:
        return tuple(name for name in REQUIRED if name not in self.disabled_layers)

    def make_way(self) -> None:
        """Stop the background run in progress, if any, so a learner's run can start.

        Thread-safe and never blocks.  Only a ``background`` request gives way (its
        result ends ``Termination.YIELDED``, nothing of it judged); a learner's run
        ignores the request, and a request made between runs is dropped when the next
        run starts.  After ``close()`` it does nothing (a worker's watcher may still ask).
        """
        with self._make_way_lock, contextlib.suppress(BlockingIOError):  # already pending
            if self._make_way_w >= 0:
                os.write(self._make_way_w, b"\x01")

    def close(self) -> None:
        """Stop the fork servers and release the make-way pipe; calling it again is harmless."""
        with self._lock:
            self._drop_zygotes()
            # After the fork servers: they die with the starter's thread (PR_SET_PDEATHSIG).
            self._starter.shutdown(wait=False)
            with self._make_way_lock:
                for fd in (self.make_way_fd, self._make_way_w):
                    if fd >= 0:
                        os.close(fd)
                self.make_way_fd = self._make_way_w = -1

    def _drop_zygotes(self) -> None:
        zygotes, self._zygotes = self._zygotes, {}
        for zygote in zygotes.values():
            zygote.close()

    def fork_server_pids(self) -> dict[str, int]:
        """The live fork servers' pids by runtime (for benchmarks and tests)."""
        return {runtime: z.process.pid for runtime, z in self._zygotes.items() if z.alive()}

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fork_server(self, runtime: str = "jax") -> ZygoteClient:
        """The live fork server of ``runtime`` ("jax" or "torch"), started (or replaced
        when dead or worn out) as needed."""
        zygote = self._zygotes.get(runtime)
        if zygote is not None and (not zygote.alive() or zygote.runs >= self.max_runs_per_zygote):
            zygote.close()
            del self._zygotes[runtime]
            zygote = None
        if zygote is None:
            if not self._swept:
                sweep_stale_runs(self.scratch_root, "cgroup" in self.layers)
                self._swept = True
            zygote = self._zygotes[runtime] = self._starter.submit(
                ZygoteClient, self.python, self.zygote_start_s, runtime).result()
        return zygote

    def run(self, request: RunRequest, limits: Limits,
            on_case: Callable[[int, CaseOutcome], bool | None] | None = None) -> RunResult:
        """Run ``request`` under ``limits``.

        ``on_case(index, outcome)`` is called as each case finishes; if it returns True
        the run stops there and the remaining cases are reported as not run.
        """
        with self._lock:
            unavailable = why_unavailable(request.framework)
            if unavailable:
                return internal_result(request, f"the grader cannot run this: {unavailable}")
            try:
                return self._run_ladder(request, limits, on_case)
            except ScratchUnavailable as exc:
                log.error("sandbox run failed: %s", exc)
                return internal_result(request, f"the grader's sandbox failed: {exc}")
            except (OSError, SandboxError, json.JSONDecodeError) as exc:
                log.exception("sandbox run failed")
                self._drop_zygotes()
                return internal_result(request, f"the grader's sandbox failed: {exc}")
            except BaseException:
                # Raised by ``on_case`` (e.g. the caller's database went away): the exit
                # status of the killed child is still unread on the fork server's socket
                # and would be taken for the next run's reply, so start a fresh one.
                self._drop_zygotes()
                raise

    def _run_ladder(self, request: RunRequest, limits: Limits,
                    on_case: Callable[[int, CaseOutcome], bool | None] | None) -> RunResult:
        """Run ``request``; if compiling it ran out of CPU time or memory, run the cases
        from the one it died on again one step down ``EXECUTION_LADDER``.

        An optimisation must never change a verdict: the learner is judged by the last
        path that ran, each path under the problem's own limits.
        """
        run = Run(self, request, limits, on_case, EXECUTION_LADDER[0])
        result = run.execute()
        while run.fall_back_from is not None:
            start = run.fall_back_from
            mode = EXECUTION_LADDER[EXECUTION_LADDER.index(run.mode) + 1]
            log.info("run %s: %s path ran out of %s at case %d; trying %s", run.run_id, run.mode,
                     result.termination.value, start, mode)
            rest = dataclasses.replace(request, cases=request.cases[start:])
            shifted = None if on_case is None else (
                lambda index, outcome, _start=start: on_case(index + _start, outcome))
            run = Run(self, rest, limits, shifted, mode)
            later = run.execute()
            later.cases = result.cases[:start] + later.cases
            later.wall_ms += result.wall_ms
            later.cpu_ms += result.cpu_ms
            result = later
        return result
