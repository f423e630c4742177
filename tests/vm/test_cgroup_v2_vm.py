"""The sandbox on a real cgroup v2 kernel: Debian's 6.12 kernel booted by virtme-ng in
QEMU (software emulation: KVM does not work nested here), with this machine's
filesystem as the guest's read-only root.

One boot runs ``tests/vm/guest.sh``, which runs ``tests/vm/guest_driver.py`` twice: in
the guest's own hierarchy, then from a fresh cgroup + mount namespace with cgroup2
mounted as a container sees it (the delegation path).  Each phase writes its checks and
timings as JSON into a directory shared read-write with the guest; this test asserts on
them and prints the timings.

Emulation is ~20-100x slower than this host, so the guest grades with
``TENSORJUDGE_TIME_SCALE`` (a documented setting for emulated hosts) stretching the
time allowances; memory and pids limits are the product's own.  The seed problem's
expected outputs and compile cache are computed here first and copied in read-only:
the guest copies them into its own /var/tmp, so nothing it writes reaches this host.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.grading.engine import cache_key
from tests.conftest import ROOT

pytestmark = [pytest.mark.vm, pytest.mark.slow, pytest.mark.timeout(900)]

WORK = ROOT / ".vm-out"  # under the checkout: the guest cannot see this host's /tmp
TIME_SCALE = 40
BOOT_TIMEOUT_S = 720


def _kernel() -> Path:
    kernels = sorted(Path("/boot").glob("vmlinuz-6.12*"))
    assert kernels, "no Debian 6.12 kernel in /boot: run scripts/setup.sh --test"
    return kernels[-1]


def _seed_caches(grader, seed_problem, seed: Path) -> None:
    """Copy the seed problem's expected outputs, known mistakes' outputs (for hints) and
    compile cache, all computed here, to ``seed``."""
    grader.reference_outputs(seed_problem)
    grader.prepare_hints(seed_problem)
    key = cache_key(seed_problem)
    (seed / "expected").mkdir(parents=True)
    for npz in grader.expected_dir.glob(f"{seed_problem.slug}-{key}*.npz"):
        shutil.copy2(npz, seed / "expected" / npz.name)
    shutil.copytree(grader.xla_dir / key, seed / "xla-cache" / key)


def test_sandbox_on_cgroup_v2_kernel(grader, seed_problem):
    vng = Path(sys.executable).parent / "vng"
    assert vng.exists(), "virtme-ng is missing: run scripts/setup.sh --test"
    shutil.rmtree(WORK, ignore_errors=True)
    out, seed = WORK / "out", WORK / "seed"
    out.mkdir(parents=True)
    os.chmod(WORK, 0o755)
    _seed_caches(grader, seed_problem, seed)

    command = (f"env TENSORJUDGE_TIME_SCALE={TIME_SCALE} bash {ROOT}/tests/vm/guest.sh {out} {seed}")
    env = {**os.environ, "PATH": f"{vng.parent}:{os.environ['PATH']}"}
    started = time.monotonic()
    # ``--verbose``: the guest kernel's console (an OOM kill, a panic) comes back on
    # vng's output, kept whole in console.log for a guest that dies without a report.
    # No terminal input: the guest's console must not read whatever the caller's stdin holds.
    # ``tsc=reliable``: emulated (no KVM) on a busy host, the two vCPUs' clocks drift
    # apart, the guest's clocksource watchdog marked the TSC unstable mid-run, and the
    # kernel's live patch of sched_clock that follows panicked the guest ("Oops: int3"
    # in sched_clock_cpu, seen in a CI run's console.log).  The guest's clock does not
    # take part in any check here: limits are CPU time the guest kernel counts.
    done = subprocess.run(
        [str(vng), "--verbose", "--run", str(_kernel()), "--disable-kvm", "--memory", "6G",
         "--cpus", "2", "--append", "tsc=reliable", "--rwdir", str(out), "--exec", command],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=BOOT_TIMEOUT_S)
    wall = time.monotonic() - started
    (WORK / "console.log").write_text(f"exit {done.returncode}\n{done.stdout}\n{done.stderr}")
    phases = (out / "phases.txt").read_text() if (out / "phases.txt").exists() else ""
    print(f"\nVM wall time {wall:.0f} s (boot + both phases); guest clock:\n{phases}")
    reports = {}
    for phase in ("host", "container"):
        path = out / f"{phase}.json"
        assert path.exists(), (phase, done.returncode, done.stdout[-3000:], done.stderr[-3000:],
                               _tail(out / f"{phase}.log"), phases)
        reports[phase] = json.loads(path.read_text())
        print(f"{phase}: " + ", ".join(f"{k} {v} s" for k, v in reports[phase]["timings_s"].items()))

    for phase, report in reports.items():
        failed = {name: check["error"] + "\n" + check.get("traceback", "")
                  for name, check in report["checks"].items() if not check["ok"]}
        assert not failed, (phase, failed, _tail(out / f"{phase}.log"))
        assert report["cgroup_version"] == 2
        checks = report["checks"]
        assert set(checks["selfcheck"]["layers"]) == {"session", "cgroup", "netns", "rlimits", "uid",
                                                      "landlock", "seccomp"}
        assert checks["memory_bomb"]["verdict"] == "memory_limit_exceeded"
        assert checks["cpu_limit"]["verdict"] == "time_limit_exceeded"
        assert checks["grade_accepted"]["verdict"] == "accepted"
        assert checks["grade_wrong_answer"]["verdict"] == "wrong_answer"
        assert report["ok"] is True
    # The container phase really ran at the root of its own cgroup namespace and had
    # to move itself into a leaf to hand controllers to its run groups.
    assert (out / "container-view.txt").read_text().strip() == "0::/"
    delegation = reports["container"]["checks"]["delegation"]
    assert delegation["base"] == "/sys/fs/cgroup"
    assert delegation["supervisor_leaf"] == "0::/tensorjudge-supervisor"
    assert (out / "leftover-groups.txt").read_text() == ""
    assert (out / "leftover-procs.txt").read_text() == ""
    assert done.returncode == 0, done.stderr[-3000:]


def _tail(path: Path, n: int = 4000) -> str:
    return path.read_text(errors="replace")[-n:] if path.exists() else f"({path.name} missing)"
