"""Deny battery, part 2: exhausting the host (CPU, memory, pids, disk, output, time)
and crashing the runner.  Every run must end with the right limit status, stopped by
the right clock (CPU time counted from the run's cgroup; the wall clock only for code
that sleeps or blocks), and leave nothing behind (checked after every test by
``conftest.py``).  Nothing here measures wall time: the machine may be busy."""

from __future__ import annotations

import pytest

from sandbox import CaseStatus, Limits, Termination
from tests.sandbox.conftest import FAST, denied, one, run, values

QUICK = Limits(time_s=1.0, memory_mb=256, startup_s=3.0)


def ended(outcome, status: CaseStatus) -> None:
    assert outcome.status is status, (outcome.status, outcome.message)
    assert outcome.output is None


# --- pids and threads --------------------------------------------------------------------


def test_deny_fork_bomb(sandbox):
    denied(one(sandbox, "import os\ndef f(n):\n    while True:\n        os.fork()"), "PermissionError")


def test_deny_fork_bomb_without_seccomp_is_held_by_pids_cgroup(boxes):
    code = """
    import os
    def f(n):
        children = 0
        while True:
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                import time
                time.sleep(30)
                os._exit(0)
            children += 1
        return [children]
    """
    children = values(one(boxes.without("seccomp"), code, QUICK))[0]
    assert 0 < children < 64  # Limits.max_pids, threads of the runner included


def test_deny_thread_bomb(sandbox):
    code = """
    import threading, time
    def f(n):
        while True:
            threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
    """
    denied(one(sandbox, code, QUICK), "can't start new thread")


# --- memory ------------------------------------------------------------------------------


def test_deny_20_gb_allocation(sandbox):
    code = "import numpy as np\ndef f(n):\n    return [np.ones(20 * 2**30, dtype=np.uint8).sum()]"
    ended(one(sandbox, code, QUICK), CaseStatus.MEMORY)


def test_deny_gradual_memory_fill(sandbox):
    code = "def f(n):\n    hoard = []\n    while True:\n        hoard.append(bytearray(2**20))"
    result = run(sandbox, code, QUICK)
    ended(result.cases[0], CaseStatus.MEMORY)
    assert result.termination is Termination.MEMORY


def test_deny_slow_memory_creep_is_a_memory_verdict_not_a_time_one(sandbox):
    # 256 MiB at a time with pauses: slow, but it is the memory cgroup's record (an
    # OOM kill or limit hits), never a clock, that decides the verdict.
    code = """
    import time
    import numpy as np
    def f(n):
        hoard = []
        while True:
            hoard.append(np.ones(256 << 20, np.uint8))
            time.sleep(0.3)
    """
    # A CPU allowance no memory fill can use up, even with a busy machine's reclaim
    # charged to the run: only the memory record can end it.
    result = run(sandbox, code, Limits(time_s=10.0, memory_mb=512, startup_s=5.0))
    ended(result.cases[0], CaseStatus.MEMORY)
    assert result.termination is Termination.MEMORY and result.time_limit is None


def test_deny_gradual_native_memory_fill(sandbox):
    code = """
    import ctypes
    def f(n):
        libc = ctypes.CDLL(None)
        libc.malloc.restype = ctypes.c_void_p
        while True:
            block = libc.malloc(1 << 24)
            if block:
                ctypes.memset(block, 1, 1 << 24)
    """
    ended(one(sandbox, code, QUICK), CaseStatus.MEMORY)


def test_deny_filling_scratch_tmpfs(sandbox):
    # Scratch lives on tmpfs; its pages are charged to the run's memory cgroup.
    code = """
    def f(n):
        i = 0
        while True:
            with open(f"blob{i}", "wb") as fh:
                fh.write(b"x" * (15 << 20))
            i += 1
    """
    ended(one(sandbox, code, QUICK), CaseStatus.MEMORY)


