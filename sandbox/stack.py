"""The numerical stack submissions run on, as the strings cached outputs are keyed by."""

from __future__ import annotations

from importlib.metadata import version

# LLVM at -O0 halves XLA compile time for these small programs (5.1 s -> 2.4 s for the
# seed problem's 18 shapes, same outputs); the arithmetic is microseconds either way.
# Reference and submissions always run under the same flags, and expected-output
# cache keys include them.
CHILD_XLA_FLAGS = "--xla_backend_optimization_level=0"

# Everything an output computed in the sandbox depends on besides the code and inputs:
# Flax derives parameter draws from its own RNG scheme and XLA picks the kernels.
# "whole-run programs": since JAX code under any harness runs as one compiled program
# (``sandbox/whole_run.py``), not op by op, expected outputs computed before are not reused.
STACK: tuple[str, ...] = (*(f"{name}=={version(name)}" for name in ("jax", "jaxlib", "flax", "numpy")),
                          f"child XLA_FLAGS={CHILD_XLA_FLAGS}", "whole-run programs")

# The PyTorch fork server's children compute on one thread, like XLA's CPU client here
# (``sandbox.frameworks.configure_torch`` sets torch's own counts to match).
TORCH_THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
