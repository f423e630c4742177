"""Fail-closed start-up check: every required layer is present and actually holds.

``check(sandbox)`` first asks each layer whether it can work on this host, then runs
hostile probes through the real sandbox (connect to a loopback listener, read a
planted secret, fork, write outside the scratch directory, signal the supervisor).
Any missing layer or successful probe raises ``IsolationUnavailable`` naming the
layer and the reason; a worker must refuse to start on it.
"""

from __future__ import annotations

import os
import socket
import stat
import sysconfig
import tempfile
import threading
from pathlib import Path

import numpy as np

from sandbox.harnesses import builtin_source
from sandbox.layers import REQUIRED, cgroups, landlock, seccomp_filter
from sandbox.supervisor import Sandbox
from sandbox.types import CaseSpec, CaseStatus, Limits, RunRequest

PROBES = ("network", "secret", "fork", "write", "signal")


class IsolationUnavailable(RuntimeError):
    """A required isolation layer is missing or did not hold."""

    def __init__(self, layer: str, reason: str):
        super().__init__(f"sandbox layer '{layer}' unavailable: {reason}")
        self.layer, self.reason = layer, reason


def _world_traversable(path: Path) -> str | None:
    for part in (path, *path.parents):
        mode = part.stat().st_mode
        if not mode & stat.S_IXOTH:
            return str(part)
    return None


def layer_problems() -> dict[str, str]:
    """Reasons, by layer name, why a layer cannot work on this host (empty: all fine)."""
    problems: dict[str, str] = {}
    if os.geteuid() != 0:
        reason = "the worker must run as root to create namespaces and drop to a sandbox uid"
        for layer in ("netns", "uid", "cgroup"):
            problems[layer] = reason
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    blocked = _world_traversable(stdlib)
    if blocked:
        problems["uid"] = (f"the Python standard library ({stdlib}) is not readable by an "
                           f"unprivileged uid: {blocked} is not world-searchable; build the "
                           "virtualenv from a system Python (see README)")
    for layer, probe in (("cgroup", cgroups.available), ("landlock", landlock.available),
                         ("seccomp", seccomp_filter.available)):
        reason = probe()
        if reason and layer not in problems:
            problems[layer] = reason
    return problems


_PROBE_CODE = '''
import os, socket
def probe(what):
    if what == 0:
        s = socket.create_connection(("127.0.0.1", {port}), timeout=2)
        s.sendall(b"escaped")
    elif what == 1:
        return list(open({secret!r}, "rb").read())
    elif what == 2:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
    elif what == 3:
        open({target!r}, "w").write("escaped")
    elif what == 4:
        os.kill({supervisor}, 0)
    return [1.0]
'''

# Which layer is meant to stop each probe (others may stop it too).
_PROBE_LAYER = {"network": "netns", "secret": "landlock", "fork": "seccomp",
                "write": "landlock", "signal": "seccomp"}


def run_probes(sandbox: Sandbox) -> dict[str, str]:
    """Run the hostile probes; return ``{probe: what happened}`` for each that escaped."""
    escaped: dict[str, str] = {}
    connections: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            connections.append(conn.recv(64))
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    with tempfile.TemporaryDirectory(prefix="tj-selfcheck-") as tmp:
        os.chmod(tmp, 0o755)  # only Landlock stands between the probe and these files
        secret = Path(tmp) / "secret"
        secret.write_text("top secret")
        os.chmod(secret, 0o644)
        target = Path(tmp) / "written-by-sandbox"
        code = _PROBE_CODE.format(port=port, secret=str(secret), target=str(target),
                                  supervisor=os.getpid())
        cases = tuple(CaseSpec(name, {"what": i}) for i, name in enumerate(PROBES))
        request = RunRequest(code=code, harness_code=builtin_source("call"), entry="probe",
                             cases=cases)
        try:
            result = sandbox.run(request, Limits(time_s=5.0, memory_mb=1024))
        finally:
            stop.set()
            thread.join()
            listener.close()
        for outcome in result.cases:
            if outcome.status is CaseStatus.INTERNAL:
                raise IsolationUnavailable("sandbox", outcome.message)
            if outcome.status is CaseStatus.OK and outcome.output is not None:
                if np.asarray(outcome.output).size:
                    escaped[outcome.name] = "the probe completed without an error"
        if connections:
            escaped["network"] = f"a loopback server received {len(connections)} connection(s)"
        if target.exists():
            escaped["write"] = f"the probe wrote {target}"
    return escaped


def check(sandbox: Sandbox) -> list[str]:
    """Raise ``IsolationUnavailable`` unless every required layer works; return them."""
    problems = layer_problems()
    for layer in REQUIRED:
        if layer in problems and layer not in sandbox.disabled_layers:
            raise IsolationUnavailable(layer, problems[layer])
    escaped = run_probes(sandbox)
    for probe, what in escaped.items():
        layer = _PROBE_LAYER[probe]
        if layer not in sandbox.disabled_layers:
            raise IsolationUnavailable(layer, f"hostile probe '{probe}' escaped: {what}")
    return list(sandbox.layers)
