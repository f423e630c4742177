"""One run, from cgroup creation to cleanup: the supervisor's state machine.

Per run it creates the cgroups and the scratch directory, hands the child its three
pipe ends through the fork server, streams the request in, reads result frames
(size-capped) and the log (size-capped) until the child ends or a deadline passes,
then kills the whole process tree and removes everything the run created.  Allowances
live in ``Run.step_s`` and the clocks that spend them in ``sandbox/clock.py``; how the
ending is judged, in ``sandbox/classify.py``.
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sandbox.classify import classify, finite, text_of
from sandbox.clock import RunClock
from sandbox.errors import SandboxError, ScratchUnavailable
from sandbox.frameworks import RUNTIME
from sandbox.layers.cgroups import RunGroup
from sandbox.layers.scratch import reclaim_tree, remove_tree
from sandbox.protocol import FrameReader, ProtocolError, decode_payload, request_frame
from sandbox.types import CaseOutcome, CaseStatus, Limits, RunRequest, RunResult, Termination
from sandbox.zygote_client import ZygoteClient

if TYPE_CHECKING:
    from sandbox.supervisor import Sandbox

log = logging.getLogger("tensorjudge.sandbox")

_FRAME_OVERHEAD = 64 * 1024
# All cases as one program may use the CPU time of this many cases before the run
# falls back to one program per case (which then gets the problem's full limits).
BATCH_CASES_CPU = 4
# How cases run, cheapest first; a run killed for CPU time or memory while compiling
# is run again (from the case it died on) one step further down this ladder.
EXECUTION_LADDER = ("batch", "per_case", "eager")


def drain(fd: int) -> None:
    """Read a non-blocking pipe empty."""
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


class Run:
    """State of one run, from cgroup creation to cleanup."""

    def __init__(self, sandbox: Sandbox, request: RunRequest, limits: Limits,
                 on_case: Callable[[int, CaseOutcome], bool | None] | None,
                 mode: str, fork_server: Callable[[str], ZygoteClient]):
        self.sandbox = sandbox
        self.fork_server = fork_server  # the fork server of a runtime this run holds
        self.mode = mode
        # Set by classify: the case index to rerun from, one step down the ladder.
        self.fall_back_from: int | None = None
        self.time_limit: str | None = None  # "cpu" or "wall" once a time limit fired
        self.ladder = EXECUTION_LADDER
        self.request = request
        self.limits = limits
        self.on_case = on_case
        # The supervisor's pid comes first so leftovers of a killed worker can be told apart.
        self.run_id = f"{os.getpid()}-{uuid.uuid4().hex}"
        self.scratch = sandbox.scratch_root / self.run_id
        self.group = RunGroup(self.run_id) if "cgroup" in sandbox.layers else None
        self.clock = RunClock(limits, len(request.cases), self.group)
        self.outcomes: dict[int, CaseOutcome] = {}
        self.events: dict[str, dict[str, Any]] = {}
        self.log = bytearray()
        self.log_total = 0
        self.killed_for: Termination | None = None
        self.untrusted_started = False
        self.bad_frames = 0
        self.cpu_limit = self._settings()["cpu_seconds"]

    def execute(self) -> RunResult:
        started = time.monotonic()
        try:
            self.scratch.parent.mkdir(mode=0o711, parents=True, exist_ok=True)
            self.scratch.mkdir(mode=0o700)
        except OSError as exc:
            raise ScratchUnavailable(f"could not create the run's scratch directory on the "
                                     f"scratch volume {self.sandbox.scratch_root}: {exc}") from exc
        try:
            if self.group:
                self.group.create(self.limits.memory_mb, self.limits.max_pids,
                                  background=self.request.background)
            status = self._spawn_and_watch()
            result = classify(self, status)
            result.cpu_ms = self.clock.cpu_now() * 1000
        finally:
            if self.group:
                self.group.remove()
            self._reclaim_dirs()
        result.wall_ms = (time.monotonic() - started) * 1000
        result.layers = self.sandbox.layers
        return result

    def _reclaim_dirs(self) -> None:
        """Remove the scratch directory; take a writable cache back from the sandbox uid."""
        try:
            remove_tree(self.scratch)
            if self.request.cache_dir and self.request.cache_writable:
                reclaim_tree(self.request.cache_dir)
        except OSError:
            log.exception("run %s: could not clean up its directories", self.run_id)

    def _settings(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "scratch": str(self.scratch),
            "cache_dir": self.request.cache_dir,
            "cache_writable": self.request.cache_writable,
            "memory_mb": self.limits.memory_mb,
            # RLIMIT_CPU (per process) only backs up the supervisor, which stops the
            # run when the whole tree's CPU time passes its allowance.
            "cpu_seconds": int(self.clock.cpu_total) + 2,
            "file_size_mb": self.limits.file_size_mb,
            "max_pids": self.limits.max_pids,
            "disabled": list(self.sandbox.disabled_layers),
            "nice": 19 if self.request.background else 0,
        }

    def _spawn_and_watch(self) -> int:
        zygote = self.fork_server(RUNTIME[self.request.framework])
        request_r, request_w = os.pipe()
        result_r, result_w = os.pipe()
        log_r, log_w = os.pipe()
        try:
            socket.send_fds(zygote.sock, [json.dumps({"settings": self._settings()}).encode()],
                            [request_r, result_w, log_w])
        finally:
            for fd in (request_r, result_w, log_w):
                os.close(fd)
        zygote.runs += 1
        zygote.sock.settimeout(self.sandbox.zygote_timeout_s)
        try:
            reply = zygote.sock.recv(4096)
        except TimeoutError:
            for fd in (request_w, result_r, log_r):
                os.close(fd)
            raise SandboxError(f"the fork server hung: no child forked in "
                               f"{self.sandbox.zygote_timeout_s:g} s") from None
        finally:
            zygote.sock.settimeout(None)
        if not reply:
            for fd in (request_w, result_r, log_r):
                os.close(fd)
            raise SandboxError("the fork server died before forking")
        pid = json.loads(reply)["pid"]
        writer = threading.Thread(target=self._write_request, args=(request_w,), daemon=True)
        writer.start()
        try:
            return self._watch(zygote, pid, result_r, log_r)
        finally:
            os.close(result_r)
            os.close(log_r)
            writer.join(timeout=5)

    def _write_request(self, fd: int) -> None:
        try:
            view = memoryview(request_frame(self.request, self.limits, self.mode))
            while view:
                view = view[os.write(fd, view):]
        except OSError:
            pass  # the child died before reading everything; the ending explains why
        finally:
            os.close(fd)

    def _watch(self, zygote: ZygoteClient, pid: int, result_r: int, log_r: int) -> int:
        reader = FrameReader(self.limits.output_bytes + _FRAME_OVERHEAD * (len(self.request.cases) + 4))
        selector = selectors.DefaultSelector()
        selector.register(result_r, selectors.EVENT_READ, "result")
        selector.register(log_r, selectors.EVENT_READ, "log")
        selector.register(zygote.sock, selectors.EVENT_READ, "zygote")
        if self.request.background:
            drain(self.sandbox.make_way_fd)  # asked before this run began: not for it
            selector.register(self.sandbox.make_way_fd, selectors.EVENT_READ, "make_way")
        self.clock.start(pid, time.monotonic())
        status: int | None = None
        ended_at: float | None = None  # when the child was killed or reported its exit
        open_pipes = 2
        try:
            while status is None or open_pipes:
                now = time.monotonic()
                if status is None and self.killed_for is None:
                    fired = self.clock.fired(now, self.step_s())
                    if fired is not None:
                        self.time_limit = fired
                        self._kill(pid, Termination.TIME)
                if ended_at is None and self.killed_for is not None:
                    ended_at = now
                if ended_at is not None and now - ended_at > min(10.0, self.sandbox.zygote_timeout_s):
                    if status is None:
                        # The child was SIGKILLed long ago and the fork server, which
                        # reaps it, still says nothing: the grader is at fault, not the code.
                        raise SandboxError(f"the fork server hung: no exit status "
                                           f"{now - ended_at:.0f} s after a kill")
                    break  # exited, but something still holds the pipes open
                poll = 0.5 if self.killed_for is not None else self.clock.poll_s(now, self.step_s())
                for key, _ in selector.select(poll):
                    if key.data == "make_way":
                        drain(key.fd)
                        if status is None and self.killed_for is None:
                            self._kill(pid, Termination.YIELDED)
                        continue
                    if key.data == "zygote":
                        message = zygote.sock.recv(4096)
                        if not message:
                            self._kill(pid, Termination.INTERNAL)
                            raise SandboxError("the fork server died during a run")
                        exit_info = json.loads(message)
                        status = exit_info["status"]
                        self.clock.reaped_cpu = float(exit_info.get("cpu_seconds", 0.0))
                        selector.unregister(zygote.sock)
                        if ended_at is None:
                            ended_at = time.monotonic()
                        if self.group:
                            self.group.kill_all()  # nothing outlives the child
                        continue
                    data = os.read(key.fd, 1 << 16)
                    if not data:
                        selector.unregister(key.fd)
                        open_pipes -= 1
                        continue
                    if key.data == "log":
                        self._on_log(pid, data)
                    else:
                        for frame in reader.feed(data):
                            if self._on_frame(frame) and self.killed_for is None:
                                self._kill(pid, Termination.STOPPED)
                        if reader.overflowed and self.killed_for is None:
                            self._kill(pid, Termination.OUTPUT)
        finally:
            selector.close()
            if status is None:
                self._kill(pid, Termination.INTERNAL)  # never leave a child running unwatched
        if status is None:
            raise SandboxError("no exit status from the fork server")
        return status

    def _kill(self, pid: int, reason: Termination) -> None:
        if self.killed_for is None:
            self.killed_for = reason
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.group:
            self.group.kill_all()

    def _on_log(self, pid: int, data: bytes) -> None:
        self.log_total += len(data)
        room = self.limits.log_keep_bytes - len(self.log)
        if room > 0:
            self.log += data[:room]
        if self.log_total > self.limits.log_bytes and self.killed_for is None:
            self._kill(pid, Termination.OUTPUT)

    def _on_frame(self, frame: bytes) -> bool:
        """Record one frame; True if the caller asked to stop the run."""
        now = time.monotonic()
        cpu = self.clock.cpu_now()
        try:
            meta, arrays = decode_payload(frame)
        except ProtocolError as exc:
            self.bad_frames += 1
            if self.bad_frames == 1:  # a child can send millions: log the first only
                log.info("run %s: dropped a bad frame: %s", self.run_id, exc)
            return False
        kind = meta.get("type")
        stop = False
        progress = (len(self.outcomes), len(self.events))
        if kind == "case":
            stop = self._on_case_frame(meta, arrays, now, cpu)
        elif kind in ("ready", "compile_error", "load_error", "done", "internal", "loading"):
            if kind == "loading":
                self.untrusted_started = True
            self.events.setdefault(kind, meta)
        elif kind == "batch" and "ready" in self.events and not self.outcomes:
            self.events.setdefault(kind, {"at": now, "cpu": cpu})
        elif kind == "batched" and "batch" in self.events and not self.outcomes:
            # The program is over and some cases it left out run alone: its CPU time
            # ends here, and from here each case has a case's allowance.
            self.events["batch"].setdefault("cpu_end", cpu)
            self.events.setdefault(kind, {"at": now})
        if (len(self.outcomes), len(self.events)) != progress:
            # Repeated or unknown frames must not extend the allowances.
            self.clock.new_step(now, cpu)
        return stop

    def step_s(self) -> float:
        """CPU-time allowance from the last progress frame to the next one, in seconds.

        While every case runs as one program (a ``batch`` frame, before any case
        frame or ``batched`` frame) the step is the time of up to ``BATCH_CASES_CPU``
        cases (past that, the cases run again one by one); the run's total never moves.
        """
        if "ready" not in self.events:
            return self.limits.startup_s
        if "batch" in self.events and "batched" not in self.events and not self.outcomes:
            return self.limits.time_s * min(len(self.request.cases), BATCH_CASES_CPU)
        return self.limits.time_s

    def _case_ms(self, meta: dict[str, Any], now: float, cpu: float) -> tuple[float, float]:
        """A case's wall and CPU milliseconds.

        One case at a time: what the supervisor saw since the previous progress frame
        (wall clock, and the cgroup's CPU time).  All cases as one program (their
        frames arrive together): wall time is the child's own accounting (the case's
        tracing plus an equal share of the shared lowering, compiling and running),
        capped by what the supervisor saw; CPU time is the program's CPU time split
        in the same proportions (the child's ``share``), so the cases add up to it.
        """
        seen = ((now - self.clock.step_started) * 1000, max(0.0, cpu - self.clock.step_cpu) * 1000)
        batch = self.events.get("batch")
        reported, share = meta.get("seconds"), meta.get("share")
        if batch is None or not finite(reported) or not finite(share):
            return seen[0], seen[1] + self._taken_back_from_program(meta.get("cpu"), seen[1])
        batch_cpu = batch.setdefault("cpu_end", cpu) - batch["cpu"]
        elapsed = (now - batch["at"]) * 1000
        return (min(max(float(reported) * 1000, 0.0), elapsed),
                max(0.0, batch_cpu) * 1000 * min(max(float(share), 0.0), 1.0))

    def _taken_back_from_program(self, reported: Any, seen_ms: float) -> float:
        """CPU ms of a case run alone after the program that the program's sample holds.

        The ``batched`` frame ends the program's CPU time at the cgroup's count when it
        is read; a case that ran alone and finished before that read (one read, busy
        machine) is in that count and saw none.  The child's figure (``cpu``) moves it
        back, never more than the program holds, before any program case takes its
        share.  Display only: limits count the cgroup's whole time.
        """
        batch = self.events.get("batch")
        if (batch is None or "cpu_end" not in batch or not finite(reported)
                or any(o.execution == "batch" for o in self.outcomes.values())):
            return 0.0
        moved = float(min(max(0.0, float(reported) * 1000 - seen_ms),
                    max(0.0, batch["cpu_end"] - batch["cpu"]) * 1000))
        batch["cpu_end"] -= moved / 1000
        return moved

    def _on_case_frame(self, meta: dict[str, Any], arrays: dict[str, Any], now: float,
                       cpu: float) -> bool:
        index = meta.get("index")
        if not isinstance(index, int) or not 0 <= index < len(self.request.cases):
            return False
        if index in self.outcomes or "ready" not in self.events:
            return False  # first frame per case wins; nothing counts before the entry loaded
        try:
            status = CaseStatus(str(meta.get("status")))
        except ValueError:
            return False
        if status not in (CaseStatus.OK, CaseStatus.ERROR, CaseStatus.MEMORY, CaseStatus.OUTPUT):
            return False
        output = arrays.get("output") if status is CaseStatus.OK else None
        if status is CaseStatus.OK and output is None:
            status = CaseStatus.ERROR
        time_ms, cpu_ms = self._case_ms(meta, now, cpu)
        execution = meta.get("execution")
        outcome = CaseOutcome(
            name=self.request.cases[index].name, status=status, output=output,
            time_ms=time_ms, cpu_ms=cpu_ms, stdout=text_of(meta.get("stdout")),
            message=text_of(meta.get("message")), summary=text_of(meta.get("summary")),
            execution=execution if execution in EXECUTION_LADDER else self.mode,
        )
        self.outcomes[index] = outcome
        return bool(self.on_case is not None and self.on_case(index, outcome))
