"""Code that runs in the forked child: confine itself, then run the submission.

Everything here executes in a process that will run hostile code, so it holds only
what the request carries: the submission, the harness and this run's inputs.  File
descriptors on entry: 0 = request pipe, 1 and 2 = log pipe, 3 = result pipe.
"""

from __future__ import annotations

import ast
import contextlib
import linecache
import os
import sys
import time
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from sandbox import confine
from sandbox.case_text import SUBMISSION_FILE, CappedText, error_fields, is_memory_error
from sandbox.forbid import find_forbidden
from sandbox.frameworks import FOREIGN, RUNTIME, adapt, configure_torch
from sandbox.init_forward import distinguishes_init
from sandbox.parent import die_with_parent
from sandbox.programs import NotWorthCompiling, run_program
from sandbox.protocol import HEADER, decode_payload, encode_frame
from sandbox.whole_run import (
    SKIPPED,
    mutates_parameters,
    printed_tracers,
    whole_run_batch,
    worth_compiling,
)

HARNESS_FILE = "<harness>"
RESULT_FD = 3
MAX_CASE_STDOUT = 16 * 1024


def _read_exact(fd: int, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = os.read(fd, min(size - len(chunks), 1 << 20))
        if not chunk:
            raise EOFError("request pipe closed early")
        chunks += chunk
    return bytes(chunks)


def read_request(fd: int = 0) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    (length,) = HEADER.unpack(_read_exact(fd, HEADER.size))
    return decode_payload(_read_exact(fd, length))


def _emit(meta: dict[str, Any], arrays: dict[str, np.ndarray] | None = None) -> None:
    data = encode_frame(meta, arrays)
    view = memoryview(data)
    while view:
        written = os.write(RESULT_FD, view)
        view = view[written:]


def _case_inputs(meta: dict[str, Any], arrays: dict[str, np.ndarray], index: int) -> dict[str, Any]:
    inputs: dict[str, Any] = dict(meta["scalars"][index])
    prefix = f"c{index}/"
    for key, array in arrays.items():
        if key.startswith(prefix):
            inputs[key[len(prefix):]] = array
    return inputs


def _to_output(value: Any) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"the entry returned {type(value).__name__} with dtype {array.dtype}; "
            "expected an array of real numbers"
        )
    return array


def _configure_jax(meta: dict[str, Any]) -> None:
    import jax

    update: Callable[[str, Any], None] = jax.config.update  # jax leaves it unannotated
    update("jax_platforms", "cpu")
    cache_dir = meta.get("cache_dir")
    if cache_dir:
        update("jax_compilation_cache_dir", cache_dir)
        update("jax_persistent_cache_min_entry_size_bytes", 0)
        # A learner's run reads the cache but never attempts a write.
        min_time = 0.0 if meta.get("cache_writable") else 1e9
        update("jax_persistent_cache_min_compile_time_secs", min_time)


# A case the program computed: its frame's fields and its output, emitted in its turn.
Computed = tuple[dict[str, Any], np.ndarray]


