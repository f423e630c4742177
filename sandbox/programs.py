"""Run a harness's whole-run program through a cache of exported programs keyed by jaxpr.

Runs inside the sandboxed child.  Lowering a traced program to StableHLO is the
largest cost of a warm run (for the seed problem, two thirds of it is re-lowering
JAX's threefry PRNG for every parameter shape), and JAX's persistent compilation
cache can only be consulted *after* lowering, because its key is the lowered module.
So the run that may write the problem version's cache (the reference run) also
stores the program as a ``jax.export`` artifact under a key computed from the traced
jaxpr; a learner run whose jaxpr is identical (same text, same constants, same
argument structure) loads that artifact instead of lowering its own program, and
compiling the artifact's small wrapper is served by the persistent compilation cache.

Identical jaxprs compute identical values, so a hit cannot change any output.  Any
jaxpr whose text names a callback or a Python object address is never looked up.
Files are read from, and written to, the compile-cache directory only; who may write
it is decided by the supervisor and enforced by Landlock (see THREATS.md).

The *outputs* of one kind of program are cached too: a program the harness names
``init_all`` (Flax ``init`` of every case: parameters drawn from the case seeds) whose
outputs the run then passes to another program.  The reference run stores them under
a key of the program's jaxpr key and the exact bytes of its arguments; a learner run
with the same program on the same arguments loads them instead of running ``init``.
The outputs' key is that of ``init_all``'s jaxpr without dead code (Flax's ``init``
traces the whole forward pass and keeps only the parameters): two jaxprs whose live
parts are identical compute identical outputs, so this too cannot change any output.
The exported ``init_all`` stays keyed by its whole jaxpr: it holds the reference's
forward pass, which only a learner who traced that very forward pass may load.
Outputs a learner is judged by are the harness's final results, which are never
cached: only an ``init_all`` whose outputs became another program's argument is written.
When they miss, the reference's random draws may still serve (``sandbox/draws.py``).

Every key includes JAX's trace context (``_trace_context``): code that changes
``jax.config`` computes other values under the same jaxpr text.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np

from sandbox import init_forward

PREFIX = "program-"
OUTPUTS_PREFIX = "outputs-"
CACHED_OUTPUTS = "init_all"  # the one program name whose outputs may be cached
# Text that makes a jaxpr unsafe or pointless to key on: callbacks run Python that the
# text does not show, and an object's address differs in every process.
_UNKEYABLE = re.compile(r"callback|0x[0-9a-f]{6,}")


def _without_dead_code(closed: Any) -> Any:
    """``closed`` without the equations (and constants) none of its outputs depends on;
    every argument stays, as do equations with effects.  It computes the same outputs."""
    from jax._src import core
    from jax._src.interpreters import partial_eval as pe

    jaxpr = closed.jaxpr
    keep_arguments = [False] * len(jaxpr.constvars) + [True] * len(jaxpr.invars)
    live, used_consts, _ = pe.dce_jaxpr_consts(jaxpr, [True] * len(jaxpr.outvars), keep_arguments)
    return core.ClosedJaxpr(live, [c for c, used in zip(closed.consts, used_consts, strict=True) if used])


def program_key(traced: Any, live_only: bool = False) -> str | None:
    """sha256 over the traced jaxpr's text, its constants and the argument structure.

    ``live_only``: over the jaxpr without its dead code (``_without_dead_code``), so two
    programs that compute their outputs alike share a key whatever else they trace.
    Flax's ``init`` runs the module's whole forward pass and keeps only the parameters:
    a learner whose parameters are drawn as the reference draws them but whose forward
    pass differs (most wrong answers) gets the reference's ``init_all`` outputs key, so
    its cached outputs, instead of compiling ``init`` (threefry and that forward pass).
    Only outputs are looked up by it: an exported program holds its dead code too.
    """
    closed = _without_dead_code(traced.jaxpr) if live_only else traced.jaxpr
    return _key_of(closed, traced.args_info)


def text_and_constants_digest(text: str, consts: Sequence[Any]) -> hashlib._Hash:
    """A sha256 (to be updated further) over a jaxpr's text and its constants' bytes."""
    digest = hashlib.sha256(text.encode())
    for const in consts:
        array = np.asarray(const)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest


def _key_of(closed: Any, args_info: Any) -> str | None:
    import jax

    text = str(closed)
    if _UNKEYABLE.search(text):
        return None
    digest = text_and_constants_digest(text, closed.consts)
    digest.update(str(jax.tree_util.tree_structure(args_info)).encode())
    digest.update(_trace_context().encode())
    return digest.hexdigest()


def _trace_context() -> str:
    """JAX's settings that change what a traced jaxpr computes (the PRNG's layout,
    ``jax_random_seed_offset``, the default matmul precision, x64, ...): JAX keys its own
    caches of traced and lowered programs with them.  Code may change them (``jax.config
    .update``), and then the same jaxpr text computes other values.  Plain values only:
    the rest (context managers, the axis environment) print object addresses."""
    from jax._src import config

    return repr([(name, value) for name, value in zip(config.trace_context_names(),
                                                      config.trace_context(), strict=True)
                 if value is None or isinstance(value, (bool, int, float, str, Enum))])


def arguments_digest(args: tuple[Any, ...]) -> str | None:
    """sha256 over the exact bytes of a program's arguments and JAX's trace context
    (``_trace_context``); None: not keyable."""
    import jax

    digest = hashlib.sha256(_trace_context().encode())
    try:
        for leaf in jax.tree_util.tree_leaves(args):
            array = np.asarray(leaf)
            if array.dtype.kind not in "biuf":
                return None
            digest.update(f"{array.dtype.str}{array.shape}".encode())
            digest.update(np.ascontiguousarray(array).tobytes())
    except Exception:  # noqa: BLE001 - e.g. typed PRNG keys: simply not cached
        return None
    return digest.hexdigest()


def _outputs_path(cache_dir: str, key: str, arguments: str) -> Path:
    """Where ``init_all``'s outputs for exactly these arguments live."""
    digest = hashlib.sha256(f"{key}{arguments}".encode()).hexdigest()
    return Path(cache_dir) / f"{OUTPUTS_PREFIX}{digest}.npz"


