"""seccomp: deny the system calls untrusted code has no business making.

Installed last, right before the submission is loaded.  Denied calls fail with
EPERM (so Python raises a clear ``PermissionError``) rather than killing the
process; ``clone3`` answers ENOSYS so glibc falls back to ``clone``, whose flags
can be inspected: thread creation (``CLONE_THREAD``) is allowed because XLA needs
its thread pool, anything that makes a new process is denied.  System calls from
other ABIs (i386, x32) kill the process.
"""

from __future__ import annotations

import errno

CLONE_THREAD = 0x00010000

_DENY_EPERM = (
    "execve", "execveat", "fork", "vfork", "ptrace", "process_vm_readv",
    "process_vm_writev", "socket", "socketpair", "mount", "umount2", "pivot_root",
    "chroot", "unshare", "setns", "bpf", "keyctl", "add_key", "request_key",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "perf_event_open",
    "userfaultfd", "tkill", "pidfd_open", "pidfd_send_signal", "pidfd_getfd",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "reboot", "swapon", "swapoff", "syslog", "acct", "quotactl", "name_to_handle_at",
    "open_by_handle_at", "setuid", "setgid", "setreuid", "setregid", "setresuid",
    "setresgid", "setgroups", "setfsuid", "setfsgid", "personality", "mknod", "mknodat",
    "fanotify_init", "move_mount", "open_tree", "fsopen", "fsmount", "fsconfig",
    "fspick", "mount_setattr", "lookup_dcookie", "vhangup", "iopl", "ioperm",
    "settimeofday", "clock_settime", "adjtimex", "clock_adjtime", "sethostname",
    "setdomainname",
)


def available() -> str | None:
    try:
        import pyseccomp  # noqa: F401
    except (ImportError, RuntimeError) as exc:
        return f"libseccomp/pyseccomp unavailable: {exc}"
    return None


def install(own_pid: int) -> None:
    """Load the filter into the calling process (and all its future threads)."""
    import pyseccomp as sc

    flt = sc.SyscallFilter(sc.ALLOW)
    eperm = sc.ERRNO(errno.EPERM)
    for name in _DENY_EPERM:
        try:
            flt.add_rule(eperm, name)
        except OSError:  # syscall unknown on this architecture
            continue
    flt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    flt.add_rule(eperm, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
    # Signals only to ourselves: kill(own_pid, ...) and tgkill(own_pid, ...).
    flt.add_rule(eperm, "kill", sc.Arg(0, sc.NE, own_pid))
    flt.add_rule(eperm, "tgkill", sc.Arg(0, sc.NE, own_pid))
    flt.add_rule(eperm, "rt_sigqueueinfo", sc.Arg(0, sc.NE, own_pid))
    flt.add_rule(eperm, "rt_tgsigqueueinfo", sc.Arg(0, sc.NE, own_pid))
    flt.load()
