"""The random bits ``init_all`` draws, cached by exactly what they depend on.

Runs inside the sandboxed child (``sandbox/programs.py`` calls it for ``init_all``).
A Flax wrong answer often draws its parameters from another distribution or scale
than the reference (``normal`` for ``uniform``, a bound without its square root,
Xavier for LeCun), but from the same PRNG keys and for the same shapes.  Its ``init``
then misses the cached ``init_all`` outputs and compiles threefry for every parameter
shape: ~1.2 s of CPU for ``conv-transpose2d-module/normal_init.py``'s hidden cases.
Yet every such distribution is a few elementwise operations on one ``random_bits``
draw of the key, and that draw is the same as the reference's.

So the run that writes the problem version's cache (the reference run) also stores
the output of each ``random_bits`` equation of its ``init_all`` (its jaxpr with every
``jit`` call inlined and dead code removed).  A draw's key is the *cone* of the PRNG
key it draws from (the equations that derive that key from the case seeds, with their
constants), what it draws (bit width and size: ``_drawn_as``), the exact bytes of the
program's arguments and JAX's trace context.  A learner run whose ``init_all``
outputs are not cached looks up each of its own draws by the same key; the draws it
finds become arguments of its program (dead key derivation drops out), which is then
compiled without threefry: 0.06-0.26 s of CPU instead of 0.5-1.1 s.  Identical keys
derived alike give identical bits (integers, no rounding), so the outputs are bit
for bit those of the program as written; a draw not found is computed as before.

Nothing here reaches expected outputs: the bits are random draws from the case seeds,
which the learner's code receives anyway, and only the writable run writes them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sandbox.programs import text_and_constants_digest

DRAWS_PREFIX = "draws-"
_DRAW = "random_bits"
_CALLS = ("jit", "pjit")


def _evaluate_inlined(jaxpr: Any, consts: Sequence[Any], *args: Any) -> list[Any]:
    """``jaxpr`` evaluated equation by equation, entering ``jit`` calls instead of binding
    them, so that tracing it yields a jaxpr without calls (the same outputs)."""
    from jax._src import core

    env: dict[Any, Any] = {}

    def read(var: Any) -> Any:
        return var.val if isinstance(var, core.Literal) else env[var]

    env.update(zip(jaxpr.constvars, consts, strict=True))
    env.update(zip(jaxpr.invars, args, strict=True))
    for eqn in jaxpr.eqns:
        values = [read(var) for var in eqn.invars]
        if eqn.primitive.name in _CALLS:
            inner = eqn.params["jaxpr"]
            outputs = _evaluate_inlined(inner.jaxpr, inner.consts, *values)
        else:
            with eqn.ctx.manager:
                outputs = eqn.primitive.bind(*values, **eqn.primitive.get_bind_params(eqn.params))
            if not eqn.primitive.multiple_results:
                outputs = [outputs]
        for var, value in zip(eqn.outvars, outputs, strict=True):
            if not isinstance(var, core.DropVar):
                env[var] = value
    return [read(var) for var in jaxpr.outvars]


def _inlined(closed: Any, leaves: Sequence[Any]) -> Any:
    import jax

    return jax.make_jaxpr(lambda *args: _evaluate_inlined(closed.jaxpr, closed.consts, *args))(*leaves)


def _restricted(flat: Any, outvars: Sequence[Any], invars: Sequence[Any] | None = None,
                eqns: Sequence[Any] | None = None) -> Any:
    """``flat`` computing only ``outvars`` (from ``invars``, with ``eqns``), without
    dead code; every argument stays."""
    from jax._src import core
    from jax._src.interpreters import partial_eval as pe

    jaxpr = flat.jaxpr
    invars = list(jaxpr.invars if invars is None else invars)
    narrowed = core.Jaxpr(jaxpr.constvars, invars, list(outvars),
                          list(jaxpr.eqns if eqns is None else eqns), jaxpr.effects,
                          debug_info=jaxpr.debug_info.with_unknown_names())
    keep = [False] * len(jaxpr.constvars) + [True] * len(invars)
    live, used, _ = pe.dce_jaxpr_consts(narrowed, [True] * len(outvars), keep)
    return core.ClosedJaxpr(live, [c for c, u in zip(flat.consts, used, strict=True) if u])


def _drawn_as(eqn: Any) -> str:
    """What a draw is besides its key: its bit width and size, or its exact shape.

    Threefry's bits for shape ``S`` are those for ``(prod(S),)`` reshaped (each element
    is the block of its flat index; ``tests/sandbox/test_init_draws.py`` holds the pinned
    JAX to it), so a learner who lays a parameter out otherwise (``(out, in, kh, kw)``
    for ``(in, out, kh, kw)``) draws the reference's bits.  Other PRNGs: exact shape.
    """
    shape = tuple(eqn.params["shape"])
    drawn = f"random_bits bit_width={eqn.params['bit_width']}"
    if str(eqn.invars[0].aval.dtype) == "key<fry>":
        return f"{drawn} size={int(np.prod(shape, dtype=np.int64))}"
    return f"{drawn} shape={shape}"


def _draws(flat: Any, arguments: str) -> list[tuple[Any, str]]:
    """Each ``random_bits`` output of ``flat`` with its key (see the module docstring):
    the cone of the PRNG key it draws from, and what it draws (``_drawn_as``)."""
    from jax._src import core

    keyed = []
    for eqn in flat.jaxpr.eqns:
        if eqn.primitive.name != _DRAW or not isinstance(eqn.invars[0], core.Var):
            continue
        cone = _restricted(flat, eqn.invars)
        digest = text_and_constants_digest(f"{cone}\n{_drawn_as(eqn)}", cone.consts)
        digest.update(arguments.encode())
        keyed.append((eqn.outvars[0], digest.hexdigest()))
    return keyed


def _path(cache_dir: str, key: str) -> Path:
    return Path(cache_dir) / f"{DRAWS_PREFIX}{key}.npy"


def write_draws(live: Any, args: tuple[Any, ...], arguments: str, cache_dir: str) -> int:
    """Store each draw of ``live`` (``init_all`` without dead code) on ``args`` that the
    cache lacks, computed by one program of the draws alone.  Returns how many."""
    import jax
    from jax._src import core

    leaves = jax.tree_util.tree_leaves(args)
    flat = _inlined(live, leaves)
    missing = [(var, key) for var, key in _draws(flat, arguments)
               if not _path(cache_dir, key).exists()]
    if not missing:
        return 0
    program = _restricted(flat, [var for var, _ in missing])
    values = jax.jit(core.jaxpr_as_fun(program))(*leaves)
    for (_, key), value in zip(missing, values, strict=True):
        path = _path(cache_dir, key)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        with open(tmp, "wb") as file:
            np.save(file, np.asarray(value).reshape(-1), allow_pickle=False)
        os.replace(tmp, path)
    return len(missing)


def _load(path: Path, aval: Any) -> np.ndarray | None:
    """The stored draw laid out as ``aval`` (its key fixed the size), or None."""
    try:
        value: np.ndarray = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if value.shape != (int(np.prod(aval.shape, dtype=np.int64)),) or value.dtype != aval.dtype:
        return None
    return value.reshape(aval.shape)


def run_with_cached_draws(live: Any, traced: Any, args: tuple[Any, ...], arguments: str,
                          cache_dir: str) -> Any:
    """``init_all``'s outputs with every draw the cache holds loaded instead of computed,
    or None when it holds none of them (the caller compiles the program as it is)."""
    import jax
    from jax._src import core

    leaves = jax.tree_util.tree_leaves(args)
    flat = _inlined(live, leaves)
    found = []
    for var, key in _draws(flat, arguments):
        value = _load(_path(cache_dir, key), var.aval)
        if value is not None:
            found.append((var, value))
    if not found:
        return None
    drawn = {var for var, _ in found}
    eqns = [eqn for eqn in flat.jaxpr.eqns
            if not (eqn.primitive.name == _DRAW and eqn.outvars[0] in drawn)]
    program = _restricted(flat, flat.jaxpr.outvars, [*flat.jaxpr.invars, *(var for var, _ in found)],
                          eqns)
    outputs = jax.jit(core.jaxpr_as_fun(program))(*leaves, *[value for _, value in found])
    return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(traced.out_info), outputs)