def _load_outputs(path: Path, traced: Any) -> Any:
    """The cached outputs as the program's output tree, or None (absent or not matching)."""
    import jax

    expected = jax.tree_util.tree_leaves(traced.out_info)
    if any(getattr(leaf, "weak_type", False) for leaf in expected):
        return None  # a NumPy array would not carry the weak type into the next program
    try:
        with np.load(path, allow_pickle=False) as stored:
            leaves = [stored[f"arr_{i}"] for i in range(len(stored.files))]
    except (OSError, ValueError, KeyError):
        return None
    if len(leaves) != len(expected) or any(
            a.shape != tuple(b.shape) or a.dtype != b.dtype for a, b in zip(leaves, expected, strict=True)):
        return None
    return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(traced.out_info), leaves)


class _OutputsToWrite:
    """The reference run's ``init_all`` outputs, written once another program takes them."""

    pending: tuple[Path, Any] | None = None

    @classmethod
    def consumed(cls, args: tuple[Any, ...]) -> None:
        if cls.pending is None:
            return
        path, outputs = cls.pending
        if any(arg is outputs for arg in args):
            import jax

            leaves = [np.asarray(leaf) for leaf in jax.tree_util.tree_leaves(outputs)]
            tmp = path.with_name(f".{path.name}.{os.getpid()}")
            with open(tmp, "wb") as file:
                np.savez(file, *leaves)
            os.replace(tmp, path)
        cls.pending = None


def _host_arguments(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """The program's arguments with every JAX array of a plain dtype as a NumPy array.

    An array an exported program returned carries its sharding into the next program's
    lowered module (``sdy.sharding``) where a NumPy array of the same values carries
    none, so one program lowered to two modules.  The reference run feeds ``apply_all``
    what ``init_all``'s exported program returned, a learner run the cached ``init_all``
    outputs (NumPy), so the learner missed the compiled wrapper the reference run had
    left in the persistent cache: 1.35 s of compiling for conv-transpose2d-module's
    hidden cases, 2.6 -> 1.0 s of CPU for its reference-like Submit.  The values are the
    same, so outputs are too.  Weak-typed arrays (NumPy has no weak type) and typed PRNG
    keys stay as they are.
    """
    import jax

    def host(leaf: Any) -> Any:
        if (isinstance(leaf, jax.Array) and not getattr(leaf, "weak_type", False)
                and not jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.extended)):
            return np.asarray(leaf)
        return leaf

    return tuple(jax.tree_util.tree_map(host, args))


class NotWorthCompiling(Exception):
    """The caller judged a program that the cache does not hold not worth compiling.

    ``init_outputs``: ``init_all``'s outputs when the cache held them (its forward pass
    is what was not worth compiling), so the cases can run op by op from these
    parameters instead of drawing them op by op again; None otherwise.
    ``forward_outputs``: with them, each case's forward output as ``init_all``'s trace
    computes it from those parameters (``sandbox/init_forward.py``), or None.
    """

    def __init__(self, message: str, init_outputs: Any = None,
                 forward_outputs: list[np.ndarray] | None = None):
        super().__init__(message)
        self.init_outputs = init_outputs
        self.forward_outputs = forward_outputs


def _check_worth(traced: Any, worth_compiling: Callable[[Any], bool] | None,
                 init_outputs: Any = None, forward: Callable[[], Any] | None = None) -> None:
    """Raise ``NotWorthCompiling`` when ``worth_compiling`` says so; ``forward()`` then
    gives its ``forward_outputs``."""
    if worth_compiling is not None and not worth_compiling(traced.jaxpr):
        raise NotWorthCompiling(f"{len(traced.jaxpr.eqns)} equations, not cached", init_outputs,
                                None if forward is None else forward())


