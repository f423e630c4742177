"""Trusted side of the sandbox: owns a fork server, runs requests, classifies endings.

The supervisor never imports JAX and never executes submitted code.  Per run it
creates the cgroups and the scratch directory, hands the child its three pipe ends
through the fork server, streams the request in, reads result frames (size-capped)
and the log (size-capped) until the child ends or a deadline passes, then kills the
whole process tree and removes everything the run created.
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sandbox.layers import REQUIRED
from sandbox.layers.cgroups import RunGroup
from sandbox.layers.cgroups import run_ids as cgroup_run_ids
from sandbox.layers.scratch import reclaim_tree, remove_tree
from sandbox.protocol import FrameReader, ProtocolError, decode_payload, encode_frame
from sandbox.types import (
    CaseOutcome,
    CaseStatus,
    Limits,
    RunRequest,
    RunResult,
    Termination,
)

log = logging.getLogger("tensorjudge.sandbox")

DEFAULT_SCRATCH_ROOT = "/dev/shm/tensorjudge-scratch"
# LLVM at -O0 halves XLA compile time for these small programs (5.1 s -> 2.4 s for the
# seed problem's 18 shapes, same outputs); the arithmetic is microseconds either way.
# Reference and submissions always run under the same flags, and expected-output
# cache keys include them.
CHILD_XLA_FLAGS = "--xla_backend_optimization_level=0"
_FRAME_OVERHEAD = 64 * 1024
_MAX_TEXT = 64 * 1024  # per message or captured stdout taken from a frame
_MEMORY_PATTERNS = ("out of memory", "bad_alloc", "resource_exhausted", "cannot allocate memory")


class SandboxError(RuntimeError):
    """The sandbox itself failed (never the submission's fault)."""


class ScratchUnavailable(SandboxError):
    """The run's scratch directory could not be created (e.g. the scratch volume is
    full); nothing was sent to the fork server, which stays usable."""


class _Zygote:
    """A running fork server and the socket to it."""

    def __init__(self, python: str):
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {"PATH": "/usr/bin:/bin", "JAX_PLATFORMS": "cpu", "XLA_FLAGS": CHILD_XLA_FLAGS}
        for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
            if name in os.environ:
                env[name] = os.environ[name]
        self.process = subprocess.Popen(
            # The fork server never outlives its worker (it sets PDEATHSIG itself).
            [python, "-I", "-m", "sandbox.zygote", str(child.fileno()), str(os.getpid())],
            pass_fds=[child.fileno()], env=env, cwd="/", stdin=subprocess.DEVNULL,
        )
        child.close()
        self.sock = parent
        self.sock.settimeout(120)
        hello = json.loads(self.sock.recv(4096) or b"{}")
        if not hello.get("ready"):
            raise SandboxError("the fork server did not start")
        self.sock.settimeout(None)
        self.runs = 0

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        try:
            self.sock.send(json.dumps({"exit": True}).encode())
        except OSError:
            pass
        self.sock.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Sandbox:
    """Runs untrusted code in confined children of one warm fork server.

    One run at a time per instance (a grading worker owns one).  ``disabled_layers``
    is an explicit, loudly logged development override; it is empty by default.
    """

    def __init__(self, scratch_root: str = DEFAULT_SCRATCH_ROOT,
                 disabled_layers: tuple[str, ...] = (), python: str = sys.executable,
                 max_runs_per_zygote: int = 200, zygote_timeout_s: float = 30.0):
        self.scratch_root = Path(scratch_root)
        # How long the fork server may take to answer (fork a child, or report an exit
        # after a kill) before it counts as hung and is replaced.
        self.zygote_timeout_s = zygote_timeout_s
        self.disabled_layers = tuple(disabled_layers)
        self.python = python
        self.max_runs_per_zygote = max_runs_per_zygote
        self._zygote: _Zygote | None = None
        self._swept = False
        self._lock = threading.Lock()
        if self.disabled_layers:
            log.warning("SANDBOX LAYERS DISABLED BY OPERATOR: %s", ", ".join(self.disabled_layers))

    @property
    def layers(self) -> tuple[str, ...]:
        return tuple(name for name in REQUIRED if name not in self.disabled_layers)

    def close(self) -> None:
        with self._lock:
            if self._zygote is not None:
                self._zygote.close()
                self._zygote = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _fork_server(self) -> _Zygote:
        zygote = self._zygote
        if zygote is not None and (not zygote.alive() or zygote.runs >= self.max_runs_per_zygote):
            zygote.close()
            zygote = None
        if zygote is None:
            if not self._swept:
                sweep_stale_runs(self.scratch_root, "cgroup" in self.layers)
                self._swept = True
            zygote = self._zygote = _Zygote(self.python)
        return zygote

    def run(self, request: RunRequest, limits: Limits,
            on_case: Callable[[int, CaseOutcome], bool | None] | None = None) -> RunResult:
        """Run ``request`` under ``limits``.

        ``on_case(index, outcome)`` is called as each case finishes; if it returns True
        the run stops there and the remaining cases are reported as not run.
        """
        with self._lock:
            try:
                return _Run(self, request, limits, on_case).execute()
            except ScratchUnavailable as exc:
                log.error("sandbox run failed: %s", exc)
                return _internal_result(request, f"the grader's sandbox failed: {exc}")
            except (OSError, SandboxError, json.JSONDecodeError) as exc:
                log.exception("sandbox run failed")
                if self._zygote is not None:
                    self._zygote.close()
                    self._zygote = None
                return _internal_result(request, f"the grader's sandbox failed: {exc}")
            except BaseException:
                # Raised by ``on_case`` (e.g. the caller's database went away): the exit
                # status of the killed child is still unread on the fork server's socket
                # and would be taken for the next run's reply, so start a fresh one.
                if self._zygote is not None:
                    self._zygote.close()
                    self._zygote = None
                raise


def _owner_alive(run_id: str) -> bool:
    owner, dash, _ = run_id.partition("-")
    if not dash or not owner.isdigit():
        return False  # not named by a supervisor: nobody owns it
    return Path(f"/proc/{owner}").exists()


def sweep_stale_runs(scratch_root: Path, cgroups_used: bool) -> list[str]:
    """Remove scratch directories and cgroups left by supervisors that died (SIGKILL).

    Runs of live supervisors (other workers on this host) are left alone.
    """
    stale = set()
    if scratch_root.is_dir():
        stale.update(p.name for p in scratch_root.iterdir() if not _owner_alive(p.name))
    if cgroups_used:
        stale.update(name for name in cgroup_run_ids() if not _owner_alive(name))
    for run_id in sorted(stale):
        try:
            if cgroups_used:
                RunGroup(run_id).remove()
            remove_tree(scratch_root / run_id)
        except OSError:
            log.warning("could not remove the leftovers of run %s", run_id, exc_info=True)
    if stale:
        log.info("removed the leftovers of %d runs of dead workers", len(stale))
    return sorted(stale)


def _internal_result(request: RunRequest, message: str) -> RunResult:
    cases = [CaseOutcome(c.name, CaseStatus.INTERNAL, message=message) for c in request.cases]
    return RunResult(cases=cases, termination=Termination.INTERNAL, exit_detail=message)


def _request_frame(request: RunRequest, limits: Limits) -> bytes:
    scalars: list[dict] = []
    arrays = {}
    for index, case in enumerate(request.cases):
        case_scalars = {}
        for name, value in case.inputs.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                case_scalars[name] = value
            else:
                arrays[f"c{index}/{name}"] = value
        scalars.append(case_scalars)
    meta = {
        "code": request.code,
        "harness_code": request.harness_code,
        "entry": request.entry,
        "cases": [c.name for c in request.cases],
        "scalars": scalars,
        "forbid": list(request.forbid),
        "cache_dir": request.cache_dir,
        "cache_writable": request.cache_writable,
        "output_bytes": limits.output_bytes,
    }
    return encode_frame(meta, arrays)


class _Run:
    """State of one run, from cgroup creation to cleanup."""

    def __init__(self, sandbox: Sandbox, request: RunRequest, limits: Limits,
                 on_case: Callable[[int, CaseOutcome], bool | None] | None):
        self.sandbox = sandbox
        self.request = request
        self.limits = limits
        self.on_case = on_case
        # The supervisor's pid comes first so leftovers of a killed worker can be told apart.
        self.run_id = f"{os.getpid()}-{uuid.uuid4().hex}"
        self.scratch = sandbox.scratch_root / self.run_id
        self.group = RunGroup(self.run_id) if "cgroup" in sandbox.layers else None
        self.outcomes: dict[int, CaseOutcome] = {}
        self.events: dict[str, dict] = {}
        self.log = bytearray()
        self.log_total = 0
        self.killed_for: Termination | None = None
        self.untrusted_started = False
        self.bad_frames = 0
        self.cpu_used = 0.0
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
                self.group.create(self.limits.memory_mb, self.limits.max_pids)
            status = self._spawn_and_watch()
            result = self._classify(status)
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

    def _settings(self) -> dict:
        n_cases = len(self.request.cases)
        total = self.limits.startup_s + self.limits.time_s * n_cases
        return {
            "run_id": self.run_id,
            "scratch": str(self.scratch),
            "cache_dir": self.request.cache_dir,
            "cache_writable": self.request.cache_writable,
            "memory_mb": self.limits.memory_mb,
            # XLA uses every core, so CPU time may run ahead of wall time.
            "cpu_seconds": int(total * (os.cpu_count() or 1)) + 1,
            "file_size_mb": self.limits.file_size_mb,
            "max_pids": self.limits.max_pids,
            "disabled": list(self.sandbox.disabled_layers),
        }

    def _spawn_and_watch(self) -> int:
        zygote = self.sandbox._fork_server()
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
            view = memoryview(_request_frame(self.request, self.limits))
            while view:
                view = view[os.write(fd, view):]
        except OSError:
            pass  # the child died before reading everything; the ending explains why
        finally:
            os.close(fd)

    def _watch(self, zygote: _Zygote, pid: int, result_r: int, log_r: int) -> int:
        reader = FrameReader(self.limits.output_bytes + _FRAME_OVERHEAD * (len(self.request.cases) + 4))
        selector = selectors.DefaultSelector()
        selector.register(result_r, selectors.EVENT_READ, "result")
        selector.register(log_r, selectors.EVENT_READ, "log")
        selector.register(zygote.sock, selectors.EVENT_READ, "zygote")
        self.last_frame = time.monotonic()
        deadline = self.last_frame + self.limits.startup_s
        # Frames only move the per-step deadline on progress, and never past this.
        hard_deadline = deadline + self.limits.time_s * len(self.request.cases)
        status: int | None = None
        killed_at: float | None = None
        open_pipes = 2
        try:
            while status is None or open_pipes:
                timeout = deadline - time.monotonic()
                if status is not None:
                    timeout = min(timeout, 2.0)
                if timeout <= 0:
                    if status is None and killed_at is not None:
                        # The child was SIGKILLed long ago and the fork server, which
                        # reaps it, still says nothing: the grader is at fault, not the code.
                        raise SandboxError(f"the fork server hung: no exit status "
                                           f"{time.monotonic() - killed_at:.0f} s after a kill")
                    if status is None:
                        self._kill(pid, Termination.TIME)
                        killed_at = time.monotonic()
                        deadline = killed_at + min(10.0, self.sandbox.zygote_timeout_s)
                        continue
                    break  # exited, but something still holds the pipes open
                for key, _ in selector.select(timeout):
                    if key.data == "zygote":
                        message = zygote.sock.recv(4096)
                        if not message:
                            self._kill(pid, Termination.INTERNAL)
                            raise SandboxError("the fork server died during a run")
                        exit_info = json.loads(message)
                        status = exit_info["status"]
                        self.cpu_used = float(exit_info.get("cpu_seconds", 0.0))
                        selector.unregister(zygote.sock)
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
                            if self.killed_for is None:
                                deadline = min(hard_deadline, self.last_frame + self._step_s())
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
            stop = self._on_case_frame(meta, arrays, now)
        elif kind in ("ready", "compile_error", "load_error", "done", "internal", "loading"):
            if kind == "loading":
                self.untrusted_started = True
            self.events.setdefault(kind, meta)
        elif kind == "batch" and "ready" in self.events and not self.outcomes:
            self.events.setdefault(kind, {"at": now})
        if (len(self.outcomes), len(self.events)) != progress:
            self.last_frame = now  # repeated or unknown frames must not extend the deadline
        return stop

    def _step_s(self) -> float:
        """Wall-clock allowance from the last progress frame to the next one.

        While every case runs as one program (a ``batch`` frame, before any case
        frame) the step is the time of all cases; the hard total never moves.
        """
        if "ready" not in self.events:
            return self.limits.startup_s
        if "batch" in self.events and not self.outcomes:
            return self.limits.time_s * len(self.request.cases)
        return self.limits.time_s

    def _case_ms(self, meta: dict, now: float) -> float:
        """A case's time: the child's own accounting when every case ran as one program
        (their frames arrive together), capped by what the supervisor saw."""
        seen = (now - self.last_frame) * 1000
        batch = self.events.get("batch")
        reported = meta.get("seconds")
        if batch is None or not isinstance(reported, (int, float)) or isinstance(reported, bool):
            return seen
        elapsed = (now - batch["at"]) * 1000
        return min(max(float(reported) * 1000, 0.0), elapsed) if reported == reported else seen

    def _on_case_frame(self, meta: dict, arrays: dict, now: float) -> bool:
        index = meta.get("index")
        if not isinstance(index, int) or not 0 <= index < len(self.request.cases):
            return False
        if index in self.outcomes or "ready" not in self.events:
            return False  # first frame per case wins; nothing counts before the entry loaded
        try:
            status = CaseStatus(meta.get("status"))
        except ValueError:
            return False
        if status not in (CaseStatus.OK, CaseStatus.ERROR, CaseStatus.MEMORY, CaseStatus.OUTPUT):
            return False
        output = arrays.get("output") if status is CaseStatus.OK else None
        if status is CaseStatus.OK and output is None:
            status = CaseStatus.ERROR
        outcome = CaseOutcome(
            name=self.request.cases[index].name, status=status, output=output,
            time_ms=self._case_ms(meta, now), stdout=_text(meta.get("stdout")),
            message=_text(meta.get("message")), summary=_text(meta.get("summary")),
        )
        self.outcomes[index] = outcome
        return bool(self.on_case is not None and self.on_case(index, outcome))

    def _termination(self, status: int) -> tuple[Termination, str]:
        if self.killed_for is Termination.TIME and self.group and self.group.hit_memory_limit():
            # Thrashing at the cgroup limit: the kernel's OOM killer was about to fire.
            return Termination.MEMORY, "memory limit reached (killed at the time limit)"
        if self.killed_for is not None:
            return self.killed_for, f"killed: {self.killed_for.value} limit"
        if self.group and self.group.oom_killed():
            return Termination.MEMORY, "killed by the out-of-memory killer"
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            name = signal.Signals(sig).name if sig in signal.Signals.__members__.values() else str(sig)
            # SIGKILL past the CPU limit: the submission ignored SIGXCPU.
            if sig == signal.SIGXCPU or (sig == signal.SIGKILL and self.cpu_used >= self.cpu_limit):
                return Termination.TIME, "CPU time limit exceeded"
            log_text = self.log.decode(errors="replace").lower()
            if sig == signal.SIGABRT and any(p in log_text for p in _MEMORY_PATTERNS):
                return Termination.MEMORY, "aborted while allocating memory"
            return Termination.SIGNAL, f"killed by signal {name}"
        code = os.WEXITSTATUS(status)
        if "internal" in self.events and not self.untrusted_started:
            return Termination.INTERNAL, _text(self.events["internal"].get("message"))
        return Termination.EXITED, f"exited with code {code}"

    def _classify(self, status: int) -> RunResult:
        termination, detail = self._termination(status)
        n_cases = len(self.request.cases)
        names = [c.name for c in self.request.cases]
        log_text = self.log.decode(errors="replace")
        result = RunResult(cases=[], termination=termination, exit_detail=detail, log=log_text,
                           log_truncated=self.log_total > len(self.log))
        if termination is Termination.INTERNAL:
            result.cases = [CaseOutcome(n, CaseStatus.INTERNAL, message=detail) for n in names]
            return result
        if "compile_error" in self.events:
            event = self.events["compile_error"]
            result.cases = [CaseOutcome(n, CaseStatus.COMPILE_ERROR, message=_text(event.get("message")),
                                        line=_int_or_none(event.get("line")),
                                        column=_int_or_none(event.get("column"))) for n in names]
            return result
        if "load_error" in self.events and "ready" not in self.events:
            event = self.events["load_error"]
            status_ = CaseStatus.MEMORY if event.get("memory") else CaseStatus.ERROR
            result.cases = [CaseOutcome(n, status_, message=_text(event.get("message")),
                                        summary=_text(event.get("summary")),
                                        stdout=_text(event.get("stdout"))) for n in names]
            return result
        first_missing = True
        for index in range(n_cases):
            if index in self.outcomes:
                result.cases.append(self.outcomes[index])
                continue
            if first_missing and termination is not Termination.STOPPED:
                first_missing = False
                status_ = {Termination.TIME: CaseStatus.TIME, Termination.MEMORY: CaseStatus.MEMORY,
                           Termination.OUTPUT: CaseStatus.OUTPUT}.get(termination, CaseStatus.CRASHED)
                if "ready" not in self.events and termination is Termination.EXITED:
                    detail_ = f"the process {detail} while loading your code"
                else:
                    detail_ = f"the process {detail}" if status_ is CaseStatus.CRASHED else detail
                result.cases.append(CaseOutcome(names[index], status_, message=detail_,
                                                time_ms=(time.monotonic() - self.last_frame) * 1000))
            else:
                result.cases.append(CaseOutcome(names[index], CaseStatus.NOT_RUN,
                                                message="not run: an earlier case ended the process"))
        return result


def _text(value: object, cap: int = _MAX_TEXT) -> str:
    """Text from a child's frame: a str or nothing, capped, valid UTF-8 (no lone surrogates)."""
    if not isinstance(value, str):
        return ""
    return value[:cap].encode("utf-8", "replace").decode("utf-8")


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
