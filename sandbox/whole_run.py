"""Every case of a run as one compiled program, for harnesses that only define ``run_case``.

Runs inside the sandboxed child, for JAX code only.  Run case by case, JAX code
executes op by op, and each operation on a new shape is its own XLA compilation: the
16 cases of ``conv-transpose1d`` cost 5 to 9 s of CPU that way, against 1.4 to 2.8 s
when every case is traced into one ``jax.jit`` program (and next to nothing when that
program is already in the exported-program cache, as the reference's is).

What is traced and what is not: floating-point arrays are the program's arguments;
scalars and integer arrays (a stride given as a pair, say) stay concrete NumPy values,
because harnesses and submissions turn them into Python ints (``int(stride[0])``).

The whole-run program is an optimisation, never a different judge.  Whenever it cannot
stand in for the case-by-case run, the child (``sandbox/child.py``) runs the cases one
by one with no compilation, which is what judges and reports errors.  Per case:
- a case whose tracing raises (it converts an input to NumPy, branches on a value,
  pads by a negative amount, ...) or that returns something computed outside JAX (a
  NumPy array, a list: the program would hand it back as a float32 array where case
  by case it keeps its own dtype) is left out of the program (``SKIPPED``) and runs
  alone, in its turn; the program holds the other cases.  Before, one such case sent
  every case op by op: ``conv-transpose1d/negative_pad.py`` (a runtime error on the
  cases whose padding exceeds K - 1) took 3.5 s, most of it compiling the others'
  operations one at a time.
For the whole run, when no case traces or:
- the program is not cached and many of its equations repeat (``worth_compiling``):
  XLA compiles every equation (~3 ms each at this size), while op by op a repeated
  equation costs a dispatch and only a new kind of equation costs a compile;
- the code printed a traced value while tracing (``printed_tracers``): the learner
  would read ``JitTracer(float32[3])`` where case by case they read numbers;
- an index was out of bounds in any case: NumPy raises ``IndexError`` where a JAX
  program clamps the index (checked with ``checkify``'s index checks; code that
  ``checkify`` itself cannot handle runs case by case too).  JAX 0.10's check fails on
  a scatter whose index vectors have no component (``y.at[..., ::1].set(x)`` lowers
  to one), taking ``argmin`` of its empty out-of-bounds mask; such an index cannot be
  out of bounds, so ``_checkable_empty_scatters`` gives that case the answer "in
  bounds" instead of sending three of the pack's slowest wrong answers op by op;
- the code rebinds a parameter with an augmented assignment (``x += 1``,
  ``mutates_parameters``): on a NumPy input that writes into the array in place,
  which an alias of it would see, and a traced value never does.

What remains different is precision: an operator applied to a float64 NumPy input
computes in float64 case by case and in float32 in the program.  The pack's inputs
are float32, and tolerances are orders of magnitude above float32 rounding.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

import numpy as np

# A program not in the exported-program cache is compiled only if it has at most this
# many equations per kind of equation (primitive, parameters and argument shapes).
# Compiling costs per equation, op by op costs per kind (each new kind is a small
# compile; a repeated one is a dispatch).  Measured on the pack's solutions' hidden
# groups under the child's XLA flags (``sandbox/stack.py``; compile vs op by op, CPU s):
# 1,164 equations of 402 kinds 0.69 vs 4.86, 473 of 92 0.16 vs 1.25, 731 of 311 0.36 vs
# 2.97; but 7,396 of 392 3.13 vs 2.29, 7,381 of 377 3.14 vs 2.86 and 9,836 of 287 4.12
# vs 1.75: ~0.4 ms per equation against ~6 ms per kind, even at ~14.  (Before the
# flags, compiling cost ~3 ms per equation and this limit was 5.)  A Python loop
# (17,552 equations for the seed problem's double loop) repeats a few kinds.
MAX_EQUATIONS_PER_KIND = 12.0
# How a traced value prints: ``JitTracer(float32[3])`` here, ``Traced<...>`` in older JAX.
_TRACED_TEXT = re.compile(r"\w*Tracer\(|Traced<")


# Stands in ``batch``'s results for a case left out of the program (see the module doc).
SKIPPED = object()


class NotTraced(TypeError):
    """No case could be traced into the program: each raised while tracing or returned a
    value computed outside JAX (see the module docstring)."""


class OutOfBounds(IndexError):
    """Some case indexed out of bounds (the cases run one by one to report it)."""


def mutates_parameters(code: str | ast.AST) -> bool:
    """Whether any function in ``code`` (text, or its parsed tree) rebinds one of its
    parameters with ``x op= ...``."""
    try:
        tree = ast.parse(code) if isinstance(code, str) else code
    except (SyntaxError, ValueError):
        return True
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = node.args
            names = {a.arg for a in (*arguments.posonlyargs, *arguments.args,
                                     *arguments.kwonlyargs)}
            names |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
            for inner in ast.walk(node):
                if (isinstance(inner, ast.AugAssign) and isinstance(inner.target, ast.Name)
                        and inner.target.id in names):
                    return True
    return False


def traced_and_static(inputs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A case's inputs split into program arguments (float arrays) and concrete values."""
    traced = {name: value for name, value in inputs.items()
              if isinstance(value, np.ndarray) and value.dtype.kind == "f"}
    static = {name: value for name, value in inputs.items() if name not in traced}
    return traced, static


