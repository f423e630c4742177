"""The supervisor's side of the fork server (``sandbox/zygote.py``): start it, talk to it."""

from __future__ import annotations

import json
import os
import socket
import subprocess

from sandbox.errors import SandboxError
from sandbox.stack import CHILD_XLA_FLAGS


class ZygoteClient:
    """A running fork server and the socket to it."""

    def __init__(self, python: str, start_s: float = 120.0):
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {"PATH": "/usr/bin:/bin", "JAX_PLATFORMS": "cpu", "XLA_FLAGS": CHILD_XLA_FLAGS}
        for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
            if name in os.environ:
                env[name] = os.environ[name]
        self.process = subprocess.Popen(
            # The fork server never outlives its worker (it sets PDEATHSIG itself).
            [python, "-I", "-m", "sandbox.zygote", str(child.fileno()), str(os.getpid())],
            pass_fds=[child.fileno()], env=env, cwd="/", stdin=subprocess.DEVNULL,
        )
        child.close()
        self.sock = parent
        self.sock.settimeout(start_s)
        hello = json.loads(self.sock.recv(4096) or b"{}")
        if not hello.get("ready"):
            raise SandboxError("the fork server did not start")
        self.sock.settimeout(None)
        self.runs = 0

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        try:
            self.sock.send(json.dumps({"exit": True}).encode())
        except OSError:
            pass
        self.sock.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
