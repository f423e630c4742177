"""The kill loop both cgroup versions share (v1 always; v2 on kernels without cgroup.kill)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable


def kill_until_empty(pids: Callable[[], list[int]], rounds: int = 50) -> None:
    """SIGKILL every process ``pids()`` lists, again and again, until it lists none
    (a process may fork between the read and the kill) or ``rounds`` run out."""
    for _ in range(rounds):
        listed = pids()
        if not listed:
            return
        for pid in listed:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.01)
