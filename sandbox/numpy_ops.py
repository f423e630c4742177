"""NumPy's computation of the primitives ``sandbox/numpy_eager.py`` takes from XLA.

Each handler receives the primitive's arguments as NumPy arrays (of JAX's dtypes) and
its parameters, and returns what XLA returns, or raises ``Unsupported`` (XLA runs it).
What NumPy computes is what XLA computes, by construction:
- only operations whose result IEEE arithmetic fixes: no transcendental function;
  ``dot_general`` and float sums (summed in another order) are the exception and
  differ by rounding only, as XLA's own fused and unfused programs do;
- indices follow XLA: ``dynamic_slice`` clamps its start, a scatter drops an update
  whose window leaves the operand (``CLIP`` clamps it instead), ``convert_element_type``
  from float to integer runs on XLA unless every value fits.
``tests/sandbox/test_numpy_eager.py`` holds every handler to XLA's result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

DTYPES = frozenset(np.dtype(t) for t in (np.float32, np.float64, np.int32, np.int64,
                                          np.uint32, np.uint8, np.int8, np.bool_))
HANDLERS: dict[str, Callable[..., Any]] = {}


class Unsupported(Exception):
    """This call is not one NumPy computes here: XLA runs it."""


def _handles(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        for name in names:
            HANDLERS[name] = handler
        return handler
    return register


def _no_sharding(params: dict[str, Any]) -> None:
    for name in ("sharding", "out_sharding"):
        if params.get(name) is not None:
            raise Unsupported(name)


def _binary(ufunc: Any) -> Callable[..., Any]:
    return lambda x, y, **_: ufunc(x, y)


def _unary(ufunc: Any) -> Callable[..., Any]:
    return lambda x, **_: ufunc(x)


HANDLERS.update({name: _binary(ufunc) for name, ufunc in {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "max": np.maximum,
    "min": np.minimum, "eq": np.equal, "ne": np.not_equal, "lt": np.less,
    "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
    "and": np.bitwise_and, "or": np.bitwise_or, "xor": np.bitwise_xor}.items()})
HANDLERS.update({name: _unary(ufunc) for name, ufunc in {
    "neg": np.negative, "abs": np.abs, "sign": np.sign, "floor": np.floor, "ceil": np.ceil,
    "sqrt": np.sqrt, "square": np.square, "not": np.invert, "copy": np.copy, "is_finite": np.isfinite,
    "stage": np.asarray}.items()})  # (``stage`` lifts a literal into an array)


@_handles("div")
def _div(x: np.ndarray, y: np.ndarray, **_: Any) -> Any:
    if x.dtype.kind != "f":  # integers: XLA rounds toward zero, NumPy down
        raise Unsupported("integer division")
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
        raise Unsupported("select_n beyond a boolean choice")
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
            raise Unsupported("a value out of the integer range")
    return x.astype(target)


@_handles("broadcast_in_dim")
def _broadcast_in_dim(x: np.ndarray, *dynamic: Any, shape: tuple[int, ...],
                      broadcast_dimensions: tuple[int, ...], **params: Any) -> Any:
    _no_sharding(params)
    if dynamic:
        raise Unsupported("dynamic shapes")
    expanded = [1] * len(shape)
    for axis, size in zip(broadcast_dimensions, x.shape, strict=True):
        expanded[axis] = size
    return np.array(np.broadcast_to(x.reshape(expanded), shape))


@_handles("reshape")
def _reshape(x: np.ndarray, *dynamic: Any, new_sizes: tuple[int, ...], dimensions: Any = None,
             **params: Any) -> Any:
    _no_sharding(params)
    if dynamic or dimensions is not None:
        raise Unsupported("reshape with dimensions")
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
        raise Unsupported("dynamic shapes")
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


HANDLERS.update(reduce_sum=_reducer(np.add), reduce_max=_reducer(np.maximum),
                 reduce_min=_reducer(np.minimum))


@_handles("dot_general")
def _dot_general(lhs: np.ndarray, rhs: np.ndarray, *, dimension_numbers: Any,
                 preferred_element_type: Any = None, **params: Any) -> Any:
    _no_sharding(params)
    if lhs.dtype != np.float32 or rhs.dtype != np.float32 or preferred_element_type not in (
            None, np.float32, np.dtype(np.float32)):
        raise Unsupported("dot_general beyond float32")
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
        raise Unsupported("dynamic sizes")
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
            raise Unsupported("batched scatter")
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
            raise Unsupported(f"scatter mode {mode}")
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


HANDLERS.update({"scatter-add": _scatterer(True), "scatter": _scatterer(False)})