def _run_batch(batch: Any, entry: Any, meta: dict[str, Any],
               arrays: dict[str, np.ndarray], budget: int, whole_run: bool,
               use_forward: bool = False
               ) -> dict[int, Computed] | NotWorthCompiling | Literal["failed"]:
    """Run every case through ``batch``, which compiles all cases at once.

    Returns the case frames of the cases the program computed, by index, to be emitted
    in the cases' order: all of them, or (``whole_run``) all but the cases left out of
    the program (``sandbox.whole_run.SKIPPED``), which the caller runs one by one in
    their turn.  Or returns the ``NotWorthCompiling`` that declined it (a program the cache
    does not hold was not worth compiling: ``worth_compiling``; it may carry ``init_all``'s
    cached outputs) or "failed" (anything else), so the caller runs every
    case one by one and reports errors per case.  Each case's time is its own tracing
    time plus an equal share of the shared lowering, compilation and run; printed text
    goes to the case whose tracing printed it.  ``whole_run``: ``batch`` is
    ``sandbox.whole_run``'s, built from ``run_case`` (it also declines traced prints).
    ``use_forward``: a declined program's ``forward_outputs`` may be the cases' outputs
    (then ``execution`` "eager": nothing compiled), unless a case printed while traced:
    its ``apply`` then runs, so what it prints shows values, not tracers.
    """
    n_cases = len(meta["cases"])
    outs = [CappedText(MAX_CASE_STDOUT) for _ in range(n_cases)]
    traced = [0.0] * n_cases
    current: list[Any] = [None, 0.0]  # the case being traced, since when

    def stop_clock() -> None:
        if current[0] is not None:
            traced[current[0]] += time.perf_counter() - current[1]
            current[0] = None

    def begin_case(index: int) -> None:
        stop_clock()
        current[0], current[1] = index, time.perf_counter()
        sys.stdout = sys.stderr = outs[index]

    def run(function: Any, *args: Any) -> Any:
        return run_program(function, args, meta.get("cache_dir"),
                           bool(meta.get("cache_writable")), on_traced=stop_clock,
                           worth_compiling=worth_compiling)

    _emit({"type": "batch", "cases": n_cases})
    started = time.perf_counter()
    saved = sys.stdout, sys.stderr
    execution = "batch"
    # What a failure below returns: the declined program once its forward outputs were
    # taken, so the cases then run as a declined program's do, not compiled one by one.
    fallback: NotWorthCompiling | Literal["failed"] = "failed"
    try:
        try:
            results = batch(entry, [_case_inputs(meta, arrays, i) for i in range(n_cases)],
                            begin_case, run)
        except NotWorthCompiling as declined:
            forward = declined.forward_outputs
            if (not use_forward or forward is None or len(forward) != n_cases
                    or any(out.getvalue() for out in outs)):
                raise
            results, execution, fallback = forward, "eager", declined
        stop_clock()
        sys.stdout, sys.stderr = saved
        if len(results) != n_cases:
            return fallback
        outputs = {index: _to_output(value) for index, value in enumerate(results)
                   if value is not SKIPPED}
        if sum(o.nbytes for o in outputs.values()) > budget:
            return fallback
        if whole_run and printed_tracers([outs[index].getvalue() for index in outputs]):
            return "failed"
    except NotWorthCompiling as declined:
        return declined
    except BaseException:  # noqa: BLE001 - rerun case by case, which reports it properly
        return fallback
    finally:
        sys.stdout, sys.stderr = saved
    total = time.perf_counter() - started
    # The program's share: what its cases' tracing left (a left-out case's tracing is
    # the program's cost, its own run comes later).
    shared = max(0.0, total - sum(traced[index] for index in outputs)) / len(outputs)
    computed: dict[int, Computed] = {}
    for index, output in outputs.items():
        seconds = traced[index] + shared
        # share: this case's part of the program's time; the supervisor splits the
        # program's CPU time (which only it can read, from the cgroup) the same way.
        computed[index] = ({"type": "case", "index": index, "status": "ok",
                            "stdout": outs[index].text(), "seconds": seconds,
                            "share": seconds / total if total > 0 else 1 / len(outputs),
                            "execution": execution}, output)
    return computed


