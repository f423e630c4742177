"""Fail-closed start-up check: every required layer is present and actually holds.

``check(sandbox)`` first asks each layer whether it can work on this host, then runs
hostile probes through the real sandbox and inspects what the confined process sees.
Any missing layer or successful probe raises ``IsolationUnavailable`` naming the
layer and the reason; a worker must refuse to start on it.

The layers overlap on purpose (a loopback connection is stopped by seccomp, Landlock
and the network namespace alike), so an escape probe alone cannot tell that one of
them silently stopped working.  Each layer therefore has a witness of its own: either
a probe that only it stops (a world-readable secret or a world-writable directory:
only Landlock; ``fork``: only seccomp) or a fact read from inside the confined
process (its network namespace, uid, session, cgroups, rlimits, seccomp mode).
"""

from __future__ import annotations

import os
import socket
import stat
import sysconfig
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from sandbox.confine import UID_BASE
from sandbox.frameworks import RUNTIME, available
from sandbox.harnesses import builtin_source
from sandbox.layers import REQUIRED, cgroups, landlock, seccomp_filter
from sandbox.supervisor import Sandbox
from sandbox.types import CaseSpec, CaseStatus, Limits, RunRequest

# Escape attempts (each returns a non-empty array only if it got through) and the
# last one, "identity", which reports facts about the confined process.
PROBES = ("network", "udp", "secret", "private", "write", "fork", "signal", "identity")

# Which layers must each stop an escape probe; it is a failure unless every one of
# them was disabled by the operator.
_PROBE_LAYERS: dict[str, tuple[str, ...]] = {
    "network": ("netns", "landlock", "seccomp"),
    "udp": ("netns", "seccomp"),
    "secret": ("landlock",),  # world-readable: the uid drop does not stop it
    "private": ("landlock",),
    "write": ("landlock",),  # world-writable directory: only Landlock stops it
    "fork": ("seccomp",),
    "signal": ("seccomp", "landlock", "uid"),
    # Facts from the "identity" probe, each the witness of one layer.
    "netns": ("netns",),
    "uid": ("uid",),
    "no_new_privs": ("uid",),
    "session": ("session",),
    "cgroup": ("cgroup",),
    "rlimits": ("rlimits",),
    "seccomp": ("seccomp",),
}

# Packages of the trusted side; their source must not be readable from the sandbox
# (a regular, non-editable install would copy ``reference`` into site-packages).
PRIVATE_MODULES = ("reference", "app")

_IDENTITY = ("netns", "uid", "gid", "groups", "session", "rlimit_as", "rlimit_nofile",
             "rlimit_core", "cgroup", "no_new_privs", "seccomp")


class IsolationUnavailable(RuntimeError):
    """A required isolation layer is missing or did not hold."""

    def __init__(self, layer: str, reason: str):
        super().__init__(f"sandbox layer '{layer}' unavailable: {reason}")
        self.layer, self.reason = layer, reason


def unsearchable_ancestor(path: Path, include_self: bool = True) -> Path | None:
    """The first of ``path`` (optionally) and its parents that an unprivileged uid cannot
    traverse (no ``o+x``), or None when the sandbox uid can reach ``path``."""
    path = path.resolve()
    for part in ((path,) if include_self else ()) + tuple(path.parents):
        if not part.stat().st_mode & stat.S_IXOTH:
            return part
    return None


def layer_problems() -> dict[str, str]:
    """Reasons, by layer name, why a layer cannot work on this host (empty: all fine)."""
    problems: dict[str, str] = {}
    if os.geteuid() != 0:
        reason = "the worker must run as root to create namespaces and drop to a sandbox uid"
        for layer in ("netns", "uid", "cgroup"):
            problems[layer] = reason
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    blocked = unsearchable_ancestor(stdlib)
    if blocked:
        problems["uid"] = (f"the Python standard library ({stdlib}) is not readable by an "
                           f"unprivileged uid: {blocked} is not world-searchable; build the "
                           "virtualenv from a system Python (see README)")
    for layer, probe in (("cgroup", cgroups.available), ("landlock", landlock.available),
                         ("seccomp", seccomp_filter.available)):
        found = probe()
        if found and layer not in problems:
            problems[layer] = found
    return problems