def run_program(function: Any, args: tuple[Any, ...], cache_dir: str | None, writable: bool,
                on_traced: Any = None,
                worth_compiling: Callable[[Any], bool] | None = None) -> Any:
    """``function(*args)`` compiled once; through the exported-program cache when possible
    (and, for ``init_all``, the cache of its outputs).

    ``on_traced()`` is called once tracing is over (the caller's time accounting).
    ``worth_compiling(closed_jaxpr)``: raise ``NotWorthCompiling`` rather than compile
    a program the cache does not hold when it says False.  A run that writes the cache
    (the reference's) always compiles, so learners' identical programs are cached.
    """
    import jax

    if writable:
        worth_compiling = None
        _OutputsToWrite.consumed(args)
    args = _host_arguments(args)
    jitted = jax.jit(function)
    traced = jitted.trace(*args)
    if on_traced is not None:
        on_traced()
    if cache_dir is None:
        return _compiled_or_evaluated(traced, args, writable, worth_compiling)
    # ``init_all`` only: its jaxpr without dead code, its arguments' digest, and where
    # its outputs are cached (None: not keyable, so neither its outputs nor its draws).
    init: tuple[Any, str, Path] | None = None
    if getattr(function, "__name__", None) == CACHED_OUTPUTS:
        live = _without_dead_code(traced.jaxpr)
        live_key, arguments = _key_of(live, traced.args_info), arguments_digest(args)
        if live_key is not None and arguments is not None:
            outputs_path = _outputs_path(cache_dir, live_key, arguments)
            init = (live, arguments, outputs_path)
            cached = _load_outputs(outputs_path, traced)
            if cached is not None:
                # Flax's ``init`` traced the whole forward pass, which ``apply`` repeats:
                # a forward pass not worth compiling is declined here, before ``apply``
                # is traced only to be declined (the seed problem's double loop: ~3 s).
                # The cases then run op by op from these parameters (``init_outputs``),
                # or take the forward pass this trace holds (``forward_outputs``).
                _check_worth(traced, worth_compiling, init_outputs=cached, forward=lambda: (
                    init_forward.forward_outputs(traced.jaxpr, args, cached,
                                                 getattr(function, "forward_outputs", None))))
                return cached
    # The exported program is keyed by the whole jaxpr, dead code included: an
    # exported ``init_all`` holds the reference's forward pass (THREATS.md).
    key = program_key(traced)
    if init is not None and not writable and (
            key is None or not _exported_path(cache_dir, key).exists()):
        _check_worth(traced, worth_compiling)
        live, arguments, _ = init
        drawn = _with_cached_draws(live, traced, args, arguments, cache_dir)
        if drawn is not None:
            return drawn
    if key is None:
        return _compiled_or_evaluated(traced, args, writable, worth_compiling)
    result = _compiled(jitted, traced, key, args, cache_dir, writable, worth_compiling)
    if writable and init is not None:
        live, arguments, outputs_path = init
        _OutputsToWrite.pending = (outputs_path, result)
        from sandbox import draws  # (draws imports this module)

        try:
            draws.write_draws(live, args, arguments, cache_dir)
        except Exception:  # noqa: BLE001 - an optimisation only: learners then compile threefry
            pass
    return result


def _with_cached_draws(live: Any, traced: Any, args: tuple[Any, ...], arguments: str,
                       cache_dir: str) -> Any:
    """``init_all`` with the random draws the cache holds (``sandbox/draws.py``), or None.
    Any failure there is no answer: the program then compiles as it is."""
    from sandbox import draws  # (draws imports this module)

    try:
        return draws.run_with_cached_draws(live, traced, args, arguments, cache_dir)
    except Exception:  # noqa: BLE001 - an optimisation only; the program as written decides
        return None


def _compiled_or_evaluated(traced: Any, args: tuple[Any, ...], writable: bool,
                           worth_compiling: Callable[[Any], bool] | None) -> Any:
    """A program the cache does not hold: compiled and run, or, for a learner's run when
    NumPy computes its every equation (``sandbox/numpy_eager.py``), evaluated equation
    by equation, which costs a fraction of XLA's compile (scatters written by hand, most
    of all).  The reference's run always compiles: its programs are what the cache holds."""
    _check_worth(traced, worth_compiling)
    if not writable:
        from sandbox.numpy_eager import evaluate

        value = evaluate(traced, args)
        if value is not None:
            return value
    return traced.lower().compile()(*args)


def _exported_path(cache_dir: str, key: str) -> Path:
    return Path(cache_dir) / f"{PREFIX}{key}.jaxexport"


def _compiled(jitted: Any, traced: Any, key: str, args: tuple[Any, ...], cache_dir: str,
              writable: bool, worth_compiling: Callable[[Any], bool] | None) -> Any:
    """Run the traced program through the exported-program cache (see the module doc)."""
    import jax

    path = _exported_path(cache_dir, key)
    blob: bytes | bytearray | None
    try:
        blob = path.read_bytes()
    except OSError:
        blob = None
    if blob is None and writable:
        from jax import export

        # Also compile the program as itself: the persistent cache then serves learners
        # whose jaxpr differs but whose lowered module is the same.
        traced.lower().compile()
        blob = export.export(jitted)(*args).serialize()
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_bytes(blob)
        os.replace(tmp, path)
    if blob is None:
        return _compiled_or_evaluated(traced, args, writable, worth_compiling)
    from jax import export

    return jax.jit(export.deserialize(bytearray(blob)).call)(*args)