def run_submission(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Load the submission, then run every case and emit one frame per case."""
    code: str = meta["code"]
    linecache.cache[SUBMISSION_FILE] = (len(code), None, code.splitlines(True), SUBMISSION_FILE)
    try:
        # Parsed once: the tree serves the compiler and both checks below.
        tree = ast.parse(code, SUBMISSION_FILE)
        compiled = compile(tree, SUBMISSION_FILE, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        column = getattr(exc, "offset", None)
        message = f"{type(exc).__name__}: {getattr(exc, 'msg', exc)}"
        _emit({"type": "compile_error", "message": message, "line": line, "column": column})
        return
    framework = str(meta.get("framework", "jax"))
    forbidden = find_forbidden(tree, meta.get("forbid", []))
    hit = forbidden or find_forbidden(tree, FOREIGN[framework])
    if hit is not None:
        name, line = hit
        reason = ("it asks you to build the operation yourself." if forbidden else
                  f"this submission is written for {framework}; choose the framework "
                  f"whose library you use.")
        _emit({"type": "compile_error", "line": line, "column": None, "message":
               f"`{name}` is not allowed in this problem: {reason}"})
        return

    harness_ns: dict[str, Any] = {"__name__": "harness"}
    exec(compile(meta["harness_code"], HARNESS_FILE, "exec"), harness_ns)
    run_case = harness_ns["run_case"]

    _emit({"type": "loading"})
    module = type(sys)("submission")
    module.__file__ = SUBMISSION_FILE
    sys.modules["submission"] = module
    import_out = CappedText(MAX_CASE_STDOUT)
    try:
        with contextlib.redirect_stdout(import_out), contextlib.redirect_stderr(import_out):
            exec(compiled, module.__dict__)
    except BaseException as exc:  # noqa: BLE001 - anything the submission raises is its error
        _emit({"type": "load_error", **error_fields(exc),
               "stdout": import_out.text(), "memory": is_memory_error(exc)})
        return
    entry = module.__dict__.get(meta["entry"])
    if entry is None:
        _emit({"type": "compile_error", "line": None, "column": None, "message":
               f"your code does not define `{meta['entry']}`, the name this problem calls"})
        return
    entry = adapt(entry, framework, bool(meta.get("grad")))
    execution = meta.get("execution", "batch")
    # Only JAX code compiles into one program for every case: through the harness's
    # own ``batch`` (whose cases also compile one by one), else one built from
    # ``run_case`` (whose cases then run op by op, compiling nothing).
    batch = harness_ns.get("batch") if framework == "jax" else None
    whole_run = framework == "jax" and batch is None and not mutates_parameters(tree)
    if whole_run:
        batch = whole_run_batch(run_case)
    # A run that compiles may be run again one step down the execution ladder if
    # compiling runs out of CPU time or memory (the supervisor decides).
    compiles = callable(batch) and (not whole_run or execution == "batch")
    _emit({"type": "ready", "stdout": import_out.text(), "compiles": compiles})

    budget = int(meta["output_bytes"])
    n_cases = len(meta["cases"])
    batched: dict[int, Computed] | NotWorthCompiling | str | None = None
    if execution == "batch" and callable(batch) and n_cases > 1:
        batched = _run_batch(batch, entry, meta, arrays, budget, whole_run,
                             use_forward=not distinguishes_init(tree))
    computed = batched if isinstance(batched, dict) else {}
    if computed and len(computed) < n_cases:
        # The program is over; the cases it left out now run alone, each in its turn.
        _emit({"type": "batched"})
    eager = execution == "eager"
    runners = [run_case] * n_cases
    if isinstance(batched, NotWorthCompiling) and not whole_run:
        # Not worth compiling as one program, so not case by case either (the cases
        # together are that program): op by op.  For ``whole_run`` that is the plain
        # per-case loop; the Flax harness's ``run_case`` compiles, so it runs eagerly.
        # If that runs out of CPU time the ladder still applies, as before.
        eager = True
        runners = _from_parameters(harness_ns.get("apply_case"), batched.init_outputs,
                                   n_cases) or runners
    for index in range(n_cases):
        output: np.ndarray | None
        if index in computed:
            frame, output = computed[index]
        else:
            frame, output = _run_alone(runners[index], entry, _case_inputs(meta, arrays, index), index,
                                       eager, may_retry_eagerly=not whole_run and callable(batch),
                                       op_by_op=whole_run)
        if output is not None and output.nbytes > budget:
            frame = {**frame, "status": "output", "share": None,
                     "message": f"the output has {output.nbytes} bytes, over the cap"}
            output = None
        if output is None:
            _emit(frame)
            continue
        budget -= output.nbytes
        _emit(frame, {"output": output})
    _emit({"type": "done"})


def _from_parameters(apply_case: Any, init_outputs: Any, n_cases: int) -> list[Any] | None:
    """Each case's runner from its own parameters: the harness's ``apply_case(entry,
    inputs, variables)`` given entry ``i`` of ``init_all``'s cached outputs (one per case,
    in the cases' order: the harness's contract), or None (no such function or outputs).
    Drawing the parameters op by op cost the seed problem's double loop most of its CPU."""
    if (not callable(apply_case) or not isinstance(init_outputs, list)
            or len(init_outputs) != n_cases):
        return None
    return [lambda entry, inputs, variables=variables: apply_case(entry, inputs, variables)
            for variables in init_outputs]