def test_deny_file_larger_than_limit(sandbox):
    code = "def f(n):\n    open('big', 'wb').write(b'x' * (17 << 20))\n    return [1]"
    denied(one(sandbox, code, Limits(time_s=2, memory_mb=512, file_size_mb=16)), "File too large")


def test_deny_deeply_nested_scratch_tree(sandbox):
    # Deeper than shutil.rmtree's recursion; cleanup must still remove it all.
    code = """
    import os
    def f(n):
        for _ in range(1500):
            os.mkdir("d")
            os.chdir("d")
        open("leaf", "w").write("x")
        return [1]
    """
    result = run(sandbox, code, Limits(time_s=5, memory_mb=512))
    assert values(result.cases[0]) == [1]


# --- CPU and wall time -------------------------------------------------------------------


def test_deny_busy_loop(sandbox):
    result = run(sandbox, "def f(n):\n    while True:\n        pass", QUICK)
    ended(result.cases[0], CaseStatus.TIME)
    assert result.termination is Termination.TIME and result.time_limit == "cpu"
    case = result.cases[0]
    assert case.time_limit == "cpu" and "(cpu)" in case.message, case.message
    # Stopped once its CPU time (not the wall clock) passed QUICK.time_s, promptly.
    assert 1000 <= case.cpu_ms < 1600, case.cpu_ms


def test_deny_busy_loop_ignoring_signals(sandbox):
    code = """
    import signal
    for sig in (signal.SIGXCPU, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    def f(n):
        while True:
            pass
    """
    ended(one(sandbox, code, QUICK), CaseStatus.TIME)


def test_deny_sleep_forever(sandbox):
    result = run(sandbox, "import time\ndef f(n):\n    time.sleep(10**6)", QUICK)
    ended(result.cases[0], CaseStatus.TIME)
    case = result.cases[0]
    assert case.time_limit == "wall" and result.time_limit == "wall"
    assert "(wall)" in case.message and case.cpu_ms < 1000, (case.message, case.cpu_ms)


def test_deny_sleep_forever_at_import(sandbox):
    result = run(sandbox, "import time\ntime.sleep(10**6)\ndef f(n):\n    return [1]",
                 Limits(time_s=1, memory_mb=256, startup_s=1))
    ended(result.cases[0], CaseStatus.TIME)
    assert result.cases[0].time_limit == "wall", result.cases[0].message
    assert "loading your code" in result.cases[0].message


def test_deny_more_than_one_core(sandbox):
    code = """
    import hashlib, threading, time
    def f(n):
        stop = time.monotonic() + 1.0
        def burn():
            block = b"x" * 10**7
            while time.monotonic() < stop:
                hashlib.sha256(block)  # releases the GIL: 4 threads could use 4 cores
        threads = [threading.Thread(target=burn) for _ in range(4)]
        wall, cpu = time.monotonic(), time.process_time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        quota = period = 0
        for line in open("/proc/self/cgroup"):
            _, names, path = line.strip().split(":", 2)
            if "cpu" in names.split(","):  # cgroup v1
                base = f"/sys/fs/cgroup/cpu{path}"
                quota = int(open(f"{base}/cpu.cfs_quota_us").read())
                period = int(open(f"{base}/cpu.cfs_period_us").read())
            elif names == "" and "/tensorjudge/" in path:  # cgroup v2: "0::/path"
                quota, period = map(int, open(f"/sys/fs/cgroup{path}/cpu.max").read().split())
        return [(time.process_time() - cpu) / (time.monotonic() - wall), quota / period]
    """
    ratio, cores = values(one(sandbox, code, Limits(time_s=4, memory_mb=256)))
    assert cores == 1.0 and ratio < 1.3


# --- output ------------------------------------------------------------------------------


def test_deny_gigabyte_to_stdout(sandbox):
    code = "import sys\ndef f(n):\n    for _ in range(1024):\n        sys.__stdout__.write('x' * (1 << 20))"
    result = run(sandbox, code, QUICK)
    ended(result.cases[0], CaseStatus.OUTPUT)
    assert result.log_truncated and len(result.log) <= QUICK.log_keep_bytes


