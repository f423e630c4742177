"""cgroup v2 (unified hierarchy) groups, one leaf per run, in the worker's delegated subtree.

Layout, below the group the worker was started in (``0::/path`` in /proc/self/cgroup,
the group an operator delegated: a systemd unit with ``Delegate=yes``, a container's
cgroup namespace, a Kubernetes pod's container)::

    <own group>/                      controllers memory pids cpu enabled for children
        tensorjudge-supervisor/       the worker and everything else that was in <own group>
        tensorjudge/                  every run together: cpu.weight 25
            <run id>/                 one run: memory.max, memory.swap.max 0, pids.max, cpu.max

cgroup v2 forbids processes in a non-root group that hands controllers to its children
(the "no internal processes" rule), so the worker first moves every process of its own
group into the ``tensorjudge-supervisor`` leaf; a worker that finds itself in that leaf
(a second worker of the same service) uses its parent.  Runs end with ``cgroup.kill``
(Linux 5.14+), or by freezing the group and killing each process where it is absent.
"""

from __future__ import annotations

import errno
import functools
import os
import time
from dataclasses import dataclass
from pathlib import Path

from sandbox.layers.killing import kill_until_empty

MOUNTS = (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified"))  # pure v2, hybrid
CONTROLLERS = ("memory", "pids", "cpu")
PREFIX = "tensorjudge"
SUPERVISOR_LEAF = "tensorjudge-supervisor"
RUNS_CPU_WEIGHT = 25  # all runs together: a quarter of an ordinary process (weight 100)
GRANT = "see README, Deploying"


class DelegationError(RuntimeError):
    """The worker's cgroup cannot hold run groups; the message says how to grant it."""


def mount_point() -> Path | None:
    """Where the unified hierarchy is mounted with the controllers runs need, if anywhere."""
    for root in MOUNTS:
        try:
            offered = (root / "cgroup.controllers").read_text().split()
        except OSError:
            continue
        if all(c in offered for c in CONTROLLERS):
            return root
    return None


def own_group(root: Path) -> Path:
    """This process's group in the unified hierarchy, from its ``0::/path`` line."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        if line.startswith("0::"):
            return root / line[3:].strip().lstrip("/")
    raise DelegationError("this process is in no cgroup v2 group (/proc/self/cgroup has no "
                          "'0::' line)")


def _controllers(group: Path, name: str) -> set[str]:
    return set((group / name).read_text().split())


def _enable(group: Path) -> None:
    """Hand memory, pids and cpu to ``group``'s children (cgroup.subtree_control)."""
    missing = [c for c in CONTROLLERS if c not in _controllers(group, "cgroup.subtree_control")]
    if missing:
        (group / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in missing))


def _move_processes_to_leaf(group: Path) -> None:
    """Move every process of ``group`` into its supervisor leaf (new ones may fork meanwhile)."""
    leaf = group / SUPERVISOR_LEAF
    leaf.mkdir(exist_ok=True)
    for _ in range(100):
        pids = (group / "cgroup.procs").read_text().split()
        if not pids:
            return
        for pid in pids:
            try:
                (leaf / "cgroup.procs").write_text(pid)
            except ProcessLookupError:
                pass  # exited meanwhile
    raise DelegationError(f"processes keep appearing in {group}; cannot empty it into {leaf}")


@dataclass(frozen=True)
class Layout:
    """Where run groups live: ``runs`` holds one child group per run."""

    root: Path
    base: Path
    runs: Path


def delegate(root: Path) -> Layout:
    """Prepare this process's delegated group for runs (idempotent) and return the layout."""
    group = own_group(root)
    if group.name == SUPERVISOR_LEAF:
        group = group.parent  # an earlier worker of this service already moved us here
    offered = _controllers(group, "cgroup.controllers")
    missing = [c for c in CONTROLLERS if c not in offered]
    if missing:
        raise DelegationError(
            f"cgroup v2 controllers {', '.join(missing)} are not delegated to {group}: enable "
            f"them in the parent's cgroup.subtree_control (systemd: Delegate=yes; Docker: "
            f"--cgroupns=private; {GRANT})")
    if not os.access(group / "cgroup.subtree_control", os.W_OK) or \
            not os.access(group / "cgroup.procs", os.W_OK):
        raise DelegationError(f"{group} is not writable: run the worker as root with "
                              f"{root} mounted read-write ({GRANT})")
    try:
        try:
            _enable(group)
        except OSError as exc:
            if exc.errno != errno.EBUSY:
                raise
            # "No internal processes": a non-root group with members cannot hand out
            # controllers, so its members (this worker, its fork server, a container's
            # init) move to a leaf first.
            _move_processes_to_leaf(group)
            _enable(group)
        runs = group / PREFIX
        runs.mkdir(exist_ok=True)
        _enable(runs)
        # All runs together weigh a quarter of an ordinary process: under a full CPU the
        # API and the workers' own threads (claims, result writes) go first.
        (runs / "cpu.weight").write_text(str(RUNS_CPU_WEIGHT))
    except OSError as exc:
        raise DelegationError(f"cannot set up run groups under {group}: {exc.strerror or exc} "
                              f"(the worker needs a delegated, writable cgroup; {GRANT})") from exc
    return Layout(root, group, runs)


