"""Op by op with NumPy: the primitives a run not worth compiling repeats, without XLA.

Runs inside the sandboxed child, only while a run goes op by op (``jax.disable_jit``).
There every primitive JAX has not yet run on those exact shapes is compiled by XLA on
its own, ~15 ms of CPU each (8 ms in XLA, the rest lowering), and a Python loop over
positions compiles a dozen of them per case.  ``numpy_first()`` makes JAX's evaluation
of a primitive try NumPy first, for the primitives below; anything else (another
primitive, another dtype, a parameter not handled, a weak-typed or effectful result, an
exception) runs as before.

What NumPy computes is what XLA computes, by construction:
- only operations whose result IEEE arithmetic fixes: no transcendental function;
  ``dot_general`` (float32, summed in another order) is the one exception and differs
  by rounding only, as XLA's own fused and unfused programs do;
- each result's shape and dtype must equal what JAX's own shape rule says
  (``abstract_eval``), or the primitive runs on XLA;
- indices follow XLA: ``dynamic_slice`` clamps its start, a scatter drops an update
  whose window leaves the operand (``CLIP`` clamps it instead), ``convert_element_type``
  from float to integer runs on XLA unless every value fits.
``tests/sandbox/test_numpy_eager.py`` holds every handler to XLA's result.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

_DTYPES = frozenset(np.dtype(t) for t in (np.float32, np.float64, np.int32, np.int64,
                                          np.uint32, np.uint8, np.int8, np.bool_))
_HANDLERS: dict[str, Callable[..., Any]] = {}


class _Unsupported(Exception):
    """This call is not one NumPy computes here: XLA runs it."""


def _handles(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        for name in names:
            _HANDLERS[name] = handler
        return handler
    return register


def _no_sharding(params: dict[str, Any]) -> None:
    for name in ("sharding", "out_sharding"):
        if params.get(name) is not None:
            raise _Unsupported(name)


def _binary(ufunc: Any) -> Callable[..., Any]:
    return lambda x, y, **_: ufunc(x, y)


def _unary(ufunc: Any) -> Callable[..., Any]:
    return lambda x, **_: ufunc(x)


_HANDLERS.update({name: _binary(ufunc) for name, ufunc in {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "max": np.maximum,
    "min": np.minimum, "eq": np.equal, "ne": np.not_equal, "lt": np.less,
    "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
    "and": np.bitwise_and, "or": np.bitwise_or, "xor": np.bitwise_xor}.items()})
_HANDLERS.update({name: _unary(ufunc) for name, ufunc in {
    "neg": np.negative, "abs": np.abs, "sign": np.sign, "floor": np.floor, "ceil": np.ceil,
    "sqrt": np.sqrt, "square": np.square, "not": np.invert, "copy": np.copy, "is_finite": np.isfinite,
    "stage": np.asarray}.items()})  # (``stage`` lifts a literal into an array)


@_handles("div")
def _div(x: np.ndarray, y: np.ndarray, **_: Any) -> Any:
    if x.dtype.kind != "f":  # integers: XLA rounds toward zero, NumPy down
        raise _Unsupported("integer division")
    return np.divide(x, y)


@_handles("integer_pow")
def _integer_pow(x: np.ndarray, *, y: int, **_: Any) -> Any:
    """By squaring, in JAX's order of multiplications (``lax._integer_pow``)."""
    if y == 0:
        return np.ones_like(x)
    exponent, acc = abs(y), None
    while exponent > 0:
        if exponent & 1:
            acc = x if acc is None else acc * x
        exponent >>= 1
        if exponent > 0:
            x = x * x
    assert acc is not None
    return np.ones_like(acc) / acc if y < 0 else acc


@_handles("select_n")
def _select_n(which: np.ndarray, *cases: np.ndarray, **_: Any) -> Any:
    if which.dtype != np.bool_ or len(cases) != 2:
        raise _Unsupported("select_n beyond a boolean choice")
    return np.where(which, cases[1], cases[0])


@_handles("clamp")
def _clamp(low: np.ndarray, x: np.ndarray, high: np.ndarray, **_: Any) -> Any:
    return np.minimum(np.maximum(x, low), high)