def test_deny_gigabyte_to_raw_stderr(sandbox):
    code = "import os\ndef f(n):\n    for _ in range(1024):\n        os.write(2, b'y' * (1 << 20))"
    ended(one(sandbox, code, QUICK), CaseStatus.OUTPUT)


def test_deny_unbounded_print_is_capped(sandbox):
    code = "def f(n):\n    for i in range(200000):\n        print(i)\n    return [1]"
    outcome = one(sandbox, code)
    assert values(outcome) == [1]
    assert len(outcome.stdout) < 20_000 and outcome.stdout.endswith("[output truncated]")


@pytest.mark.parametrize("expr", ["np.zeros(10**9, dtype=np.uint8)",
                                  "np.broadcast_to(np.float64(1), (10**9,))"])
def test_deny_returning_a_billion_elements(sandbox, expr):
    outcome = one(sandbox, f"import numpy as np\ndef f(n):\n    return {expr}")
    ended(outcome, CaseStatus.OUTPUT)


def test_deny_outputs_over_the_run_total(sandbox):
    code = "import numpy as np\ndef f(n):\n    return np.ones(3 << 17)"  # 3 MiB per case
    result = run(sandbox, code, Limits(time_s=2, memory_mb=512, output_bytes=8 << 20), n_cases=4)
    assert [c.status for c in result.cases] == [CaseStatus.OK, CaseStatus.OK, CaseStatus.OUTPUT,
                                                CaseStatus.OUTPUT]


def test_deny_non_numeric_output(sandbox):
    for value in ("'a string'", "{'a': 1}", "np.array(['x'])", "np.array([1+2j])", "object()"):
        outcome = one(sandbox, f"import numpy as np\ndef f(n):\n    return {value}")
        ended(outcome, CaseStatus.ERROR)


# --- crashes -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", [
    "import ctypes\ndef f(n):\n    ctypes.string_at(0)",
    "import os\ndef f(n):\n    os.abort()",
    "import os, signal\ndef f(n):\n    os.kill(os.getpid(), signal.SIGKILL)",
], ids=["segfault", "abort", "self-kill"])
def test_deny_crash(sandbox, code):
    result = run(sandbox, code, n_cases=2)
    ended(result.cases[0], CaseStatus.CRASHED)
    assert result.cases[1].status is CaseStatus.NOT_RUN
    assert result.termination is Termination.SIGNAL


def test_deny_deep_recursion(sandbox):
    denied(one(sandbox, "def f(n):\n    return f(n + 1)"), "RecursionError")


def test_deny_deep_recursion_in_c(sandbox):
    code = """
    import sys
    sys.setrecursionlimit(10**6)
    def f(n):
        nested = []
        for _ in range(10**5):
            nested = [nested]
        return [len(repr(nested))]
    """
    ended(one(sandbox, code, Limits(time_s=8, memory_mb=512)), CaseStatus.CRASHED)


def test_deny_unbounded_python_recursion(sandbox):
    code = "import sys\nsys.setrecursionlimit(10**8)\ndef f(n):\n    return f(n + 1) + 1"
    outcome = one(sandbox, code, QUICK)
    assert outcome.status in (CaseStatus.MEMORY, CaseStatus.TIME, CaseStatus.CRASHED), outcome.status
    assert outcome.output is None


def test_deny_fast_failure_still_fast(sandbox):
    # Ending a run on a limit must not slow the next one: the fork server and cgroups
    # stay intact, so the next run needs no new fork server (no JAX import, seconds).
    run(sandbox, "def f(n):\n    return [n]", FAST)
    server = sandbox.fork_server_pids()["jax"]
    run(sandbox, "def f(n):\n    hoard = []\n    while True:\n        hoard.append(bytearray(2**20))",
        QUICK)
    result = run(sandbox, "def f(n):\n    return [n]", FAST)
    assert values(result.cases[0]) == [1] and sandbox.fork_server_pids()["jax"] == server
