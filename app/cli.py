"""The ``tensorjudge`` command line: grade, check, serve.

Exit codes: 0 success (accepted / all checks hold), 1 failure, 2 usage error.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.config import Settings
from app.grading.disclosure import public_result
from app.grading.engine import DataDirUnusable, Grader
from app.grading.setup import build_grader
from app.grading.verdicts import GradeResult, Verdict
from app.models import Mode
from app.problems.manifest import InvalidProblem, Problem, load_problem
from app.problems.service import framework_unavailable
from app.problems.solutions import parse_framework
from sandbox import ChildFlagsRejected, IsolationUnavailable

cli = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="TensorJudge: grade ML coding exercises in a sandbox.")
console = Console()
err = Console(stderr=True)

ProblemsDir = Annotated[Path | None, typer.Option(
    "--problems-dir", help="Folder of problems (default: ./problems).")]
ReferenceDir = Annotated[Path | None, typer.Option(
    "--reference-dir", help="Folder of reference solutions (default: ../reference next to "
                            "the problems folder).")]


def _settings() -> Settings:
    return Settings()


def _usage_error(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(2)


def open_grader(settings: Settings) -> Grader:
    """A grader over a sandbox that passed the fail-closed self-check, or exit 1."""
    try:
        return build_grader(settings)
    except (IsolationUnavailable, DataDirUnusable, ChildFlagsRejected) as exc:
        err.print(f"[red]refusing to grade:[/red] {exc}")
        raise typer.Exit(1) from exc


def resolve_problem(slug: str, problems_dir: Path | None, reference_dir: Path | None,
                    settings: Settings) -> Problem:
    base = problems_dir or settings.problems_dir
    folder = base / slug
    if "/" in slug or slug.startswith(".") or not (folder / "problem.toml").is_file():
        raise _usage_error(f"unknown problem '{slug}' (no {folder}/problem.toml)")
    refs = reference_dir or (base.parent / "reference" if problems_dir else settings.reference_dir)
    try:
        return load_problem(folder, refs)
    except InvalidProblem as exc:
        raise _usage_error(str(exc)) from exc


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2e}"


def print_result(result: GradeResult) -> None:
    table = Table(show_header=True, header_style="bold")
    for column in ("case", "", "verdict", "max abs err", "max rel err", "time ms", "cpu ms",
                   "message"):
        table.add_column(column)
    for case in result.cases:
        style = "green" if case.verdict is Verdict.ACCEPTED else "red"
        table.add_row(case.name, "visible" if case.visible else "hidden",
                      f"[{style}]{case.verdict.label}[/{style}]", _fmt(case.max_abs_error),
                      _fmt(case.max_rel_error), f"{case.time_ms:.0f}" if case.visible else "-",
                      f"{case.cpu_ms:.0f}" if case.visible else "-",
                      (case.message or "").strip().splitlines()[-1:][0] if case.message else "")
    console.print(table)
    style = "green" if result.verdict is Verdict.ACCEPTED else "red"
    console.print(f"[bold {style}]{result.verdict.label}[/] — {result.passed}/{result.total} "
                  f"cases passed in {result.wall_ms:.0f} ms")
    first_failure = next((c for c in result.cases if c.verdict is not Verdict.ACCEPTED), None)
    if first_failure is not None and first_failure.message:
        console.print(f"\n[bold]{first_failure.name}[/]:\n{first_failure.message}", markup=False)
    if first_failure is not None and first_failure.hint:
        console.print(f"\nhint ({first_failure.hint_category}): {first_failure.hint}", markup=False)
    if result.stdout:
        console.print("\n[bold]output:[/]")
        console.print(result.stdout, markup=False)


@cli.command()
def grade(
    slug: Annotated[str, typer.Argument(help="Problem slug, e.g. flax-transposed-conv-1d.")],
    file: Annotated[Path, typer.Argument(help="Python file with your solution.")],
    mode: Annotated[str, typer.Option(help="run: visible examples; submit: all cases.")] = "submit",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    problems_dir: ProblemsDir = None,
    reference_dir: ReferenceDir = None,
    framework: Annotated[str | None, typer.Option(
        help="jax, numpy or pytorch (default: the file's '# framework:' line, else jax).")] = None,
    show_hidden: Annotated[bool, typer.Option(
        "--show-hidden", help="Also print hidden cases' figures and messages (instructors: "
                              "learners see only what hidden_case_view keeps).")] = False,
) -> None:
    """Grade FILE against problem SLUG; exit 0 when accepted, 1 otherwise."""
    if mode not in ("run", "submit"):
        raise _usage_error("--mode must be 'run' or 'submit'")
    settings = _settings()
    problem = resolve_problem(slug, problems_dir, reference_dir, settings)
    try:
        code = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _usage_error(f"cannot read {file}: {exc}") from exc
    try:
        framework = framework or parse_framework(code, file)
    except InvalidProblem as exc:
        raise _usage_error(str(exc)) from exc
    if framework not in problem.frameworks:
        raise _usage_error(f"{slug} accepts {', '.join(problem.frameworks)}, not {framework!r}")
    why = framework_unavailable(framework, settings.enabled_frameworks)
    if why:
        raise _usage_error(f"{framework} cannot be graded here: {why}")
    # One grading, then exit: a fresh sandbox has one warm fork server, so the hidden
    # cases could not start beside the visible ones anyway, and a spare fork server
    # started afterwards would only delay the exit.
    grader = open_grader(settings.model_copy(update={"sandbox_slots": 1}))
    try:
        result = grader.grade(problem, code, Mode(mode), framework=framework)
    finally:
        grader.sandbox.close()
    if not show_hidden:
        result = public_result(result)
    if as_json:
        print(json.dumps({"problem": slug, "mode": mode, "framework": framework,
                          **result.to_dict()}, indent=2))
    else:
        print_result(result)
    raise typer.Exit(0 if result.verdict is Verdict.ACCEPTED else 1)


@cli.command("check")
def check_command(
    slugs: Annotated[list[str] | None, typer.Argument(help="Problems to check (default: all).")] = None,
    problems_dir: ProblemsDir = None,
    reference_dir: ReferenceDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    junit: Annotated[Path | None, typer.Option("--junit", help="Also write JUnit XML here.")] = None,
    jobs: Annotated[int, typer.Option("-j", "--jobs", min=1, max=16,
                                      help="Problems checked in parallel (one sandbox each).")] = 1,
) -> None:
    """Prove every problem: manifest, reference (twice, identical), solutions, starter."""
    from app.checking import check_problems

    settings = _settings()
    base = problems_dir or settings.problems_dir
    refs = reference_dir or (base.parent / "reference" if problems_dir else settings.reference_dir)
    graders = [open_grader(settings) for _ in range(jobs)]
    try:
        ok = check_problems(graders, base, refs, slugs or [], as_json, junit, console)
    finally:
        for grader in graders:
            grader.sandbox.close()
    raise typer.Exit(0 if ok else 1)


def _sessions(settings: Settings):
    from app.db import make_engine, make_sessionmaker

    return make_sessionmaker(make_engine(settings.db_url))


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int | None, typer.Option(help="Embedded grading workers (default: CPUs).")] = None,
) -> None:
    """Serve the API and web app with embedded grading workers (SQLite by default)."""
    import os

    import uvicorn

    from app.jobs.pool import WorkerPool
    from app.main import create_app
    from app.migrate import upgrade
    from app.problems.service import sync_folder

    settings = _settings()
    upgrade(settings.db_url)
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count > 0:
        open_grader(settings).sandbox.close()  # fail closed before anything is served
    with _sessions(settings)() as session:
        changed = sync_folder(session, settings.problems_dir, settings.reference_dir)
    if changed:
        err.print(f"problems with new versions (validated by the workers): {', '.join(changed)}")
    pool = WorkerPool(count)
    pool.start()
    err.print(f"TensorJudge on http://{host}:{port}/  (API docs: /docs; {count} grading workers; "
              f"database {settings.db_url.split('@')[-1]})")
    try:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
    finally:
        pool.stop()


@cli.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Grading processes on this host.")] = 1,
    parent_pid: Annotated[int | None, typer.Option(hidden=True)] = None,
) -> None:
    """Grade jobs from the shared database (TENSORJUDGE_DATABASE_URL) until stopped."""
    import signal
    import threading

    from app.jobs.pool import EXIT_ISOLATION, WorkerPool
    from app.jobs.worker import Worker

    if parent_pid is not None:  # started by a pool: never outlive it
        from sandbox import die_with_parent

        die_with_parent(parent_pid)
    settings = _settings()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if concurrency > 1:
        pool = WorkerPool(concurrency)
        pool.start()
        stop.wait()
        pool.stop()
        return
    grader_worker = Worker(settings, _sessions(settings))
    try:
        grader_worker.start()
    except (IsolationUnavailable, DataDirUnusable, ChildFlagsRejected) as exc:
        err.print(f"[red]worker refuses to start:[/red] {exc}")
        raise typer.Exit(EXIT_ISOLATION) from exc
    try:
        grader_worker.run(stop)
    finally:
        grader_worker.close()


db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration (serve does this on start)."""
    from app.migrate import upgrade

    upgrade(_settings().db_url)


