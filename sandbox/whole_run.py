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
by one with no compilation, which is what judges and reports errors:
- the code cannot be traced (it converts an input to NumPy, branches on a value, ...);
- a case returns something computed outside JAX (a NumPy array, a list): the program
  would hand it back as a float32 array where case by case it keeps its own dtype;
- the program is large and not cached (``MAX_UNCACHED_EQUATIONS``, enforced by
  ``sandbox.programs.run_program``): XLA compiles such programs at ~3 ms per equation,
  slower than running them op by op;
- the code printed a traced value while tracing (``printed_tracers``): the learner
  would read ``JitTracer(float32[3])`` where case by case they read numbers;
- an index was out of bounds in any case: NumPy raises ``IndexError`` where a JAX
  program clamps the index (checked with ``checkify``'s index checks);
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

# Above this many top-level equations a program not already in the exported-program
# cache is run op by op instead (measured on the pack: compiling 1,100 to 3,000
# equations took 3.5 to 7.6 s of CPU, running them op by op 0.9 to 5.8 s).
MAX_UNCACHED_EQUATIONS = 800
# How a traced value prints: ``JitTracer(float32[3])`` here, ``Traced<...>`` in older JAX.
_TRACED_TEXT = re.compile(r"\w*Tracer\(|Traced<")


class NotTraced(TypeError):
    """A case returned a value computed outside JAX (see the module docstring)."""


class OutOfBounds(IndexError):
    """Some case indexed out of bounds (the cases run one by one to report it)."""


def mutates_parameters(code: str) -> bool:
    """Whether any function in ``code`` rebinds one of its parameters with ``x op= ...``."""
    try:
        tree = ast.parse(code)
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

        def call_all(arguments: list[dict[str, Any]]) -> list[Any]:
            outputs = []
            for index, (_, static) in enumerate(split):
                begin_case(index)
                output = run_case(entry, {**static, **arguments[index]})
                if not isinstance(output, Tracer):
                    raise NotTraced(f"case {index} returned {type(output).__name__}")
                outputs.append(output)
            return outputs

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
        return list(outputs)

    return batch


def printed_tracers(texts: list[str]) -> bool:
    """Whether any case's printed text shows a traced value instead of numbers."""
    return any(_TRACED_TEXT.search(text) for text in texts)
