"""Leftovers of a SIGKILLed worker (scratch dirs, cgroups) are removed by the next one."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from sandbox.layers.cgroups import RunGroup, run_ids
from sandbox.sweep import sweep_stale_runs


def test_sweep_removes_dead_supervisors_runs_and_keeps_live_ones(tmp_path):
    dead, live = "999999999-deadbeef", f"{os.getpid()}-alive"
    for name in (dead, live):
        (tmp_path / name / "nested").mkdir(parents=True)
        (tmp_path / name / "nested" / "file").write_text("x")
        RunGroup(name).create(memory_mb=256, max_pids=8)
    try:
        removed = sweep_stale_runs(tmp_path, cgroups_used=True)
        assert dead in removed and live not in removed
        assert not (tmp_path / dead).exists() and (tmp_path / live / "nested" / "file").exists()
        assert dead not in run_ids() and live in run_ids()
    finally:
        RunGroup(live).remove()
        RunGroup(dead).remove()


def test_a_new_sandbox_sweeps_before_its_first_run():
    from sandbox import Sandbox
    from tests.sandbox.conftest import FAST, run

    # On tmpfs like the real scratch root: pytest's tmp_path is below a 0700 directory.
    root = Path(tempfile.mkdtemp(prefix="tj-sweep-", dir="/dev/shm"))
    os.chmod(root, 0o711)
    stale = root / "999999998-left-behind"
    stale.mkdir()
    RunGroup(stale.name).create(memory_mb=256, max_pids=8)
    try:
        with Sandbox(scratch_root=str(root)) as box:
            outcome = run(box, "def f(n):\n    return [n]", limits=FAST).cases[0]
            assert outcome.output.tolist() == [1], outcome.message
        assert not stale.exists() and stale.name not in run_ids()
    finally:
        RunGroup(stale.name).remove()
        shutil.rmtree(root, ignore_errors=True)
