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
from app.grading.engine import Grader
from app.grading.setup import build_grader
from app.grading.verdicts import GradeResult, Verdict
from app.problems.manifest import InvalidProblem, Problem, load_problem
from sandbox.selfcheck import IsolationUnavailable

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
    except IsolationUnavailable as exc:
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
    for column in ("case", "", "verdict", "max abs err", "max rel err", "time ms", "message"):
        table.add_column(column)
    for case in result.cases:
        style = "green" if case.verdict is Verdict.ACCEPTED else "red"
        table.add_row(case.name, "visible" if case.visible else "hidden",
                      f"[{style}]{case.verdict.label}[/{style}]", _fmt(case.max_abs_error),
                      _fmt(case.max_rel_error), f"{case.time_ms:.0f}",
                      (case.message or "").strip().splitlines()[-1:][0] if case.message else "")
    console.print(table)
    style = "green" if result.verdict is Verdict.ACCEPTED else "red"
    console.print(f"[bold {style}]{result.verdict.label}[/] — {result.passed}/{result.total} "
                  f"cases passed in {result.wall_ms:.0f} ms")
    first_failure = next((c for c in result.cases if c.verdict is not Verdict.ACCEPTED), None)
    if first_failure is not None and first_failure.message:
        console.print(f"\n[bold]{first_failure.name}[/]:\n{first_failure.message}", markup=False)
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
    grader = open_grader(settings)
    try:
        result = grader.grade(problem, code, mode)
    finally:
        grader.sandbox.close()
    if as_json:
        print(json.dumps({"problem": slug, "mode": mode, **result.to_dict()}, indent=2))
    else:
        print_result(result)
    raise typer.Exit(0 if result.verdict is Verdict.ACCEPTED else 1)


@cli.command("check")
def check_command(
    slugs: Annotated[list[str] | None, typer.Argument(help="Problems to check (default: all).")] = None,
    problems_dir: ProblemsDir = None,
    reference_dir: ReferenceDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Prove every problem: manifest, reference (twice, identical), solutions, starter."""
    from app.checking import check_problems

    settings = _settings()
    grader = open_grader(settings)
    ok = check_problems(grader, settings, slugs or [], problems_dir, reference_dir, as_json,
                        console)
    raise typer.Exit(0 if ok else 1)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int | None, typer.Option(help="Embedded grading workers.")] = None,
) -> None:
    """Serve the web app and API (the HTTP service lands with issue 4)."""
    settings = _settings()
    grader = open_grader(settings)
    grader.sandbox.close()
    console.print(
        "The sandbox self-check passed. The HTTP service is not built yet: it will serve "
        f"http://{host}:{port}/ with {workers or 'one per CPU'} embedded grading workers on "
        f"SQLite under {settings.data_dir}.  Until then, grade from the command line:\n"
        "  tensorjudge grade flax-transposed-conv-1d reference/flax_transposed_conv_1d.py")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)
