"""Runs inside the cgroup v2 guest (tests/vm/test_cgroup_v2_vm.py boots it): every check
of issue #16, written as JSON for the host-side test to assert on.

    python tests/vm/guest_driver.py PHASE OUT_DIR DATA_SEED_DIR

PHASE names the view of the cgroup tree: ``host`` (the guest's real hierarchy) or
``container`` (a fresh cgroup + mount namespace with cgroup2 remounted, as a container
sees it).  One fork server serves the whole phase; the runs that need a layer off (a
fork bomb held by ``pids.max`` rather than seccomp, a stray grandchild) use it too:
which layers a run gets is a per-run setting, not a property of the fork server.
A check that raises is recorded as failed with its error; the next check still runs.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.grading.engine import Grader  # noqa: E402
from app.grading.verdicts import Verdict  # noqa: E402
from app.problems.manifest import load_problem  # noqa: E402
from sandbox import CaseSpec, CaseStatus, Limits, RunRequest, RunResult, Sandbox  # noqa: E402
from sandbox.harnesses import builtin_source  # noqa: E402
from sandbox.layers import cgroup_v2, cgroups  # noqa: E402
from sandbox.selfcheck import check  # noqa: E402
from tests.vm import layer_checks  # noqa: E402

SEED = "flax-transposed-conv-1d"
QUICK = Limits(time_s=10.0, memory_mb=256, startup_s=3.0)  # 10 s: forks are slow emulated


def run(box: Sandbox, code: str, limits: Limits, scale: float) -> RunResult:
    """Run ``code`` (function ``f(n)``) on one case; loading it may take ``scale`` times longer."""
    limits = Limits(time_s=limits.time_s, memory_mb=limits.memory_mb,
                    startup_s=limits.startup_s * scale, max_pids=limits.max_pids)
    request = RunRequest(code=textwrap.dedent(code), harness_code=builtin_source("call"),
                         entry="f", cases=(CaseSpec("c0", {"n": 1}),))
    return box.run(request, limits)


def verdict_of(result: RunResult) -> str:
    status = result.cases[0].status
    return {CaseStatus.MEMORY: Verdict.MEMORY_LIMIT_EXCEEDED, CaseStatus.TIME: Verdict.TIME_LIMIT_EXCEEDED,
            CaseStatus.OK: Verdict.ACCEPTED}.get(status, status.value)


def main() -> int:
    phase, out_dir, seed_dir = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    scale = float(os.environ.get("TENSORJUDGE_TIME_SCALE", "1"))
    report: dict[str, Any] = {"phase": phase, "checks": {}, "timings_s": {}, "scale": scale}
    started = time.monotonic()

    def step(name: str, action: Callable[[], dict[str, Any]]) -> None:
        began = time.monotonic()
        try:
            report["checks"][name] = {"ok": True, **action()}
        except Exception as exc:  # recorded for the host-side assertion, never swallowed there
            report["checks"][name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}",
                                      "traceback": traceback.format_exc()[-3000:]}
        report["timings_s"][name] = round(time.monotonic() - began, 1)
        (out_dir / f"{phase}.json").write_text(json.dumps(report, indent=1, default=str))

    report["proc_self_cgroup"] = Path("/proc/self/cgroup").read_text()
    report["cgroup_version"] = cgroups.VERSION
    step("layers", lambda: layer_checks.run_all())
    scratch = f"/dev/shm/tj-vm-scratch-{phase}"
    box = Sandbox(scratch_root=scratch, zygote_start_s=900)
    loose = Sandbox(scratch_root=scratch, disabled_layers=("seccomp",), zygote_start_s=900)

    def layout() -> dict[str, Any]:
        lay = cgroup_v2.layout()
        return {"base": str(lay.base), "runs": str(lay.runs), "describe": cgroups.describe(),
                "supervisor_leaf": Path("/proc/self/cgroup").read_text().strip()}

    step("delegation", layout)
    step("selfcheck", lambda: {"layers": check(box)})
    loose._idle = box._idle  # the warm fork servers, shared (see the module docstring)

    def memory_bomb() -> dict[str, Any]:
        code = "def f(n):\n    hoard = []\n    while True:\n        hoard.append(bytearray(2**20))"
        result = run(box, code, QUICK, scale)
        assert verdict_of(result) == Verdict.MEMORY_LIMIT_EXCEEDED, result
        return {"verdict": verdict_of(result), "detail": result.exit_detail}

    def fork_bomb() -> dict[str, Any]:
        code = """
        import os, time
        def f(n):
            children = 0
            while True:
                try:
                    pid = os.fork()
                except OSError:
                    break
                if pid == 0:
                    time.sleep(600)
                    os._exit(0)
                children += 1
            return [children]
        """
        result = run(loose, code, QUICK, scale)
        outcome = result.cases[0]
        assert outcome.status is CaseStatus.OK, (outcome.status, outcome.message)
        children = int(outcome.output[0])  # type: ignore[index]
        assert 0 < children < QUICK.max_pids, children
        return {"children_before_pids_max": children}

    def cpu_limit() -> dict[str, Any]:
        code = """
        import signal
        for sig in (signal.SIGXCPU, signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        def f(n):
            while True:
                pass
        """
        result = run(box, code, QUICK, scale)
        assert verdict_of(result) == Verdict.TIME_LIMIT_EXCEEDED, result
        return {"verdict": verdict_of(result), "detail": result.exit_detail}

    def stray_grandchild() -> dict[str, Any]:
        code = """
        import os, time
        def f(n):
            r, w = os.pipe()
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.write(w, str(os.getpid()).encode())
                    time.sleep(600)
                os._exit(0)
            return [int(os.read(r, 32))]
        """
        result = run(loose, code, QUICK, scale)
        outcome = result.cases[0]
        assert outcome.status is CaseStatus.OK, (outcome.status, outcome.message)
        pid = int(outcome.output[0])  # type: ignore[index]
        alive = Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)
        assert not alive, f"grandchild {pid} outlived its run"
        return {"grandchild": pid, "alive_after_run": alive}

    def nothing_left() -> dict[str, Any]:
        runs = cgroup_v2.layout().runs
        left = [p.name for p in runs.iterdir() if p.is_dir()]
        assert not left, left
        assert not (runs / "cgroup.procs").read_text().split()
        return {"run_groups_left": left}

    step("memory_bomb", memory_bomb)
    step("fork_bomb", fork_bomb)
    step("cpu_limit", cpu_limit)
    step("stray_grandchild", stray_grandchild)
    step("nothing_left", nothing_left)
    loose._idle = {}

    data_dir = Path(f"/var/tmp/tj-vm-data-{phase}")  # the guest's own /var/tmp
    if seed_dir.is_dir():
        shutil.copytree(seed_dir, data_dir, dirs_exist_ok=True)  # caches warmed on the host
    grader = Grader(box, data_dir, time_scale=scale)
    problem = load_problem(ROOT / "problems" / SEED, ROOT / "reference")
    solutions = ROOT / "problems" / SEED / "solutions"
    for name, path, want in (("accepted", solutions / "correct" / "conv_transpose.py", Verdict.ACCEPTED),
                             ("wrong_answer", solutions / "wrong" / "stride_ignored.py",
                              Verdict.WRONG_ANSWER)):
        def grade(path: Path = path, want: Verdict = want) -> dict[str, Any]:
            # "run" mode (the visible cases): every case shape costs minutes to trace emulated.
            result = grader.grade(problem, path.read_text(), mode="run")
            assert result.verdict == want, (result.verdict, [c.message for c in result.cases][:3])
            return {"verdict": result.verdict, "cases": len(result.cases)}
        step(f"grade_{name}", grade)
    step("nothing_left_after_grading", nothing_left)
    box.close()
    report["timings_s"]["phase_total"] = round(time.monotonic() - started, 1)
    report["ok"] = all(c["ok"] for c in report["checks"].values())
    (out_dir / f"{phase}.json").write_text(json.dumps(report, indent=1, default=str))
    return 0 if report["ok"] else 1


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "gone"


if __name__ == "__main__":
    sys.exit(main())
