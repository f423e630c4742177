"""``tensorjudge check``: prove problems before learners see them.

For each problem: the manifest validates; the reference runs on every case in the
sandbox twice with identical outputs; every file under ``solutions/`` gets the
verdict its ``# expect:`` header names, graded as the framework its ``# framework:``
line names (default JAX); no framework's starter passes; the title and the
starter follow the pack's style (``app.problems.style``).  It also reports
the tightest tolerance margin: the largest share of the tolerance any correct
solution used (close to 1 means a correct solution nearly failed).
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from queue import Queue

import numpy as np
from rich.console import Console
from rich.progress import Progress

from app.grading.engine import Grader, ReferenceFailed
from app.grading.verdicts import GradeResult, Verdict
from app.models import Mode
from app.problems.manifest import InvalidProblem, Problem, discover, load_problem
from app.problems.style import lint_directives, title_style_errors
from sandbox import why_unavailable


@dataclass
class Finding:
    """One checked claim about a problem."""

    problem: str
    item: str
    ok: bool
    detail: str = ""
    seconds: float = 0.0


@dataclass
class ProblemReport:
    slug: str
    findings: list[Finding] = field(default_factory=list)
    margin: float | None = None  # max tolerance ratio seen on correct solutions
    margin_where: str = ""

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    def add(self, item: str, ok: bool, detail: str = "", seconds: float = 0.0) -> Finding:
        finding = Finding(self.slug, item, ok, detail, seconds)
        self.findings.append(finding)
        return finding


def _first_failure(result: GradeResult) -> str:
    for case in result.cases:
        if case.verdict is not Verdict.ACCEPTED:
            last = case.message.strip().splitlines()[-1] if case.message else ""
            return f"case '{case.name}': {case.verdict.value}{': ' + last if last else ''}"
    return ""


def _note_margin(report: ProblemReport, name: str, result: GradeResult) -> None:
    for case in result.cases:
        ratio = case.tolerance_ratio
        if ratio is not None and (report.margin is None or ratio > report.margin):
            report.margin = case.tolerance_ratio
            report.margin_where = f"{name}, case '{case.name}'"


def _check_style(report: ProblemReport, problem: Problem) -> None:
    """The title's case and the starter's comments, as learners read them."""
    title = problem.manifest.title
    errors = title_style_errors(title)
    report.add("title style", not errors,
               f"{title!r}: {'; '.join(errors)}" if errors else f"{title!r} is in sentence case")
    found = {name: lines for name, lines in
             [("starter.py", lint_directives(problem.starter))] +
             [(f"starter_{f}.py", lint_directives(code)) for f, code in problem.starters.items()]
             if lines}
    report.add("starter comments", not found,
               "; ".join(f"lint directives on line {', '.join(map(str, lines))} of {n}"
                         for n, lines in found.items()) +
               " (configure the linter instead; learners read the starter)" if found
               else "no lint directives")


def check_problem(grader: Grader, folder: Path, reference_dir: Path,
                  step: Callable[[str], None] = lambda _: None) -> ProblemReport:
    """Run every check on one problem folder and return what held and what did not."""
    report = ProblemReport(folder.name)
    try:
        problem: Problem = load_problem(folder, reference_dir)
    except InvalidProblem as exc:
        report.add("manifest", False, str(exc))
        return report
    report.add("manifest", True, f"{len(problem.cases)} cases")
    missing = [f for f in problem.manifest.accepted_frameworks if f not in problem.frameworks]
    report.add("frameworks", True, f"learners may write {', '.join(problem.frameworks)}" + (
        f" (add {', '.join(f'starter_{f}.py' for f in missing)} to offer "
        f"{', '.join(missing)} too)" if missing else ""))
    _check_style(report, problem)
    step("reference")
    try:
        first = grader.reference_outputs(problem, use_cache=False)
        second = grader.reference_outputs(problem, use_cache=False)
    except ReferenceFailed as exc:
        report.add("reference", False, str(exc))
        return report
    unstable = [name for name in first if not np.array_equal(first[name], second[name], equal_nan=True)]
    report.add("reference", not unstable,
               f"outputs differ between two runs on: {', '.join(unstable)}" if unstable
               else f"ran all {len(first)} cases twice, identical outputs")
    for solution in problem.solutions:
        name = str(solution.path.relative_to(folder))
        step(name)
        unavailable = why_unavailable(solution.framework)
        if unavailable:  # said, never silently passed over
            report.add(name, True, f"skipped: {unavailable}")
            continue
        result = grader.grade(problem, solution.code, Mode.SUBMIT,
                              stop_on_failure=solution.expect is not Verdict.ACCEPTED,
                              framework=solution.framework)
        ok = result.verdict is solution.expect
        detail = result.verdict.value + ("" if ok else f" (expected {solution.expect.value}; "
                                         f"{_first_failure(result)})")
        report.add(name, ok, detail, result.wall_ms / 1000)
        if solution.expect is Verdict.ACCEPTED and ok:
            _note_margin(report, name, result)
    for framework in problem.frameworks:
        name = "starter.py" if framework == "jax" else f"starter_{framework}.py"
        step(name)
        unavailable = why_unavailable(framework)
        if unavailable:
            report.add(name, True, f"skipped: {unavailable}")
            continue
        starter = grader.grade(problem, problem.starter_for(framework), Mode.SUBMIT,
                               stop_on_failure=True, framework=framework)
        report.add(name, starter.verdict is not Verdict.ACCEPTED,
                   starter.verdict.value + (" (the starter must not pass)"
                                            if starter.verdict is Verdict.ACCEPTED else ""))
    return report


def write_junit(reports: list[ProblemReport], path: Path) -> None:
    """JUnit XML: one test suite per problem, one test case per finding."""
    root = ET.Element("testsuites", name="tensorjudge check")
    for report in reports:
        failures = sum(not f.ok for f in report.findings)
        suite = ET.SubElement(root, "testsuite", name=report.slug, tests=str(len(report.findings)),
                              failures=str(failures))
        for finding in report.findings:
            case = ET.SubElement(suite, "testcase", classname=report.slug, name=finding.item,
                                 time=f"{finding.seconds:.3f}")
            if not finding.ok:
                ET.SubElement(case, "failure", message=finding.detail[:500]).text = finding.detail
            else:
                ET.SubElement(case, "system-out").text = finding.detail
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def run_checks(graders: list[Grader], folders: list[Path], reference_dir: Path,
               console: Console, plain: bool) -> list[ProblemReport]:
    """Check ``folders`` with one problem per grader at a time (``-j`` = len(graders))."""
    pool: Queue[Grader] = Queue()
    for grader in graders:
        pool.put(grader)

    def emit(report: ProblemReport) -> None:
        for f in report.findings:
            mark = "PASS" if f.ok else "FAIL"
            if plain:
                console.print(f"{mark} {f.problem}: {f.item}: {f.detail}", markup=False, highlight=False)
            else:
                style = "green" if f.ok else "red"
                console.print(f"[{style}]{mark}[/] {f.problem}: {f.item}: ", end="")
                console.print(f.detail, markup=False, highlight=False)

    with Progress(console=console, transient=True, disable=plain) as progress:
        overall = progress.add_task("checking problems", total=len(folders))

        def one(folder: Path) -> ProblemReport:
            grader = pool.get()
            task = progress.add_task(folder.name, total=None)
            try:
                return check_problem(grader, folder, reference_dir,
                                     lambda item: progress.update(task, description=f"{folder.name}: {item}"))
            finally:
                progress.remove_task(task)
                progress.advance(overall)
                pool.put(grader)

        with ThreadPoolExecutor(max_workers=len(graders)) as executor:
            reports = []
            for report in executor.map(one, folders):
                emit(report)
                reports.append(report)
    return reports


def check_problems(graders: list[Grader], problems_dir: Path, reference_dir: Path, slugs: list[str],
                   as_json: bool, junit: Path | None, console: Console) -> bool:
    """Check the named problems (or all); print findings; True if everything held."""
    folders = discover(problems_dir)
    reports: list[ProblemReport] = []
    if slugs:
        known = {f.name: f for f in folders}
        reports = [ProblemReport(s, [Finding(s, "problem", False, "no such problem")])
                   for s in slugs if s not in known]
        folders = [known[s] for s in slugs if s in known]
    plain = as_json or not console.is_terminal
    quiet = Console(file=sys.stderr) if as_json else console
    reports += run_checks(graders, folders, reference_dir, quiet, plain)
    ok = bool(reports) and all(r.ok for r in reports)
    if junit is not None:
        write_junit(reports, junit)
    if as_json:
        document = {"ok": ok, "problems": [
            {"slug": r.slug, "ok": r.ok, "tolerance_margin": r.margin, "margin_where": r.margin_where,
             "findings": [f.__dict__ for f in r.findings]} for r in reports]}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return ok
    for report in reports:
        if report.margin is not None:
            console.print(f"{report.slug}: tightest tolerance margin {report.margin:.3g} of the "
                          f"allowed error ({report.margin_where})", markup=False, highlight=False)
    failed = [r.slug for r in reports if not r.ok]
    console.print(f"\n{len(reports) - len(failed)}/{len(reports)} problems hold"
                  + (f"; failing: {', '.join(failed)}" if failed else ""))
    return ok
