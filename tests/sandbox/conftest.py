"""Helpers for the sandbox deny/allow battery.

Every test in this folder is followed by a health check on the shared sandbox: a
known-good submission still runs and returns the right answer, and no run the test
started left a live process (of its sandbox uid), a scratch directory or a cgroup.
The checks follow this process's own runs: other test processes may share the host.

Some deny tests also run the same attack in a sandbox with a layer switched off (the
operator's development override) as a *control*: it proves the attack is real and
that the layer named in ``sandbox/THREATS.md`` is what stops it.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import stat
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from sandbox import CaseOutcome, CaseSpec, CaseStatus, Limits, RunRequest, RunResult, Sandbox
from sandbox.confine import UID_BASE
from sandbox.harnesses import builtin_source
from sandbox.layers import REQUIRED
from sandbox.run import Run
from tests.conftest import ROOT

FAST = Limits(time_s=2.0, memory_mb=512, startup_s=5.0)
GOOD_CODE = "import numpy as np\n\ndef f(n):\n    return np.arange(3) * n\n"
SECRET = "tj-planted-secret-7f3a9c"


def run(box: Sandbox, code: str, limits: Limits = FAST, inputs: dict | None = None,
        n_cases: int = 1, entry: str = "f", **request: object) -> RunResult:
    """Run ``code`` (dedented) with the call harness on ``n_cases`` copies of ``inputs``."""
    cases = tuple(CaseSpec(f"c{i}", dict(inputs or {"n": 1})) for i in range(n_cases))
    return box.run(RunRequest(code=textwrap.dedent(code), harness_code=builtin_source("call"),
                              entry=entry, cases=cases, **request), limits)


def one(box: Sandbox, code: str, limits: Limits = FAST, **kwargs: object) -> CaseOutcome:
    """The single case's outcome of ``run``."""
    return run(box, code, limits, **kwargs).cases[0]


def denied(outcome: CaseOutcome, *errors: str) -> None:
    """The case raised one of ``errors`` (exception names) and returned nothing."""
    assert outcome.status is CaseStatus.ERROR, (outcome.status, outcome.message, outcome.output)
    assert outcome.output is None
    assert any(e in outcome.message for e in errors), outcome.message


def values(outcome: CaseOutcome) -> list:
    assert outcome.status is CaseStatus.OK, (outcome.status, outcome.message)
    return np.asarray(outcome.output).tolist()


@dataclass
class RunTrace:
    """What one run of this test process created: its scratch dir, cgroups, child pid."""

    scratch: Path
    cgroups: list[Path]
    pid: int | None = None


@pytest.fixture(scope="session")
def traced_runs() -> Iterator[list[RunTrace]]:
    """Record every run this process starts (other test processes may share the host,
    its scratch root and the sandbox uid range, so the checks stay with our own runs)."""
    traces: list[RunTrace] = []
    execute, watch = Run.execute, Run._watch

    def traced_execute(self):
        groups = list(self.group.paths.values()) if self.group else []
        traces.append(RunTrace(self.scratch, groups))
        return execute(self)

    def traced_watch(self, zygote, pid, *args):
        traces[-1].pid = pid
        return watch(self, zygote, pid, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Run, "execute", traced_execute)
        patch.setattr(Run, "_watch", traced_watch)
        yield traces


