"""Load test: many mixed submissions from concurrent clients against a real ``serve``.

    .venv/bin/python bench/load.py [--submissions 200] [--clients 10] [--workers 2]
                                   [--db sqlite|postgresql]

Starts ``tensorjudge serve`` (its own data directory, the tiny NumPy problem) on SQLite
or on a fresh database on the PostgreSQL at 127.0.0.1:5432.  First grades one
submission of each kind alone (correct, wrong, crashing, timing out, memory-hungry) to
learn the verdict each deserves; then ``--clients`` threads, each its own learner, send
the submissions (kinds interleaved, each text unique) and poll until all are done.
Checks: every submission done, verdict equal to the graded-alone one, one job and one
attempt each, one set of case rows each, queue empty.  Prints API latency (POST and
GET, p50/p95/p99/max) and throughput.  All clients share 127.0.0.1, so the per-IP
request limit is raised for the run.  Run as root (the sandbox needs it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx2 as httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.serving import free_port, start_serve, wait_published  # noqa: E402
from tests.tiny_problem import TINY_REFERENCE, write_tiny_problem  # noqa: E402

KINDS = {
    "correct": TINY_REFERENCE,
    "wrong": "def add(a, b):\n    return a - b\n",
    "crashing": "def add(a, b):\n    raise RuntimeError('boom')\n",
    "timing_out": "def add(a, b):\n    while True:\n        pass\n",
    "memory_hungry": "import numpy as np\n\ndef add(a, b):\n    x = np.ones(400_000_000, np.uint8)\n"
                     "    return a + b + x[-1]\n",
}
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if ordered else 0.0


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50_ms": round(percentile(values, 50), 1),
            "p95_ms": round(percentile(values, 95), 1), "p99_ms": round(percentile(values, 99), 1),
            "max_ms": round(max(values, default=0.0), 1),
            "mean_ms": round(statistics.fmean(values), 1) if values else 0.0}


class Server:
    """``tensorjudge serve`` in its own process group, on a fresh database."""

    def __init__(self, db: str, workers: int):
        self.data_dir = ROOT / ".bench-data" / f"load-{uuid.uuid4().hex[:8]}"
        self.data_dir.mkdir(parents=True)
        self.problems = Path(tempfile.mkdtemp(prefix="tj-load-"))
        problems_dir, reference_dir = write_tiny_problem(self.problems)
        self.pg_name = None
        env = {**os.environ, "TENSORJUDGE_DATA_DIR": str(self.data_dir),
               "TENSORJUDGE_PROBLEMS_DIR": str(problems_dir),
               "TENSORJUDGE_REFERENCE_DIR": str(reference_dir),
               "TENSORJUDGE_REQUESTS_PER_IP_PER_MINUTE": "1000000"}
        if db == "postgresql":
            import psycopg

            self.pg_name = f"tj_load_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.pg_name}"')
            env["TENSORJUDGE_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{self.pg_name}"
        self.db_url = env.get("TENSORJUDGE_DATABASE_URL", f"sqlite:///{self.data_dir / 'tensorjudge.db'}")
        self.port = free_port()
        self.log = open(self.data_dir / "serve.log", "wb")  # noqa: SIM115
        self.process = start_serve(env, self.port, workers, log=self.log)
        self.base = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 180) -> None:
        with httpx.Client(base_url=self.base, timeout=10) as client:
            wait_published(client, process=self.process, timeout=timeout,
                           log_hint=f"; see {self.data_dir / 'serve.log'}")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        if self.pg_name:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        shutil.rmtree(self.problems, ignore_errors=True)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def login(client: httpx.Client, name: str) -> dict[str, str]:
    client.post("/api/auth/register", json={"username": name, "password": "load-password"})
    token = client.post("/api/auth/login", json={"username": name, "password": "load-password"})
    return {"Authorization": f"Bearer {token.json()['token']}"}


def wait_done(client: httpx.Client, headers: dict, sid: int, timeout: float,
              latencies: list[float] | None = None) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = time.perf_counter()
        got = client.get(f"/api/submissions/{sid}", headers=headers)
        if latencies is not None:
            latencies.append((time.perf_counter() - started) * 1000)
        if got.status_code == 200 and got.json()["status"] == "done":
            return got.json()
        time.sleep(0.25)
    raise RuntimeError(f"submission {sid} not done after {timeout} s")


def baseline(base: str) -> dict[str, str]:
    """The verdict each kind gets when it is graded alone."""
    with httpx.Client(base_url=base, timeout=30) as client:
        headers = login(client, "alone")
        verdicts = {}
        for kind, code in KINDS.items():
            sid = client.post("/api/submissions", headers=headers,
                              json={"problem": "vector-add", "code": code}).json()["id"]
            verdicts[kind] = wait_done(client, headers, sid, 120)["verdict"]
        return verdicts


def run_load(submissions: int = 200, clients: int = 10, workers: int = 2, db: str = "sqlite",
             timeout: float = 900) -> dict:
    """Run the load against a fresh server; return figures and the invariants' outcome."""
    server = Server(db, workers)
    try:
        server.wait_ready()
        expected = baseline(server.base)
        kinds = list(KINDS)
        post_ms: list[float] = []
        get_ms: list[float] = []
        sent: list[tuple[int, str, int]] = []  # (submission id, kind, http status)
        errors: list[str] = []
        lock = threading.Lock()

        def client_run(number: int) -> None:
            try:
                with httpx.Client(base_url=server.base, timeout=60) as client:
                    headers = login(client, f"learner{number}")
                    mine = []
                    for index in range(number, submissions, clients):
                        kind = kinds[index % len(kinds)]
                        code = KINDS[kind] + f"\n# submission {index}\n"
                        started = time.perf_counter()
                        reply = client.post("/api/submissions", headers=headers,
                                            json={"problem": "vector-add", "code": code})
                        elapsed = (time.perf_counter() - started) * 1000
                        with lock:
                            post_ms.append(elapsed)
                        if reply.status_code != 202:
                            with lock:
                                errors.append(f"POST {reply.status_code}: {reply.text[:200]}")
                            continue
                        mine.append((reply.json()["id"], kind))
                    for sid, kind in mine:
                        result = wait_done(client, headers, sid, timeout, get_ms)
                        with lock:
                            sent.append((sid, kind, 200))
                            if result["verdict"] != expected[kind]:
                                errors.append(f"submission {sid} ({kind}): {result['verdict']}, "
                                              f"alone {expected[kind]}")
            except Exception as exc:  # reported, and the run fails
                with lock:
                    errors.append(f"client {number}: {type(exc).__name__}: {exc}")

        started = time.monotonic()
        threads = [threading.Thread(target=client_run, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall_s = time.monotonic() - started
        checks = verify(server.db_url, [sid for sid, _, _ in sent])
        return {"db": db, "submissions": submissions, "clients": clients, "workers": workers,
                "done": len(sent), "wall_s": round(wall_s, 1),
                "graded_per_s": round(len(sent) / wall_s, 2) if wall_s else 0.0,
                "alone": expected, "post": summary(post_ms), "get": summary(get_ms),
                "errors": errors, **checks}
    finally:
        server.close()


def verify(db_url: str, ids: list[int]) -> dict:
    """Exactly-once and drained-queue checks, straight from the database."""
    from sqlalchemy import func, select

    from app.db import make_engine, make_sessionmaker
    from app.models import CaseResultRow, Job, JobStatus, Submission

    engine = make_engine(db_url)
    try:
        with make_sessionmaker(engine)() as session:
            jobs = session.execute(select(Job.submission_id, func.count(), func.max(Job.attempts))
                                   .where(Job.submission_id.in_(ids))
                                   .group_by(Job.submission_id)).all()
            duplicate_rows = session.execute(
                select(CaseResultRow.submission_id, CaseResultRow.idx, func.count())
                .where(CaseResultRow.submission_id.in_(ids))
                .group_by(CaseResultRow.submission_id, CaseResultRow.idx)
                .having(func.count() > 1)).all()
            left = session.scalar(select(func.count()).select_from(Job)
                                  .where(Job.status != JobStatus.DONE))
            not_done = session.scalar(select(func.count()).select_from(Submission)
                                      .where(Submission.id.in_(ids), Submission.verdict.is_(None)))
    finally:
        engine.dispose()
    return {"jobs_not_one": sum(1 for _, count, _ in jobs if count != 1) + (len(ids) - len(jobs)),
            "regraded": sum(1 for _, _, attempts in jobs if attempts != 1),
            "duplicate_case_rows": len(duplicate_rows), "queue_left": left,
            "without_verdict": not_done}


def ok(figures: dict) -> bool:
    return (figures["done"] == figures["submissions"] and not figures["errors"]
            and figures["jobs_not_one"] == 0 and figures["regraded"] == 0
            and figures["duplicate_case_rows"] == 0 and figures["queue_left"] == 0
            and figures["without_verdict"] == 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    figures = run_load(args.submissions, args.clients, args.workers, args.db)
    print(json.dumps(figures, indent=2))
    print(f"{figures['db']}: {figures['done']}/{figures['submissions']} done in {figures['wall_s']} s "
          f"({figures['graded_per_s']}/s) with {figures['workers']} workers; "
          f"POST p50 {figures['post']['p50_ms']} ms p95 {figures['post']['p95_ms']} ms; "
          f"GET p50 {figures['get']['p50_ms']} ms p95 {figures['get']['p95_ms']} ms; "
          f"{'OK' if ok(figures) else 'FAILED'}")
    sys.exit(0 if ok(figures) else 1)


if __name__ == "__main__":
    main()
