"""The cache of ``init_all``'s random draws (``sandbox/draws.py``): the reference run
stores the bits each parameter was drawn from, and a learner run that draws from the
same keys for the same shapes, under another distribution, loads them instead of
compiling threefry; its outputs stay exactly those of its own program.

Same harness and reference as ``test_program_outputs.py``: one parameter per case,
drawn from the case seed with ``jax.random.normal``.
"""

from __future__ import annotations

import numpy as np
import pytest

from sandbox.draws import DRAWS_PREFIX
from tests.sandbox.test_program_outputs import CODE, _run, _stored

# A learner's initialiser: uniform on [-1, 1) from the same key, for the same shape.
UNIFORM = CODE.replace("jax.random.normal(key, x.shape)",
                       "jax.random.uniform(key, x.shape, minval=-1.0, maxval=1.0)")


def _draws(cache) -> list:
    return sorted(cache.glob(f"{DRAWS_PREFIX}*.npy"))


def _cache(world_tmp, name: str):
    cache = world_tmp / name
    cache.mkdir(mode=0o755)
    return cache


def _assert_computed_as_with_nothing_cached(sandbox, world_tmp, cache, code: str) -> list:
    """The learner's outputs with ``cache`` equal, bit for bit, those with an empty one."""
    empty = world_tmp / "empty"
    empty.mkdir(mode=0o755, exist_ok=True)
    alone = _run(sandbox, empty, code, writable=False)
    learner = _run(sandbox, cache, code, writable=False)
    for out, expected in zip(learner, alone, strict=True):
        np.testing.assert_array_equal(out, expected)
    return learner


def _zero_draws(cache) -> None:
    """Doctor every stored draw: all bits zero, so uniform gives its minimum."""
    for path in _draws(cache):
        np.save(path, np.zeros_like(np.load(path)), allow_pickle=False)


def _assert_loads_zero_draws(sandbox, cache, code: str) -> None:
    """After ``_zero_draws``, uniform on [-1, 1) scaled by x gives -x: the draws were loaded."""
    doctored = _run(sandbox, cache, code, writable=False)
    for out, i in zip(doctored, range(3), strict=True):
        np.testing.assert_array_equal(out, -np.arange(1.0, 4.0 + i, dtype=np.float32))


def test_allow_learner_with_another_distribution_loads_the_reference_draws(sandbox, world_tmp):
    cache = _cache(world_tmp, "xla-cache")
    _run(sandbox, cache, CODE, writable=True)
    stored = _draws(cache)
    assert len(stored) == 3, stored  # one draw per case
    # As computed with nothing cached: the loaded draws change no bit of the outputs.
    _assert_computed_as_with_nothing_cached(sandbox, world_tmp, cache, UNIFORM)
    assert _draws(cache) == stored and len(_stored(cache)) == 1  # a learner writes nothing
    _zero_draws(cache)
    _assert_loads_zero_draws(sandbox, cache, UNIFORM)


def test_allow_a_parameter_laid_out_otherwise_loads_the_same_bits(sandbox, world_tmp):
    # (1, n) where the reference drew (n,): the same key, the same size.
    cache = _cache(world_tmp, "xla-cache")
    _run(sandbox, cache, CODE, writable=True)
    laid_out = UNIFORM.replace("jax.random.uniform(key, x.shape, minval=-1.0, maxval=1.0)",
                               "jax.random.uniform(key, (1, *x.shape), minval=-1.0, maxval=1.0)[0]")
    _assert_computed_as_with_nothing_cached(sandbox, world_tmp, cache, laid_out)
    _zero_draws(cache)
    _assert_loads_zero_draws(sandbox, cache, laid_out)


def test_deny_draws_for_another_key_or_size(sandbox, world_tmp):
    cache = _cache(world_tmp, "xla-cache")
    _run(sandbox, cache, CODE, writable=True)
    _zero_draws(cache)
    for other in (
        # Another key: the draw's cone differs (the fold-in is part of it).
        UNIFORM.replace("jax.random.uniform(key,", "jax.random.uniform(jax.random.fold_in(key, 1),"),
        # Another size: another draw, even from the same key.
        UNIFORM.replace("jax.random.uniform(key, x.shape, minval=-1.0, maxval=1.0)",
                        "jax.random.uniform(key, (2, *x.shape), minval=-1.0, maxval=1.0)[0]"),
    ):
        learner = _assert_computed_as_with_nothing_cached(sandbox, world_tmp, cache, other)
        for out in learner:
            assert np.any(out != -np.arange(1.0, 1.0 + out.size))


def test_deny_cached_programs_and_draws_under_another_jax_setting(sandbox, world_tmp):
    # Code that changes how JAX computes a jaxpr (the PRNG's layout here) computes
    # its own values: no cached outputs, program or draw of the default settings.
    cache = _cache(world_tmp, "xla-cache")
    reference = _run(sandbox, cache, CODE, writable=True)
    for code in (CODE, UNIFORM):
        setting = code.replace("import jax\n", "import jax\n"
                               "jax.config.update('jax_threefry_partitionable', False)\n", 1)
        assert setting != code
        learner = _run(sandbox, cache, setting, writable=False)
        alone = _run(sandbox, _cache(world_tmp, f"empty-{len(code)}"), setting, writable=False)
        for out, expected, ref in zip(learner, alone, reference, strict=True):
            np.testing.assert_array_equal(out, expected)
            assert not np.allclose(out, ref)


def test_allow_draws_written_and_loaded_in_this_process(tmp_path):
    # Trusted code only, under pytest's warnings-as-errors: writing and loading draws
    # raise nothing (a failure there is swallowed in the sandbox, where it would only
    # show as learners compiling threefry again).
    import jax

    from sandbox.draws import run_with_cached_draws
    from sandbox.programs import _host_arguments, _without_dead_code, arguments_digest, run_program

    keys, xs = [np.asarray(jax.random.PRNGKey(3))], [np.ones(3, np.float32)]

    def init_all(keys, xs):
        return [{"w": jax.random.normal(key, x.shape)} for key, x in zip(keys, xs, strict=True)]

    def uniform_init_all(keys, xs):
        return [{"w": jax.random.uniform(key, x.shape)} for key, x in zip(keys, xs, strict=True)]

    run_program(init_all, (keys, xs), str(tmp_path), writable=True)
    assert len(_draws(tmp_path)) == 1
    args = _host_arguments((keys, xs))
    traced = jax.jit(uniform_init_all).trace(*args)
    loaded = run_with_cached_draws(_without_dead_code(traced.jaxpr), traced, args,
                                   arguments_digest(args), str(tmp_path))
    assert loaded is not None
    np.testing.assert_array_equal(loaded[0]["w"], traced.lower().compile()(*args)[0]["w"])


@pytest.mark.parametrize("partitionable", [True, False])
def test_allow_threefry_bits_of_one_size_are_one_sequence(partitionable):
    # What ``sandbox.draws._drawn_as`` relies on, held to the pinned JAX (trusted code only).
    import jax

    with jax.threefry_partitionable(partitionable):
        key = jax.random.PRNGKey(7)
        for shape in [(2, 3), (4, 3, 2, 2), (1, 8, 2, 3), (7, 1, 3), (5,)]:
            flat = np.asarray(jax.random.bits(key, (int(np.prod(shape)),)))
            np.testing.assert_array_equal(np.asarray(jax.random.bits(key, shape)), flat.reshape(shape))
