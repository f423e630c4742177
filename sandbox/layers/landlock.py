"""Landlock: restrict the child's filesystem, TCP and signal reach (Linux >= 5.13).

Rules are attached to inodes opened here, before the restriction is enforced, so
they must be built in the child after fork (``/proc/self`` then means the child).
Everything not granted below is denied: reading, writing, executing, connecting or
binding TCP ports, signalling processes outside the domain, abstract unix sockets.
"""

from __future__ import annotations

import ctypes
import os

_libc = ctypes.CDLL(None, use_errno=True)
_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1

EXECUTE = 1 << 0
WRITE_FILE = 1 << 1
READ_FILE = 1 << 2
READ_DIR = 1 << 3
REMOVE_DIR = 1 << 4
REMOVE_FILE = 1 << 5
MAKE_CHAR = 1 << 6
MAKE_DIR = 1 << 7
MAKE_REG = 1 << 8
MAKE_SOCK = 1 << 9
MAKE_FIFO = 1 << 10
MAKE_BLOCK = 1 << 11
MAKE_SYM = 1 << 12
REFER = 1 << 13
TRUNCATE = 1 << 14
IOCTL_DEV = 1 << 15

READ = READ_FILE | READ_DIR
# REFER: moving files between directories of the same writable tree (os.replace into
# a subdirectory); Landlock only allows it where source and target both grant it.
WRITE = READ | WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | TRUNCATE | REFER

_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX, _SCOPE_SIGNAL = 1 << 0, 1 << 1

MIN_ABI = 6  # TCP rules (4) and signal/abstract-socket scoping (6) are required


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def abi_version() -> int:
    """Landlock ABI of the running kernel; 0 when Landlock is unavailable."""
    version = _libc.syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0),
                            ctypes.c_uint32(_CREATE_RULESET_VERSION))
    return max(int(version), 0)


def available() -> str | None:
    abi = abi_version()
    if abi == 0:
        return "Landlock is not enabled in this kernel (needs Linux >= 5.13 with lsm=landlock)"
    if abi < MIN_ABI:
        return f"Landlock ABI {abi} lacks TCP and signal scoping (needs ABI >= {MIN_ABI})"
    return None


def _handled_fs(abi: int) -> int:
    access = (1 << 13) - 1
    if abi >= 2:
        access |= REFER
    if abi >= 3:
        access |= TRUNCATE
    if abi >= 5:
        access |= IOCTL_DEV
    return access


def restrict(rules: list[tuple[str, int]]) -> None:
    """Enforce Landlock on the calling process: only ``rules`` (path, access) hold.

    Paths that do not exist are skipped.  Requires ``PR_SET_NO_NEW_PRIVS`` or
    CAP_SYS_ADMIN; raises ``OSError`` if the kernel refuses.
    """
    abi = abi_version()
    handled = _handled_fs(abi)
    attr = _RulesetAttr(handled, _NET_BIND_TCP | _NET_CONNECT_TCP,
                        _SCOPE_ABSTRACT_UNIX | _SCOPE_SIGNAL)
    ruleset = _libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr),
                            ctypes.c_size_t(ctypes.sizeof(attr)), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for path, access in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except FileNotFoundError:
                continue
            try:
                if not os.path.isdir(path):
                    access &= READ_FILE | WRITE_FILE | TRUNCATE | EXECUTE | IOCTL_DEV
                rule = _PathBeneathAttr(access & handled, fd)
                if _libc.syscall(_SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH,
                                 ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
            finally:
                os.close(fd)
        if _libc.syscall(_SYS_RESTRICT_SELF, ruleset, ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
