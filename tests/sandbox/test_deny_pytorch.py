"""Deny battery, PyTorch: every attack again, from a PyTorch submission on the torch fork server.

The PyTorch server is a second fork server (torch and NumPy preloaded, never JAX), and
its children go through the same ``confine.apply`` as JAX's.  These tests prove each
layer still holds there, with torch's own ways in (``torch.from_file``, ``torch.save``,
``torch.multiprocessing``, big tensors, torch's thread pools), and that results cross
as plain arrays only.  Controls for each layer are in ``test_deny.py``; after every
test the shared sandbox must still be healthy (``conftest.py``).
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

from sandbox import CaseStatus, Limits, Sandbox
from tests.conftest import REFERENCE, ROOT
from tests.sandbox.conftest import FAST, denied, one, run, values

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None,
    reason="PyTorch is not installed (pip install torch==2.13.0): no PyTorch fork server to attack")

QUICK = Limits(time_s=1.0, memory_mb=512, startup_s=5.0)
# A memory bomb must meet its memory limit before its CPU time runs out, even where page
# faults are slow (a busy host): with 1 s of CPU, filling 512 MB once took 1.04 s.
FILL = Limits(time_s=5.0, memory_mb=512, startup_s=5.0)


def torch_one(box: Sandbox, code: str, limits: Limits = FAST, **kwargs: object):
    return one(box, code, limits, framework="pytorch", **kwargs)


def ended(outcome, status: CaseStatus) -> None:
    assert outcome.status is status, (outcome.status, outcome.message)
    assert outcome.output is None


# --- secrets, the reference, expected outputs, the database -------------------------------


def test_deny_pytorch_read_planted_secret_with_torch_from_file(sandbox, planted):
    code = f"""
    import torch
    def f(n):
        return torch.from_file({str(planted.secret)!r}, size=8, dtype=torch.uint8)
    """
    denied(torch_one(sandbox, code), "RuntimeError", "PermissionError")


def test_deny_pytorch_open_reference_solution(sandbox):
    path = REFERENCE / "flax_transposed_conv_1d.py"
    code = f"import torch\ndef f(n):\n    return list(open({str(path)!r}, 'rb').read(64))"
    denied(torch_one(sandbox, code), "PermissionError")


def test_deny_pytorch_list_problems_and_expected_outputs(sandbox):
    for path in (ROOT / "problems", ROOT / ".pytest-data" / "expected", ROOT / "app"):
        code = f"import os, torch\ndef f(n):\n    return [len(os.listdir({str(path)!r}))]"
        denied(torch_one(sandbox, code), "PermissionError", "FileNotFoundError")


def test_deny_pytorch_torch_load_of_the_database(sandbox, planted):
    code = f"""
    import sqlite3, torch
    def f(n):
        conn = sqlite3.connect({str(planted.database)!r})
        return list(conn.execute("SELECT value FROM secrets").fetchone()[0].encode())
    """
    denied(torch_one(sandbox, code), "OperationalError")
    code = f"import torch\ndef f(n):\n    return torch.load({str(planted.database)!r})"
    denied(torch_one(sandbox, code), "PermissionError", "RuntimeError")


# --- the file system ---------------------------------------------------------------------


def test_deny_pytorch_torch_save_outside_scratch(sandbox, planted):
    target = planted.open_dir / "escaped.pt"
    code = f"import torch\ndef f(n):\n    torch.save(torch.ones(3), {str(target)!r})\n    return [1]"
    denied(torch_one(sandbox, code), "PermissionError", "RuntimeError")
    assert not target.exists()


# --- processes and signals ----------------------------------------------------------------


def test_deny_pytorch_exec(sandbox):
    code = "import subprocess, torch\ndef f(n):\n    return [subprocess.run(['/bin/true']).returncode]"
    denied(torch_one(sandbox, code), "PermissionError")


def test_deny_pytorch_fork_bomb(sandbox):
    code = "import os, torch\ndef f(n):\n    while True:\n        os.fork()"
    denied(torch_one(sandbox, code), "PermissionError")


def test_deny_pytorch_multiprocessing_workers(sandbox):
    code = """
    import torch.multiprocessing as mp
    def work():
        pass
    def f(n):
        worker = mp.get_context("fork").Process(target=work)
        worker.start()
        worker.join()
        return [1]
    """
    denied(torch_one(sandbox, code), "PermissionError")


def test_deny_pytorch_kill_its_fork_server(sandbox):
    code = "import os, torch\ndef f(n):\n    os.kill(os.getppid(), 9)"
    denied(torch_one(sandbox, code), "PermissionError")
    server = sandbox.fork_server("torch").process
    assert server.poll() is None
    assert values(torch_one(sandbox, "import torch\ndef f(n):\n    return torch.arange(3) * n")) == [0, 1, 2]
    assert sandbox.fork_server("torch").process is server  # the same warm server


def test_deny_pytorch_signal_supervisor(sandbox):
    code = f"import os, signal, torch\ndef f(n):\n    os.kill({os.getpid()}, signal.SIGTERM)"
    denied(torch_one(sandbox, code), "PermissionError")


# --- network ------------------------------------------------------------------------------


def test_deny_pytorch_tcp_to_loopback_server(sandbox, servers):
    code = f"""
    import socket, torch
    def f(n):
        socket.create_connection(("127.0.0.1", {servers.tcp_port}), timeout=1).sendall(b"x")
        return [1]
    """
    denied(torch_one(sandbox, code), "PermissionError")
    servers.settle()
    assert servers.connections == 0


def test_deny_pytorch_distributed_rendezvous(sandbox, servers):
    # torch.distributed's TCP store is a network client like any other.
    code = f"""
    import datetime
    import torch.distributed as dist
    def f(n):
        dist.TCPStore("127.0.0.1", {servers.tcp_port}, 2, False,
                      timeout=datetime.timedelta(seconds=2))
        return [1]
    """
    outcome = torch_one(sandbox, code)
    assert outcome.status is CaseStatus.ERROR and outcome.output is None, outcome.message
    servers.settle()
    assert servers.connections == 0


# --- memory, CPU, threads --------------------------------------------------------------------


def test_deny_pytorch_20_gb_tensor(sandbox):
    code = "import torch\ndef f(n):\n    return [torch.ones(20 * 2**30, dtype=torch.uint8).sum()]"
    ended(torch_one(sandbox, code, QUICK), CaseStatus.MEMORY)


def test_deny_pytorch_gradual_memory_fill(sandbox):
    code = """
    import torch
    def f(n):
        hoard = []
        while True:
            hoard.append(torch.ones(2**24))
    """
    ended(torch_one(sandbox, code, FILL), CaseStatus.MEMORY)


def test_deny_pytorch_busy_loop(sandbox):
    code = "import torch\ndef f(n):\n    a = torch.ones(64, 64)\n    while True:\n        a = a @ a / 64"
    result = run(sandbox, code, QUICK, framework="pytorch")
    ended(result.cases[0], CaseStatus.TIME)
    assert result.cases[0].time_limit == "cpu"


def test_deny_pytorch_more_threads_than_one_core(sandbox):
    # Asking torch for 8 threads gets it at most the run's single core of CPU time.
    code = """
    import time, torch
    def f(n):
        torch.set_num_threads(8)
        a = torch.randn(512, 512)
        wall, cpu = time.monotonic(), time.process_time()
        while time.monotonic() - wall < 1.0:
            a = torch.tanh(a @ a)
        return [(time.process_time() - cpu) / (time.monotonic() - wall)]
    """
    (ratio,) = values(torch_one(sandbox, code, Limits(time_s=4, memory_mb=512)))
    assert ratio < 1.3


# --- what crosses the boundary --------------------------------------------------------------


def test_deny_pytorch_pickled_object_as_output(sandbox, planted):
    # An object whose unpickling would run a command: only plain arrays cross, so it
    # is an error in the child and nothing runs on the trusted side.
    marker = planted.open_dir / "unpickled"
    code = f"""
    import os, torch
    class Evil:
        def __reduce__(self):
            return (os.system, ("touch {marker}",))
    def f(n):
        return Evil()
    """
    outcome = torch_one(sandbox, code)
    assert outcome.status is CaseStatus.ERROR and outcome.output is None
    assert "expected an array of real numbers" in outcome.message
    assert not marker.exists()


def test_deny_pytorch_module_as_output(sandbox):
    code = "import torch\ndef f(n):\n    return torch.nn.Linear(2, 2)"
    outcome = torch_one(sandbox, code)
    assert outcome.status is CaseStatus.ERROR and outcome.output is None


def test_deny_pytorch_submission_importing_jax(sandbox):
    outcome = torch_one(sandbox, "import jax.numpy as jnp\ndef f(n):\n    return jnp.ones(3)")
    assert outcome.status is CaseStatus.COMPILE_ERROR and "written for pytorch" in outcome.message


# --- allowed --------------------------------------------------------------------------------


def test_allow_pytorch_tensors_in_numpy_out(sandbox):
    code = """
    import torch
    def f(x, n):
        assert isinstance(x, torch.Tensor) and x.dtype == torch.float32 and not x.requires_grad
        assert type(n) is int
        return torch.relu(x) * n
    """
    outcome = torch_one(sandbox, code, inputs={"x": np.array([-1.0, 2.0], np.float32), "n": 3})
    assert outcome.status is CaseStatus.OK, outcome.message
    assert isinstance(outcome.output, np.ndarray) and outcome.output.dtype == np.float32
    assert outcome.output.tolist() == [0.0, 6.0]


def test_allow_pytorch_runs_on_one_thread_under_no_grad(sandbox):
    code = "import torch\ndef f(n):\n    return [torch.get_num_threads(), int(torch.is_grad_enabled())]"
    assert values(torch_one(sandbox, code)) == [1, 0]
    assert values(torch_one(sandbox, code, grad=True)) == [1, 1]  # a problem about gradients


def test_allow_pytorch_scratch_save_and_load(sandbox):
    code = """
    import torch
    def f(n):
        torch.save(torch.arange(4), "t.pt")
        return torch.load("t.pt", weights_only=True) * n
    """
    assert values(torch_one(sandbox, code)) == [0, 1, 2, 3]


def test_allow_pytorch_server_never_imports_jax(sandbox):
    code = """
    import sys, torch
    def f(n):
        return [int(any(m.split(".")[0] in ("jax", "flax") for m in sys.modules))]
    """
    assert values(torch_one(sandbox, code)) == [0]


def test_pytorch_server_starts_on_first_use_only(sandbox):
    box = Sandbox(scratch_root=str(sandbox.scratch_root))
    try:
        assert values(one(box, "import numpy as np\ndef f(n):\n    return np.arange(3)")) == [0, 1, 2]
        assert set(box.fork_server_pids()) == {"jax"}  # a JAX-only host pays nothing more
        assert values(one(box, "import torch\ndef f(n):\n    return torch.arange(3)",
                          framework="pytorch")) == [0, 1, 2]
        assert set(box.fork_server_pids()) == {"jax", "torch"}
    finally:
        box.close()