def _run_alone(run_case: Any, entry: Any, inputs: dict[str, Any], index: int, eager: bool,
               may_retry_eagerly: bool, op_by_op: bool) -> tuple[dict[str, Any], np.ndarray | None]:
    """One case on its own, outside any program of all cases: its frame, and its output
    if it has one.

    ``may_retry_eagerly``: compiling this case (the harness's ``run_case`` compiles)
    may run out of memory, and the case then runs again without compiling.  ``op_by_op``:
    ``run_case`` compiles nothing (``sandbox.whole_run``'s), so it runs like ``eager``
    but with ``jax.jit`` kept (NumPy first, ``_run_one``).  ``cpu``:
    this process's CPU seconds for the case, which the supervisor uses only to split a
    CPU sample it could not take apart (``sandbox.run``, ``_case_ms``).
    """
    out = CappedText(MAX_CASE_STDOUT)
    started, cpu_started = time.perf_counter(), time.process_time()
    ran = "eager" if eager else "per_case"
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                output = _to_output(_run_one(run_case, entry, inputs, eager, op_by_op))
            except BaseException as exc:  # noqa: BLE001
                if eager or not may_retry_eagerly or not is_memory_error(exc):
                    raise
                ran = "eager"
                output = _to_output(_run_one(run_case, entry, inputs, True, op_by_op))
    except BaseException as exc:  # noqa: BLE001
        status = "memory" if is_memory_error(exc) else "error"
        return ({"type": "case", "index": index, "status": status, "stdout": out.text(),
                 **error_fields(exc), "execution": ran, "seconds": time.perf_counter() - started,
                 "cpu": time.process_time() - cpu_started}, None)
    return ({"type": "case", "index": index, "status": "ok", "stdout": out.text(),
             "execution": ran, "seconds": time.perf_counter() - started,
             "cpu": time.process_time() - cpu_started}, output)


def _run_one(run_case: Any, entry: Any, inputs: dict[str, Any], eager: bool,
             op_by_op: bool) -> Any:
    """One case through the harness; ``eager`` turns every ``jax.jit`` into a plain call.

    Op by op (``eager`` or ``op_by_op``), NumPy computes the primitives it can
    (``sandbox.numpy_eager``) instead of XLA compiling each one for each new shape."""
    if not eager and not op_by_op:
        return run_case(entry, inputs)
    import jax

    from sandbox.numpy_eager import numpy_first

    with jax.disable_jit() if eager else contextlib.nullcontext(), numpy_first():
        return run_case(entry, inputs)


def main(settings: dict[str, Any]) -> None:
    """Entry point in the freshly forked child; never returns."""
    status = 0
    try:
        meta, arrays = read_request(0)
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        confine.apply(settings)
        # Die with the fork server (set after the uid change, which clears it).
        die_with_parent(settings["zygote_pid"])
        if RUNTIME[str(meta.get("framework", "jax"))] == "torch":
            configure_torch()
        else:
            _configure_jax(meta)
        run_submission(meta, arrays)
    except confine.ConfinementError as exc:
        with contextlib.suppress(Exception):
            _emit({"type": "internal", "message": f"sandbox setup failed: {exc}"})
        status = 70
    except BaseException as exc:  # noqa: BLE001 - report, never let the zygote's code run on
        with contextlib.suppress(Exception):
            _emit({"type": "internal", "message": f"runner failed: {exc!r}"})
        status = 71
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(status)
