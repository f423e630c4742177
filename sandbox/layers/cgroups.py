"""Per-run cgroups, on whichever cgroup version the host offers.

cgroup v2 when the unified hierarchy carries the memory, pids and cpu controllers
(``/sys/fs/cgroup/cgroup.controllers`` on a pure v2 host; ``/sys/fs/cgroup/unified``
on a hybrid one whose controllers were moved there); otherwise cgroup v1, as on
hybrid and legacy hosts.  Both modules give the supervisor the same ``RunGroup``
(create / join / oom_killed / hit_memory_limit / cpu_seconds / pids / kill_all /
remove), ``run_ids`` and ``available``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from sandbox.layers import cgroup_v1, cgroup_v2


class RunGroupLike(Protocol):
    """What the supervisor needs of one run's cgroups, on either version."""

    paths: dict[str, Path]

    def __init__(self, run_id: str) -> None: ...
    def create(self, memory_mb: int, max_pids: int, cpu_cores: float = 1.0,
               background: bool = False) -> None: ...
    def join(self, pid: int) -> None: ...
    def oom_killed(self) -> bool: ...
    def hit_memory_limit(self) -> bool: ...
    def cpu_seconds(self) -> float: ...
    def pids(self) -> list[int]: ...
    def kill_all(self) -> None: ...
    def remove(self) -> None: ...


def version() -> int:
    """2 when the unified hierarchy offers every controller runs need, else 1."""
    return 2 if cgroup_v2.mount_point() is not None else 1


VERSION = version()
PREFIX = "tensorjudge"
# The controllers a run is limited by, and the controller field of its lines in
# /proc/<pid>/cgroup ("memory", "pids", ... on v1; empty on v2's "0::/path" line).
CONTROLLERS = cgroup_v2.CONTROLLERS if VERSION == 2 else cgroup_v1.CONTROLLERS
PROC_FIELDS: tuple[str, ...] = ("",) if VERSION == 2 else cgroup_v1.CONTROLLERS


# ``RunGroup(run_id)``: the cgroups of one run on this host's cgroup version.
RunGroup: type[RunGroupLike] = cgroup_v2.RunGroup if VERSION == 2 else cgroup_v1.RunGroup


def readable_paths(run_id: str) -> list[str]:
    """cgroup directories a run may read (its own limits, as XLA and NumPy look them up)."""
    if VERSION == 2:
        return [str(cgroup_v2.layout().runs / run_id)]
    return ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpuacct"]


def run_ids() -> set[str]:
    """Names of every run group below this worker's cgroup (live or left behind)."""
    return cgroup_v2.run_ids() if VERSION == 2 else cgroup_v1.run_ids()


def available() -> str | None:
    """None when run groups can be made here, else one line: what is missing, how to grant it."""
    return cgroup_v2.available() if VERSION == 2 else cgroup_v1.available()


def describe() -> str:
    """This host's cgroup mode in a few words (for logs and the self-check)."""
    if VERSION == 2:
        try:
            where = str(cgroup_v2.layout().base)
        except (cgroup_v2.DelegationError, OSError):
            where = "not delegated"
        return f"cgroup v2 ({where})"
    return "cgroup v1 (" + ", ".join(cgroup_v1.CONTROLLERS) + ")"
