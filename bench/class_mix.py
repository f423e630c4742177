"""Benchmark: the submissions a class really sends, through the HTTP API to a real ``serve``.

    .venv/bin/python bench/class_mix.py [--sample N] [--seed 20] [--workers 2]
                                        [--passes embedded] [--db sqlite|postgresql]
                                        [--reference-repeats 1] [--mode submit|run]

The corpus is every file under ``problems/*/solutions/`` (right and wrong, every
problem), the hint corpus (``bench/hint_corpus/*/*.py``, wrong answers written the way
learners write them) and each problem's reference, in four categories:

- ``reference-like``: the reference itself (``--reference-repeats`` times);
- ``correct, written differently``: ``solutions/correct/``;
- ``wrong answer``: ``solutions/wrong/`` files expecting ``wrong_answer`` and the hint corpus;
- ``runtime/compile error``: ``solutions/wrong/`` files expecting either error.

Each file is submitted once, with a unique trailing comment, in an order shuffled with
``--seed`` (``--sample N`` keeps the first N of that order), one client at a time, so
every submission is first sight: no cache of results for identical code can answer.
POST-to-verdict is the time from the POST to the SSE ``done`` event; POST-to-first-case
the time to the first ``case`` event.  ``cpu`` is the sandboxed CPU time of the
submission (the sum of its cases' ``cpu_ms``, what the time limits count); ``tree cpu``
is the CPU time the whole server process tree (API, workers, fork servers, sandboxed
children) used during the pass, per submission.

A pass is one server configuration, all graded with the same files in the same order:
- ``embedded``: ``serve --workers N`` (the default topology);
- ``split``: ``serve --workers 0`` plus a separate ``tensorjudge worker --concurrency N``
  with its own data directory (as on another host: its datagrams never reach the API),
  on PostgreSQL; SSE streams are woken by PostgreSQL ``LISTEN/NOTIFY``;
- ``split-poll``: the same with the API's LISTEN turned off (streams poll every 100 ms),
  the multi-host baseline;
- any of these with ``+no-init-cache``: the cached ``init_all`` outputs are set aside
  for the pass (the baseline of that lever, ``sandbox/programs.py``);
- any of these with ``+one-slot``: ``TENSORJUDGE_SANDBOX_SLOTS=1``, a Submit's hidden
  cases run after its visible ones instead of beside them (that lever's baseline);
- any of these with ``+fusion-emitters``: the sandboxed children's XLA compiles with its
  MLIR fusion emitters, as before ``sandbox/stack.py`` turned them off (that lever's
  baseline; expected outputs are computed again under that stack's key).
Passes run one after the other, on one shared data directory: expected outputs and the
reference's compile cache are computed once (learners' runs never write there).  Before
timing, a pass waits until every problem is ready and every warming piece is done.
Run as root (the sandbox needs it).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/queue.py (now claims.py) would shadow the standard library's queue (psycopg needs it): import
# from the repository root instead of the script's folder, and psycopg before
# bench/warming.py puts bench/ back first on sys.path.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
import psycopg  # noqa: E402

from app.problems.solutions import parse_framework  # noqa: E402
from bench.grading import Client, events, free_port, load, percentile, signup  # noqa: E402
from bench.warming import wait_idle  # noqa: E402

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
HINT_CORPUS = ROOT / "bench" / "hint_corpus"
BENCH_PROBLEMS = ROOT / "bench" / "hint_problems"
CATEGORIES = ("reference-like", "correct, written differently", "wrong answer",
              "runtime/compile error", "other limits")
EXPECT = re.compile(r"^#\s*expect:\s*(\w+)", re.MULTILINE)


@dataclass
class Item:
    slug: str
    path: Path
    category: str
    expected: str
    framework: str = "jax"  # the file's ``# framework:`` line


@dataclass
class Outcome:
    item: Item
    submission_id: int
    verdict: str
    total_ms: float
    first_case_ms: float | None
    cpu_ms: float
    queue_ms: float = 0.0  # created -> a worker started it
    grading_ms: float = 0.0  # the worker's Grader.grade, wall clock


@dataclass
class Pass:
    label: str
    outcomes: list[Outcome] = field(default_factory=list)
    tree_cpu_s: float = 0.0
    wall_s: float = 0.0
    ready_s: float = 0.0
    note: str = ""


def corpus(reference_repeats: int) -> list[Item]:
    """Every file of the mix with its category and the verdict it deserves."""
    items: list[Item] = []
    for folder in sorted((ROOT / "problems").iterdir()):
        if not (folder / "problem.toml").exists():
            continue
        slug = folder.name
        reference = ROOT / "reference" / f"{slug.replace('-', '_')}.py"
        items += [Item(slug, reference, "reference-like", "accepted")] * reference_repeats
        for path in sorted((folder / "solutions").glob("*/*.py")):
            found = EXPECT.search(path.read_text())
            expected = found.group(1) if found else "accepted"
            if expected == "accepted":
                category = "correct, written differently"
            elif expected == "wrong_answer":
                category = "wrong answer"
            elif expected in ("runtime_error", "compile_error"):
                category = "runtime/compile error"
            else:
                category = "other limits"
            items.append(Item(slug, path, category, expected,
                              parse_framework(path.read_text(), path)))
    for path in sorted(HINT_CORPUS.glob("*/*.py")):
        items.append(Item(path.parent.name, path, "wrong answer", "wrong_answer"))
    return items


def problem_dirs(base: Path, slugs: set[str]) -> tuple[Path, Path]:
    """A problems folder and a reference folder holding ``slugs`` (pack or bench-only)."""
    problems, references = base / "problems", base / "reference"
    for folder in (problems, references):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    for source in (ROOT / "problems", BENCH_PROBLEMS / "problems"):
        for folder in source.iterdir():
            if (folder / "problem.toml").exists() and folder.name in slugs:
                os.symlink(folder, problems / folder.name)
    for source in (ROOT / "reference", BENCH_PROBLEMS / "reference"):
        for path in source.glob("*.py"):
            os.symlink(path, references / path.name)
    return problems, references


def tree_cpu_s(root_pid: int) -> float:
    """CPU seconds used by ``root_pid`` and its descendants, reaped ones included."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
        cpu[int(entry)] = sum(int(v) for v in fields[11:15]) / tick
    total, stack = 0.0, [root_pid]
    while stack:
        pid = stack.pop()
        total += cpu.get(pid, 0.0)
        stack.extend(children.get(pid, []))
    return total


