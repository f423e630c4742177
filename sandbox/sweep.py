"""Remove what runs of dead supervisors left behind: scratch directories and cgroups."""

from __future__ import annotations

import logging
from pathlib import Path

from sandbox.layers.cgroups import RunGroup
from sandbox.layers.cgroups import run_ids as cgroup_run_ids
from sandbox.layers.scratch import remove_tree

log = logging.getLogger("tensorjudge.sandbox")


def _owner_alive(run_id: str) -> bool:
    owner, dash, _ = run_id.partition("-")
    if not dash or not owner.isdigit():
        return False  # not named by a supervisor: nobody owns it
    return Path(f"/proc/{owner}").exists()


def sweep_stale_runs(scratch_root: Path, cgroups_used: bool) -> list[str]:
    """Remove scratch directories and cgroups left by supervisors that died (SIGKILL).

    Runs of live supervisors (other workers on this host) are left alone.
    """
    stale: set[str] = set()
    if scratch_root.is_dir():
        stale.update(p.name for p in scratch_root.iterdir() if not _owner_alive(p.name))
    if cgroups_used:
        stale.update(name for name in cgroup_run_ids() if not _owner_alive(name))
    for run_id in sorted(stale):
        try:
            if cgroups_used:
                RunGroup(run_id).remove()
            remove_tree(scratch_root / run_id)
        except OSError:
            log.warning("could not remove the leftovers of run %s", run_id, exc_info=True)
    if stale:
        log.info("removed the leftovers of %d runs of dead workers", len(stale))
    return sorted(stale)
