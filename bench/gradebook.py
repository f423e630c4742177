"""Benchmark: a course's gradebook (JSON and CSV) and a problem's statistics on PostgreSQL.

    .venv/bin/python bench/gradebook.py [--url postgresql://postgres@127.0.0.1/postgres]
                                        [--learners 500] [--problems 11] [--attempts 20]
                                        [--repeat 30]

Creates a fresh database, applies the migrations up to the one before 0010 (the
gradebook cells), and seeds (with COPY) one course of ``--learners`` learners, each
with ``--attempts`` graded full submissions on each of ``--problems`` problems spread
over three assignments (500 x 11 x 20 = 110,000 submissions, 4 case results each:
440,000 rows), plus ``--outside`` practice submissions by the same learners outside
any course (110,000 by default).  Each learner's attempts on a problem fail with
hinted wrong answers until one is accepted (or none is, for about a third).  Then it
migrates to head: 0010 back-fills ``gradebook_cells`` from the seeded submissions
exactly as it does on a deployed database (the worker keeps them up to date as it
grades, which this bench does not exercise).

Then times, through the real app in-process (routing, auth, SQL, serialisation):
the gradebook as JSON, the gradebook as CSV, one problem's statistics, and, as the
baseline, the course page (``GET /api/courses/{slug}``).  Prints p50/p95 per answer
and its ratio to the baseline's p50.  Target: p95 <= 300 ms for each.

``--without-index`` repeats the timings after dropping ``ix_submissions_assignment_user``
(migration 0007), to show what that index buys (the statistics read submissions; the
gradebook reads only its cells).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

import psycopg  # noqa: E402
from alembic.script import ScriptDirectory  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from app.auth.service import service_token  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import make_engine, make_sessionmaker  # noqa: E402
from app.main import create_app  # noqa: E402
from app.migrate import alembic_config, upgrade  # noqa: E402
from app.models import Role  # noqa: E402

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CELLS = "0010"  # the migration creating and back-filling gradebook_cells
WRONG_CASES = [("padding", "pad-left"), ("stride", None), ("kernel-flip", "flip"), ("scale", None)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def copy_rows(conn: psycopg.Connection, table: str, columns: list[str], rows) -> None:  # noqa: ANN001
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def seed(conn_str: str, learners: int, problems: int, attempts: int, outside: int
         ) -> tuple[int, int]:
    """Seed the course; returns (submissions, case results)."""
    rng = random.Random(7)
    with psycopg.connect(conn_str) as conn:
        cur = conn.cursor()
        # ASCII lower-case names: their comparison key (models.username_key) is the name.
        cur.execute("INSERT INTO users (username, username_key, password_hash, role, created_at) "
                    "SELECT 'learner' || lpad(g::text, 4, '0'), 'learner' || lpad(g::text, 4, '0'), "
                    "NULL, 'learner', now() FROM generate_series(1, %s) g", (learners,))
        user_ids = [r[0] for r in cur.execute("SELECT id FROM users ORDER BY id")]
        version_ids, problem_ids = [], []
        for p in range(problems):
            pid = cur.execute("INSERT INTO problems (slug, archived, created_at) VALUES (%s, false, now()) "
                              "RETURNING id", (f"problem-{p:02d}",)).fetchone()[0]
            vid = cur.execute(
                "INSERT INTO problem_versions (problem_id, version, status, status_detail, fingerprint,"
                " title, manifest, statement, starter, reference, harness_code, examples, created_at)"
                " VALUES (%s, 1, 'ready', '', %s, %s, %s, '', '', '', '', '[]', now()) RETURNING id",
                (pid, f"fp{p}", f"Problem {p}", json.dumps({"entry": "f"}))).fetchone()[0]
            cur.execute("UPDATE problems SET current_version_id = %s WHERE id = %s", (vid, pid))
            cur.execute("INSERT INTO known_mistakes (problem_id, key, origin, code, explanation, category,"
                        " created_at) VALUES (%s, 'pad-left', 'pack', '', 'Pads only on the left.',"
                        " 'padding', now()), (%s, 'flip', 'pack', '', 'Flips the kernel.',"
                        " 'kernel-flip', now())", (pid, pid))
            version_ids.append(vid)
            problem_ids.append(pid)
        course = cur.execute("INSERT INTO courses (slug, title, join_code, created_at) VALUES "
                             "('bench', 'Bench', 'BENCHCODE', now()) RETURNING id").fetchone()[0]
        assignment_of = {}
        chunks = [problem_ids[i::3] for i in range(3)]
        for n, chunk in enumerate(chunks):
            aid = cur.execute(
                "INSERT INTO assignments (course_id, title, opens_at, due_at, late, created_at) VALUES "
                "(%s, %s, %s, %s, 'accept', now()) RETURNING id",
                (course, f"Week {n + 1}", T0 - timedelta(days=1), T0 + timedelta(days=7 * (n + 1)))
            ).fetchone()[0]
            for position, pid in enumerate(chunk):
                cur.execute("INSERT INTO assignment_problems VALUES (%s, %s, %s)", (aid, pid, position))
                assignment_of[pid] = aid
        copy_rows(conn, "course_members", ["course_id", "user_id", "role", "joined_at"],
                  ((course, uid, "learner", T0) for uid in user_ids))
        next_id = 1
        subs, cases = [], []
        for uid in user_ids:
            for pid, vid in zip(problem_ids, version_ids, strict=True):
                accept_at = rng.randrange(attempts) if rng.random() < 0.66 else None
                for k in range(attempts):
                    accepted = k == accept_at
                    wrong = WRONG_CASES[rng.randrange(len(WRONG_CASES))]
                    at = T0 + timedelta(minutes=3 * k + rng.random())
                    passed = 4 if accepted else rng.randrange(4)
                    subs.append((next_id, uid, vid, "submit", "# seeded", "done",
                                 "accepted" if accepted else "wrong_answer", passed, 4, "", at, at,
                                 assignment_of[pid], False))
                    for idx in range(4):
                        ok = idx < passed
                        data: dict = {"verdict": "accepted" if ok else "wrong_answer"}
                        if not ok:
                            data.update(hint_category=wrong[0], mistake=wrong[1])
                        cases.append((next_id, idx, "example" if idx == 0 else f"hidden-{idx}",
                                      idx == 0, data["verdict"], json.dumps(data)))
                    next_id += 1
        # As many practice attempts outside the course (no assignment): the course's
        # queries must not read them.
        practice = [(next_id + i, *row[1:12], None, False) for i, row in enumerate(subs[:outside])]
        next_id += len(practice)
        subs += practice
        copy_rows(conn, "submissions", ["id", "user_id", "problem_version_id", "mode", "code",
                                        "status", "verdict", "passed", "total", "stdout",
                                        "created_at", "finished_at", "assignment_id", "late"], subs)
        cur.execute("SELECT setval('submissions_id_seq', %s)", (next_id,))
        copy_rows(conn, "case_results", ["submission_id", "idx", "name", "visible", "verdict", "data"],
                  cases)
        conn.commit()
    return len(subs), len(cases)


def settle(conn_str: str) -> None:
    with psycopg.connect(conn_str, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # hint bits and visibility map, as a settled database has


def timed(client: TestClient, path: str, headers: dict[str, str], repeat: int) -> list[float]:
    client.get(path, headers=headers)  # warm: plans, pools
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        answer = client.get(path, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, answer.text
    return times


def measure(client: TestClient, token: str, repeat: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    csv_headers = {**headers, "Accept": "text/csv"}
    runs = {
        "course page (baseline)": timed(client, "/api/courses/bench", headers, repeat),
        "gradebook JSON": timed(client, "/api/courses/bench/gradebook", headers, repeat),
        "gradebook CSV": timed(client, "/api/courses/bench/gradebook", csv_headers, repeat),
        "problem stats": timed(client, "/api/courses/bench/problems/problem-00/stats", headers, repeat),
    }
    base = statistics.median(runs["course page (baseline)"])
    print(f"{'answer':<24}{'p50 ms':>9}{'p95 ms':>9}{'x baseline p50':>16}  target p95 <= 300 ms")
    for name, times in runs.items():
        p50, p95 = statistics.median(times), percentile(times, 95)
        verdict = "" if name.startswith("course") else ("ok" if p95 <= 300 else "MISSED")
        print(f"{name:<24}{p50:>9.1f}{p95:>9.1f}{p50 / base:>16.1f}  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--problems", type=int, default=11)
    parser.add_argument("--attempts", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--outside", type=int, default=110_000,
                        help="practice submissions outside the course (at most the course's)")
    parser.add_argument("--without-index", action="store_true")
    args = parser.parse_args()
    name = f"tj_bench_gradebook_{uuid.uuid4().hex[:8]}"
    admin = args.url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0] + f"/{name}"
    try:
        # Seed at the revision before the gradebook cells, then let their migration
        # back-fill them from the seeded submissions, as on a deployed database.
        upgrade(url, ScriptDirectory.from_config(alembic_config(url)).get_revision(CELLS).down_revision)
        start = time.perf_counter()
        subs, cases = seed(url, args.learners, args.problems, args.attempts, args.outside)
        print(f"seeded {args.learners} learners x {args.problems} problems x {args.attempts} "
              f"attempts = {subs - args.outside:,} course submissions (+{args.outside:,} outside "
              f"any course), {cases:,} case results in "
              f"{time.perf_counter() - start:.0f} s")
        start = time.perf_counter()
        upgrade(url)
        print(f"migrated to head (migration {CELLS} back-fills the gradebook cells) in "
              f"{time.perf_counter() - start:.1f} s")
        settle(url)
        with tempfile.TemporaryDirectory() as data:
            settings = Settings(database_url=url, data_dir=Path(data),
                                requests_per_ip_per_minute=1_000_000)
            token = service_token(make_sessionmaker(make_engine(url))(), Role.INSTRUCTOR, "prof", "b")
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("INSERT INTO course_members SELECT c.id, u.id, 'instructor', now() "
                             "FROM courses c, users u WHERE u.username = 'prof'")
            with TestClient(create_app(settings)) as client:
                measure(client, token, args.repeat)
                if args.without_index:
                    with psycopg.connect(url, autocommit=True) as conn:
                        conn.execute("DROP INDEX ix_submissions_assignment_user")
                        conn.execute("VACUUM ANALYZE submissions")
                    print("\nwithout ix_submissions_assignment_user:")
                    measure(client, token, args.repeat)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