@cli.command()
def push(
    problems_dir: Annotated[Path, typer.Argument(help="Folder of problem folders.")] = Path("problems"),
    server: Annotated[str, typer.Option(help="Base URL, e.g. https://judge.example.edu.")] = "",
    token: Annotated[str, typer.Option(envvar="TENSORJUDGE_TOKEN", help="An instructor token.")] = "",
    reference_dir: Annotated[Path | None, typer.Option(help="Default: DIR/../reference.")] = None,
) -> None:
    """Publish problem folders to a server: create new, version changed, skip unchanged."""
    from app.push import Api
    from app.push import push as push_all

    if not server or not token:
        raise _usage_error("--server and --token (or TENSORJUDGE_TOKEN) are required")
    if not problems_dir.is_dir():
        raise _usage_error(f"no folder {problems_dir}")
    refs = reference_dir or problems_dir.resolve().parent / "reference"
    outcomes = push_all(problems_dir, Api(server, token), refs)
    for outcome in outcomes:
        print(f"{outcome.action:<10} {outcome.slug}" + (f"  ({outcome.detail})" if outcome.detail else ""))
    counts = {a: sum(o.action == a for o in outcomes) for a in
              ("created", "versioned", "updated", "unchanged", "failed")}
    print(", ".join(f"{n} {a}" for a, n in counts.items()))
    raise typer.Exit(1 if counts["failed"] else 0)