_PROBE_CODE = '''
import os, resource, socket
def probe(what):
    if what == 0:
        s = socket.create_connection(("127.0.0.1", {port}), timeout=2)
        s.sendall(b"escaped")
    elif what == 1:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"escaped", ("127.0.0.1", {udp_port}))
    elif what == 2:
        return list(open({secret!r}, "rb").read())
    elif what == 3:
        return _private()
    elif what == 4:
        open({target!r}, "w").write("escaped")
    elif what == 5:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
    elif what == 6:
        os.kill({supervisor}, 0)
    elif what == 7:
        return _identity()
    return [1.0]

def _private():
    import importlib.util
    origins = []
    for name in {modules!r}:
        try:
            spec = importlib.util.find_spec(name)
        except Exception:
            continue
        if spec is not None and spec.origin:
            origins.append(spec.origin)
    for path in [*origins, *{paths!r}]:
        try:
            if os.path.isdir(path):
                os.listdir(path)
            else:
                open(path, "rb").close()
        except OSError:
            continue
        return [1.0]
    return []

def _status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1

def _in_cgroups():
    lines = open("/proc/self/cgroup").read().splitlines()
    held = set()
    for line in lines:
        _, names, path = line.split(":", 2)
        if "/{prefix}/" in path + "/":
            held.update(names.split(","))
    return int(all(c in held for c in {controllers!r}))

def _identity():
    return [os.stat("/proc/self/ns/net").st_ino, os.getuid(), os.getgid(), len(os.getgroups()),
            int(os.getsid(0) == os.getpid()), resource.getrlimit(resource.RLIMIT_AS)[0],
            resource.getrlimit(resource.RLIMIT_NOFILE)[0], resource.getrlimit(resource.RLIMIT_CORE)[1],
            _in_cgroups(), _status("NoNewPrivs"), _status("Seccomp")]
'''


def _identity_failures(facts: dict[str, int]) -> dict[str, str]:
    """Which layer witnesses in the identity probe's facts do not hold."""
    failures = {}
    if facts["netns"] == os.stat("/proc/self/ns/net").st_ino:
        failures["netns"] = "the sandbox shares the supervisor's network namespace"
    if facts["uid"] < UID_BASE or facts["gid"] < UID_BASE or facts["groups"]:
        failures["uid"] = (f"the sandbox runs as uid {facts['uid']}, gid {facts['gid']} "
                           f"with {facts['groups']} supplementary groups")
    if facts["no_new_privs"] != 1:
        failures["no_new_privs"] = "no_new_privs is not set"
    if not facts["session"]:
        failures["session"] = "the sandbox is not the leader of its own session"
    if facts["cgroup"] != 1:
        failures["cgroup"] = f"the sandbox is not in this run's {cgroups.describe()} groups"
    if facts["rlimit_as"] < 0 or not 0 <= facts["rlimit_nofile"] <= 4096 or facts["rlimit_core"] != 0:
        failures["rlimits"] = (f"address space {facts['rlimit_as']}, open files "
                               f"{facts['rlimit_nofile']}, core {facts['rlimit_core']}")
    if facts["seccomp"] != 2:
        failures["seccomp"] = f"seccomp mode is {facts['seccomp']}, not 2 (filter)"
    return failures


