"""One run's cgroups on this host's cgroup version, with plain processes: OOM kill seen,
forks held at pids.max, CPU time counted, a daemonised grandchild killed at removal.
The same checks run on a cgroup v2 kernel in tests/vm."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.layers import cgroups
from tests.vm import layer_checks


@pytest.mark.parametrize("check", layer_checks.CHECKS, ids=lambda c: c.__name__)
def test_run_group(check):
    check()


def test_cgroup_version_is_what_the_kernel_offers():
    unified = [p for p in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified"))
               if (p / "cgroup.controllers").exists()
               and {"memory", "pids", "cpu"} <= set((p / "cgroup.controllers").read_text().split())]
    assert cgroups.VERSION == (2 if unified else 1)
    assert cgroups.available() is None, cgroups.available()
