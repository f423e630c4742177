"""Direct checks of one run's cgroups (``sandbox.layers.cgroups.RunGroup``), on either
cgroup version, with plain processes (no JAX): shared by ``tests/sandbox/test_cgroup_layer.py``
on this host and by the cgroup v2 guest's driver.

Each check makes a group, starts ``python -c`` inside it, and asserts what the kernel
did: an OOM kill seen by ``oom_killed``, forks stopped at ``pids.max``, CPU time in
``cpu_seconds``, and a daemonised grandchild killed when the group is removed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from sandbox.layers.cgroups import RunGroup, RunGroupLike


def _group(memory_mb: int = 256, max_pids: int = 16) -> RunGroupLike:
    # The owner pid first, like the supervisor's run ids, so a sweep can tell it apart.
    group = RunGroup(f"{os.getpid()}-layercheck-{uuid.uuid4().hex[:8]}")
    group.create(memory_mb, max_pids)
    return group


def _start(group: RunGroupLike, code: str) -> subprocess.Popen[str]:
    """``code`` in a fresh interpreter that first joins ``group`` itself, as a sandboxed
    child does (no ``preexec_fn``: forking a process that imported JAX is unsafe)."""
    procs = sorted({str(path / "cgroup.procs") for path in group.paths.values()})
    join = f"import os\nfor _procs in {procs!r}:\n    open(_procs, 'w').write(str(os.getpid()))\n"
    return subprocess.Popen([sys.executable, "-c", join + code], stdout=subprocess.PIPE, text=True)


def _gone(group: RunGroupLike) -> bool:
    return not any(path.exists() for path in group.paths.values())


def _dead(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


_FORK_BOMB = """
import os, time
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
print(children, flush=True)
"""



def check_oom_kill() -> dict[str, Any]:
    """A process writing past memory.max is OOM-killed, and the group says so."""
    group = _group(memory_mb=64)
    try:
        with _start(group, "b = b'x' * (512 << 20)\nprint(len(b))") as proc:
            proc.communicate(timeout=120)
        assert proc.returncode == -9, proc.returncode
        assert group.oom_killed()
        return {"returncode": proc.returncode}
    finally:
        group.remove()
        assert _gone(group)


def check_pids_max() -> dict[str, Any]:
    """Forks stop at pids.max; removing the group kills every sleeping child."""
    group = _group(max_pids=8)
    try:
        with _start(group, _FORK_BOMB) as proc:
            assert proc.stdout is not None
            children = int(proc.stdout.readline())  # the sleeping children keep stdout open
            proc.wait(timeout=120)
        assert 0 < children < 8, children
        left = group.pids()
        assert left, "the children should still be sleeping in the group"
    finally:
        group.remove()
    assert _gone(group) and all(_dead(pid) for pid in left)
    return {"children": children, "killed": len(left)}


def check_cpu_seconds() -> dict[str, Any]:
    """cpu_seconds counts the CPU time the group's processes used."""
    group = _group()
    try:
        before = group.cpu_seconds()
        # Half a second of CPU after joining (starting Python alone may take longer than
        # that on an emulated guest, before the join).
        busy = "import time\nt0 = time.process_time()\nwhile time.process_time() - t0 < 0.5:\n    pass\n"
        with _start(group, busy) as proc:
            proc.communicate(timeout=300)
        used = group.cpu_seconds() - before
        assert 0.45 <= used < 60, used
        return {"cpu_seconds": round(used, 3)}
    finally:
        group.remove()
        assert _gone(group)


def check_stray_grandchild() -> dict[str, Any]:
    """A daemonised grandchild (own session, parent gone) dies when the group is removed."""
    group = _group()
    code = ("import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
            "        print(os.getpid(), flush=True)\n        time.sleep(600)\n    os._exit(0)\n"
            "os.wait()\n")
    try:
        with _start(group, code) as proc:
            assert proc.stdout is not None
            grandchild = int(proc.stdout.readline())
            proc.wait(timeout=60)
        assert group.pids() == [grandchild], (group.pids(), grandchild)
    finally:
        group.remove()
    deadline = time.monotonic() + 10
    while not _dead(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _dead(grandchild) and _gone(group)
    return {"grandchild": grandchild}


CHECKS = (check_oom_kill, check_pids_max, check_cpu_seconds, check_stray_grandchild)


def run_all() -> dict[str, Any]:
    """Every check; raises on the first that fails."""
    return {check.__name__: check() for check in CHECKS}
