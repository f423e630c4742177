"""The cache of ``init_all`` outputs (``sandbox/programs.py``): the reference run stores
the parameters its ``init`` program drew, a learner run with the same program on the
same arguments loads them instead of running ``init``, and outputs a learner is judged
by are never stored.

A test harness in the shape of ``flax_module``'s ``batch``: ``init_all`` draws one
parameter array per case from the case seed, ``apply_all`` scales the input by it.
"""

from __future__ import annotations

import textwrap

import numpy as np

from sandbox import CaseSpec, CaseStatus, Limits, RunRequest
from sandbox.programs import OUTPUTS_PREFIX, _host_arguments

LIMITS = Limits(time_s=5.0, memory_mb=1024, startup_s=10.0)
HARNESS = textwrap.dedent('''
    import jax
    import jax.numpy as jnp

    def run_case(entry, inputs):
        raise RuntimeError("the batch path is what these tests exercise")

    def batch(entry, cases, begin_case, run):
        keys = [jax.random.PRNGKey(int(c["seed"])) for c in cases]
        xs = [jnp.asarray(c["x"], jnp.float32) for c in cases]

        def init_all(keys, xs):
            return [entry.init(key, x) for key, x in zip(keys, xs)]

        def apply_all(params, xs):
            return [entry.apply(p, x) for p, x in zip(params, xs)]

        final = cases[0].get("final")
        if final is not None and int(final) == 1:  # a harness judging init's own outputs
            return [jnp.ravel(p["w"]) for p in run(init_all, keys, xs)]
        return run(apply_all, run(init_all, keys, xs), xs)
''')
CODE = textwrap.dedent('''
    import jax
    import jax.numpy as jnp

    class Scale:
        @staticmethod
        def init(key, x):
            return {"w": jax.random.normal(key, x.shape)}

        @staticmethod
        def apply(params, x):
            return params["w"] * x
''')
# Written differently after init: same init program, another apply.
OTHER_APPLY = CODE.replace('return params["w"] * x', 'return x * params["w"] + 0.0')
OTHER_INIT = CODE.replace("jax.random.normal(key, x.shape)", "jax.random.uniform(key, x.shape)")


def _run(box, cache, code: str, writable: bool, final: int = 0):
    cases = tuple(CaseSpec(f"c{i}", {"seed": 10 + i, "x": np.arange(1.0, 4.0 + i), "final": final})
                  for i in range(3))
    result = box.run(RunRequest(code=code, harness_code=HARNESS, entry="Scale", cases=cases,
                                cache_dir=str(cache), cache_writable=writable), LIMITS)
    assert all(c.status is CaseStatus.OK for c in result.cases), [
        (c.status, c.message) for c in result.cases]
    return [c.output for c in result.cases]


def _stored(cache) -> list:
    return sorted(cache.glob(f"{OUTPUTS_PREFIX}*.npz"))


def test_allow_learner_loads_the_reference_runs_init_outputs(sandbox, world_tmp):
    cache = world_tmp / "xla-cache"
    cache.mkdir(mode=0o755)
    reference = _run(sandbox, cache, CODE, writable=True)
    stored = _stored(cache)
    assert len(stored) == 1, stored  # init's parameters, not apply's results
    with np.load(stored[0]) as arrays:
        params = [arrays[f"arr_{i}"] for i in range(len(arrays.files))]
    # The stored arrays are the parameters: the outputs divided by the inputs.
    for w, out, i in zip(params, reference, range(3), strict=True):
        np.testing.assert_allclose(w * np.arange(1.0, 4.0 + i), out, rtol=1e-6)
    # Doctor the stored parameters: a learner run that loads them shows it in its outputs.
    np.savez(stored[0], *[w + 1.0 for w in params])
    learner = _run(sandbox, cache, OTHER_APPLY, writable=False)
    for out, ref, i in zip(learner, reference, range(3), strict=True):
        np.testing.assert_allclose(out, ref + np.arange(1.0, 4.0 + i), rtol=1e-5)
    # Another init program is another key: computed, not loaded, and nothing is written.
    other = _run(sandbox, cache, OTHER_INIT, writable=False)
    assert not any(np.allclose(a, b) for a, b in zip(other, learner, strict=True))
    assert _stored(cache) == stored


