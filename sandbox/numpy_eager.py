"""Op by op with NumPy: the primitives a run not worth compiling repeats, without XLA.

Runs inside the sandboxed child, only while a run goes op by op (``jax.disable_jit``).
There every primitive JAX has not yet run on those exact shapes is compiled by XLA on
its own, ~15 ms of CPU each (8 ms in XLA, the rest lowering), and a Python loop over
positions compiles a dozen of them per case.  ``numpy_first()`` makes JAX's evaluation
of a primitive try NumPy first, for the primitives ``numpy_ops.HANDLERS`` names;
anything else (another primitive, another dtype, a parameter not handled, a weak-typed
or effectful result, an exception) runs as before.

What NumPy computes is what XLA computes (``sandbox/numpy_ops.py`` says how), and
each result's shape and dtype must equal what JAX's own shape rule says
(``abstract_eval``), or the primitive runs on XLA.
``tests/sandbox/test_numpy_eager.py`` holds every handler to XLA's result.
"""

from __future__ import annotations

import contextlib
import functools
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from sandbox.numpy_ops import DTYPES, HANDLERS


@functools.cache
def _placement() -> tuple[Any, Any]:
    """The default device and its sharding, where JAX puts eager results.  Asked for on
    the first result NumPy computes, not before: asking starts XLA's backend, which a
    child that never computes (the self-check's probes) need not pay for."""
    import jax
    from jax._src.sharding_impls import SingleDeviceSharding

    default = jax.devices()[0]
    return default, SingleDeviceSharding(default)


def _by_numpy(handler: Callable[..., Any], primitive: Any, args: Any, params: dict[str, Any]) -> Any:
    """``primitive`` on ``args`` computed by ``handler``, or None (XLA runs it)."""
    from jax._src import core
    from jax._src.interpreters import partial_eval, pxla

    try:
        avals = [core.typeof(arg) for arg in args]
        if any(type(aval) is not core.ShapedArray or aval.dtype not in DTYPES for aval in avals):
            return None
        # JAX's own shape rule through JAX's own cache of it (what tracing consults): a
        # Python loop repeats a few primitives on a few shapes thousands of times.
        out, effects = partial_eval._cached_abstract_eval(primitive, *avals, **params)
        if effects or primitive.multiple_results or out.dtype not in DTYPES:
            return None
        with np.errstate(all="ignore"):
            # (a Python scalar as JAX types it: ``2.0`` is a weak float32, not a float64)
            value = np.asarray(handler(*(np.asarray(arg, dtype=aval.dtype)
                                         for arg, aval in zip(args, avals, strict=True)), **params))
        if value.shape != out.shape or value.dtype != out.dtype:
            return None
        # As an eager result: uncommitted, on the default device, with JAX's aval (its
        # weak type included); ~5 us where ``jax.device_put`` takes ~25.
        device, sharding = _placement()
        return pxla.batched_device_put(out, sharding, [value], [device], committed=False)
    except Exception:  # noqa: BLE001 - Unsupported and anything unforeseen: XLA decides
        return None


_JITS: dict[int, tuple[Any, bool]] = {}  # id(jaxpr) -> (jaxpr, every equation handled)


def _all_handled(jaxpr: Any) -> bool:
    """Whether NumPy computes every equation of ``jaxpr`` (nested ``jit`` calls included)."""
    known = _JITS.get(id(jaxpr))
    if known is None or known[0] is not jaxpr:
        handled = not jaxpr.effects and all(
            eqn.primitive.name in HANDLERS
            or (eqn.primitive.name == "jit" and _all_handled(eqn.params["jaxpr"].jaxpr))
            for eqn in jaxpr.eqns)
        known = _JITS[id(jaxpr)] = (jaxpr, handled)
    return bool(known[1])


def _evaluable(jaxpr: Any, n_args: int) -> bool:
    """Whether ``jaxpr`` may be evaluated equation by equation on ``n_args`` arguments:
    NumPy computes every equation, and no output is a literal (``eval_jaxpr`` would
    return it as a Python scalar, not an array)."""
    from jax._src import core

    return (n_args == len(jaxpr.invars) and _all_handled(jaxpr)
            and not any(isinstance(v, core.Literal) for v in jaxpr.outvars))


def _jit_by_numpy(original: Callable[..., Any], to_xla: Counter[str]) -> Callable[..., Any]:
    """JAX's compile-and-run of a ``jit`` call (``pjit._pjit_call_impl_python``), which
    runs equation by equation instead when NumPy computes every equation: JAX's library
    functions are ``jit``-wrapped (``jnp.pad``, ``jnp.einsum``), and each would be
    compiled for each new shape.  Tracing already happened, with all its errors."""
    from jax._src import core

    def call(*args: Any, **params: Any) -> Any:
        closed = params["jaxpr"]
        if _evaluable(closed.jaxpr, len(args)):
            return core.eval_jaxpr(closed.jaxpr, closed.consts, *args), None, None, []
        to_xla["jit"] += 1
        return original(*args, **params)
    return call


@contextlib.contextmanager
def numpy_first() -> Iterator[Counter[str]]:
    """While inside, JAX evaluates the primitives above with NumPy (op by op only).

    Yields how many calls of each primitive (``jit``: each compiled call) XLA ran."""
    from jax._src import config, core, pjit

    original = core.EvalTrace.process_primitive
    to_xla: Counter[str] = Counter()

    def process_primitive(self: Any, primitive: Any, args: Any, params: Any, /) -> Any:
        if not config.debug_key_reuse.value:
            handler = HANDLERS.get(primitive.name)
            value = None if handler is None else _by_numpy(handler, primitive, args, params)
            if value is not None:
                return value
        to_xla[primitive.name] += 1
        return original(self, primitive, args, params)  # type: ignore[no-untyped-call]

    original_jit = pjit._pjit_call_impl_python
    core.EvalTrace.process_primitive = process_primitive  # type: ignore[method-assign]
    pjit._pjit_call_impl_python = _jit_by_numpy(original_jit, to_xla)
    try:
        yield to_xla
    finally:
        core.EvalTrace.process_primitive = original  # type: ignore[method-assign]
        pjit._pjit_call_impl_python = original_jit


def evaluate(traced: Any, args: tuple[Any, ...]) -> Any:
    """A traced program (``jax.jit(f).trace(*args)``) evaluated equation by equation
    under ``numpy_first()`` when NumPy computes every equation, as its output tree;
    None otherwise (it is then compiled)."""
    import jax
    from jax._src import core

    closed = traced.jaxpr
    leaves = jax.tree_util.tree_leaves(args)
    if not _evaluable(closed.jaxpr, len(leaves)):
        return None
    with numpy_first():  # (a value a handler declines is XLA's, as op by op)
        outputs = core.eval_jaxpr(closed.jaxpr, closed.consts, *leaves)
    return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(traced.out_info), outputs)
