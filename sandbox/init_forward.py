"""A forward pass that ``init`` traced, computed from the cached parameters with NumPy.

Runs inside the sandboxed child.  Flax's ``init`` runs the module's whole forward pass
to find its parameters, so the traced ``init_all`` already holds, as dead code, every
equation a case's ``apply`` would run again.  When that forward pass is not worth
compiling but ``init_all``'s outputs are cached (``sandbox/programs.py``), the cases
used to run ``apply`` op by op: ~90 us of JAX's Python per primitive, 1.8 s of CPU for
the seed problem's double loop.  Here the equations that compute the forward outputs
from the parameters are evaluated by NumPy instead (``sandbox/numpy_ops.py``), each
result checked against the shape and dtype the trace gave it: ~10x quicker, and the
values XLA computes, to rounding where XLA fuses a multiply into an add or sums in
another order (as the op-by-op run's NumPy first does: ``sandbox/numpy_eager.py``).

The harness names the forward outputs: ``init_all.forward_outputs`` holds, after
tracing, one traced output per case (None for a case it does not vouch for).  Only
equations between the parameters (``init_all``'s outputs, set to the cached values) and
those outputs are evaluated; if that slice reaches anything else NumPy does not
compute (a random draw, a callback, a convolution), the answer is None and the cases
run ``apply`` as before.  ``distinguishes_init`` tells the child when code may compute
something else at ``init`` than at ``apply``; it then keeps ``apply``.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

import numpy as np

from sandbox.numpy_ops import DTYPES, HANDLERS

# Flax's ways for a module to tell ``init`` from ``apply`` (or to draw at ``apply``).
INIT_ONLY_NAMES = frozenset({"is_initializing", "is_mutable_collection", "has_variable",
                             "has_rng", "make_rng", "sow", "perturb"})


def distinguishes_init(tree: ast.AST) -> bool:
    """Whether the code names a Flax call that can make ``init``'s forward pass differ
    from ``apply``'s (``INIT_ONLY_NAMES``)."""
    return any((isinstance(node, ast.Attribute) and node.attr in INIT_ONLY_NAMES)
               or (isinstance(node, ast.Name) and node.id in INIT_ONLY_NAMES)
               for node in ast.walk(tree))


def forward_outputs(closed: Any, args: Sequence[Any], outputs: Any,
                    forward: Sequence[Any] | None) -> list[np.ndarray] | None:
    """Each case's forward output (flattened), computed from ``outputs`` (the cached
    values of the traced program ``closed``'s outputs) and ``args``; None when any case
    has none or any equation needed is not NumPy's."""
    import jax
    from jax._src import core

    if not forward or any(out is None for out in forward):
        return None
    try:
        jaxpr = closed.jaxpr
        known: dict[int, np.ndarray] = {}
        for variables, values in ((jaxpr.constvars, closed.consts),
                                  (jaxpr.invars, jax.tree_util.tree_leaves(args)),
                                  (jaxpr.outvars, jax.tree_util.tree_leaves(outputs))):
            if len(variables) != len(values):
                return None
            for var, value in zip(variables, values, strict=True):
                if isinstance(var, core.Var):
                    known[id(var)] = np.asarray(value, dtype=_dtype(var))
        wanted = [out.val for out in forward]
        if not all(isinstance(var, core.Var) for var in wanted):
            return None
        values = _evaluate_slice(jaxpr, known, wanted)
    except Exception:  # noqa: BLE001 - anything unforeseen: the cases run ``apply``
        return None
    return None if values is None else [np.ravel(value) for value in values]


def _evaluate_slice(jaxpr: Any, known: dict[int, np.ndarray], wanted: list[Any]) -> list[np.ndarray] | None:
    """The values of ``wanted`` from the equations between them and ``known``."""
    from jax._src import core

    producer = {id(out): eqn for eqn in jaxpr.eqns for out in eqn.outvars}
    needed: set[int] = set()
    stack = list(wanted)
    while stack:
        var = stack.pop()
        if isinstance(var, core.Literal) or id(var) in known or id(var) in needed:
            continue
        eqn = producer.get(id(var))
        if eqn is None:
            return None
        needed.update(id(out) for out in eqn.outvars)
        stack.extend(eqn.invars)
    env = dict(known)
    for eqn in jaxpr.eqns:
        if any(id(out) in needed for out in eqn.outvars):
            results = _equation(eqn, [_read(env, var) for var in eqn.invars])
            if results is None:
                return None
            env.update((id(out), value) for out, value in zip(eqn.outvars, results, strict=True))
    return [env[id(var)] for var in wanted]


def _read(env: dict[int, np.ndarray], var: Any) -> np.ndarray:
    from jax._src import core

    if isinstance(var, core.Literal):
        return np.asarray(var.val, dtype=_dtype(var))
    return env[id(var)]


def _dtype(var: Any) -> Any:
    return var.aval.dtype


def _equation(eqn: Any, args: list[np.ndarray]) -> list[np.ndarray] | None:
    """One equation's outputs by NumPy, each as the trace typed it; None: not NumPy's."""
    from jax._src import core

    if eqn.effects:
        return None
    if eqn.primitive.name == "jit":  # a nested program (``jnp`` functions): its equations
        inner = eqn.params["jaxpr"]
        known = {id(var): np.asarray(value, dtype=_dtype(var))
                 for var, value in zip(inner.jaxpr.constvars, inner.consts, strict=True)}
        known.update((id(var), arg) for var, arg in zip(inner.jaxpr.invars, args, strict=True))
        if any(isinstance(var, core.Literal) for var in inner.jaxpr.outvars):
            return None
        results = _evaluate_slice(inner.jaxpr, known, list(inner.jaxpr.outvars))
    else:
        handler = HANDLERS.get(eqn.primitive.name)
        if handler is None or eqn.primitive.multiple_results or len(eqn.outvars) != 1:
            return None
        with np.errstate(all="ignore"):
            results = [np.asarray(handler(*args, **eqn.params))]
    if results is None:
        return None
    for value, out in zip(results, eqn.outvars, strict=True):
        aval = out.aval
        if value.shape != aval.shape or value.dtype != aval.dtype or value.dtype not in DTYPES:
            return None
    return results
