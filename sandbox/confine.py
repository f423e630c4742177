"""Apply every isolation layer to the calling (freshly forked) child, in order.

Order matters: layers that need root (cgroup membership, network namespace,
ownership of the scratch directory) come before the uid drop; Landlock needs
``no_new_privs``; seccomp comes last because it forbids some of the calls above.
"""

from __future__ import annotations

import ctypes
import os
import resource
import sysconfig
from pathlib import Path
from typing import Any

from sandbox.layers import cgroups, landlock, seccomp_filter
from sandbox.layers.cgroups import RunGroup

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUTS = 0x04000000
PR_SET_NO_NEW_PRIVS = 38
UID_BASE = 1_000_000  # sandbox uids are UID_BASE + pid: unique among live runs

SANDBOX_DIR = Path(__file__).resolve().parent
SYSTEM_READ_PATHS = (
    "/usr", "/lib", "/lib64", "/etc/ld.so.cache", "/etc/localtime",
    "/dev/urandom", "/dev/random", "/dev/zero",
    "/proc/self", "/proc/cpuinfo", "/proc/meminfo", "/proc/stat",
    "/sys/devices/system/cpu",
)


KEPT_ENVIRONMENT = frozenset({"XLA_FLAGS", "JAX_PLATFORMS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                              "OMP_NUM_THREADS", "MKL_NUM_THREADS"})


class ConfinementError(RuntimeError):
    """A layer could not be applied; the child must not run untrusted code."""


def sandbox_uid(pid: int) -> int:
    return UID_BASE + pid


def python_read_paths() -> list[str]:
    """Directories the interpreter and the allowed libraries are loaded from."""
    paths = {sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths.add(str(SANDBOX_DIR))
    return sorted(paths)


def _layer(name: str, disabled: set[str]) -> bool:
    return name not in disabled


def apply(settings: dict[str, Any]) -> list[str]:
    """Confine the calling process as ``settings`` describe; return the layers applied.

    settings keys: run_id, scratch (dir), cache_dir (or None), cache_writable,
    memory_mb, cpu_seconds, file_size_mb, max_pids, disabled (layer names the
    operator explicitly turned off; never set by default).
    """
    disabled = set(settings.get("disabled", ()))
    applied = []
    pid = os.getpid()
    try:
        if _layer("session", disabled):
            os.setsid()
            applied.append("session")
        if _layer("cgroup", disabled):
            RunGroup(settings["run_id"]).join(pid)
            applied.append("cgroup")
        if _layer("netns", disabled):
            if _libc.unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) != 0:
                raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET) failed")
            applied.append("netns")
        if _layer("rlimits", disabled):
            _set_rlimits(settings)
            applied.append("rlimits")
        scratch = settings["scratch"]
        uid = sandbox_uid(pid)
        if _layer("uid", disabled):
            os.chown(scratch, uid, uid)
            if settings.get("cache_dir") and settings.get("cache_writable"):
                os.chown(settings["cache_dir"], uid, uid)  # only the warming run writes
        os.chdir(scratch)
        # Only numerical-stack settings survive (the fork server's environment holds
        # nothing else); XLA reads XLA_FLAGS when the child starts its backend.
        kept = {k: v for k, v in os.environ.items() if k in KEPT_ENVIRONMENT}
        os.environ.clear()
        os.environ.update({**kept, "HOME": scratch, "TMPDIR": scratch, "PATH": "/nonexistent"})
        if _layer("uid", disabled):
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            applied.append("uid")
        if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if _layer("landlock", disabled):
            landlock.restrict(_landlock_rules(settings))
            applied.append("landlock")
        if _layer("seccomp", disabled):
            seccomp_filter.install(pid)
            applied.append("seccomp")
    except OSError as exc:
        raise ConfinementError(f"{exc}") from exc
    return applied


def _set_rlimits(settings: dict[str, Any]) -> None:
    memory = settings["memory_mb"] * 1024 * 1024
    # XLA reserves a lot of address space: below ~1.7 GiB it aborts in LLVM.
    address_space = max(4096 * 1024 * 1024, 2 * memory)
    cpu = int(settings["cpu_seconds"])
    file_size = settings["file_size_mb"] * 1024 * 1024
    for limit, value in (
        (resource.RLIMIT_AS, (address_space, address_space)),
        (resource.RLIMIT_CPU, (cpu, cpu + 1)),
        (resource.RLIMIT_FSIZE, (file_size, file_size)),
        (resource.RLIMIT_NOFILE, (256, 256)),
        (resource.RLIMIT_CORE, (0, 0)),
        # Counts threads of the (unique, non-root) sandbox uid.
        (resource.RLIMIT_NPROC, (settings["max_pids"], settings["max_pids"])),
        (resource.RLIMIT_MEMLOCK, (0, 0)),
        (resource.RLIMIT_MSGQUEUE, (0, 0)),
    ):
        resource.setrlimit(limit, value)
    if settings.get("nice"):
        os.setpriority(os.PRIO_PROCESS, 0, int(settings["nice"]))


def _landlock_rules(settings: dict[str, Any]) -> list[tuple[str, int]]:
    cgroup_paths = cgroups.readable_paths(settings["run_id"])
    rules = [(path, landlock.READ) for path in (*SYSTEM_READ_PATHS, *cgroup_paths, *python_read_paths())]
    rules.append(("/dev/null", landlock.READ | landlock.WRITE_FILE))
    rules.append((settings["scratch"], landlock.WRITE))
    if settings.get("cache_dir"):
        access = landlock.WRITE if settings.get("cache_writable") else landlock.READ
        rules.append((settings["cache_dir"], access))
    return rules
