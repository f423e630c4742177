"""Benchmark: verdicts through the real HTTP API vs. a naive grader, in one run.

    .venv/bin/python bench/grading.py [--duration 30] [--clients 8] [--problem SLUG]
                                      [--solution FILE] [--other FILE] [--naive-runs 3]
    .venv/bin/python bench/grading.py --problem conv-transpose2d --framework pytorch
                                      [--framework-solution FILE] [--latency-runs 30]

Starts ``tensorjudge serve`` (its defaults: SQLite, one embedded worker per CPU) on a
fresh data directory holding only the chosen problem, waits until the problem's
expected outputs exist, then measures, all in this one run:

1. latency: one client, submit (every case) -> final verdict seen by the client through
   the SSE stream; ``--latency-runs`` times with the solution file;
2. the same with a correct solution written differently (``--other``: its compiled code
   is not in the compile cache);
3. throughput: ``--clients`` concurrent clients submitting back to back for
   ``--duration`` seconds, while one more client times API reads (``GET /api/problems``,
   ``GET /api/submissions/{id}``); every submission must end ``accepted``, and the
   count of submitted, finished and lost submissions is printed;
4. peak RSS of the server's process tree (API, workers, fork servers, sandboxed
   children), sampled every 100 ms;
5. the naive grader: a fresh interpreter per submission that imports JAX, runs the
   reference and the submission on every case with no caches and compares, and the
   ratio of its median to the API's median.

With ``--framework pytorch`` (or ``numpy``) it measures instead, in the same run, a warm
submission in that framework against the JAX path on the same problem (alternating
submissions; p50, p95 and the ratio of medians) and prints each fork server's RSS
(``bench/frameworks.py``); the load and naive phases are skipped.

Every submission's text gets a unique comment, so a cache of results for identical
code is never what is measured.  Run as root (the sandbox needs it).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import frameworks  # noqa: E402

DEFAULT_SLUG = "flax-transposed-conv-1d"

NAIVE = r'''
import sys, numpy as np
sys.path.insert(0, {root!r})
from app.problems.manifest import load_problem
from pathlib import Path
import jax
problem = load_problem(Path({folder!r}), Path({refs!r}))
harness = {{}}
exec(problem.harness_code, harness)
def outputs(code):
    ns = {{}}
    exec(compile(code, "<code>", "exec"), ns)
    entry = ns[problem.manifest.entry]
    return [np.asarray(harness["run_case"](entry, dict(c.inputs))) for c in problem.cases]
want = outputs(problem.reference)
got = outputs(open({solution!r}).read())
tol = problem.manifest.tolerance
ok = all(w.size == g.size and np.allclose(w.ravel(), g.ravel(), rtol=tol.rtol, atol=tol.atol)
         for w, g in zip(want, got))
print("accepted" if ok else "wrong_answer")
'''


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def line(label: str, values: list[float]) -> str:
    if not values:
        return f"{label:<44} n=0"
    return (f"{label:<44} n={len(values):<4} p50={statistics.median(values):7.0f} ms  "
            f"p95={percentile(values, 95):7.0f} ms  p99={percentile(values, 99):7.0f} ms")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def events(port: int, token: str | None, submission_id: int, started: float | None = None,
           timeout: float = 120) -> Iterator[tuple[str, dict, float]]:
    """Yield ``(event, data, seconds since started)`` per event of ``/api/submissions/{id}/events``.

    The benches' one stream reader, so they all time the same moment: when an event's
    ``data:`` line is read (``started``: a ``time.perf_counter()``, by default now).  HTTP
    other than 200 or a ``timeout`` event raise RuntimeError; the generator just ends with
    the stream (the caller knows what it still waited for) and closes the connection when
    the caller leaves its loop."""
    started = time.perf_counter() if started is None else started
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", f"/api/submissions/{submission_id}/events",
                     headers={"authorization": f"Bearer {token}"})
        response = conn.getresponse()
        if response.status != 200:
            raise RuntimeError(f"events: HTTP {response.status}")
        event = None
        while raw := response.fp.readline():
            text = raw.decode().rstrip("\n")
            if text.startswith("event: "):
                event = text[7:]
            elif text.startswith("data: ") and event is not None:
                seconds = time.perf_counter() - started
                if event == "timeout":
                    raise RuntimeError(f"submission {submission_id}: SSE timeout")
                yield event, json.loads(text[6:]), seconds
    finally:
        conn.close()


class Client:
    """A keep-alive HTTP/1.1 client (stdlib only, so the bench adds little CPU)."""

    def __init__(self, port: int, token: str | None = None):
        self.port = port
        self.token = token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"content-type": "application/json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt:
                    raise
        return response.status, (json.loads(payload) if payload else {})

    def wait_done(self, submission_id: int) -> dict:
        """Follow the SSE stream until the ``done`` event; return its data."""
        for event, data, _ in events(self.port, self.token, submission_id):
            if event == "done":
                return data
        raise RuntimeError(f"submission {submission_id}: stream ended without done")

    def submit(self, slug: str, code: str, framework: str = "jax") -> tuple[int, float]:
        """Submit ``code`` (every case); return (id, seconds until the verdict was seen)."""
        started = time.perf_counter()
        while True:
            status, body = self.request("POST", "/api/submissions",
                                        {"problem": slug, "mode": "submit", "code": code,
                                         "framework": framework})
            if status != 429:
                break
            time.sleep(0.05)
        if status != 202:
            raise RuntimeError(f"submit: HTTP {status} {body}")
        done = self.wait_done(body["id"])
        if done.get("verdict") != "accepted":
            raise RuntimeError(f"submission {body['id']}: verdict {done.get('verdict')}")
        return body["id"], time.perf_counter() - started


def signup(port: int, name: str) -> Client:
    client = Client(port)
    password = "bench-password-123"
    status, body = client.request("POST", "/api/auth/register",
                                  {"username": name, "password": password})
    assert status == 201, (status, body)
    status, body = client.request("POST", "/api/auth/login", {"username": name, "password": password})
    assert status == 200, (status, body)
    client.token = body["token"]
    return client


def tree_rss_bytes(root_pid: int) -> int:
    """Total RSS of ``root_pid`` and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            fields = stat[stat.rindex(")") + 2:].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


class RssSampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.1):
            self.peak = max(self.peak, tree_rss_bytes(self.pid))


def start_server(args: argparse.Namespace, data: Path, port: int) -> subprocess.Popen:
    problems = data / "problems"
    problems.mkdir()
    os.symlink(ROOT / "problems" / args.problem, problems / args.problem)
    env = {**os.environ, "TENSORJUDGE_DATA_DIR": str(data / "data"),
           "TENSORJUDGE_PROBLEMS_DIR": str(problems),
           "TENSORJUDGE_REFERENCE_DIR": str(ROOT / "reference"),
           # Rate limits are not what is measured here: every client shares one user
           # agent address (127.0.0.1) and the load phase makes thousands of requests.
           "TENSORJUDGE_SUBMISSIONS_PER_MINUTE": "100000",
           "TENSORJUDGE_REQUESTS_PER_IP_PER_MINUTE": "1000000"}
    command = [sys.executable, "-m", "app", "serve", "--port", str(port)]
    if args.workers is not None:
        command += ["--workers", str(args.workers)]
    log = open(data / "serve.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_idle(port: int, timeout: float = 1800) -> None:
    """Until ``/readyz`` shows no queued or running job (warming finished)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/readyz")
            body = json.loads(conn.getresponse().read())
            conn.close()
            if body.get("jobs_pending") == 0:
                return
        except (OSError, http.client.HTTPException, json.JSONDecodeError):
            pass
        time.sleep(1.0)
    raise RuntimeError("warming did not finish in time")


def wait_ready(port: int, slug: str, server: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    client = Client(port)
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"serve exited with {server.returncode}")
        try:
            ready = client.request("GET", "/readyz")[0] == 200
            if ready and client.request("GET", f"/api/problems/{slug}")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not become ready")


def throughput(port: int, slug: str, code: str, clients: int, duration: float,
               probe: Client, own_id: int, reads: dict[str, list[float]]) -> dict:
    """``clients`` threads submit back to back; ``probe`` times reads (``own_id`` is one
    of its own finished submissions)."""
    stop = threading.Event()
    lock = threading.Lock()
    latencies: list[float] = []
    ids: list[tuple[Client, int]] = []
    errors: list[str] = []
    submitted = [0]
    users = [signup(port, f"load-{uuid.uuid4().hex[:8]}") for _ in range(clients)]

    def drive(client: Client, k: int) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            with lock:
                submitted[0] += 1
            try:
                sid, seconds = client.submit(slug, f"{code}\n# load client {k} run {n} {uuid.uuid4().hex}\n")
            except Exception as exc:  # noqa: BLE001 - counted and printed
                with lock:
                    errors.append(repr(exc))
                continue
            with lock:
                latencies.append(seconds * 1000)
                ids.append((client, sid))

    def read() -> None:
        while not stop.is_set():
            for path, key in (("/api/problems", "GET /api/problems"),):
                started = time.perf_counter()
                status, _ = probe.request("GET", path)
                reads[key].append((time.perf_counter() - started) * 1000)
                assert status == 200, status
            started = time.perf_counter()
            status, _ = probe.request("GET", f"/api/submissions/{own_id}")
            reads["GET /api/submissions/{id}"].append((time.perf_counter() - started) * 1000)
            assert status == 200, status
            time.sleep(0.05)

    threads = [threading.Thread(target=drive, args=(c, k)) for k, c in enumerate(users)]
    reader = threading.Thread(target=read)
    started = time.perf_counter()
    for t in (*threads, reader):
        t.start()
    time.sleep(duration)
    stop.set()
    for t in (*threads, reader):
        t.join()
    elapsed = time.perf_counter() - started
    # Nothing lost: every submission the API accepted is done and accepted.
    lost = 0
    for owner, sid in ids:
        status, body = owner.request("GET", f"/api/submissions/{sid}")
        if status != 200 or body.get("status") != "done" or body.get("verdict") != "accepted":
            lost += 1
    return {"latencies": latencies, "elapsed": elapsed, "submitted": submitted[0],
            "finished": len(ids), "errors": errors, "lost": lost}


def naive_runs(args: argparse.Namespace, runs: int) -> list[float]:
    script = NAIVE.format(root=str(ROOT), folder=str(ROOT / "problems" / args.problem),
                          refs=str(ROOT / "reference"), solution=str(args.solution))
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              env={"PATH": "/usr/bin:/bin", "JAX_PLATFORMS": "cpu"})
        times.append((time.perf_counter() - started) * 1000)
        assert done.stdout.strip() == "accepted", done.stderr[-2000:]
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", default=DEFAULT_SLUG)
    parser.add_argument("--solution", type=Path,
                        default=ROOT / "reference" / "flax_transposed_conv_1d.py",
                        help="a correct solution (default: the seed problem's reference)")
    parser.add_argument("--other", type=Path,
                        default=ROOT / "problems" / DEFAULT_SLUG / "solutions" / "correct" / "scatter_add.py",
                        help="a correct solution written differently (its compiled code is not cached)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of sustained load")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients under load")
    parser.add_argument("--latency-runs", type=int, default=30)
    parser.add_argument("--other-runs", type=int, default=8)
    parser.add_argument("--naive-runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="serve --workers (default: its own)")
    parser.add_argument("--keep", action="store_true", help="keep the data directory and serve.log")
    parser.add_argument("--framework", choices=("numpy", "pytorch"), default=None,
                        help="compare this framework's warm submissions with JAX's (see above)")
    parser.add_argument("--framework-solution", type=Path, default=None,
                        help="a correct solution in --framework (default: the problem's first)")
    args = parser.parse_args()
    if args.framework:
        if args.solution == parser.get_default("solution"):
            args.solution = ROOT / "reference" / f"{args.problem.replace('-', '_')}.py"
        args.framework_solution = args.framework_solution or frameworks.default_solution(
            ROOT, args.problem, args.framework)
    code = args.solution.read_text()
    other = args.other.read_text()

    data = Path(tempfile.mkdtemp(prefix="tj-bench-"))
    os.chmod(data, 0o711)  # the sandbox uid must traverse it to read the compile cache
    port = free_port()
    print(f"# bench/grading.py  {time.strftime('%Y-%m-%d %H:%M:%S %Z')}  host cpus={os.cpu_count()}  "
          f"load before: {load()}", flush=True)
    server = start_server(args, data, port)
    sampler = RssSampler(server.pid)
    try:
        started = time.perf_counter()
        wait_ready(port, args.problem, server)
        ready_s = time.perf_counter() - started
        # Start-up warming (known mistakes' outputs for hints) runs for tens of seconds at
        # the lowest priority; measured beside it, latency would be start-up's, not the
        # service's (bench/warming.py measures that case).
        wait_idle(port)
        idle_s = time.perf_counter() - started
        sampler.start()
        client = signup(port, f"bench-{uuid.uuid4().hex[:8]}")
        if args.framework:
            times = frameworks.compare(client, args.problem, code, args.framework_solution.read_text(),
                                       args.framework, args.latency_runs)
            print(f"problem {args.problem}; serve ready after {time.perf_counter() - started:.1f} s; "
                  f"load now: {load()}")
            frameworks.report(times, args.framework, frameworks.fork_servers(server.pid), line,
                              {"jax": args.solution.name, args.framework: args.framework_solution.name})
            print(f"peak RSS of the server process tree: {sampler.peak / 2**20:.0f} MiB")
            return
        for i in range(2):  # warm every worker's fork server once
            client.submit(args.problem, f"{code}\n# warm-up {i} {uuid.uuid4().hex}\n")
        runs = [client.submit(args.problem, f"{code}\n# latency run {i} {uuid.uuid4().hex}\n")
                for i in range(args.latency_runs)]
        latency = [seconds * 1000 for _, seconds in runs]
        different = [client.submit(args.problem, f"{other}\n# other run {i} {uuid.uuid4().hex}\n")[1] * 1000
                     for i in range(args.other_runs)]
        reads: dict[str, list[float]] = {"GET /api/problems": [], "GET /api/submissions/{id}": []}
        load_during = []
        loaded = throughput(port, args.problem, code, args.clients, args.duration,
                            Client(port, client.token), runs[-1][0], reads)
        load_during.append(load())
        sampler.stop.set()
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        if args.keep:
            print(f"# data directory kept: {data}")
        else:
            shutil.rmtree(data, ignore_errors=True)
    naive = naive_runs(args, args.naive_runs)

    n_cases = sum(1 for text in (ROOT / "problems" / args.problem / "problem.toml").read_text()
                  .splitlines() if text.strip() == "[[cases]]")
    workers = args.workers if args.workers is not None else os.cpu_count()
    print(f"problem {args.problem}: {n_cases} cases, all graded per submission; serve --workers "
          f"{workers}, SQLite; ready (expected outputs + compile cache warmed) after {ready_s:.1f} s, "
          f"warming done after {idle_s:.1f} s")
    print("latency = POST /api/submissions -> 'done' event read from /events, one client")
    print(line(f"API, {args.solution.name}", latency))
    print(line(f"API, {args.other.name} (not in compile cache)", different))
    rate = loaded["finished"] / loaded["elapsed"]
    print(f"load: {args.clients} clients for {loaded['elapsed']:.1f} s: {loaded['finished']} verdicts, "
          f"{rate:.2f} submissions/s; submitted {loaded['submitted']}, errors "
          f"{len(loaded['errors'])}, lost {loaded['lost']}; load average at end {load_during[0]}")
    for error in loaded["errors"][:3]:
        print(f"  error: {error[:300]}")
    print(line("API under load, per submission", loaded["latencies"]))
    for key, values in reads.items():
        print(line(f"{key} under load", values))
    print(f"peak RSS of the server process tree: {sampler.peak / 2**20:.0f} MiB")
    print(line("naive: fresh interpreter, no caches", naive))
    print(f"ratio naive p50 / API p50: {statistics.median(naive) / statistics.median(latency):.1f}x"
          f"   (load after: {load()})")


if __name__ == "__main__":
    main()