def live_processes_of(uids: set[int]) -> list[str]:
    """``pid (state, uid)`` of every live (non-zombie) process running as one of ``uids``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        uid = int(fields["Uid"].split()[0])
        state = fields["State"].strip()
        if uid in uids and not state.startswith("Z"):
            found.append(f"{entry.name} ({state}, uid {uid})")
    return found


def wait_until(predicate, timeout: float = 2.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.fixture(autouse=True)
def healthy_afterwards(sandbox: Sandbox, traced_runs: list[RunTrace]) -> Iterator[None]:
    """After every test: the sandbox still grades correctly and no run of the test left
    a process, a scratch directory or a cgroup behind."""
    first = len(traced_runs)
    yield
    result = run(sandbox, GOOD_CODE, inputs={"n": 2})
    outcome = result.cases[0]
    assert outcome.status is CaseStatus.OK, (outcome.status, outcome.message, result.exit_detail)
    assert np.asarray(outcome.output).tolist() == [0, 2, 4]
    runs = traced_runs[first:]
    assert runs and all(r.pid for r in runs)
    uids = {UID_BASE + r.pid for r in runs if r.pid}
    assert wait_until(lambda: not live_processes_of(uids)), live_processes_of(uids)
    assert [r.scratch for r in runs if r.scratch.exists()] == []
    assert [g for r in runs for g in r.cgroups if g.exists()] == []


class Boxes:
    """Sandboxes with some layers switched off, started on first use; the few most
    recently used stay warm (each fork server holds JAX in memory)."""

    KEEP = 3

    def __init__(self, scratch_root: Path):
        self.scratch_root = scratch_root
        self._boxes: dict[tuple[str, ...], Sandbox] = {}

    def without(self, *layers: str) -> Sandbox:
        key = tuple(sorted(layers))
        box = self._boxes.pop(key, None)
        if box is None:
            box = Sandbox(scratch_root=str(self.scratch_root), disabled_layers=key)
        self._boxes[key] = box  # most recently used last
        while len(self._boxes) > self.KEEP:
            self._boxes.pop(next(iter(self._boxes))).close()
        return box

    def bare(self) -> Sandbox:
        """A plain fork of the fork server: every layer off."""
        return self.without(*REQUIRED)

    def close(self) -> None:
        for box in self._boxes.values():
            box.close()


@pytest.fixture(scope="session")
def boxes(sandbox: Sandbox) -> Iterator[Boxes]:
    registry = Boxes(sandbox.scratch_root)
    yield registry
    registry.close()


@dataclass
class Planted:
    """Trusted-side files that only Landlock keeps from a run (world-readable/-writable)."""

    root: Path
    secret: Path
    open_dir: Path
    database: Path
    db_root: Path


def _traversable(path: Path) -> bool:
    return all(p.stat().st_mode & stat.S_IXOTH for p in path.parents)


@pytest.fixture(scope="session")
def planted() -> Iterator[Planted]:
    root = Path(tempfile.mkdtemp(prefix="tj-planted-"))
    # A database next to the server, in the checkout (git-ignored .pytest-data).
    data = ROOT / ".pytest-data"
    data.mkdir(exist_ok=True)
    db_root = Path(tempfile.mkdtemp(prefix="deny-db-", dir=data))
    try:
        os.chmod(root, 0o755)
        secret = root / "secret.txt"
        secret.write_text(SECRET)
        os.chmod(secret, 0o644)
        open_dir = root / "open"
        open_dir.mkdir()
        os.chmod(open_dir, 0o777)
        os.chmod(db_root, 0o755)
        database = db_root / "tensorjudge.db"
        conn = sqlite3.connect(database)
        with conn:
            conn.execute("CREATE TABLE secrets (value TEXT)")
            conn.execute("INSERT INTO secrets VALUES (?)", (SECRET,))
        conn.close()
        os.chmod(database, 0o644)
        # Only Landlock may stand between a sandbox uid and these files.
        assert _traversable(secret) and _traversable(database)
        yield Planted(root, secret, open_dir, database, db_root)
    finally:
        shutil.rmtree(root)
        shutil.rmtree(db_root)


@pytest.fixture
def world_tmp() -> Iterator[Path]:
    """A temporary directory every uid can traverse (unlike pytest's ``tmp_path``)."""
    path = Path(tempfile.mkdtemp(prefix="tj-test-"))
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path)


class LoopbackServers:
    """A TCP and a UDP server on 127.0.0.1 that record what reaches them."""

    def __init__(self) -> None:
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.tcp.settimeout(0.1)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.settimeout(0.1)
        self.tcp_port = self.tcp.getsockname()[1]
        self.udp_port = self.udp.getsockname()[1]
        self.connections = 0
        self.datagrams = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._accept, daemon=True),
                         threading.Thread(target=self._receive, daemon=True)]
        for thread in self._threads:
            thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                self.udp.recv(64)
            except OSError:
                continue
            self.datagrams += 1

    def settle(self) -> None:
        time.sleep(0.15)  # let the server threads notice anything in flight

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        self.tcp.close()
        self.udp.close()


@pytest.fixture
def servers() -> Iterator[LoopbackServers]:
    srv = LoopbackServers()
    yield srv
    srv.close()