def test_allow_init_outputs_keyed_by_what_they_depend_on(sandbox, world_tmp):
    # Flax's ``init`` runs the forward pass and keeps only the parameters: a learner
    # whose parameters are drawn as the reference's but whose (dead) forward pass
    # differs loads the reference's stored parameters.
    forward = CODE.replace('return {"w": jax.random.normal(key, x.shape)}',
                           'w = jax.random.normal(key, x.shape)\n'
                           '        _ = w * x\n'
                           '        return {"w": w}')
    assert forward != CODE
    other_forward = forward.replace("_ = w * x", "_ = jnp.flip(w) * x + jnp.sin(x)")
    cache = world_tmp / "xla-cache"
    cache.mkdir(mode=0o755)
    reference = _run(sandbox, cache, forward, writable=True)
    (stored,) = _stored(cache)
    with np.load(stored) as arrays:
        params = [arrays[f"arr_{i}"] for i in range(len(arrays.files))]
    np.savez(stored, *[w + 1.0 for w in params])  # doctored: loading them shows
    learner = _run(sandbox, cache, other_forward.replace(
        'return params["w"] * x', 'return x * params["w"] + 0.0'), writable=False)
    for out, ref, i in zip(learner, reference, range(3), strict=True):
        np.testing.assert_allclose(out, ref + np.arange(1.0, 4.0 + i), rtol=1e-5)
    # A live difference (the parameters themselves) is still another key.
    scaled = _run(sandbox, cache, other_forward.replace(
        "w = jax.random.normal(key, x.shape)", "w = 2.0 * jax.random.normal(key, x.shape)"),
        writable=False)
    for out, ref in zip(scaled, reference, strict=True):
        np.testing.assert_allclose(out, 2.0 * ref, rtol=1e-5)


def test_deny_caching_outputs_a_learner_is_judged_by(sandbox, world_tmp):
    # A harness whose final results are init_all's outputs: they are never stored.
    cache = world_tmp / "xla-cache"
    cache.mkdir(mode=0o755)
    _run(sandbox, cache, CODE, writable=True, final=1)
    assert _stored(cache) == []


def test_allow_cached_and_computed_init_outputs_lower_to_one_module():
    # Trusted code only (no submission): the reference run feeds ``apply_all`` what the
    # exported ``init_all`` returned, a learner run the cached outputs as NumPy.  Both
    # must lower to one module, or the learner misses the reference's compiled program.
    import jax
    from jax import export

    init = jax.jit(lambda key: {"w": jax.random.normal(key, (3,))})
    key = np.asarray(jax.random.PRNGKey(0))
    exported = export.deserialize(export.export(init)(key).serialize())
    computed = jax.jit(exported.call)(key)
    cached = {"w": np.asarray(computed["w"])}
    apply = jax.jit(lambda params, x: params["w"] * x)
    x = np.ones(3, np.float32)

    def module(*args):
        return apply.lower(*args).as_text()

    assert module(computed, x) != module(cached, x)  # what JAX does on its own
    assert module(*_host_arguments((computed, x))) == module(*_host_arguments((cached, x)))
    # Typed PRNG keys and weak-typed arrays have no NumPy form: they pass unchanged.
    typed, weak = jax.random.key(1), jax.numpy.asarray(1.0)
    assert _host_arguments((typed, weak)) == (typed, weak)


def test_deny_compiling_past_a_forward_pass_not_worth_it_but_carry_cached_init_outputs(
        tmp_path):
    # Trusted code only, in this process: Flax's ``init`` traces the forward pass that
    # ``apply`` repeats, so a forward pass not worth compiling declines at ``init`` even
    # when its outputs are cached, instead of tracing ``apply`` only to decline there.
    import jax
    import jax.numpy as jnp
    import pytest

    from sandbox.programs import NotWorthCompiling, run_program

    keys = [np.asarray(jax.random.PRNGKey(seed)) for seed in (1, 2)]
    xs = [np.ones(3, np.float32), np.ones(4, np.float32)]

    def init_all(keys, xs):
        params = [{"w": jax.random.normal(key, x.shape)} for key, x in zip(keys, xs, strict=True)]
        for p, x in zip(params, xs, strict=True):
            _ = jnp.sin(p["w"] * x)  # the forward pass: traced, dead
        return params

    def apply_all(params, xs):
        return [p["w"] * x for p, x in zip(params, xs, strict=True)]

    cache = str(tmp_path)
    params = run_program(init_all, (keys, xs), cache, writable=True)
    run_program(apply_all, (params, xs), cache, writable=True)  # consumes: stores them
    assert len(_stored(tmp_path)) == 1
    loaded = run_program(init_all, (keys, xs), cache, writable=False,
                         worth_compiling=lambda closed_jaxpr: True)
    for a, b in zip(loaded, params, strict=True):
        np.testing.assert_array_equal(a["w"], np.asarray(b["w"]))
    with pytest.raises(NotWorthCompiling) as declined:
        run_program(init_all, (keys, xs), cache, writable=False,
                    worth_compiling=lambda closed_jaxpr: False)
    # It carries the cached parameters, so the cases can run op by op from them.
    for a, b in zip(declined.value.init_outputs, params, strict=True):
        np.testing.assert_array_equal(a["w"], np.asarray(b["w"]))
    # Parameters the cache does not hold (other shapes) are not carried: none were drawn.
    with pytest.raises(NotWorthCompiling) as uncached:
        run_program(init_all, (keys, [np.ones(5, np.float32)] * 2), cache, writable=False,
                    worth_compiling=lambda closed_jaxpr: False)
    assert uncached.value.init_outputs is None


