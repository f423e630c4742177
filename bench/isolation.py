"""Benchmark: what isolation costs per submission, all layers vs a bare fork, in one run.

    .venv/bin/python bench/isolation.py [--runs 30] [--jax]

Both sandboxes share the machine and run the same trivial submission (NumPy only, via
the ``call`` harness; ``--jax`` adds a jitted JAX call) through a warm fork server.
"all layers": session, cgroup (memory/pids/cpu), network namespace, rlimits, uid drop,
Landlock and seccomp, plus the per-run cgroup/scratch set-up and clean-up.  "bare
fork": ``disabled_layers=REQUIRED``, the same fork server, pipes and protocol with no
confinement.  Runs alternate between the two so drift hits both alike.  Prints
p50/p95/mean of the wall time seen by the caller and the difference.  Run as root.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox import CaseSpec, CaseStatus, Limits, RunRequest, Sandbox  # noqa: E402
from sandbox.harnesses import builtin_source  # noqa: E402
from sandbox.layers import REQUIRED  # noqa: E402

NUMPY = "import numpy as np\n\ndef f(n):\n    return np.arange(4) * n\n"
JAX = "import jax, jax.numpy as jnp\n\ndef f(n):\n    return jax.jit(lambda x: x * n)(jnp.arange(4.0))\n"
SCRATCH = "/dev/shm/tensorjudge-bench-scratch"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed_run(box: Sandbox, request: RunRequest, limits: Limits) -> float:
    started = time.perf_counter()
    result = box.run(request, limits)
    elapsed = (time.perf_counter() - started) * 1000
    outcome = result.cases[0]
    assert outcome.status is CaseStatus.OK, (outcome.status, outcome.message, result.exit_detail)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--jax", action="store_true", help="submit a jitted JAX function instead")
    args = parser.parse_args()
    code = JAX if args.jax else NUMPY
    request = RunRequest(code=code, harness_code=builtin_source("call"), entry="f",
                         cases=(CaseSpec("c", {"n": 3}),))
    limits = Limits(time_s=10, memory_mb=1024)
    times: dict[str, list[float]] = {"all layers": [], "bare fork": []}
    with Sandbox(scratch_root=SCRATCH) as full, \
            Sandbox(scratch_root=SCRATCH, disabled_layers=REQUIRED) as bare:
        boxes = {"all layers": full, "bare fork": bare}
        for _ in range(args.warmup):  # start both fork servers, fault in the code paths
            for box in boxes.values():
                timed_run(box, request, limits)
        for i in range(args.runs):
            order = list(boxes.items()) if i % 2 == 0 else list(reversed(boxes.items()))
            for name, box in order:
                times[name].append(timed_run(box, request, limits))

    what = "jitted JAX" if args.jax else "NumPy-only"
    print(f"{what} submission, call harness, {args.runs} runs each (alternating), wall ms per run")
    print(f"{'':<12}{'p50':>9}{'p95':>9}{'mean':>9}{'min':>9}")
    for name, values in times.items():
        print(f"{name:<12}{statistics.median(values):>9.1f}{percentile(values, 95):>9.1f}"
              f"{statistics.fmean(values):>9.1f}{min(values):>9.1f}")
    full_t, bare_t = times["all layers"], times["bare fork"]
    print(f"{'difference':<12}{statistics.median(full_t) - statistics.median(bare_t):>9.1f}"
          f"{percentile(full_t, 95) - percentile(bare_t, 95):>9.1f}"
          f"{statistics.fmean(full_t) - statistics.fmean(bare_t):>9.1f}"
          f"{min(full_t) - min(bare_t):>9.1f}")


if __name__ == "__main__":
    main()
