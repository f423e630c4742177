"""The numerical stack submissions run on, as the strings cached outputs are keyed by."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import version

# XLA compile time is most of what code that misses the program cache costs, and the
# arithmetic is microseconds either way, so the child's XLA compiles for speed of
# compiling:
# - LLVM at -O0 halves it for these small programs (5.1 s -> 2.4 s for the seed
#   problem's 18 shapes, same outputs);
# - XLA:CPU's older elemental emitters instead of its MLIR fusion emitters halve it
#   again: sandboxed CPU per Submit 4.0 -> 1.7 s (scatter-add, seed problem), 7.7 ->
#   3.4 s (conv-transpose1d/kernel_not_flipped.py), 6.8 -> 3.4 s
#   (conv-transpose2d-module/normal_init.py).  Without -O0 the same three took 2.8,
#   4.4 and 14.4 s; adding ``--xla_llvm_disable_expensive_passes`` changed nothing.
# Reference and submissions always run under the same flags, and expected-output
# cache keys include them.  ``TENSORJUDGE_CHILD_XLA_FLAGS`` replaces them (benchmarks
# compare flag sets with it; expected outputs are then computed again under its key).
DEFAULT_CHILD_XLA_FLAGS = "--xla_backend_optimization_level=0 --xla_cpu_use_fusion_emitters=false"
CHILD_XLA_FLAGS = os.environ.get("TENSORJUDGE_CHILD_XLA_FLAGS") or DEFAULT_CHILD_XLA_FLAGS


def fork_server_environment() -> dict[str, str]:
    """The whole environment a fork server (and so each child) starts with: nothing
    secret, only what the numerical stack reads (``TORCH_THREAD_ENV`` is added for the
    PyTorch one)."""
    env = {"PATH": "/usr/bin:/bin", "JAX_PLATFORMS": "cpu", "XLA_FLAGS": CHILD_XLA_FLAGS}
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


class ChildFlagsRejected(RuntimeError):
    """XLA refuses ``TENSORJUDGE_CHILD_XLA_FLAGS``: every JAX run would crash on them."""


def check_child_xla_flags(python: str = sys.executable) -> None:
    """When an operator replaced the child's XLA flags, start XLA once under them (a
    trusted process running no submitted code, in the fork servers' environment) and
    raise ``ChildFlagsRejected`` with XLA's own words if it refuses them: XLA aborts on
    a flag it does not know, which would otherwise fail every JAX run, the
    reference's included, as a crash."""
    if CHILD_XLA_FLAGS == DEFAULT_CHILD_XLA_FLAGS:
        return
    started = subprocess.run(
        [python, "-I", "-c", "import jax.numpy as jnp; jnp.zeros(1).block_until_ready()"],
        env=fork_server_environment(), capture_output=True, text=True, timeout=600, check=False)
    if started.returncode == 0:
        return
    lines = [line for line in started.stderr.splitlines() if line.strip()]
    # XLA's fatal log line ("F1207 09:54:32 ... Unknown flag in XLA_FLAGS: --x"), else the last.
    fatal = next((line for line in lines if re.match(r"F\d{4} ", line)), lines[-1] if lines else "")
    raise ChildFlagsRejected(f"TENSORJUDGE_CHILD_XLA_FLAGS={CHILD_XLA_FLAGS!r}: XLA does not start "
                             f"under them (exit code {started.returncode}): {fatal.strip()}")


# Everything an output computed in the sandbox depends on besides the code and inputs:
# Flax derives parameter draws from its own RNG scheme and XLA picks the kernels.
# "whole-run programs": since JAX code under any harness runs as one compiled program
# (``sandbox/whole_run.py``), not op by op, expected outputs computed before are not reused.
# "live init_all keys": cached ``init_all`` outputs moved to keys of the live jaxpr
# (``sandbox/programs.py``); a problem version's compile cache warmed before holds them
# under the old keys, so it is warmed again under a new name.
# "init draws, trace context": the reference run also stores its ``init_all``'s random
# draws (``sandbox/draws.py``), which a cache warmed before lacks, and every cache key
# now includes JAX's trace context (``sandbox/programs.py``).
STACK: tuple[str, ...] = (*(f"{name}=={version(name)}" for name in ("jax", "jaxlib", "flax", "numpy")),
                          f"child XLA_FLAGS={CHILD_XLA_FLAGS}", "whole-run programs", "live init_all keys",
                          "init draws, trace context")

# The PyTorch fork server's children compute on one thread, like XLA's CPU client here
# (``sandbox.frameworks.configure_torch`` sets torch's own counts to match).
TORCH_THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
