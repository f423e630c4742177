"""Plain records that describe a sandbox run and its outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Limits:
    """Resource limits for one run.

    time_s: CPU-time budget per case, in seconds, counted over the run's whole
        process tree (its cgroup), so a busy machine does not shrink it.  The run
        as a whole gets ``startup_s + time_s * n_cases`` CPU seconds.
    memory_mb: memory cgroup limit for the whole process tree, in MiB.
    output_bytes: cap on the result channel (all output arrays together), in bytes.
    log_bytes: cap on raw stdout/stderr; more than this ends the run as an output
        limit.  Only the first ``log_keep_bytes`` are kept.
    max_pids: pids cgroup limit (threads count too; XLA starts ~a dozen).
    file_size_mb: RLIMIT_FSIZE for files in the scratch directory, in MiB.
    startup_s: CPU-time allowance for loading the submission, in seconds.
    wall_factor: the wall-clock backstop, which stops code that sleeps or blocks:
        each step (loading, a case) may last ``wall_factor`` times its CPU allowance
        in wall time, the run ``wall_factor`` times its total CPU allowance.  Generous
        on purpose: a run starved of CPU by a busy machine must not reach it.
    """

    time_s: float = 5.0
    memory_mb: int = 2048
    output_bytes: int = 64 * 1024 * 1024
    log_bytes: int = 1024 * 1024
    log_keep_bytes: int = 64 * 1024
    max_pids: int = 64
    file_size_mb: int = 16
    startup_s: float = 10.0
    wall_factor: float = 6.0


@dataclass(frozen=True)
class CaseSpec:
    """One case's inputs: scalars are Python numbers, arrays are NumPy arrays."""

    name: str
    inputs: dict[str, Any]


@dataclass(frozen=True)
class RunRequest:
    """Everything a sandboxed child needs, and nothing else.

    code: the untrusted module source (learner or reference).
    harness_code: source defining ``run_case(entry, inputs)``.
    entry: the name the harness looks up in the submitted module.
    cases: inputs, run in order, all in one child.
    forbid: dotted names the submission may not use (a teaching guard only).
    cache_dir: persistent XLA compilation cache for this problem version, or None.
    cache_writable: True only for the reference run that warms ``cache_dir``.
    background: warming (the reference, known mistakes): the run gets the least CPU
        (its cgroup's lowest weight, and nice 19), so a learner's run beside it does
        not wait.  Limits are CPU time, so a background run's verdicts do not change.
        It also gives way: ``Sandbox.make_way()`` stops it (``Termination.YIELDED``).
    framework: what the code is written in, one of ``sandbox.frameworks.FRAMEWORKS``
        ("jax", "numpy", "pytorch"); it picks the fork server (``pytorch`` runs on its
        own, started on first use) and how the entry is called (``sandbox/frameworks.py``).
    grad: PyTorch only: call the entry with autograd on (otherwise under ``no_grad``).
    """

    code: str
    harness_code: str
    entry: str
    cases: tuple[CaseSpec, ...]
    forbid: tuple[str, ...] = ()
    cache_dir: str | None = None
    cache_writable: bool = False
    background: bool = False
    framework: str = "jax"
    grad: bool = False


class CaseStatus(StrEnum):
    """How one case ended inside the sandbox (mapped to verdicts by the grader)."""

    OK = "ok"
    ERROR = "error"  # the submission raised
    COMPILE_ERROR = "compile_error"  # syntax error, missing entry, forbidden name
    TIME = "time"
    MEMORY = "memory"
    OUTPUT = "output"
    CRASHED = "crashed"  # the process died (signal, exit) during this case
    NOT_RUN = "not_run"  # an earlier case ended the process
    INTERNAL = "internal"  # the sandbox itself failed


class Termination(StrEnum):
    """Why the child process ended."""

    EXITED = "exited"
    TIME = "time"
    MEMORY = "memory"
    OUTPUT = "output"
    SIGNAL = "signal"
    STOPPED = "stopped"  # the caller asked to stop after a case (e.g. first failure)
    YIELDED = "yielded"  # a background run made way for a learner's (``Sandbox.make_way``)
    INTERNAL = "internal"


@dataclass
class CaseOutcome:
    """One case's result as observed by the supervisor.

    output: the returned array (already size-checked), None unless status is OK.
    time_ms: wall time seen by the supervisor between this case's frame and the
        previous one (includes tracing and compilation).
    cpu_ms: CPU time the run's processes used over the same span (read from the
        run's cgroup); when all cases ran as one program, that program's CPU time
        split in proportion to each case's share of it (see ``_Run._case_ms``).
    time_limit: "cpu" or "wall" when the case was stopped by that time limit.
    execution: how the case ran: "batch" (all cases as one compiled program),
        "per_case" (one compiled program per case) or "eager" (no compilation).
    stdout: what the case printed through ``sys.stdout``/``sys.stderr`` (capped).
    message: error text, trimmed to the submission's own traceback lines.
    summary: the nearest built-in exception's name (learner-controlled like everything
        here: the grader shows it only if it names a built-in exception).
    line, column: source position for compile errors (1-based), else None.
    """

    name: str
    status: CaseStatus
    output: np.ndarray | None = None
    time_ms: float = 0.0
    stdout: str = ""
    message: str = ""
    summary: str = ""
    line: int | None = None
    column: int | None = None
    cpu_ms: float = 0.0
    time_limit: str | None = None
    execution: str | None = None


@dataclass
class RunResult:
    """Outcome of one sandbox run: per-case outcomes plus how the process ended."""

    cases: list[CaseOutcome]
    termination: Termination
    exit_detail: str = ""
    log: str = ""  # raw fd 1/2 output, capped; shown only when every case is visible
    log_truncated: bool = False
    wall_ms: float = 0.0
    cpu_ms: float = 0.0  # CPU time of the whole run's process tree
    time_limit: str | None = None  # "cpu" or "wall" when a time limit ended the run
    layers: tuple[str, ...] = field(default_factory=tuple)
