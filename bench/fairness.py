"""Verdicts under load: one corpus graded on an idle machine, then beside CPU and
memory-bandwidth hogs; every verdict must match.

    .venv/bin/python bench/fairness.py [--db sqlite|postgresql] [--workers 2]

Starts ``tensorjudge serve`` (its own data directory, the tiny NumPy problem) on SQLite
or on a fresh PostgreSQL database, submits every file of ``CORPUS`` through the HTTP
API and waits for the verdicts: once idle, once while ``os.cpu_count()`` busy loops and
one memory-bandwidth hog (a NumPy copy of 256 MiB, over and over) run at ordinary
priority.  The hogs are started and stopped here.  The corpus covers every verdict:
correct, wrong, runtime errors, compile errors, a busy loop, sleepers, memory bombs
(at once and creeping), a fork bomb, a thread bomb and an output flood.

Prints each file's verdicts, ``verdict flips under load: K/N``, and per pass the wall
time and the CPU time the sandboxed runs used (the sum of the cases' ``cpu_ms``, which
is what the time limits count).  Run as root (the sandbox needs it).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import Server, login, wait_done  # noqa: E402
from tests.tiny_problem import TINY_REFERENCE  # noqa: E402

# name -> (the verdict it deserves, code for the tiny problem: add(a, b), 2 cases,
# time_s = 2 CPU seconds per case, memory_mb = 256).
CORPUS: dict[str, tuple[str, str]] = {
    "correct_numpy": ("accepted", TINY_REFERENCE),
    "correct_jax_jit": ("accepted", "import jax\nimport jax.numpy as jnp\n\n@jax.jit\n"
                                    "def add(a, b):\n    return jnp.asarray(a) + jnp.asarray(b)\n"),
    "correct_python_loop": ("accepted", "import numpy as np\n\ndef add(a, b):\n"
                                        "    return np.array([x + y for x, y in zip(a, b)])\n"),
    "correct_uses_a_third_of_its_cpu": ("accepted", (
        "import time\nimport numpy as np\n\ndef add(a, b):\n"
        "    start = time.process_time()\n"
        "    while time.process_time() - start < 0.6:\n        pass\n"
        "    return np.asarray(a) + np.asarray(b)\n")),
    "wrong_subtracts": ("wrong_answer", "def add(a, b):\n    return a - b\n"),
    "wrong_reversed": ("wrong_answer", "def add(a, b):\n    return a + b[::-1]\n"),
    "wrong_shape": ("wrong_answer", "import numpy as np\n\ndef add(a, b):\n"
                                    "    return np.concatenate([a, b])\n"),
    "raises": ("runtime_error", "def add(a, b):\n    raise RuntimeError('boom')\n"),
    "index_error": ("runtime_error", "def add(a, b):\n    return a[10**6] + b\n"),
    "infinite_recursion": ("runtime_error", "def add(a, b):\n    return add(a, b) + 1\n"),
    "fork_bomb": ("runtime_error", "import os\n\ndef add(a, b):\n    while True:\n"
                                   "        os.fork()\n"),
    "thread_bomb": ("runtime_error", (
        "import threading, time\n\ndef add(a, b):\n    while True:\n"
        "        threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n")),
    "syntax_error": ("compile_error", "def add(a, b)\n    return a + b\n"),
    "missing_entry": ("compile_error", "def plus(a, b):\n    return a + b\n"),
    "busy_loop": ("time_limit_exceeded", "def add(a, b):\n    while True:\n        pass\n"),
    "busy_numpy": ("time_limit_exceeded", (
        "import numpy as np\n\ndef add(a, b):\n    m = np.ones((300, 300))\n"
        "    while True:\n        m = np.tanh(m @ m)\n")),
    "sleeper": ("time_limit_exceeded", "import time\n\ndef add(a, b):\n    time.sleep(10**6)\n"),
    "blocked_on_a_pipe": ("time_limit_exceeded", "import os\n\ndef add(a, b):\n"
                                                 "    r, w = os.pipe()\n    os.read(r, 1)\n"),
    "memory_bomb": ("memory_limit_exceeded", "import numpy as np\n\ndef add(a, b):\n"
                                             "    return np.ones(20 * 2**30, np.uint8)\n"),
    "memory_hungry": ("memory_limit_exceeded", (
        "import numpy as np\n\ndef add(a, b):\n    x = np.ones(400_000_000, np.uint8)\n"
        "    return a + b + x[-1]\n")),
    "memory_creep_256mib": ("memory_limit_exceeded", (
        "import time\nimport numpy as np\n\ndef add(a, b):\n    hoard = []\n    while True:\n"
        "        hoard.append(np.ones(256 << 20, np.uint8))\n        time.sleep(0.2)\n")),
    "memory_creep_16mib": ("memory_limit_exceeded", (
        "import time\nimport numpy as np\n\ndef add(a, b):\n    hoard = []\n    while True:\n"
        "        hoard.append(np.ones(16 << 20, np.uint8))\n        time.sleep(0.05)\n")),
    "output_flood": ("output_limit_exceeded", "import os\n\ndef add(a, b):\n    while True:\n"
                                              "        os.write(1, b'x' * 65536)\n"),
}

CPU_HOG = "while True:\n    pass\n"
BANDWIDTH_HOG = ("import numpy as np\na = np.ones(32 << 20)\nb = np.empty_like(a)\n"
                 "while True:\n    np.copyto(b, a)\n    np.copyto(a, b)\n")


@contextlib.contextmanager
def hogs() -> Iterator[list[int]]:
    """A busy loop per core plus a memory-bandwidth hog, at ordinary priority, until exit."""
    processes = [subprocess.Popen([sys.executable, "-c", code], start_new_session=True,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
                 for code in [CPU_HOG] * (os.cpu_count() or 1) + [BANDWIDTH_HOG]]
    try:
        time.sleep(1.0)  # let them get going before the first submission
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"a hog exited early ({process.returncode})")
        yield [p.pid for p in processes]
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def grade_corpus(base: str, user: str, timeout: float) -> dict:
    """Submit every corpus file, wait for all; verdict and CPU/wall figures per file."""
    started = time.monotonic()
    with httpx.Client(base_url=base, timeout=60) as client:
        headers = login(client, user)
        ids = {}
        for name, (_, code) in CORPUS.items():
            reply = client.post("/api/submissions", headers=headers,
                                json={"problem": "vector-add", "code": code})
            if reply.status_code != 202:
                raise RuntimeError(f"{name}: POST {reply.status_code}: {reply.text[:200]}")
            ids[name] = reply.json()["id"]
        files = {}
        for name, sid in ids.items():
            result = wait_done(client, headers, sid, timeout)
            cases = result["cases"]
            files[name] = {
                "verdict": result["verdict"],
                "cpu_ms": round(sum(c.get("cpu_ms") or 0.0 for c in cases), 1),
                "time_ms": round(sum(c.get("time_ms") or 0.0 for c in cases), 1),
                "time_limit": next((c["time_limit"] for c in cases if c.get("time_limit")), None),
            }
    return {"files": files, "wall_s": round(time.monotonic() - started, 1),
            "cpu_s": round(sum(f["cpu_ms"] for f in files.values()) / 1000, 2)}


def run_fairness(db: str = "sqlite", workers: int = 2, timeout: float = 900) -> dict:
    """Grade the corpus idle, then under load, on a fresh server; return both passes."""
    server = Server(db, workers)
    try:
        server.wait_ready()
        idle = grade_corpus(server.base, "idle-pass", timeout)
        with hogs() as pids:
            loaded = grade_corpus(server.base, "loaded-pass", timeout)
        flips = [name for name in CORPUS
                 if idle["files"][name]["verdict"] != loaded["files"][name]["verdict"]]
        wrong = [name for name, (want, _) in CORPUS.items()
                 if idle["files"][name]["verdict"] != want]
        return {"db": db, "workers": workers, "files": len(CORPUS), "hogs": len(pids),
                "idle": idle, "loaded": loaded, "flips": flips, "unexpected": wrong}
    finally:
        server.close()


def report(figures: dict) -> str:
    lines = [f"{'file':34} {'deserves':22} {'idle':27} {'loaded':27} "
             f"{'idle cpu ms':>11} {'loaded cpu ms':>13}"]
    for name, (want, _) in CORPUS.items():
        idle, loaded = figures["idle"]["files"][name], figures["loaded"]["files"][name]
        def shown(f: dict) -> str:
            return f["verdict"] + (f" ({f['time_limit']})" if f["time_limit"] else "")
        lines.append(f"{name:34} {want:22} {shown(idle):27} {shown(loaded):27} "
                     f"{idle['cpu_ms']:>11.0f} {loaded['cpu_ms']:>13.0f}")
    lines.append(f"verdict flips under load: {len(figures['flips'])}/{figures['files']}"
                 + (f" ({', '.join(figures['flips'])})" if figures["flips"] else ""))
    for name in ("idle", "loaded"):
        part = figures[name]
        lines.append(f"{name} pass: wall {part['wall_s']:.1f} s, sandboxed CPU {part['cpu_s']:.2f} s")
    lines.append(f"({figures['db']}, {figures['workers']} workers, {os.cpu_count()} cores; "
                 f"load: {figures['hogs'] - 1} CPU hogs + 1 memory-bandwidth hog)")
    if figures["unexpected"]:
        lines.append(f"files graded idle with a verdict other than the one they deserve: "
                     f"{', '.join(figures['unexpected'])}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    figures = run_fairness(args.db, args.workers)
    print(report(figures))  # noqa: T201
    sys.exit(1 if figures["flips"] or figures["unexpected"] else 0)


if __name__ == "__main__":
    main()