def whole_run_batch(run_case: Callable[[Any, dict[str, Any]], Any]) -> Callable[..., list[Any]]:
    """A ``batch`` (same contract as the Flax harness's) built from ``run_case``."""

    def batch(entry: Any, cases: list[dict[str, Any]], begin_case: Callable[[int], None],
              run: Callable[..., Any]) -> list[Any]:
        # JAX code only: the torch fork server never imports JAX.
        import jax.numpy as jnp
        from jax.core import Tracer
        from jax.experimental import checkify

        split = [traced_and_static(inputs) for inputs in cases]
        skipped: set[int] = set()

        def call_all(arguments: list[dict[str, Any]]) -> list[Any]:
            outputs = []
            for index, (_, static) in enumerate(split):
                begin_case(index)
                try:
                    output = run_case(entry, {**static, **arguments[index]})
                except Exception:  # noqa: BLE001 - that case runs alone, which reports it
                    output = None
                if not isinstance(output, Tracer):
                    skipped.add(index)
                    continue
                outputs.append(output)
            if not outputs:
                raise NotTraced("no case could be traced")
            return outputs

        _checkable_empty_scatters()
        checked = checkify.checkify(call_all, errors=checkify.index_checks)

        def call_all_checked(arguments: list[dict[str, Any]]) -> tuple[list[Any], Any]:
            error, outputs = checked(arguments)
            # The error's flags as one traced bool (``Error._pred``: JAX 0.10, pinned;
            # an Error without it declines the program rather than skip the check).
            flags = list(error._pred.values())
            out_of_bounds = jnp.any(jnp.stack(flags)) if flags else jnp.zeros((), bool)
            return outputs, out_of_bounds

        outputs, out_of_bounds = run(call_all_checked, [traced for traced, _ in split])
        if bool(out_of_bounds):
            raise OutOfBounds("an index was out of bounds in some case")
        computed = iter(outputs)
        return [SKIPPED if index in skipped else next(computed) for index in range(len(split))]

    return batch


def _checkable_empty_scatters() -> None:
    """Let ``checkify``'s index checks pass index arrays with no elements (see the module
    docstring): JAX 0.10's ``oob_payload``, which picks the first out-of-bounds index for
    the error message, takes ``argmin`` of the mask and raises when it is empty.  An
    empty mask has no index out of bounds, so its payload is never read.  Runs in the
    child, on the pinned JAX; without that function the check is left as it is."""
    from jax._src import checkify as impl

    original = getattr(impl, "oob_payload", None)
    if original is None or getattr(original, "empty_masks_checked", False):
        return

    def oob_payload(oob_mask: Any, *args: Any) -> Any:
        if oob_mask.size == 0:
            import jax.numpy as jnp

            return jnp.zeros(3, np.int32)
        return original(oob_mask, *args)

    oob_payload.empty_masks_checked = True  # type: ignore[attr-defined]
    impl.oob_payload = oob_payload


def worth_compiling(closed_jaxpr: Any) -> bool:
    """Whether compiling the program beats running it op by op (``MAX_EQUATIONS_PER_KIND``)."""
    equations = closed_jaxpr.jaxpr.eqns
    return len(equations) <= MAX_EQUATIONS_PER_KIND * max(1, len(_kinds(equations)))


def _kinds(equations: list[Any]) -> set[tuple[Any, ...]]:
    """The equations' kinds: primitive, argument types and parameters, as printed.

    Printing is most of the cost (~20 us an equation; an unrolled loop has 17,768), so
    each distinct (primitive, argument types, parameters) by value is printed once:
    values that compare equal print alike, so the set is the one printing each gives.
    JAX requires an equation's parameters to be hashable; one that is not is printed."""
    kinds: set[tuple[Any, ...]] = set()
    printed: set[Any] = set()
    for eqn in equations:
        avals = tuple(getattr(var, "aval", var) for var in eqn.invars)
        try:
            by_value = (eqn.primitive.name, avals, tuple(eqn.params.items()))
            if by_value in printed:
                continue
            printed.add(by_value)
        except TypeError:
            pass
        kinds.add((eqn.primitive.name, tuple(str(aval) for aval in avals), str(eqn.params)))
    return kinds


def printed_tracers(texts: list[str]) -> bool:
    """Whether any case's printed text shows a traced value instead of numbers."""
    return any(_TRACED_TEXT.search(text) for text in texts)
