"""``tensorjudge check``: prove problems before learners see them.

For each problem: the manifest validates; the reference runs on every case in the
sandbox twice with identical outputs; every file under ``solutions/`` gets the
verdict its ``# expect:`` header names; the starter does not pass.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rich.console import Console

from app.config import Settings
from app.grading.engine import Grader, ReferenceFailed
from app.grading.verdicts import GradeResult, Verdict
from app.problems.manifest import InvalidProblem, Problem, discover, load_problem


@dataclass
class Finding:
    """One checked claim about a problem."""

    problem: str
    item: str
    ok: bool
    detail: str = ""


@dataclass
class ProblemReport:
    slug: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    def add(self, item: str, ok: bool, detail: str = "") -> Finding:
        finding = Finding(self.slug, item, ok, detail)
        self.findings.append(finding)
        return finding


def _first_failure(result: GradeResult) -> str:
    for case in result.cases:
        if case.verdict is not Verdict.ACCEPTED:
            last = case.message.strip().splitlines()[-1] if case.message else ""
            return f"case '{case.name}': {case.verdict.value}{': ' + last if last else ''}"
    return ""


def check_problem(grader: Grader, folder: Path, reference_dir: Path) -> ProblemReport:
    """Run every check on one problem folder and return what held and what did not."""
    report = ProblemReport(folder.name)
    try:
        problem: Problem = load_problem(folder, reference_dir)
    except InvalidProblem as exc:
        report.add("manifest", False, str(exc))
        return report
    report.add("manifest", True, f"{len(problem.cases)} cases")
    try:
        first = grader.reference_outputs(problem, use_cache=False)
        second = grader.reference_outputs(problem, use_cache=False)
    except ReferenceFailed as exc:
        report.add("reference", False, str(exc))
        return report
    unstable = [name for name in first if not np.array_equal(first[name], second[name],
                                                             equal_nan=True)]
    report.add("reference", not unstable,
               f"outputs differ between two runs on: {', '.join(unstable)}" if unstable
               else f"ran all {len(first)} cases twice, identical outputs")
    for solution in problem.solutions:
        result = grader.grade(problem, solution.code, "submit",
                              stop_on_failure=solution.expect is not Verdict.ACCEPTED)
        name = str(solution.path.relative_to(folder))
        ok = result.verdict is solution.expect
        detail = f"{result.verdict.value}" + ("" if ok else f" (expected {solution.expect.value}; "
                                              f"{_first_failure(result)})")
        report.add(name, ok, detail)
    starter = grader.grade(problem, problem.starter, "submit", stop_on_failure=True)
    report.add("starter.py", starter.verdict is not Verdict.ACCEPTED,
               f"{starter.verdict.value}" + (" (the starter must not pass)"
                                             if starter.verdict is Verdict.ACCEPTED else ""))
    return report


def check_problems(grader: Grader, settings: Settings, slugs: list[str], problems_dir: Path | None,
                   reference_dir: Path | None, as_json: bool, console: Console) -> bool:
    """Check the named problems (or all); print findings; True if everything held.

    Closes ``grader``'s sandbox when done.
    """
    base = problems_dir or settings.problems_dir
    refs = reference_dir or (base.parent / "reference" if problems_dir else settings.reference_dir)
    folders = discover(base)
    if slugs:
        known = {f.name: f for f in folders}
        missing = [s for s in slugs if s not in known]
        folders = [known[s] for s in slugs if s in known]
    else:
        missing = []
    reports = [ProblemReport(s, [Finding(s, "problem", False, "no such problem")]) for s in missing]
    try:
        for folder in folders:
            report = check_problem(grader, folder, refs)
            reports.append(report)
            if not as_json:
                for f in report.findings:
                    mark = "[green]PASS[/]" if f.ok else "[red]FAIL[/]"
                    console.print(f"{mark} {f.problem}: {f.item}: ", end="")
                    console.print(f.detail, markup=False, highlight=False)
    finally:
        grader.sandbox.close()
    ok = bool(reports) and all(r.ok for r in reports)
    if as_json:
        document = {"ok": ok, "problems": [
            {"slug": r.slug, "ok": r.ok, "findings": [f.__dict__ for f in r.findings]}
            for r in reports]}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        failed = [r.slug for r in reports if not r.ok]
        console.print(f"\n{len(reports) - len(failed)}/{len(reports)} problems hold"
                      + (f"; failing: {', '.join(failed)}" if failed else ""))
    return ok