def follow(port: int, token: str, submission_id: int, started: float) -> tuple[dict, float | None]:
    """Read the SSE stream to ``done``; its data and when the first ``case`` came (s)."""
    first_case = None
    for event, data, seconds in events(port, token, submission_id, started, timeout=600):
        if event == "case" and first_case is None:
            first_case = seconds
        elif event == "done":
            return data, first_case
    raise RuntimeError(f"submission {submission_id}: stream ended without done")


class Server:
    """One pass's server: ``serve`` (and, split, a separate worker) in their own sessions."""

    def __init__(self, args: argparse.Namespace, topology: str, base: Path, dirs: tuple[Path, Path],
                 variant: str = ""):
        self.processes: list[subprocess.Popen] = []
        self.pg_name: str | None = None
        self.port = free_port()
        data = base / "data"
        env = {**os.environ, "TENSORJUDGE_DATA_DIR": str(data),
               "TENSORJUDGE_PROBLEMS_DIR": str(dirs[0]), "TENSORJUDGE_REFERENCE_DIR": str(dirs[1]),
               "TENSORJUDGE_SUBMISSIONS_PER_MINUTE": "100000",
               "TENSORJUDGE_REQUESTS_PER_IP_PER_MINUTE": "1000000"}
        db = "postgresql" if topology.startswith("split") else args.db
        if db == "postgresql":
            self.pg_name = f"tj_mix_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.pg_name}"')
            env["TENSORJUDGE_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{self.pg_name}"
        else:
            (data / "tensorjudge.db").unlink(missing_ok=True)
        self.db_url = env.get("TENSORJUDGE_DATABASE_URL", f"sqlite:///{data / 'tensorjudge.db'}")
        if topology == "split-poll":
            env["TENSORJUDGE_NOTIFY_LISTEN"] = "0"
        if variant == "one-slot":
            env["TENSORJUDGE_SANDBOX_SLOTS"] = "1"
        if variant == "fusion-emitters":
            env["TENSORJUDGE_CHILD_XLA_FLAGS"] = "--xla_backend_optimization_level=0"
        self.db = db
        log = open(base / f"serve-{topology}.log", "ab")  # noqa: SIM115 - closed with the process
        workers = 0 if topology.startswith("split") else args.workers
        self.processes.append(subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(self.port), "--workers", str(workers)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        if topology.startswith("split"):
            # Another host: its own data directory, so the API never hears its datagrams.
            # Its expected outputs and compile cache are the shared ones (computed once).
            other = base / "data-worker"
            other.mkdir(exist_ok=True)
            os.chmod(other, 0o711)
            for name, mode in (("expected", 0o700), ("xla-cache", 0o711)):
                (data / name).mkdir(parents=True, exist_ok=True)
                os.chmod(data, 0o711)
                os.chmod(data / name, mode)
                if (other / name).is_symlink():
                    (other / name).unlink()
                os.symlink(data / name, other / name)
            self._wait_schema(env["TENSORJUDGE_DATABASE_URL"])
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "app", "worker", "--concurrency", str(args.workers)],
                cwd=ROOT, env={**env, "TENSORJUDGE_DATA_DIR": str(other)}, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True))

    def _wait_schema(self, url: str, timeout: float = 120) -> None:
        """Until serve has migrated the database (a worker needs the tables)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes[0].poll() is not None:
                raise RuntimeError("serve exited")
            try:
                with psycopg.connect(url) as conn:
                    if conn.execute("SELECT to_regclass('jobs')").fetchone()[0]:
                        return
            except psycopg.Error:
                pass
            time.sleep(0.5)
        raise RuntimeError("serve did not create the schema")

    def stored_figures(self, outcomes: list[Outcome]) -> None:
        """Fill each outcome's sandboxed CPU (the sum of its cases' ``cpu_ms``: the API
        shows no figures of hidden cases), queue wait and grading time from the database."""
        from sqlalchemy import select

        from app.db import make_engine, make_sessionmaker
        from app.models import CaseResultRow, Submission

        by_id = {o.submission_id: o for o in outcomes}
        engine = make_engine(self.db_url)
        try:
            with make_sessionmaker(engine)() as session:
                rows = session.execute(select(CaseResultRow.submission_id, CaseResultRow.data)
                                       .where(CaseResultRow.submission_id.in_(by_id))).all()
                times = session.execute(select(Submission.id, Submission.created_at,
                                               Submission.started_at, Submission.grading_ms)
                                        .where(Submission.id.in_(by_id))).all()
        finally:
            engine.dispose()
        for submission_id, data in rows:
            by_id[submission_id].cpu_ms += float(data.get("cpu_ms") or 0.0)
        for submission_id, created, started, grading_ms in times:
            outcome = by_id[submission_id]
            if started is not None:
                outcome.queue_ms = (started - created).total_seconds() * 1000
            outcome.grading_ms = grading_ms or 0.0

    def cpu_s(self) -> float:
        return sum(tree_cpu_s(p.pid) for p in self.processes)

    def wait_ready(self, slugs: set[str], timeout: float = 900) -> None:
        """Every problem listed ready, then no job left (validation and warming done)."""
        deadline = time.monotonic() + timeout
        client = Client(self.port)
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"a server process exited with {process.returncode}")
            try:
                status, listing = client.request("GET", "/api/problems")
                ready = {p["slug"] for p in listing if p.get("status") == "ready"} if status == 200 else set()
                if slugs <= ready and client.request("GET", "/readyz")[0] == 200:
                    break
            except (OSError, http.client.HTTPException, json.JSONDecodeError):
                client = Client(self.port)
            time.sleep(0.5)
        else:
            raise RuntimeError("problems were not all ready in time")
        wait_idle(self.port, max(1.0, deadline - time.monotonic()))

    def close(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self.pg_name:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


def set_aside_init_outputs(base: Path) -> list[tuple[Path, Path]]:
    """Move the cached ``init_all`` outputs out of the compile caches (a pass without them)."""
    aside = base / "init-outputs-aside"
    aside.mkdir(exist_ok=True)
    moved = []
    for path in (base / "data" / "xla-cache").glob("*/outputs-*.npz"):
        target = aside / f"{path.parent.name}-{path.name}"
        path.rename(target)
        moved.append((target, path))
    return moved


def run_pass(args: argparse.Namespace, label: str, items: list[Item], base: Path,
             dirs: tuple[Path, Path]) -> Pass:
    result = Pass(label=label)
    topology, _, variant = label.partition("+")
    started = time.perf_counter()
    # "+no-init-cache": learners find no cached init outputs (the expected outputs are
    # cached, so the reference does not run again and none are written meanwhile).
    moved = set_aside_init_outputs(base) if variant == "no-init-cache" else []
    server = Server(args, topology, base, dirs, variant)
    try:
        server.wait_ready({item.slug for item in items})
        result.ready_s = time.perf_counter() - started
        result.note = f"{server.db}, {args.workers} workers"
        client = signup(server.port, f"mix-{uuid.uuid4().hex[:8]}")
        assert client.token is not None
        cpu_before, wall_before = server.cpu_s(), time.perf_counter()
        for number, item in enumerate(items):
            code = f"{item.path.read_text()}\n# class mix {topology} {number} {uuid.uuid4().hex}\n"
            posted = time.perf_counter()
            status, body = client.request("POST", "/api/submissions",
                                          {"problem": item.slug, "mode": args.mode, "code": code,
                                           "framework": item.framework})
            if status != 202:
                raise RuntimeError(f"{item.path}: POST {status} {body}")
            done, first_case = follow(server.port, client.token, body["id"], posted)
            total = time.perf_counter() - posted
            result.outcomes.append(Outcome(item, body["id"], str(done.get("verdict")), total * 1000,
                                           None if first_case is None else first_case * 1000, 0.0))
            if args.verbose:
                print(f"  {topology:10} {item.category:30} {item.slug}/{item.path.name:36} "
                      f"{done.get('verdict'):22} {total * 1000:7.0f} ms", flush=True)
        result.wall_s = time.perf_counter() - wall_before
        result.tree_cpu_s = server.cpu_s() - cpu_before
        server.stored_figures(result.outcomes)
    finally:
        server.close()
        for target, path in moved:
            target.rename(path)
    return result


def stats_line(label: str, values: list[float], cpu: list[float] | None = None) -> str:
    if not values:
        return f"{label:<32} n=0"
    text = (f"{label:<32} n={len(values):<4} p50={statistics.median(values):6.0f} ms  "
            f"p95={percentile(values, 95):6.0f} ms  p99={percentile(values, 99):6.0f} ms")
    if cpu:
        text += f"  cpu/sub={statistics.fmean(cpu) / 1000:5.2f} s"
    return text


def report(result: Pass, mode: str) -> list[str]:
    outcomes = result.outcomes
    lines = [f"pass {result.label} ({result.note}): ready after {result.ready_s:.0f} s; "
             f"{len(outcomes)} submissions in {result.wall_s:.0f} s, mode {mode}"]
    for category in CATEGORIES:
        chosen = [o for o in outcomes if o.item.category == category]
        if chosen:
            lines.append(stats_line(f"  {category}", [o.total_ms for o in chosen],
                                    [o.cpu_ms for o in chosen]))
    lines.append(stats_line("  overall", [o.total_ms for o in outcomes], [o.cpu_ms for o in outcomes]))
    firsts = [o.first_case_ms for o in outcomes if o.first_case_ms is not None]
    lines.append(stats_line("  POST -> first case event", firsts))
    if outcomes:
        def median(values: list[float]) -> float:
            return statistics.median(values)
        rest = [o.total_ms - o.queue_ms - o.grading_ms for o in outcomes]
        queue = median([o.queue_ms for o in outcomes])
        grading = median([o.grading_ms for o in outcomes])
        lines.append(f"  where POST->verdict goes (medians): queue {queue:.0f} ms, grading {grading:.0f}"
                     f" ms (sandboxed CPU "
                     f"{median([o.cpu_ms for o in outcomes]):.0f} ms), the rest (API, commit, "
                     f"notification, SSE) {median(rest):.0f} ms")
    if outcomes:
        lines.append(f"  server process tree CPU: {result.tree_cpu_s / len(outcomes):.2f} s per submission")
    slowest = sorted(outcomes, key=lambda o: -o.total_ms)[:5]
    lines.append("  slowest: " + ", ".join(
        f"{o.item.slug}/{o.item.path.name} {o.total_ms / 1000:.1f} s (cpu {o.cpu_ms / 1000:.1f} s)"
        for o in slowest))
    unexpected = [o for o in outcomes if o.verdict != o.item.expected]
    lines.append(f"  verdicts other than expected: {len(unexpected)}/{len(outcomes)}"
                 + "".join(f"\n    {o.item.slug}/{o.item.path.name}: {o.verdict} "
                           f"(expects {o.item.expected})" for o in unexpected[:10]))
    return lines


def main() -> None:
    # A SIGTERM (e.g. from ``timeout``) stops the servers and drops the databases too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=None, help="grade only the first N of the order")
    parser.add_argument("--seed", type=int, default=20, help="shuffle seed")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--passes", default="embedded",
                        help="comma-separated: embedded, split, split-poll, each optionally "
                             "+no-init-cache, +one-slot or +fusion-emitters")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite",
                        help="database of the embedded pass (split passes use PostgreSQL)")
    parser.add_argument("--reference-repeats", type=int, default=1)
    parser.add_argument("--mode", choices=("submit", "run"), default="submit")
    parser.add_argument("--problems", default=None, help="comma-separated slugs (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the data directory and logs")
    parser.add_argument("--base", type=Path, default=None,
                        help="reuse this directory (kept): its caches survive between runs")
    parser.add_argument("-v", "--verbose", action="store_true", help="a line per submission")
    args = parser.parse_args()
    items = corpus(args.reference_repeats)
    if args.problems:
        items = [item for item in items if item.slug in args.problems.split(",")]
    random.Random(args.seed).shuffle(items)
    if args.sample is not None:
        items = items[:args.sample]
    base = (args.base or Path(tempfile.mkdtemp(prefix="tj-mix-"))).resolve()
    base.mkdir(parents=True, exist_ok=True)
    os.chmod(base, 0o711)  # the sandbox uid must traverse it to read the compile cache
    dirs = problem_dirs(base, {item.slug for item in items})
    print(f"# bench/class_mix.py  {time.strftime('%Y-%m-%d %H:%M:%S %Z')}  host cpus={os.cpu_count()}"
          f"  load before: {load()}", flush=True)
    counts = {c: sum(i.category == c for i in items) for c in CATEGORIES}
    print(f"# {len(items)} files from {len({i.slug for i in items})} problems (seed {args.seed}): "
          + ", ".join(f"{c} {n}" for c, n in counts.items() if n), flush=True)
    results = []
    try:
        if "+no-init-cache" in args.passes:
            # The reference runs (which store init outputs) happen here, before any pass.
            started = time.perf_counter()
            server = Server(args, "embedded", base, dirs)
            try:
                server.wait_ready({item.slug for item in items})
            finally:
                server.close()
            print(f"# prepared (problems validated, warming done) in {time.perf_counter() - started:.0f} s",
                  flush=True)
        for topology in args.passes.split(","):
            result = run_pass(args, topology.strip(), items, base, dirs)
            results.append(result)
            print("\n".join(report(result, args.mode)), flush=True)
    finally:
        if args.keep or args.base:
            print(f"# kept: {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    print(f"# load after: {load()}")


if __name__ == "__main__":
    main()
