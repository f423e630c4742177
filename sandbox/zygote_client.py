"""The supervisor's side of a fork server (``sandbox/zygote.py``): start it, talk to it."""

from __future__ import annotations

import json
import os
import socket
import subprocess

from sandbox.errors import SandboxError
from sandbox.stack import TORCH_THREAD_ENV, fork_server_environment


class ZygoteClient:
    """A running fork server of one runtime ("jax" or "torch") and the socket to it."""

    def __init__(self, python: str, start_s: float = 120.0, runtime: str = "jax"):
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.runtime = runtime
        env = fork_server_environment()
        if runtime == "torch":
            # One OpenMP/MKL thread, read when torch's pools start (in the child).
            env.update(TORCH_THREAD_ENV)
        self.process = subprocess.Popen(
            # The fork server never outlives its worker (it sets PDEATHSIG itself).
            [python, "-I", "-m", "sandbox.zygote", str(child.fileno()), str(os.getpid()), runtime],
            pass_fds=[child.fileno()], env=env, cwd="/", stdin=subprocess.DEVNULL,
        )
        child.close()
        self.sock = parent
        self.sock.settimeout(start_s)
        hello = json.loads(self.sock.recv(4096) or b"{}")
        if not hello.get("ready"):
            raise SandboxError(f"the {runtime} fork server did not start")
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
