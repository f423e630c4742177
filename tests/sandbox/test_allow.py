"""Allow battery: what honest submissions need must keep working under every layer."""

from __future__ import annotations

import os
import stat

import numpy as np

from sandbox import CaseSpec, CaseStatus, Limits, RunRequest
from sandbox.harnesses import builtin_source
from tests.sandbox.conftest import FAST, one, run, values

JAX = Limits(time_s=10.0, memory_mb=1024, startup_s=10.0)


def test_allow_numpy(sandbox):
    code = "import numpy as np\ndef f(n):\n    return np.linalg.solve(np.eye(3) * 2, np.ones(3)) * n"
    assert values(one(sandbox, code, inputs={"n": 4})) == [2.0, 2.0, 2.0]


def test_allow_jax_flax_imports_and_jit(sandbox):
    code = """
    import jax, jax.numpy as jnp, flax.linen as nn
    @jax.jit
    def double(x):
        return jnp.sin(x) * 0 + 2 * x
    def f(n):
        return double(jnp.arange(4.0) * n)
    """
    assert values(one(sandbox, code, JAX, inputs={"n": 1})) == [0.0, 2.0, 4.0, 6.0]


def test_allow_flax_module_harness(sandbox):
    code = """
    import flax.linen as nn
    class Model(nn.Module):
        features: int
        @nn.compact
        def __call__(self, x):
            return nn.Dense(self.features)(x)
    """
    request = RunRequest(code=code.replace("\n    ", "\n"), harness_code=builtin_source("flax_module"),
                         entry="Model", cases=(CaseSpec("c", {"seed": 0, "x": np.ones((2, 3)),
                                                              "features": 4}),))
    outcome = sandbox.run(request, JAX).cases[0]
    assert outcome.status is CaseStatus.OK, outcome.message
    assert outcome.output.shape == (8,) and np.all(np.isfinite(outcome.output))


def test_allow_printing_captured_per_case(sandbox):
    code = "print('loading')\ndef f(n):\n    print('case', n)\n    return [n]"
    result = run(sandbox, code, n_cases=2, inputs={"n": 3})
    assert [c.stdout for c in result.cases] == ["case 3\n", "case 3\n"]
    assert all(c.status is CaseStatus.OK for c in result.cases)


def test_allow_scratch_writes(sandbox):
    code = """
    import os, tempfile
    def f(n):
        assert os.environ["TMPDIR"] == os.environ["HOME"] == os.getcwd()
        with open("here.txt", "w") as fh:
            fh.write("x" * 1000)
        with tempfile.NamedTemporaryFile(dir=None) as tmp:
            tmp.write(b"y" * 1000)
            tmp.flush()
            size = os.path.getsize(tmp.name)
        os.makedirs("a/b", exist_ok=True)
        os.rename("here.txt", "a/b/there.txt")
        np_path = os.path.join(tempfile.gettempdir(), "arr.npy")
        import numpy as np
        np.save(np_path, np.arange(3))
        return [os.path.getsize("a/b/there.txt"), size, *np.load(np_path)]
    """
    assert values(one(sandbox, code)) == [1000, 1000, 0, 1, 2]


def test_allow_scratch_is_private_and_fresh(sandbox):
    code = "import os\ndef f(n):\n    return [len(os.listdir('.')), os.stat('.').st_mode & 0o777]"
    assert values(one(sandbox, code)) == [0, 0o700]


def test_allow_threads(sandbox):
    code = """
    from concurrent.futures import ThreadPoolExecutor
    def f(n):
        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(lambda i: i * n, range(8)))
    """
    assert values(one(sandbox, code, inputs={"n": 2})) == [0, 2, 4, 6, 8, 10, 12, 14]


def test_allow_stdlib_imports_after_confinement(sandbox):
    code = """
    import json, decimal, fractions, statistics, itertools, functools, math, random, re
    import dataclasses, typing, collections, heapq, bisect, hashlib, zlib, struct, sqlite3
    def f(n):
        return [statistics.mean([1, 2, 3]), float(fractions.Fraction(1, 4)), math.comb(5, 2)]
    """
    assert values(one(sandbox, code)) == [2.0, 0.25, 10.0]


def test_allow_exceptions_reported_with_own_traceback(sandbox):
    outcome = one(sandbox, "def f(n):\n    return helper(n)\n\ndef helper(n):\n    return 1 / 0")
    assert outcome.status is CaseStatus.ERROR
    assert "ZeroDivisionError" in outcome.message and "line 5" in outcome.message
    assert "sandbox/" not in outcome.message  # only the submission's own frames
    assert "ZeroDivisionError" in outcome.summary and "division by zero" not in outcome.summary


def test_allow_reading_the_compile_cache(sandbox, world_tmp):
    cache = world_tmp / "xla-cache"
    cache.mkdir(mode=0o755)
    # The run counts persistent-cache hits, so a sealed (unlistable) cache that the
    # learner could no longer use would show up as 0 hits.
    code = ("import jax, jax.numpy as jnp\n"
            "from jax import monitoring\n"
            "hits = []\n"
            "monitoring.register_event_listener(\n"
            "    lambda event, **kw: hits.append(event) if 'cache_hits' in event else None)\n"
            "def f(n):\n"
            "    y = jax.jit(lambda x: jnp.exp(x) + n)(jnp.zeros(3))\n"
            "    return jnp.append(y, len(hits))")
    warm = one(sandbox, code, JAX, cache_dir=str(cache), cache_writable=True)
    assert values(warm) == [2.0, 2.0, 2.0, 0.0]
    entries = sorted(p.name for p in cache.iterdir())
    assert entries
    assert stat.S_IMODE(cache.stat().st_mode) == 0o711  # sealed after the warming run
    learner = one(sandbox, code, JAX, cache_dir=str(cache), cache_writable=False)
    assert values(learner)[:3] == [2.0, 2.0, 2.0]
    assert values(learner)[3] >= 1  # served from the cache
    assert sorted(p.name for p in cache.iterdir()) == entries


def test_allow_slow_cases_each_within_its_limit(sandbox):
    result = run(sandbox, "import time\ndef f(n):\n    time.sleep(0.3)\n    return [n]",
                 Limits(time_s=0.6, memory_mb=256, startup_s=2), n_cases=3)
    assert [c.status for c in result.cases] == [CaseStatus.OK] * 3


def test_allow_memory_up_to_the_limit(sandbox):
    code = "import numpy as np\ndef f(n):\n    a = np.ones(200 * 2**20 // 8)\n    return [a.sum()]"
    assert values(one(sandbox, code, Limits(time_s=3, memory_mb=512))) == [200 * 2**20 // 8]


def test_allow_result_reports_every_layer(sandbox):
    result = run(sandbox, "def f(n):\n    return [n]", FAST)
    assert result.layers == ("session", "cgroup", "netns", "rlimits", "uid", "landlock", "seccomp")
    assert os.path.isdir(sandbox.scratch_root)


def test_allow_numerical_stack_settings_reach_the_child(sandbox):
    from sandbox.stack import CHILD_XLA_FLAGS

    code = ("import os\ndef f(n):\n    return [int(os.environ.get('XLA_FLAGS') == "
            f"{CHILD_XLA_FLAGS!r}), len(os.environ)]")
    outcome = run(sandbox, code).cases[0]
    assert outcome.output.tolist()[0] == 1