@_handles("convert_element_type")
def _convert(x: np.ndarray, *, new_dtype: Any, weak_type: bool = False, **params: Any) -> Any:
    _no_sharding(params)
    target = np.dtype(new_dtype)
    if target == np.bool_:
        return x != 0
    if x.dtype.kind == "f" and target.kind in "iu":
        info = np.iinfo(target)
        if not np.all(np.isfinite(x)) or np.any(np.trunc(x) < info.min) or np.any(np.trunc(x) > info.max):
            raise _Unsupported("a value out of the integer range")
    return x.astype(target)


@_handles("broadcast_in_dim")
def _broadcast_in_dim(x: np.ndarray, *dynamic: Any, shape: tuple[int, ...],
                      broadcast_dimensions: tuple[int, ...], **params: Any) -> Any:
    _no_sharding(params)
    if dynamic:
        raise _Unsupported("dynamic shapes")
    expanded = [1] * len(shape)
    for axis, size in zip(broadcast_dimensions, x.shape, strict=True):
        expanded[axis] = size
    return np.array(np.broadcast_to(x.reshape(expanded), shape))


@_handles("reshape")
def _reshape(x: np.ndarray, *dynamic: Any, new_sizes: tuple[int, ...], dimensions: Any = None,
             **params: Any) -> Any:
    _no_sharding(params)
    if dynamic or dimensions is not None:
        raise _Unsupported("reshape with dimensions")
    return x.reshape(new_sizes)


@_handles("squeeze")
def _squeeze(x: np.ndarray, *, dimensions: tuple[int, ...], **_: Any) -> Any:
    return np.squeeze(x, axis=tuple(dimensions))


@_handles("transpose")
def _transpose(x: np.ndarray, *, permutation: tuple[int, ...], **_: Any) -> Any:
    return np.transpose(x, permutation)


@_handles("rev")
def _rev(x: np.ndarray, *, dimensions: tuple[int, ...], **_: Any) -> Any:
    return np.flip(x, axis=tuple(dimensions))


@_handles("slice")
def _slice(x: np.ndarray, *, start_indices: tuple[int, ...], limit_indices: tuple[int, ...],
           strides: tuple[int, ...] | None = None, **_: Any) -> Any:
    steps = strides or (1,) * x.ndim
    return x[tuple(slice(a, b, s) for a, b, s in zip(start_indices, limit_indices, steps, strict=True))]


@_handles("concatenate")
def _concatenate(*xs: np.ndarray, dimension: int, **_: Any) -> Any:
    return np.concatenate(xs, axis=dimension)


@_handles("iota")
def _iota(*dynamic: Any, dtype: Any, shape: tuple[int, ...], dimension: int,
          **params: Any) -> Any:
    _no_sharding(params)
    if dynamic:
        raise _Unsupported("dynamic shapes")
    line = np.arange(shape[dimension], dtype=np.dtype(dtype))
    return np.array(np.broadcast_to(line.reshape([-1 if a == dimension else 1 for a in range(len(shape))]),
                                    shape))


@_handles("pad")
def _pad(x: np.ndarray, value: np.ndarray, *, padding_config: Any, **_: Any) -> Any:
    # Interior padding first (between elements), then edges; negative edges crop.
    shape = [n + max(n - 1, 0) * interior
             for n, (_, _, interior) in zip(x.shape, padding_config, strict=True)]
    out = np.full(shape, value, dtype=x.dtype)
    out[tuple(slice(None, None, interior + 1) for _, _, interior in padding_config)] = x
    widths = [(max(lo, 0), max(hi, 0)) for lo, hi, _ in padding_config]
    out = np.pad(out, widths, constant_values=value)
    return out[tuple(slice(-min(lo, 0), out.shape[a] + min(hi, 0))
                     for a, (lo, hi, _) in enumerate(padding_config))]


def _reducer(ufunc: Any) -> Callable[..., Any]:
    def reduce(x: np.ndarray, *, axes: tuple[int, ...], **params: Any) -> Any:
        _no_sharding(params)
        return np.asarray(ufunc.reduce(x, axis=tuple(axes), dtype=x.dtype))
    return reduce


_HANDLERS.update(reduce_sum=_reducer(np.add), reduce_max=_reducer(np.maximum),
                 reduce_min=_reducer(np.minimum))


