"""Fork server: a process that has imported its runtime's libraries but never computed.

Started by the supervisor as ``python -I -m sandbox.zygote FD PID RUNTIME`` with an
empty environment and ``/`` as working directory, so it holds no secret and no trusted
state.  RUNTIME "jax" preloads JAX, Flax and NumPy; "torch" preloads PyTorch and NumPy
and never imports JAX (``sandbox/frameworks.py``).  It never initialises the XLA
backend: forking after the backend has started deadlocks children (absl mutexes held
by compile threads).  Each child initialises its own backend after confining itself.
The torch server likewise never runs an operation, so no OpenMP pool exists to fork.

Protocol on the SOCK_SEQPACKET socket FD (one JSON message per packet):
    supervisor -> zygote: {"settings": {...}} with three fds attached
        (request read end, result write end, log write end)
    zygote -> supervisor: {"pid": N}, then {"pid": N, "status": wait_status}
    supervisor -> zygote: {"exit": true} to stop.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import socket
import sys

import numpy  # noqa: F401
import pyseccomp  # noqa: F401  (find_library runs ldconfig: impossible once confined)

import sandbox.child
import sandbox.confine  # noqa: F401
import sandbox.draws  # noqa: F401
import sandbox.frameworks  # noqa: F401
import sandbox.numpy_eager  # noqa: F401
import sandbox.programs  # noqa: F401
from sandbox.parent import die_with_parent

# Preloaded once here so each child starts with them imported (copy-on-write).  For
# JAX, the export and MLIR modules and SciPy's BLAS/LAPACK (JAX's LAPACK registration)
# are otherwise imported by every child's first lowering of an exported program
# (sandbox.programs): ~140 modules read from disk, ~150 ms per run.
PRELOAD = {
    "jax": ("flax.linen", "jax", "jax._src.export.serialization",  # (needs flatbuffers)
            "jax.experimental.multihost_utils", "jax.numpy", "jaxlib.mlir.dialects.builtin",
            "jaxlib.mlir.dialects.mhlo", "scipy.linalg.cython_blas",
            "scipy.linalg.cython_lapack"),
    "torch": ("torch", "torch.nn", "torch.nn.functional"),
}

PR_SET_CHILD_SUBREAPER = 36
MAX_MESSAGE = 1 << 20


def _reap_orphans() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def serve(sock: socket.socket) -> None:
    while True:
        message, fds, _, _ = socket.recv_fds(sock, MAX_MESSAGE, 3)
        if not message:
            return
        request = json.loads(message)
        if request.get("exit"):
            return
        request_fd, result_fd, log_fd = fds
        request["settings"]["zygote_pid"] = os.getpid()
        pid = os.fork()
        if pid == 0:
            sock.close()
            os.dup2(request_fd, 0)
            os.dup2(log_fd, 1)
            os.dup2(log_fd, 2)
            os.dup2(result_fd, 3)
            os.closerange(4, 65536)
            sandbox.child.main(request["settings"])
        for fd in fds:
            os.close(fd)
        sock.send(json.dumps({"pid": pid}).encode())
        _, status, usage = os.wait4(pid, 0)
        _reap_orphans()
        cpu = usage.ru_utime + usage.ru_stime
        sock.send(json.dumps({"pid": pid, "status": status, "cpu_seconds": cpu}).encode())


def preload(runtime: str) -> None:
    """Import the runtime's libraries, computing nothing."""
    for name in PRELOAD[runtime]:
        importlib.import_module(name)
    if runtime == "jax":
        from jax._src import xla_bridge

        assert not xla_bridge.backends_are_initialized(), "backend started in zygote"
    else:
        assert "jax" not in sys.modules, "the torch fork server imported JAX"


def main() -> None:
    die_with_parent(int(sys.argv[2]))
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    preload(sys.argv[3] if len(sys.argv) > 3 else "jax")
    sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]
    sock = socket.socket(fileno=int(sys.argv[1]))
    sock.send(json.dumps({"ready": True, "pid": os.getpid()}).encode())
    try:
        serve(sock)
    finally:
        sock.close()


if __name__ == "__main__":
    main()
