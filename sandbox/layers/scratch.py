"""The directories a run may write: its private scratch directory, and the problem
version's XLA cache for the one (reference) run allowed to warm it.

The supervisor hands them to the run's sandbox uid and takes them back afterwards.
What the run left there is hostile: directories can be nested far deeper than
``PATH_MAX`` or Python's recursion limit (``shutil.rmtree`` raises
``RecursionError`` on them), so both walks below are iterative, hold one directory
descriptor at a time and never follow symbolic links.  They run after every process
of the run is dead, so the tree no longer changes under them.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

_Visit = Callable[[int, str], None]


def _entries(fd: int, on_file: _Visit) -> list[str]:
    """Call ``on_file`` on each non-directory of the directory ``fd``; return its subdirectories."""
    with os.scandir(fd) as it:
        entries = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in it]
    subdirs = []
    for name, is_dir in entries:
        if is_dir:
            subdirs.append(name)
        else:
            on_file(fd, name)
    return subdirs


def _walk(path: str | os.PathLike[str], on_file: _Visit, on_dir: _Visit) -> bool:
    """Visit the tree below ``path`` bottom-up: ``on_file(dir_fd, name)`` for every
    non-directory, ``on_dir(parent_fd, name)`` for every subdirectory once its contents
    were visited.  False if ``path`` does not exist."""
    try:
        fd = os.open(path, _DIR_FLAGS)
    except FileNotFoundError:
        return False
    stack: list[tuple[str, list[str]]] = []  # (name of the current directory, its pending siblings)
    try:
        pending = _entries(fd, on_file)
        while True:
            if pending:
                name = pending.pop()
                child = os.open(name, _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = child
                stack.append((name, pending))
                pending = _entries(fd, on_file)
            elif stack:
                name, pending = stack.pop()
                parent = os.open("..", _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = parent
                on_dir(fd, name)
            else:
                return True
    finally:
        os.close(fd)


def remove_tree(path: str | os.PathLike[str]) -> None:
    """Delete ``path`` and everything below it (a missing ``path`` is fine)."""
    def unlink(fd: int, name: str) -> None:
        os.unlink(name, dir_fd=fd)

    def rmdir(fd: int, name: str) -> None:
        os.rmdir(name, dir_fd=fd)

    if _walk(path, unlink, rmdir):
        os.rmdir(path)


def reclaim_tree(path: str | os.PathLike[str], uid: int | None = None, gid: int | None = None) -> None:
    """Give ``path`` and everything below it back to ``uid``:``gid`` (default: ours), and
    seal it: directories ``0711``, regular files ``0644``.

    Sandbox uids are ``UID_BASE + pid`` and pids are recycled, so a directory left
    owned by one would belong to some later, unrelated run with the same pid.

    Sealing is what keeps a readable cache from revealing the reference: other uids
    (learners' runs) can open a file whose name they already know but cannot list a
    directory.  Cache files are named by a hash of the program they hold (the XLA
    cache by the lowered module, the exported-program cache by the traced jaxpr), so
    only a run that traced the very same program can find its entry.
    """
    uid = os.getuid() if uid is None else uid
    gid = os.getgid() if gid is None else gid

    def seal(fd: int, name: str, directory: bool) -> None:
        os.chown(name, uid, gid, dir_fd=fd, follow_symlinks=False)
        mode = os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode
        if stat.S_ISDIR(mode) or stat.S_ISREG(mode):  # never chmod through a symlink
            os.chmod(name, 0o711 if directory else 0o644, dir_fd=fd)

    if _walk(path, lambda fd, name: seal(fd, name, False), lambda fd, name: seal(fd, name, True)):
        os.chown(path, uid, gid, follow_symlinks=False)
        os.chmod(path, 0o711)
