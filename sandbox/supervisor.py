"""Trusted side of the sandbox: owns its fork servers and runs requests, ``slots`` at a time.

The supervisor never imports JAX or PyTorch and never executes submitted code.  It
keeps warm fork servers per runtime (``sandbox/frameworks.py``): JAX ones, and PyTorch
ones, started on the first PyTorch run only and kept warm after it.  A fork server
serves one child at a time, so each run in progress holds its own: at most ``slots``
per runtime.  A run's state
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
from sandbox.frameworks import RUNTIME, why_unavailable
from sandbox.layers import REQUIRED
from sandbox.run import EXECUTION_LADDER, Run
from sandbox.sweep import sweep_stale_runs
from sandbox.types import CaseOutcome, Limits, RunRequest, RunResult
from sandbox.zygote_client import ZygoteClient

log = logging.getLogger("tensorjudge.sandbox")

DEFAULT_SCRATCH_ROOT = "/dev/shm/tensorjudge-scratch"


class Sandbox:
    """Runs untrusted code in confined children of warm fork servers.

    At most ``slots`` runs at a time per instance (a grading worker owns one; it uses
    the second slot to run a submission's hidden cases beside its visible ones); a
    further ``run`` waits for a slot.  ``disabled_layers`` is an explicit, loudly
    logged development override; it is empty by default.
    """

    def __init__(self, scratch_root: str = DEFAULT_SCRATCH_ROOT,
                 disabled_layers: tuple[str, ...] = (), python: str = sys.executable,
                 max_runs_per_zygote: int = 200, zygote_timeout_s: float = 30.0,
                 zygote_start_s: float = 120.0, slots: int = 1):
        self.scratch_root = Path(scratch_root)
        # How long the fork server may take to answer (fork a child, or report an exit
        # after a kill) before it counts as hung and is replaced.
        self.zygote_timeout_s = zygote_timeout_s
        self.zygote_start_s = zygote_start_s  # importing JAX: minutes on an emulated host
        self.disabled_layers = tuple(disabled_layers)
        self.python = python
        self.max_runs_per_zygote = max_runs_per_zygote
        if slots < 1:
            raise ValueError(f"a sandbox needs at least one slot (got {slots})")
        self.slots = slots
        self._free_slots = threading.BoundedSemaphore(slots)
        # Warm fork servers no run holds, by runtime; the last one given back is the
        # next one taken, so a single slot keeps reusing one server.
        self._idle: dict[str, list[ZygoteClient]] = {}
        self._closed = False
        self._swept = False
        self._spare_starting = False  # a spare fork server is being started (add_spare)
        self._lock = threading.Lock()  # guards _idle, _closed, _swept and _spare_starting
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
        """Stop the fork servers and release the make-way pipe; calling it again is harmless.

        A fork server that a run still holds is stopped when that run gives it back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, {}
            for servers in idle.values():
                for zygote in servers:
                    zygote.close()
            # After the fork servers: they die with the starter's thread (PR_SET_PDEATHSIG).
            # A spare's start not yet begun is dropped; one under way ends in _give_back.
            self._starter.shutdown(wait=False, cancel_futures=True)
            with self._make_way_lock:
                for fd in (self.make_way_fd, self._make_way_w):
                    if fd >= 0:
                        os.close(fd)
                self.make_way_fd = self._make_way_w = -1

    def fork_server_pids(self) -> dict[str, int]:
        """By runtime, the pid of the warm fork server the next run takes (for benchmarks
        and tests); a runtime none of whose servers is idle and alive is left out."""
        with self._lock:
            return {runtime: live[-1].process.pid for runtime in self._idle
                    if (live := self._warm(runtime))}

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fork_server(self, runtime: str = "jax") -> ZygoteClient:
        """A live fork server of ``runtime`` ("jax" or "torch") that no run holds: the
        one the next run takes, started if there is none (for tests and the self-check)."""
        zygote = self._take(runtime)
        self._give_back(zygote, broken=False)
        return zygote

    def idle_fork_servers(self, framework: str = "jax") -> int:
        """How many warm fork servers for ``framework`` no run holds now."""
        with self._lock:
            return len(self._warm(RUNTIME[framework]))

    def _warm(self, runtime: str) -> list[ZygoteClient]:
        """The idle fork servers of ``runtime`` that are alive (the caller holds the lock)."""
        return [z for z in self._idle.get(runtime, []) if z.alive()]

    def add_spare(self, framework: str = "jax") -> None:
        """Start one more fork server for ``framework`` in the background if fewer than
        ``slots`` are warm, so that later runs need not wait for one to start (importing
        the runtime takes seconds).  Never blocks; does nothing while a start is under way."""
        runtime = RUNTIME[framework]
        with self._lock:
            if self._closed or self._spare_starting or len(self._warm(runtime)) >= self.slots:
                return
            self._spare_starting = True

        def start() -> None:
            try:
                zygote = ZygoteClient(self.python, self.zygote_start_s, runtime)
            except (OSError, SandboxError, ValueError):
                log.warning("could not start a spare %s fork server", runtime, exc_info=True)
                return
            finally:
                with self._lock:
                    self._spare_starting = False
            self._give_back(zygote, broken=False)

        with contextlib.suppress(RuntimeError):  # the starter was shut down by close()
            self._starter.submit(start)

    def _take(self, runtime: str) -> ZygoteClient:
        """Hold a warm fork server of ``runtime``, replacing dead or worn-out ones."""
        with self._lock:
            if self._closed:
                raise SandboxError("the sandbox is closed")
            servers = self._idle.setdefault(runtime, [])
            while servers:
                zygote = servers.pop()
                if zygote.alive() and zygote.runs < self.max_runs_per_zygote:
                    return zygote
                zygote.close()
            if not self._swept:
                sweep_stale_runs(self.scratch_root, "cgroup" in self.layers)
                self._swept = True
        # Started outside the lock: importing the runtime takes seconds, and another
        # slot's run must not wait for it.
        return self._starter.submit(ZygoteClient, self.python, self.zygote_start_s, runtime).result()

    def _give_back(self, zygote: ZygoteClient, broken: bool) -> None:
        """Return a held fork server to the idle pool, or stop it if it is ``broken``
        (its socket may hold an unread reply) or the sandbox was closed meanwhile."""
        with self._lock:
            if not broken and not self._closed and zygote.alive():
                self._idle.setdefault(zygote.runtime, []).append(zygote)
                return
        zygote.close()

    def run(self, request: RunRequest, limits: Limits,
            on_case: Callable[[int, CaseOutcome], bool | None] | None = None) -> RunResult:
        """Run ``request`` under ``limits``.

        ``on_case(index, outcome)`` is called as each case finishes; if it returns True
        the run stops there and the remaining cases are reported as not run.
        """
        with self._free_slots:
            unavailable = why_unavailable(request.framework)
            if unavailable:
                return internal_result(request, f"the grader cannot run this: {unavailable}")
            held = _Held(self)
            try:
                result = self._run_ladder(request, limits, on_case, held)
            except ScratchUnavailable as exc:
                log.error("sandbox run failed: %s", exc)
                held.release(broken=False)
                return internal_result(request, f"the grader's sandbox failed: {exc}")
            except (OSError, SandboxError, json.JSONDecodeError) as exc:
                log.exception("sandbox run failed")
                held.release(broken=True)
                return internal_result(request, f"the grader's sandbox failed: {exc}")
            except BaseException:
                # Raised by ``on_case`` (e.g. the caller's database went away): the exit
                # status of the killed child is still unread on the fork server's socket
                # and would be taken for the next run's reply, so that server is stopped.
                held.release(broken=True)
                raise
            held.release(broken=False)
            return result

    def _run_ladder(self, request: RunRequest, limits: Limits,
                    on_case: Callable[[int, CaseOutcome], bool | None] | None,
                    held: _Held) -> RunResult:
        """Run ``request``; if compiling it ran out of CPU time or memory, run the cases
        from the one it died on again one step down ``EXECUTION_LADDER``.

        An optimisation must never change a verdict: the learner is judged by the last
        path that ran, each path under the problem's own limits.
        """
        run = Run(self, request, limits, on_case, EXECUTION_LADDER[0], held.fork_server)
        result = run.execute()
        while run.fall_back_from is not None:
            start = run.fall_back_from
            mode = EXECUTION_LADDER[EXECUTION_LADDER.index(run.mode) + 1]
            log.info("run %s: %s path ran out of %s at case %d; trying %s", run.run_id, run.mode,
                     result.termination.value, start, mode)
            rest = dataclasses.replace(request, cases=request.cases[start:])
            shifted = None if on_case is None else (
                lambda index, outcome, _start=start: on_case(index + _start, outcome))
            run = Run(self, rest, limits, shifted, mode, held.fork_server)
            later = run.execute()
            later.cases = result.cases[:start] + later.cases
            later.wall_ms += result.wall_ms
            later.cpu_ms += result.cpu_ms
            result = later
        return result


class _Held:
    """The fork servers one run holds (one per runtime it used), taken from the pool."""

    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        self.servers: dict[str, ZygoteClient] = {}

    def fork_server(self, runtime: str) -> ZygoteClient:
        if runtime not in self.servers:
            self.servers[runtime] = self.sandbox._take(runtime)
        return self.servers[runtime]

    def release(self, broken: bool) -> None:
        servers, self.servers = self.servers, {}
        for zygote in servers.values():
            self.sandbox._give_back(zygote, broken)
