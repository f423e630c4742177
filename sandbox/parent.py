"""Tie a process's life to its parent's (PR_SET_PDEATHSIG), without ``preexec_fn``.

``preexec_fn`` makes ``subprocess`` fork the (possibly multithreaded) parent and run
Python in the child; the child sets this itself instead, then checks that the parent
it expects is still the parent (it may have died before the call).
"""

from __future__ import annotations

import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Be SIGKILLed when the parent exits; exit at once if ``parent_pid`` already has."""
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)