@_handles("dot_general")
def _dot_general(lhs: np.ndarray, rhs: np.ndarray, *, dimension_numbers: Any,
                 preferred_element_type: Any = None, **params: Any) -> Any:
    _no_sharding(params)
    if lhs.dtype != np.float32 or rhs.dtype != np.float32 or preferred_element_type not in (
            None, np.float32, np.dtype(np.float32)):
        raise _Unsupported("dot_general beyond float32")
    (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
    lhs_free = [a for a in range(lhs.ndim) if a not in lhs_contract and a not in lhs_batch]
    rhs_free = [a for a in range(rhs.ndim) if a not in rhs_contract and a not in rhs_batch]
    batch = [lhs.shape[a] for a in lhs_batch]
    size = int(np.prod([lhs.shape[a] for a in lhs_contract], dtype=np.int64))
    left = np.transpose(lhs, [*lhs_batch, *lhs_free, *lhs_contract]).reshape(
        (int(np.prod(batch, dtype=np.int64)), -1, size))
    right = np.transpose(rhs, [*rhs_batch, *rhs_contract, *rhs_free]).reshape(
        (left.shape[0], size, -1))
    out = np.matmul(left, right)
    return out.reshape([*batch, *(lhs.shape[a] for a in lhs_free), *(rhs.shape[a] for a in rhs_free)])


def _clamped_starts(x: np.ndarray, starts: tuple[np.ndarray, ...], sizes: tuple[int, ...]) -> list[int]:
    return [min(max(int(s), 0), n - k) for s, n, k in zip(starts, x.shape, sizes, strict=True)]


@_handles("dynamic_slice")
def _dynamic_slice(x: np.ndarray, *starts: np.ndarray, slice_sizes: tuple[int, ...], **_: Any) -> Any:
    if len(starts) != x.ndim:
        raise _Unsupported("dynamic sizes")
    begin = _clamped_starts(x, starts, slice_sizes)
    return x[tuple(slice(b, b + k) for b, k in zip(begin, slice_sizes, strict=True))].copy()


@_handles("dynamic_update_slice")
def _dynamic_update_slice(x: np.ndarray, update: np.ndarray, *starts: np.ndarray, **_: Any) -> Any:
    begin = _clamped_starts(x, starts, update.shape)
    out = x.copy()
    out[tuple(slice(b, b + k) for b, k in zip(begin, update.shape, strict=True))] = update
    return out


def _scatterer(add: bool) -> Callable[..., Any]:
    def scatter(operand: np.ndarray, indices: np.ndarray, updates: np.ndarray, *,
                dimension_numbers: Any, mode: Any, **_: Any) -> Any:
        """XLA's scatter: JAX keeps the index vector in the last axis of ``indices``."""
        dn = dimension_numbers
        if dn.operand_batching_dims or dn.scatter_indices_batching_dims or indices.dtype.kind not in "iu":
            raise _Unsupported("batched scatter")
        window = list(dn.update_window_dims)
        scattered = [a for a in range(updates.ndim) if a not in window]
        moved = np.transpose(updates, scattered + window)
        rows = int(np.prod(indices.shape[:-1], dtype=np.int64))
        moved = moved.reshape((rows, *moved.shape[len(scattered):]))
        sizes = [1] * operand.ndim
        window_axes = [a for a in range(operand.ndim) if a not in dn.inserted_window_dims]
        for axis, dim in zip(window_axes, window, strict=True):
            sizes[axis] = updates.shape[dim]
        starts = np.zeros((rows, operand.ndim), dtype=np.int64)
        starts[:, list(dn.scatter_dims_to_operand_dims)] = indices.reshape(rows, -1)
        limits = np.asarray(operand.shape) - np.asarray(sizes)
        if mode.name == "CLIP":
            starts = np.clip(starts, 0, limits)
        elif mode.name not in ("FILL_OR_DROP", "PROMISE_IN_BOUNDS"):
            raise _Unsupported(f"scatter mode {mode}")
        kept = np.all((starts >= 0) & (starts <= limits), axis=1)  # XLA drops the others
        starts, moved = starts[kept], moved[kept]
        where = []
        for axis in range(operand.ndim):
            offset = np.zeros(1, dtype=np.int64)
            if axis in window_axes:
                position = window_axes.index(axis)
                offset = np.arange(sizes[axis]).reshape(
                    [-1 if i == position else 1 for i in range(len(window_axes))])
            where.append(starts[:, axis].reshape((-1,) + (1,) * len(window_axes)) + offset)
        out = operand.copy()
        if add:
            np.add.at(out, tuple(where), moved)
        else:
            out[tuple(where)] = moved
        return out
    return scatter


_HANDLERS.update({"scatter-add": _scatterer(True), "scatter": _scatterer(False)})


def _by_numpy(handler: Callable[..., Any], primitive: Any, args: Any, params: dict[str, Any],
              device: tuple[Any, Any]) -> Any:
    """``primitive`` on ``args`` computed by ``handler``, or None (XLA runs it).
    ``device``: the default device and its sharding, where JAX puts eager results."""
    from jax._src import core
    from jax._src.interpreters import pxla

    try:
        avals = [core.typeof(arg) for arg in args]
        if any(type(aval) is not core.ShapedArray or aval.dtype not in _DTYPES for aval in avals):
            return None
        out, effects = primitive.abstract_eval(*avals, **params)
        if effects or primitive.multiple_results or out.dtype not in _DTYPES:
            return None
        with np.errstate(all="ignore"):
            # (a Python scalar as JAX types it: ``2.0`` is a weak float32, not a float64)
            value = np.asarray(handler(*(np.asarray(arg, dtype=aval.dtype)
                                         for arg, aval in zip(args, avals, strict=True)), **params))
        if value.shape != out.shape or value.dtype != out.dtype:
            return None
        # As an eager result: uncommitted, on the default device, with JAX's aval (its
        # weak type included); ~5 us where ``jax.device_put`` takes ~25.
        return pxla.batched_device_put(out, device[1], [value], [device[0]], committed=False)
    except Exception:  # noqa: BLE001 - _Unsupported and anything unforeseen: XLA decides
        return None


_JITS: dict[int, tuple[Any, bool]] = {}  # id(jaxpr) -> (jaxpr, every equation handled)


def _all_handled(jaxpr: Any) -> bool:
    """Whether NumPy computes every equation of ``jaxpr`` (nested ``jit`` calls included)."""
    known = _JITS.get(id(jaxpr))
    if known is None or known[0] is not jaxpr:
        handled = not jaxpr.effects and all(
            eqn.primitive.name in _HANDLERS
            or (eqn.primitive.name == "jit" and _all_handled(eqn.params["jaxpr"].jaxpr))
            for eqn in jaxpr.eqns)
        known = _JITS[id(jaxpr)] = (jaxpr, handled)
    return bool(known[1])


def _jit_by_numpy(original: Callable[..., Any], to_xla: Counter[str]) -> Callable[..., Any]:
    """JAX's compile-and-run of a ``jit`` call (``pjit._pjit_call_impl_python``), which
    runs equation by equation instead when NumPy computes every equation: JAX's library
    functions are ``jit``-wrapped (``jnp.pad``, ``jnp.einsum``), and each would be
    compiled for each new shape.  Tracing already happened, with all its errors."""
    from jax._src import core

    def call(*args: Any, **params: Any) -> Any:
        closed = params["jaxpr"]
        jaxpr = closed.jaxpr
        if (len(args) == len(jaxpr.invars) and _all_handled(jaxpr)
                and not any(isinstance(v, core.Literal) for v in jaxpr.outvars)):
            return core.eval_jaxpr(jaxpr, closed.consts, *args), None, None, []
        to_xla["jit"] += 1
        return original(*args, **params)
    return call


@contextlib.contextmanager
def numpy_first() -> Iterator[Counter[str]]:
    """While inside, JAX evaluates the primitives above with NumPy (op by op only).

    Yields how many calls of each primitive (``jit``: each compiled call) XLA ran."""
    import jax
    from jax._src import config, core, pjit
    from jax._src.sharding_impls import SingleDeviceSharding

    original = core.EvalTrace.process_primitive
    to_xla: Counter[str] = Counter()
    default = jax.devices()[0]
    device = (default, SingleDeviceSharding(default))

    def process_primitive(self: Any, primitive: Any, args: Any, params: Any, /) -> Any:
        if not config.debug_key_reuse.value:
            handler = _HANDLERS.get(primitive.name)
            value = None if handler is None else _by_numpy(handler, primitive, args, params, device)
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
    if (len(leaves) != len(closed.jaxpr.invars) or not _all_handled(closed.jaxpr)
            or any(isinstance(v, core.Literal) for v in closed.jaxpr.outvars)):
        return None
    with numpy_first():  # (a value a handler declines is XLA's, as op by op)
        outputs = core.eval_jaxpr(closed.jaxpr, closed.consts, *leaves)
    return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(traced.out_info), outputs)
