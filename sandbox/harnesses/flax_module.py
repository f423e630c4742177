"""Flax-module harness: build the learner's module, ``init`` it with the case seed, ``apply``.

Inputs: ``seed`` (the PRNG seed), ``x`` (the module input, cast to float32) and every
other input passed to the module's constructor (integral numbers as ``int``, lists as
tuples of ``int``).  Returns the module output flattened to 1-D.

``init`` and ``apply`` run inside one ``jax.jit`` whose name and structure never
change, so identical module code lowers to identical XLA programs and can be served
from the persistent compilation cache.  Code that cannot be traced (it calls ``float``
on a tracer, converts to NumPy, ...) falls back to eager execution.

``batch`` runs every case of a run inside one ``jax.jit`` per stage (``init``, then
``apply``): one lowering, one compile-cache lookup and one dispatch per stage
instead of per case.  JAX's tracing,
lowering and cache machinery, not the arithmetic, is what a case costs, and shared
pieces (the PRNG's ``fold_in``, for one) are lowered once per program instead of
once per case.  If anything in it fails, the sandbox runs the cases one by one with
``run_case``, so errors are still reported per case.

``apply_case`` is ``run_case`` from parameters already drawn: when the sandbox judges a
forward pass not worth compiling (a Python loop unrolled into thousands of equations)
while the cache holds ``batch``'s ``init_all`` outputs, each case runs ``apply`` op by op
from its own entry of them instead of drawing its parameters op by op again.  Before
that, the sandbox may take each case's output from the forward pass ``init`` traced
(``init_all.forward_outputs``, ``sandbox/init_forward.py``).
"""

import jax
import jax.numpy as jnp
import numpy as np


def _constructor_arg(value):
    if isinstance(value, np.ndarray):
        return tuple(int(v) for v in value.reshape(-1))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _model_and_input(entry, inputs):
    inputs = dict(inputs)
    del inputs["seed"]
    x = jnp.asarray(inputs.pop("x"), dtype=jnp.float32)
    return entry(**{name: _constructor_arg(v) for name, v in inputs.items()}), x


def _prepare(entry, inputs):
    model, x = _model_and_input(entry, inputs)
    return model, jax.random.PRNGKey(int(inputs["seed"])), x


def _forward(model, key, x):
    variables = model.init(key, x)
    return jnp.ravel(model.apply(variables, x))


def run_case(entry, inputs):
    model, key, x = _prepare(entry, inputs)

    def forward(key, x):
        return _forward(model, key, x)

    try:
        return jax.jit(forward)(key, x)
    except (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError,
            jax.errors.TracerBoolConversionError, jax.errors.TracerIntegerConversionError):
        return forward(key, x)


def apply_case(entry, inputs, variables):
    """The case's output from ``variables``, what ``init`` returns for it (the sandbox
    passes entry ``i`` of ``init_all``'s outputs for case ``i``, as NumPy arrays)."""
    model, x = _model_and_input(entry, inputs)
    return jnp.ravel(model.apply(jax.tree_util.tree_map(jnp.asarray, variables), x))


def batch(entry, cases, begin_case, run):
    """Every case as two programs: ``init`` of all cases, then ``apply`` of all cases.

    ``run(function, *args)`` is the sandbox's program runner: one ``jax.jit`` of
    ``function`` over all cases, through its cache of exported programs.  ``init`` is
    its own program because it is usually the reference's exactly (same initialisers,
    same shapes), so even code written differently from the reference loads it from
    the cache and compiles only its own ``apply``.  ``begin_case(i)`` is called as
    case ``i`` starts (the sandbox attributes printed text and tracing time with it).
    Returns the list of flattened outputs.
    """
    models, keys, xs = [], [], []
    for index, inputs in enumerate(cases):
        begin_case(index)
        model, key, x = _prepare(entry, inputs)
        models.append(model)
        keys.append(key)
        xs.append(x)

    def init_all(keys, xs):
        variables = []
        init_all.forward_outputs = []
        for index, model in enumerate(models):
            begin_case(index)
            output, drawn = model.init_with_output(keys[index], xs[index])
            variables.append(drawn)
            # What ``init`` computed on the way: the case's output, as ``apply`` would
            # compute it from these parameters when they are all the module holds.
            init_all.forward_outputs.append(output if set(drawn) == {"params"} else None)
        return variables

    def apply_all(variables, xs):
        outputs = []
        for index, model in enumerate(models):
            begin_case(index)
            outputs.append(jnp.ravel(model.apply(variables[index], xs[index])))
        return outputs

    return run(apply_all, run(init_all, keys, xs), xs)
