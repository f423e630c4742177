"""Benchmark: the first wrong answer after a fresh start, while warming is in full swing.

    .venv/bin/python bench/warming.py [--starts 5] [--workers 2] [--solution FILE]

Each start: a fresh data directory and ``tensorjudge serve --workers N`` with the whole
problem pack.  The moment every problem is listed as ready (``GET /api/problems``,
``status``), one learner submits a wrong answer to the seed problem; the bench times
POST -> verdict (the SSE ``done`` event) and POST -> hint (the ``hints`` event, or the
verdict when it came with its hints).  Known-mistake warming (40-odd pieces) is then
still running.  After the hint the server runs on until its queue is empty, and its log
is searched for warming pieces computed more than once ("duplicated pieces").

Prints per start and the median / p95 over all starts, the load average, and the
duplicate count.  Run as root (the sandbox needs it).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grading import (  # noqa: E402  (bench/grading.py)
    events,
    free_port,
    load,
    percentile,
    signup,
    wait_idle,
)

ROOT = Path(__file__).resolve().parent.parent
SLUG = "flax-transposed-conv-1d"
WRONG = ROOT / "problems" / SLUG / "solutions" / "wrong" / "stride_ignored.py"
PIECE = re.compile(r"warming piece (\S+) of (\S+) computed")


def follow(port: int, token: str, submission_id: int, started: float) -> tuple[float, float, dict]:
    """Seconds from ``started`` to the verdict and to the hint, and the verdict's data."""
    verdict_s, done = None, {}
    for event, data, seconds in events(port, token, submission_id, started, timeout=600):
        if event == "done":
            verdict_s, done = seconds, data
            if not done.get("hints_pending"):
                return verdict_s, verdict_s, done
        elif event == "hints":
            assert verdict_s is not None
            return verdict_s, seconds, done
    raise RuntimeError("the event stream ended early")


def wait_listed(port: int, server: subprocess.Popen, expected: int, timeout: float = 1800) -> float:
    """Wait until ``expected`` problems are listed ready; seconds it took."""
    started = time.monotonic()
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.monotonic() - started < timeout:
        if server.poll() is not None:
            raise RuntimeError(f"serve exited with {server.returncode}")
        try:
            client.request("GET", "/api/problems")
            response = client.getresponse()
            listing = json.loads(response.read() or b"[]")
            if response.status == 200 and sum(p.get("status") == "ready" for p in listing) >= expected:
                return time.monotonic() - started
        except (OSError, http.client.HTTPException, json.JSONDecodeError):
            client.close()
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        time.sleep(0.2)
    raise RuntimeError("problems were not all listed in time")


def one_start(args: argparse.Namespace, code: str, n_problems: int) -> dict:
    data = Path(tempfile.mkdtemp(prefix="tj-warming-", dir=ROOT / ".bench-data"))
    data.chmod(0o755)
    port = free_port()
    env = {**os.environ, "TENSORJUDGE_DATA_DIR": str(data / "data"),
           "TENSORJUDGE_SUBMISSIONS_PER_MINUTE": "1000",
           "TENSORJUDGE_REQUESTS_PER_IP_PER_MINUTE": "1000000"}
    log_path = data / "serve.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port),
                                   "--workers", str(args.workers)], cwd=ROOT, env=env,
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        listed_s = wait_listed(port, server, n_problems)
        client = signup(port, f"learner{uuid.uuid4().hex[:8]}")
        started = time.perf_counter()
        status, body = client.request("POST", "/api/submissions", {
            "problem": SLUG, "mode": "submit", "code": f"# {uuid.uuid4().hex}\n{code}"})
        assert status == 202, (status, body)
        verdict_s, hint_s, done = follow(port, client.token or "", body["id"], started)
        load_now = load()
        wait_idle(port)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
    pieces = Counter(PIECE.findall(log_path.read_text(errors="replace")))
    shutil.rmtree(data, ignore_errors=True)
    return {"listed_s": listed_s, "verdict_s": verdict_s, "hint_s": hint_s,
            "verdict": done.get("verdict"), "load": load_now, "pieces": sum(pieces.values()),
            "duplicated": sum(n - 1 for n in pieces.values() if n > 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--solution", type=Path, default=WRONG)
    args = parser.parse_args()
    (ROOT / ".bench-data").mkdir(exist_ok=True)
    code = args.solution.read_text()
    n_problems = sum(1 for p in (ROOT / "problems").iterdir() if (p / "problem.toml").exists())
    runs = []
    for index in range(args.starts):
        run = one_start(args, code, n_problems)
        runs.append(run)
        print(f"start {index + 1}: all {n_problems} problems listed after {run['listed_s']:.0f} s; "
              f"{run['verdict']} in {run['verdict_s']:.2f} s, hint after {run['hint_s']:.1f} s; "
              f"{run['pieces']} warming pieces, {run['duplicated']} duplicated; load {run['load']}",
              flush=True)
    for key, label in (("verdict_s", "POST -> verdict"), ("hint_s", "POST -> hint")):
        values = [r[key] for r in runs]
        print(f"{label:16} median {statistics.median(values):6.2f} s  p95 {percentile(values, 95):6.2f} s"
              f"  (n={len(values)})")
    print(f"duplicated warming pieces: {sum(r['duplicated'] for r in runs)} "
          f"of {sum(r['pieces'] for r in runs)}")


if __name__ == "__main__":
    main()