def test_deny_the_exported_init_under_its_live_key(tmp_path):
    # Trusted code only, in this process: the exported ``init_all`` holds the forward
    # pass (dead for ``init``), so it is stored under the key of the whole jaxpr; the
    # live key, which a learner with another forward pass shares, names outputs only.
    import jax
    import jax.numpy as jnp

    from sandbox.programs import PREFIX, _host_arguments, program_key, run_program

    keys = [np.asarray(jax.random.PRNGKey(3))]
    xs = [np.ones(3, np.float32)]

    def init_all(keys, xs):
        params = [{"w": jax.random.normal(key, x.shape)} for key, x in zip(keys, xs, strict=True)]
        _ = [jnp.cumsum(p["w"] * x) for p, x in zip(params, xs, strict=True)]  # the forward pass
        return params

    def apply_all(params, xs):
        return [p["w"] * x for p, x in zip(params, xs, strict=True)]

    cache = str(tmp_path)
    run_program(apply_all, (run_program(init_all, (keys, xs), cache, writable=True), xs),
                cache, writable=True)
    traced = jax.jit(init_all).trace(*_host_arguments((keys, xs)))
    full, live = program_key(traced), program_key(traced, live_only=True)
    assert full != live
    assert (tmp_path / f"{PREFIX}{full}.jaxexport").is_file()
    assert not list(tmp_path.glob(f"*{live}*"))
    assert len(_stored(tmp_path)) == 1


def test_allow_a_flax_module_not_worth_compiling_runs_op_by_op_from_cached_parameters(
        sandbox, world_tmp):
    # The real Flax harness: a forward pass that repeats one kind of equation is not
    # worth compiling, so the cases run op by op; with the reference's ``init_all``
    # outputs cached, each case runs ``apply`` from its entry of them instead of drawing
    # its parameters op by op again (``apply_case``).
    from sandbox.harnesses import builtin_source
    from sandbox.whole_run import MAX_EQUATIONS_PER_KIND

    steps = 4 * int(MAX_EQUATIONS_PER_KIND) + 1
    code = textwrap.dedent(f"""
        import flax.linen as nn

        class Loop(nn.Module):
            @nn.compact
            def __call__(self, x):
                w = self.param("w", nn.initializers.normal(1.0), (x.shape[-1],))
                for _ in range({steps}):
                    x = x + w
                return x
    """)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    cases = tuple(CaseSpec(f"c{i}", {"seed": i, "x": x}) for i in range(3))
    cache = world_tmp / "xla-cache"
    cache.mkdir(mode=0o755)

    def outputs(writable: bool) -> list:
        result = sandbox.run(RunRequest(code=code, entry="Loop", cases=cases,
                                        harness_code=builtin_source("flax_module"),
                                        cache_dir=str(cache), cache_writable=writable), LIMITS)
        assert all(c.status is CaseStatus.OK for c in result.cases), [
            (c.status, c.message) for c in result.cases]
        expected = "batch" if writable else "eager"  # the reference run always compiles
        assert {c.execution for c in result.cases} == {expected}
        return [np.asarray(c.output) for c in result.cases]

    reference = outputs(writable=True)
    (stored,) = _stored(cache)
    with np.load(stored) as arrays:
        params = [arrays[f"arr_{i}"] for i in range(len(arrays.files))]
    assert len(params) == 3 and all(w.shape == (3,) for w in params)
    for w, out in zip(params, reference, strict=True):
        np.testing.assert_allclose(out, (x + steps * w).ravel(), rtol=1e-5)
    np.testing.assert_allclose(outputs(writable=False), reference, rtol=1e-5)
    # Doctored parameters show in the outputs: they were loaded, not drawn again.
    np.savez(stored, *[w + 1.0 for w in params])
    for w, out in zip(params, outputs(writable=False), strict=True):
        np.testing.assert_allclose(out, (x + steps * (w + 1.0)).ravel(), rtol=1e-5)
