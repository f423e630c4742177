"""Benchmark: N concurrent claimers against a deep job queue on PostgreSQL.

    .venv/bin/python bench/claims.py [--url postgresql://postgres@127.0.0.1/postgres]
                                     [--jobs 5000] [--claimers 1,2,4,8,16]

For each claimer count, creates a fresh database, applies the migrations, fills the
queue with ``--jobs`` jobs, then starts that many claimer *processes*.  Each one does
what a worker does per job, minus the grading: claim (``app.jobs.repository.claim``: UPDATE ...
WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1)), then, in a second
transaction, lock the job as its owner and mark it done (``lock_owned`` + ``finish``).
Prints claims per second, and proves there were no double claims: every job was
claimed exactly once (``attempts = 1``) and no two claimers report the same job.

Claims/s divided by one worker host's grading rate is how many worker hosts one
database can feed (``docs/scaling.md``).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.db import make_engine, make_sessionmaker, normalize_url  # noqa: E402
from app.jobs import repository as queue  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.models import Job, JobKind, JobStatus  # noqa: E402


def claimer(url: str, start: multiprocessing.Event, out: multiprocessing.Queue) -> None:
    sessions = make_sessionmaker(make_engine(url))
    worker_id = f"bench:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    claimed: list[int] = []
    start.wait()
    while True:
        with sessions() as session:
            claim = queue.claim(session, worker_id, lease_s=30)
        if claim is None:
            break
        with sessions() as session:
            job = queue.lock_owned(session, claim.job_id, worker_id)
            queue.finish(session, job)
            session.commit()
        claimed.append(claim.job_id)
    out.put(claimed)


def run_once(admin_url: str, jobs: int, claimers: int) -> tuple[float, int, int, int]:
    name = f"tj_bench_queue_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalize_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalize_url(admin_url)).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(insert(Job), [{"kind": JobKind.VALIDATE, "status": JobStatus.QUEUED,
                                        "attempts": 0} for _ in range(jobs)])
        ctx = multiprocessing.get_context("spawn")
        start, out = ctx.Event(), ctx.Queue()
        procs = [ctx.Process(target=claimer, args=(url, start, out)) for _ in range(claimers)]
        for p in procs:
            p.start()
        time.sleep(2.0)  # let every claimer import and connect before the clock starts
        started = time.perf_counter()
        start.set()
        results = [out.get() for _ in procs]
        elapsed = time.perf_counter() - started
        for p in procs:
            p.join()
        ids = [job_id for chunk in results for job_id in chunk]
        with engine.connect() as conn:
            double = conn.scalar(select(func.count()).select_from(Job).where(Job.attempts != 1))
            undone = conn.scalar(select(func.count()).select_from(Job)
                                 .where(Job.status != JobStatus.DONE))
        engine.dispose()
        duplicates = len(ids) - len(set(ids))
        return elapsed, len(ids), duplicates + double, undone
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("TENSORJUDGE_BENCH_PG",
                                                        "postgresql://postgres@127.0.0.1/postgres"),
                        help="a PostgreSQL database whose role may CREATE DATABASE")
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--claimers", default="1,2,4,8,16")
    args = parser.parse_args()
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"# bench/claims.py  {time.strftime('%Y-%m-%d %H:%M:%S %Z')}  host cpus={os.cpu_count()}  "
          f"load before: {load}  database {make_url(args.url).host}")
    print("claim + finish per job (two transactions, as a worker does); claimers are processes")
    for n in (int(v) for v in args.claimers.split(",")):
        elapsed, claimed, doubles, undone = run_once(args.url, args.jobs, n)
        print(f"claimers={n:<3} jobs={claimed:<6} {claimed / elapsed:8.0f} claims/s  "
              f"double claims={doubles}  left unclaimed={undone}")


if __name__ == "__main__":
    main()
