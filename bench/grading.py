"""Benchmark: grade the seed problem through the engine vs. a naive grader, in one run.

    .venv/bin/python bench/grading.py [--runs 20] [--naive-runs 3] [--solution FILE]

Engine: one warm sandbox (fork server), expected outputs and the XLA cache warmed by
the reference run first; each submission's text gets a unique comment.  Naive
baseline: a fresh interpreter per submission that imports JAX, runs the reference and
the submission on every case with no caches, and compares.  Prints p50/p95 per
submission and the ratio.  Run as root (the sandbox needs it).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.grading.engine import Grader  # noqa: E402
from app.grading.verdicts import Verdict  # noqa: E402
from app.problems.manifest import load_problem  # noqa: E402
from sandbox import Sandbox  # noqa: E402

SLUG = "flax-transposed-conv-1d"

NAIVE = r'''
import sys, numpy as np
sys.path.insert(0, {root!r})
from app.problems.manifest import load_problem
from pathlib import Path
import jax
problem = load_problem(Path({folder!r}), Path({refs!r}))
harness = {{}}
exec(problem.harness_code, harness)
def outputs(code):
    ns = {{}}
    exec(compile(code, "<code>", "exec"), ns)
    entry = ns[problem.manifest.entry]
    return [np.asarray(harness["run_case"](entry, dict(c.inputs))) for c in problem.cases]
want = outputs(problem.reference)
got = outputs(open({solution!r}).read())
tol = problem.manifest.tolerance
ok = all(w.size == g.size and np.allclose(w.ravel(), g.ravel(), rtol=tol.rtol, atol=tol.atol)
         for w, g in zip(want, got))
print("accepted" if ok else "wrong_answer")
'''


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(label: str, values: list[float]) -> str:
    return (f"{label:<38} n={len(values):<3} p50={statistics.median(values):8.0f} ms  "
            f"p95={percentile(values, 95):8.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--naive-runs", type=int, default=3)
    parser.add_argument("--solution", type=Path, default=ROOT / "reference" / "flax_transposed_conv_1d.py")
    parser.add_argument("--other", type=Path,
                        default=ROOT / "problems" / SLUG / "solutions" / "correct" / "scatter_add.py",
                        help="a correct solution written differently (its compiled code is not cached)")
    args = parser.parse_args()
    folder = ROOT / "problems" / SLUG
    problem = load_problem(folder, ROOT / "reference")
    code = args.solution.read_text()
    other = args.other.read_text()

    with tempfile.TemporaryDirectory(prefix="tj-bench-") as data, Sandbox() as box:
        grader = Grader(box, Path(data))
        started = time.perf_counter()
        grader.reference_outputs(problem)
        warm_ms = (time.perf_counter() - started) * 1000
        engine, different = [], []
        for i in range(args.runs):
            started = time.perf_counter()
            result = grader.grade(problem, f"{code}\n# submission {i}\n", "submit")
            engine.append((time.perf_counter() - started) * 1000)
            assert result.verdict is Verdict.ACCEPTED, result.verdict
        for i in range(max(3, args.runs // 4)):
            started = time.perf_counter()
            result = grader.grade(problem, f"{other}\n# submission {i}\n", "submit")
            different.append((time.perf_counter() - started) * 1000)
            assert result.verdict is Verdict.ACCEPTED, result.verdict

    naive = []
    script = NAIVE.format(root=str(ROOT), folder=str(folder), refs=str(ROOT / "reference"),
                          solution=str(args.solution))
    for _ in range(args.naive_runs):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              env={"PATH": "/usr/bin:/bin", "JAX_PLATFORMS": "cpu"})
        naive.append((time.perf_counter() - started) * 1000)
        assert done.stdout.strip() == "accepted", done.stderr[-2000:]

    print(f"seed problem {SLUG}: {len(problem.cases)} cases (all graded per submission)")
    print(f"one-off: expected outputs + XLA cache warm-up by the reference run: {warm_ms:.0f} ms")
    print(summary("engine, reference-equivalent code", engine))
    print(summary("engine, differently written (no cache)", different))
    print(summary("naive: fresh interpreter, no caches", naive))
    print(f"ratio naive p50 / engine p50: {statistics.median(naive) / statistics.median(engine):.1f}x")


if __name__ == "__main__":
    main()