@functools.cache
def layout() -> Layout:
    """The layout for this process, set up once (a forked child inherits it)."""
    root = mount_point()
    if root is None:
        raise DelegationError("no cgroup v2 hierarchy with the memory, pids and cpu controllers "
                              f"is mounted at {' or '.join(map(str, MOUNTS))}")
    return delegate(root)


def available() -> str | None:
    """None when run groups can be made here, else one line: what is missing, how to grant it."""
    try:
        layout()
    except (DelegationError, OSError) as exc:
        return str(exc)
    return None


def run_ids() -> set[str]:
    """Names of every run group below this worker's group (live or left behind)."""
    try:
        runs = layout().runs
    except (DelegationError, OSError):
        return set()
    return {p.name for p in runs.iterdir() if p.is_dir()}


def _read_keyed(path: Path) -> dict[str, int]:
    """A flat-keyed cgroup file (``memory.events``, ``cpu.stat``) as a dict."""
    values: dict[str, int] = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition(" ")
        if value.strip().lstrip("-").isdigit():
            values[key] = int(value)
    return values


class RunGroup:
    """The leaf cgroup of one run."""

    def __init__(self, run_id: str) -> None:
        self.path = layout().runs / run_id
        self.paths: dict[str, Path] = {"unified": self.path}

    def create(self, memory_mb: int, max_pids: int, cpu_cores: float = 1.0,
               background: bool = False) -> None:
        """Make the run's group with its memory, swap, pids and CPU limits; a
        ``background`` (warming) run weighs 1 against a learner's run's 100."""
        self.path.mkdir(exist_ok=True)
        (self.path / "memory.max").write_text(str(memory_mb * 1024 * 1024))
        swap = self.path / "memory.swap.max"
        if swap.exists():  # absent without swap accounting: then there is no swap to escape to
            swap.write_text("0")
        # One OOM kill ends the whole run, not just its largest process.
        (self.path / "memory.oom.group").write_text("1")
        (self.path / "pids.max").write_text(str(max_pids))
        (self.path / "cpu.max").write_text(f"{int(100000 * cpu_cores)} 100000")
        (self.path / "cpu.weight").write_text("1" if background else "100")

    def join(self, pid: int) -> None:
        """Move ``pid`` into the run's group (called by the child on itself)."""
        (self.path / "cgroup.procs").write_text(str(pid))

    def _events(self) -> dict[str, int]:
        try:
            return _read_keyed(self.path / "memory.events")
        except (OSError, ValueError):
            return {}

    def oom_killed(self) -> bool:
        """True if the kernel's OOM killer fired inside this run's group."""
        events = self._events()
        return events.get("oom_kill", 0) > 0 or events.get("oom_group_kill", 0) > 0

    def hit_memory_limit(self) -> bool:
        """True if the run's memory use ever reached ``memory.max`` (its ``max`` events)."""
        return self._events().get("max", 0) > 0

    def cpu_seconds(self) -> float:
        """CPU time used by every process of the run so far (``cpu.stat`` usage_usec), in seconds."""
        try:
            return _read_keyed(self.path / "cpu.stat").get("usage_usec", 0) / 1e6
        except (OSError, ValueError):
            return 0.0

    def pids(self) -> list[int]:
        """Pids of every process still in the run's group."""
        try:
            return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
        except OSError:
            return []

    def kill_all(self) -> None:
        """SIGKILL every process in the run and wait until the group is empty."""
        if not self.path.is_dir():
            return
        kill = self.path / "cgroup.kill"
        if kill.exists():
            kill.write_text("1")  # atomic: nothing forks its way out
        else:
            self._freeze_and_kill()
        for _ in range(500):
            if not self.pids():
                return
            time.sleep(0.01)

    def _freeze_and_kill(self) -> None:
        """Without cgroup.kill (before Linux 5.14): freeze, kill each process, thaw."""
        freeze = self.path / "cgroup.freeze"
        frozen = freeze.exists()
        if frozen:
            freeze.write_text("1")
        kill_until_empty(self.pids)
        if frozen:
            freeze.write_text("0")  # killed tasks finish dying only once thawed

    def remove(self) -> None:
        """Kill whatever is left and delete the run's group."""
        self.kill_all()
        for _ in range(200):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:  # still has exiting tasks
                time.sleep(0.01)
