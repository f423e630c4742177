"""cgroup v1 memory / pids / cpu / cpuacct groups, one set per run (hybrid and legacy hosts).

The supervisor creates the groups (below the cgroup its own process lives in, so a
container's delegated subtree works), the child joins them before dropping
privileges, and the supervisor kills whatever is left and removes them afterwards.
"""

from __future__ import annotations

import time
from pathlib import Path

from sandbox.layers.killing import kill_until_empty

ROOT = Path("/sys/fs/cgroup")
# cpuacct counts the run's CPU time; on most hosts it shares a mount with cpu (the
# same directory twice is harmless), on some it has its own.
CONTROLLERS = ("memory", "pids", "cpu", "cpuacct")
PREFIX = "tensorjudge"
RUNS_CPU_SHARES = 256  # cpu.shares of the group holding every run (1024 = one process)


def _own_path(controller: str) -> Path | None:
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, names, path = line.split(":", 2)
        if controller in names.split(","):
            return ROOT / controller / path.lstrip("/")
    return None


def available() -> str | None:
    """None when run groups can be made here, else one line: what is missing, how to grant it."""
    for controller in CONTROLLERS:
        base = _own_path(controller)
        if base is None or not base.is_dir():
            return (f"cgroup v1 controller '{controller}' is not mounted under {ROOT} "
                    f"(mount it, or use a cgroup v2 host; see README, Deploying)")
        probe = base / PREFIX
        try:
            probe.mkdir(exist_ok=True)
        except OSError as exc:
            return (f"cannot create cgroups under {base}: {exc.strerror} (run the worker as "
                    f"root with {ROOT} mounted read-write; see README, Deploying)")
    return None


def run_ids() -> set[str]:
    """Names of every run group below this process's cgroups (live or left behind)."""
    names: set[str] = set()
    for controller in CONTROLLERS:
        base = _own_path(controller)
        if base is not None and (base / PREFIX).is_dir():
            names.update(p.name for p in (base / PREFIX).iterdir() if p.is_dir())
    return names


class RunGroup:
    """The memory, pids and cpu cgroups of one run."""

    def __init__(self, run_id: str) -> None:
        self.paths: dict[str, Path] = {}
        for controller in CONTROLLERS:
            base = _own_path(controller)
            assert base is not None
            self.paths[controller] = base / PREFIX / run_id

    def create(self, memory_mb: int, max_pids: int, cpu_cores: float = 1.0,
               background: bool = False) -> None:
        """Make the run's groups; a ``background`` (warming) run's cpu.shares are 2
        against a learner's run's 1024."""
        for path in self.paths.values():
            path.mkdir(parents=True, exist_ok=True)
        limit = memory_mb * 1024 * 1024
        memory = self.paths["memory"]
        (memory / "memory.limit_in_bytes").write_text(str(limit))
        memsw = memory / "memory.memsw.limit_in_bytes"
        if memsw.exists():  # no escaping the limit into swap
            memsw.write_text(str(limit))
        (self.paths["pids"] / "pids.max").write_text(str(max_pids))
        cpu = self.paths["cpu"]
        # All runs together weigh a quarter of one ordinary process: under a full CPU
        # the API and the workers' own threads (claims, result writes) go first.
        (cpu.parent / "cpu.shares").write_text(str(RUNS_CPU_SHARES))
        (cpu / "cpu.cfs_period_us").write_text("100000")
        (cpu / "cpu.cfs_quota_us").write_text(str(int(100000 * cpu_cores)))
        (cpu / "cpu.shares").write_text("2" if background else "1024")

    def join(self, pid: int) -> None:
        """Move ``pid`` into every group (called by the child on itself)."""
        for path in self.paths.values():
            (path / "cgroup.procs").write_text(str(pid))

    def oom_killed(self) -> bool:
        """True if the kernel's OOM killer fired inside this run's memory group."""
        try:
            text = (self.paths["memory"] / "memory.oom_control").read_text()
            failcnt = int((self.paths["memory"] / "memory.failcnt").read_text())
        except (OSError, ValueError):
            return False
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and int(value) > 0:
                return True
        return failcnt > 0 and "under_oom 1" in text

    def hit_memory_limit(self) -> bool:
        """True if the run's memory use ever reached the limit (``memory.failcnt``)."""
        try:
            return int((self.paths["memory"] / "memory.failcnt").read_text()) > 0
        except (OSError, ValueError):
            return False

    def cpu_seconds(self) -> float:
        """CPU time used by every process of the run so far (``cpuacct.usage``), in seconds."""
        try:
            return int((self.paths["cpuacct"] / "cpuacct.usage").read_text()) / 1e9
        except (OSError, ValueError):
            return 0.0

    def pids(self) -> list[int]:
        """Pids of every process still in the run's groups."""
        try:
            text = (self.paths["pids"] / "cgroup.procs").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def kill_all(self) -> None:
        """SIGKILL every process in the run, repeatedly, until none is left."""
        kill_until_empty(self.pids)

    def remove(self) -> None:
        """Kill whatever is left and delete the run's groups."""
        self.kill_all()
        for path in self.paths.values():
            for _ in range(50):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # still has exiting tasks
                    time.sleep(0.01)