token_cli = typer.Typer(help="API tokens.", no_args_is_help=True)
cli.add_typer(token_cli, name="token")


@token_cli.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="instructor, learner or admin.")] = "learner",
    name: Annotated[str, typer.Option(help="A label for the token.")] = "cli",
    user: Annotated[str | None, typer.Option(help="Owner (default: '<role>-bot').")] = None,
) -> None:
    """Create a token and print only the token (for CI and instructors)."""
    from app.auth.service import service_token
    from app.migrate import upgrade
    from app.models import Role

    if role not in ("instructor", "learner", "admin"):
        raise _usage_error("--role must be instructor, learner or admin")
    settings = _settings()
    upgrade(settings.db_url)
    with _sessions(settings)() as session:
        print(service_token(session, Role(role), user or f"{role}-bot", name))


@token_cli.command("list")
def token_list(user: Annotated[str, typer.Option(help="Whose tokens.")]) -> None:
    """List a user's tokens: id, name, created, expires, revoked (never the secrets)."""
    from app.accounts import service
    from app.auth.repository import user_by_name

    with _sessions(_settings())() as session:
        owner = user_by_name(session, user)
        if owner is None:
            raise _usage_error(f"no user '{user}'")
        for t in service.tokens(session, owner):
            expires = t.expires_at.isoformat() if t.expires_at else "never"
            state = "revoked" if t.revoked else "active"
            print(f"{t.id}\t{t.name or '-'}\t{t.created_at.isoformat()}\t{expires}\t{state}")


@token_cli.command("revoke")
def token_revoke(token_id: int, user: Annotated[str, typer.Option(help="The token's owner.")]) -> None:
    """Revoke token TOKEN_ID of USER (see ``token list``); it stops working at once."""
    from app.accounts import service
    from app.auth.repository import user_by_name
    from app.errors import NotFound

    with _sessions(_settings())() as session:
        owner = user_by_name(session, user)
        if owner is None:
            raise _usage_error(f"no user '{user}'")
        try:
            service.revoke(session, owner, token_id)
        except NotFound as exc:
            raise _usage_error(str(exc.detail)) from None
    console.print(f"token {token_id} of {user} revoked")


user_cli = typer.Typer(help="Accounts.", no_args_is_help=True)
cli.add_typer(user_cli, name="user")


@user_cli.command("promote")
def user_promote(username: str) -> None:
    """Make USERNAME an instructor."""
    from app.auth.service import promote

    with _sessions(_settings())() as session:
        if promote(session, username) is None:
            raise _usage_error(f"no user '{username}'")
    console.print(f"{username} is now an instructor")


def main() -> None:
    from app.logs import configure

    settings = Settings()
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    # Long-running processes log events; one-shot commands only warnings.
    configure(settings.log_format, logging.INFO if command in ("serve", "worker") else logging.WARNING)
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)