def run_probes(sandbox: Sandbox, private_paths: Iterable[str | os.PathLike[str]] = (),
               framework: str = "jax") -> dict[str, str]:
    """Run the hostile probes; return ``{probe: what happened}`` for each that escaped.

    ``private_paths``: files or directories of the trusted side (reference solutions,
    problems with hidden inputs, the data directory) that no run may read or list.
    ``framework``: whose fork server the probes run on (each is confined on its own).
    """
    escaped: dict[str, str] = {}
    connections: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.settimeout(0.2)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.setblocking(False)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(1)
                try:
                    connections.append(conn.recv(64))
                except OSError:
                    connections.append(b"")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    with tempfile.TemporaryDirectory(prefix="tj-selfcheck-") as tmp:
        # Only Landlock stands between the probes and these files: readable and
        # writable by every uid.
        os.chmod(tmp, 0o755)
        secret = Path(tmp) / "secret"
        secret.write_text("top secret")
        os.chmod(secret, 0o644)
        open_dir = Path(tmp) / "open"
        open_dir.mkdir()
        os.chmod(open_dir, 0o777)
        target = open_dir / "written-by-sandbox"
        code = _PROBE_CODE.format(
            port=port, udp_port=udp.getsockname()[1], secret=str(secret), target=str(target),
            supervisor=os.getpid(), modules=PRIVATE_MODULES,
            paths=[str(p) for p in private_paths], prefix=cgroups.PREFIX,
            controllers=cgroups.PROC_FIELDS)
        cases = tuple(CaseSpec(name, {"what": i}) for i, name in enumerate(PROBES))
        request = RunRequest(code=code, harness_code=builtin_source("call"), entry="probe",
                             cases=cases, framework=framework)
        try:
            result = sandbox.run(request, Limits(time_s=5.0, memory_mb=1024))
        finally:
            stop.set()
            thread.join()
            listener.close()
        try:
            datagram = udp.recv(64)
        except BlockingIOError:
            datagram = b""
        udp.close()
        identity = None
        for outcome in result.cases:
            if outcome.status is CaseStatus.INTERNAL:
                raise IsolationUnavailable("sandbox", outcome.message)
            if outcome.name == "identity":
                identity = outcome
            elif outcome.status is CaseStatus.OK and outcome.output is not None:
                if np.asarray(outcome.output).size:
                    escaped[outcome.name] = "the probe completed without an error"
        if connections:
            escaped["network"] = f"a loopback server received {len(connections)} connection(s)"
        if datagram:
            escaped["udp"] = "a loopback UDP socket received a datagram"
        if target.exists():
            escaped["write"] = f"the probe wrote {target}"
    output = None if identity is None else identity.output
    if identity is None or identity.status is not CaseStatus.OK or output is None \
            or np.asarray(output).shape != (len(_IDENTITY),):
        why = "the identity probe failed" + (f": {identity.message}" if identity else "")
        escaped.update({name: why for name in ("netns", "uid", "no_new_privs", "session",
                                               "cgroup", "rlimits", "seccomp")})
    else:
        facts = dict(zip(_IDENTITY, (int(v) for v in np.asarray(output)), strict=True))
        escaped.update(_identity_failures(facts))
    return escaped


def check(sandbox: Sandbox, private_paths: Iterable[str | os.PathLike[str]] = (),
          frameworks: Iterable[str] | None = None) -> list[str]:
    """Raise ``IsolationUnavailable`` unless every required layer works; return them.

    A probe may only escape if every layer meant to stop it was disabled by the
    operator (``Sandbox(disabled_layers=...)``, a loudly logged development override).
    The probes run on the fork server of every runtime ``frameworks`` needs (default:
    every framework this host can run, so the PyTorch server where torch is installed).
    """
    problems = layer_problems()
    for layer in REQUIRED:
        if layer in problems and layer not in sandbox.disabled_layers:
            raise IsolationUnavailable(layer, problems[layer])
    private = list(private_paths)
    runtimes: dict[str, str] = {}
    for framework in available() if frameworks is None else frameworks:
        runtimes.setdefault(RUNTIME[framework], framework)
    for runtime, framework in runtimes.items():
        escaped = run_probes(sandbox, private, framework)
        for probe, what in escaped.items():
            enabled = [layer for layer in _PROBE_LAYERS[probe]
                       if layer not in sandbox.disabled_layers]
            if enabled:
                raise IsolationUnavailable(
                    enabled[0], f"hostile probe '{probe}' escaped ({runtime} fork server): {what}")
    return list(sandbox.layers)
