"""The grader: expected outputs (cached), a sandboxed run, comparison, verdicts.

Expected outputs come from running the reference solution in the same sandbox as
learners (instructor code is untrusted too) and are cached on disk per problem
version and numerical stack.  That same reference run is the only run allowed to
write the problem version's XLA compilation cache; learners' runs read it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from app.grading.ahead import RunAhead
from app.grading.arrays import load_arrays, save_arrays
from app.grading.hints import Hint, Tol, agreed, diagnose
from app.grading.judge import judge_case
from app.grading.verdicts import CaseResult, GradeResult, Verdict, overall_verdict
from app.models import Mode
from app.problems.manifest import Case, Problem
from app.problems.mistakes import KnownMistake
from sandbox import (
    STACK,
    CaseOutcome,
    CaseSpec,
    CaseStatus,
    Limits,
    RunRequest,
    Sandbox,
    Termination,
    unsearchable_ancestor,
)

log = logging.getLogger("tensorjudge.grading")

class ReferenceFailed(RuntimeError):
    """The reference solution did not produce an output for some case."""

    def __init__(self, slug: str, case: str, detail: str):
        super().__init__(f"{slug}: reference fails on case '{case}': {detail}")
        self.slug, self.case, self.detail = slug, case, detail


def cache_key(problem: Problem) -> str:
    """Names everything expected outputs depend on: the version and the numerical stack."""
    return hashlib.sha256("\n".join((problem.fingerprint, *STACK)).encode()).hexdigest()[:32]


def limits_for(problem: Problem, time_scale: float = 1.0) -> Limits:
    """The problem's limits; ``time_scale`` stretches the time ones on emulated hosts only."""
    limits = problem.manifest.limits
    return Limits(time_s=limits.time_s * time_scale, memory_mb=limits.memory_mb,
                  startup_s=limits.startup_s * time_scale, wall_factor=limits.wall_factor)


def _specs(cases: Sequence[Case]) -> tuple[CaseSpec, ...]:
    return tuple(CaseSpec(case.name, case.inputs) for case in cases)


def process_groups(cases: Sequence[Case]) -> list[list[int]]:
    """Indices of the cases each sandboxed process gets, in the order they run.

    Visible and hidden cases never share a process: code that finds the inputs in
    its own memory (frames, ``gc``) could otherwise print a hidden case's inputs, or
    encode them in its output, on a visible case, whose output and printing the
    learner sees.  Visible cases run first, so they also answer first.
    """
    visible = [i for i, case in enumerate(cases) if case.visible]
    hidden = [i for i, case in enumerate(cases) if not case.visible]
    return [group for group in (visible, hidden) if group]


class Yielded(RuntimeError):
    """A background run made way for a learner's (``Sandbox.make_way``): nothing of it was
    kept; its job goes back to the queue."""


class DataDirUnusable(RuntimeError):
    """The data directory cannot hold a compile cache the sandbox uid can reach."""


class Grader:
    """Grades code against problems; owns one ``Sandbox``.  With two or more sandbox
    slots a submission's hidden cases run beside its visible ones (``RunAhead``)."""

    def __init__(self, sandbox: Sandbox, data_dir: Path, time_scale: float = 1.0):
        # data_dir itself is created below with mode 0711; its parents must be searchable.
        blocked = unsearchable_ancestor(Path(data_dir), include_self=False)
        if blocked is not None:
            raise DataDirUnusable(
                f"{data_dir} is below {blocked}, which sandboxed runs (an unprivileged uid) "
                "cannot traverse, so they could not read the compile cache there; choose a "
                "TENSORJUDGE_DATA_DIR whose parent directories are world-searchable")
        self.sandbox = sandbox
        self.time_scale = time_scale  # > 1 on emulated hosts only (Settings.time_scale)
        self.expected_dir = Path(data_dir) / "expected"
        self.xla_dir = Path(data_dir) / "xla-cache"
        # Known mistakes' outputs per (version, mistake code); {} = not matchable.
        self._mistake_outputs: dict[Path, dict[str, np.ndarray]] = {}
        for path, mode in ((Path(data_dir), 0o711), (self.expected_dir, 0o700),
                           (self.xla_dir, 0o711)):
            path.mkdir(parents=True, exist_ok=True)
            os.chmod(path, mode)

    def xla_cache_for(self, problem: Problem) -> str:
        path = self.xla_dir / cache_key(problem)
        path.mkdir(exist_ok=True)
        # Searchable, not listable: a learner's run opens entries by a name only an
        # identical program yields (see sandbox.layers.scratch.reclaim_tree).
        os.chmod(path, 0o711)
        return str(path)

    def reference_outputs(self, problem: Problem, use_cache: bool = True,
                          background: bool = False) -> dict[str, np.ndarray]:
        """Expected output per case name, computed in the sandbox once per version
        (``background``: as warming, at the lowest CPU priority)."""
        path = self.expected_dir / f"{problem.slug}-{cache_key(problem)}.npz"
        if use_cache and path.exists():
            return load_arrays(path)
        outputs = {}
        # The same process groups as a submission's, so the programs the reference
        # compiles (and the cache keeps) are the ones learners' runs look up.
        for group in process_groups(problem.cases):
            request = RunRequest(
                code=problem.reference, harness_code=problem.harness_code,
                entry=problem.manifest.entry, cases=_specs([problem.cases[i] for i in group]),
                cache_dir=self.xla_cache_for(problem), cache_writable=True, background=background,
            )
            result = self.sandbox.run(request, limits_for(problem, self.time_scale))
            if result.termination is Termination.YIELDED:
                raise Yielded(f"{problem.slug}: validation made way for a learner")
            for outcome in result.cases:
                if outcome.status is not CaseStatus.OK or outcome.output is None:
                    raise ReferenceFailed(
                        problem.slug, outcome.name,
                        f"{outcome.status.value}: {outcome.message or result.exit_detail}")
                outputs[outcome.name] = outcome.output
        save_arrays(path, outputs)
        return outputs

    def _mistake_path(self, problem: Problem, mistake: KnownMistake) -> Path:
        code_key = hashlib.sha256(mistake.code.encode()).hexdigest()[:16]
        return self.expected_dir / f"{problem.slug}-{cache_key(problem)}-mistake-{code_key}.npz"

    def cached_mistake_outputs(self, problem: Problem, mistake: KnownMistake
                               ) -> dict[str, np.ndarray] | None:
        """A known mistake's outputs per case if already computed (memory or disk)."""
        path = self._mistake_path(problem, mistake)
        if path not in self._mistake_outputs and path.exists():
            self._mistake_outputs[path] = load_arrays(path)
        return self._mistake_outputs.get(path)

    def mistake_outputs(self, problem: Problem, mistake: KnownMistake,
                        background: bool = False) -> dict[str, np.ndarray]:
        """A known mistake's output per case, run in the sandbox once per version.

        Cases where the mistake does not produce an output are simply absent; a mistake
        that fails everywhere gives ``{}`` (not matchable, never the learner's problem).
        Cached on disk next to the expected outputs, keyed like them plus the code.
        """
        cached = self.cached_mistake_outputs(problem, mistake)
        if cached is not None:
            return cached
        path = self._mistake_path(problem, mistake)
        request = RunRequest(
            code=mistake.code, harness_code=problem.harness_code, entry=problem.manifest.entry,
            cases=_specs(problem.cases), cache_dir=self.xla_cache_for(problem),
            cache_writable=False, background=background,
        )
        try:
            result = self.sandbox.run(request, limits_for(problem, self.time_scale))
        except Exception:  # the grader's trouble; hints just go without this mistake
            log.exception("known mistake %s of %s could not be run", mistake.key, problem.slug)
            self._mistake_outputs[path] = {}
            return {}
        if result.termination is Termination.YIELDED:
            raise Yielded(f"{problem.slug}: known mistake {mistake.key} made way for a learner")
        outputs = {o.name: o.output for o in result.cases
                   if o.status is CaseStatus.OK and o.output is not None}
        save_arrays(path, outputs)
        self._mistake_outputs[path] = outputs
        return outputs

    def prepare_hints(self, problem: Problem) -> None:
        """Compute every known mistake's outputs now (e.g. when a version is validated)."""
        for mistake in problem.mistakes:
            self.mistake_outputs(problem, mistake)

    def missing_mistakes(self, problem: Problem) -> list[KnownMistake]:
        """The problem's known mistakes whose outputs this host has not computed yet."""
        return [m for m in problem.mistakes if self.cached_mistake_outputs(problem, m) is None]

    def _hint(self, problem: Problem, case: Case, result: CaseResult, output: np.ndarray,
              expected: np.ndarray, defer: bool = False) -> None:
        """Fill ``result.hint`` for a wrong answer.  Known mistakes' outputs are computed
        first if missing, unless ``defer``: then only those already computed count."""
        mistakes = []
        for mistake in problem.mistakes:
            outputs = (self.cached_mistake_outputs(problem, mistake) if defer
                       else self.mistake_outputs(problem, mistake))
            if outputs is not None and case.name in outputs:
                mistakes.append((mistake, outputs[case.name]))
        tolerance = problem.manifest.tolerance
        try:
            hint = diagnose(expected, output, case.inputs, problem.manifest.hints.rules(),
                            Tol(tolerance.rtol, tolerance.atol, tolerance.nan), case.visible,
                            mistakes)
        except Exception:  # a hint is a bonus: never let it cost the learner the verdict
            log.exception("hint detection failed on %s case %s", problem.slug, case.name)
            return
        if hint is not None:
            result.hint, result.hint_category = hint.text, hint.category
            result.mistake = hint.mistake

    def _agreed_hints(self, problem: Problem, cases: Sequence[Case], results: dict[int, CaseResult],
                      wrong: list[tuple[int, np.ndarray]], expected: dict[str, np.ndarray],
                      defer: bool) -> None:
        """Hint every wrong case, then keep only what all of them agree on."""
        for index, output in wrong:
            self._hint(problem, cases[index], results[index], output, expected[cases[index].name],
                       defer)
        hinted = [results[index] for index, _ in wrong]
        found = [Hint(c.hint_category, c.hint) if c.hint and c.hint_category else None for c in hinted]
        for case, hint in zip(hinted, agreed(found), strict=True):
            if hint is None:
                case.hint = case.hint_category = case.mistake = None

    def grade(self, problem: Problem, code: str, mode: Mode = Mode.SUBMIT,
              on_case: Callable[[CaseResult], None] | None = None,
              stop_on_failure: bool = False, defer_mistakes: bool = False,
              background: bool = False, framework: str = "jax",
              between_groups: Callable[[], None] | None = None) -> GradeResult:
        """Grade ``code``: mode "run" uses the visible cases, "submit" all of them.

        ``framework``: what ``code`` is written in (``sandbox.FRAMEWORKS``); every
        framework is judged against the same (JAX) reference outputs.
        ``stop_on_failure`` ends the run at the first non-accepted case (the overall
        verdict is already decided then); later cases are reported as not run.
        ``defer_mistakes``: never wait for known mistakes' outputs; a wrong answer
        graded without some of them says so in ``GradeResult.hints_pending``.
        ``background``: at the lowest CPU priority (a re-run for hints only).
        ``between_groups()``: after a process group's cases went to ``on_case``, before the next.
        """
        started = time.monotonic()
        cases = problem.select(mode)
        expected = self.reference_outputs(problem)
        limits = limits_for(problem, self.time_scale)
        results: dict[int, CaseResult] = {}
        # A wrong case's hint must agree with the other wrong cases' (``agreed``), and
        # known mistakes' outputs are computed lazily (the sandbox is busy during the
        # run): from the first wrong answer on, results are held back, to keep hints and
        # order, until every case is in.
        held: list[CaseResult] = []
        waiting: list[tuple[int, np.ndarray]] = []

        def finish(index: int, outcome: CaseOutcome, case: CaseResult) -> None:
            if case.verdict is Verdict.WRONG_ANSWER and outcome.output is not None:
                waiting.append((index, outcome.output))
            results[index] = case
            if on_case is None:
                return
            if waiting:
                held.append(case)
            else:
                on_case(case)

        stdout, stopped = "", False
        groups = process_groups(cases)
        cache_dir = self.xla_cache_for(problem)
        requests = [RunRequest(
            code=code, harness_code=problem.harness_code, entry=problem.manifest.entry,
            cases=_specs([cases[i] for i in group]), forbid=tuple(problem.manifest.forbid),
            cache_dir=cache_dir, cache_writable=False, background=background,
            framework=framework, grad=problem.manifest.grad) for group in groups]

        # Later groups start now on the sandbox's spare slots, unless the run may stop at
        # the first failure (then a later group may never be needed) or only fills idle
        # time (background runs make way for learners, one at a time).
        # A group starts ahead only on a warm fork server: one that had to be started
        # first (seconds) would make it later than waiting its turn.
        parallel = (self.sandbox.slots > 1 and not stop_on_failure and not background
                    and len(groups) > 1)
        ahead: dict[int, RunAhead] = {}
        if parallel and self.sandbox.idle_fork_servers(framework) >= min(len(groups),
                                                                         self.sandbox.slots):
            ahead = {number: RunAhead(self.sandbox, requests[number], limits)
                     for number in range(1, min(len(groups), self.sandbox.slots))}
        for number, group in enumerate(groups):
            if number and between_groups is not None:
                between_groups()
            if stopped:
                for index in group:
                    finish(index, CaseOutcome(cases[index].name, CaseStatus.NOT_RUN),
                           self._not_run(cases[index], overall_verdict(list(results.values()))))
                continue
            failed = next((r for r in results.values() if r.verdict is Verdict.INTERNAL_ERROR), None)
            if failed is not None:  # the grader failed: the rest would not be judged fairly
                for index in group:
                    finish(index, CaseOutcome(cases[index].name, CaseStatus.INTERNAL),
                           CaseResult(cases[index].name, cases[index].visible,
                                      Verdict.INTERNAL_ERROR, failed.message))
                continue
            log_text = self._run_group(problem, requests[number], cases, group, expected, limits,
                                       results, finish, stop_on_failure, ahead.get(number))
            if cases[group[0]].visible:
                stdout = log_text  # the raw output of a process that saw only visible inputs
            stopped = stop_on_failure and any(
                results[i].verdict is not Verdict.ACCEPTED for i in group)
        if parallel:
            self.sandbox.add_spare(framework)  # for the next submission, if one was missing
        pending = bool(waiting and defer_mistakes and self.missing_mistakes(problem))
        self._agreed_hints(problem, cases, results, waiting, expected, defer_mistakes)
        for case in held:
            assert on_case is not None
            on_case(case)
        ordered = [results[i] for i in range(len(cases))]
        return GradeResult(verdict=overall_verdict(ordered), cases=ordered, stdout=stdout,
                           wall_ms=(time.monotonic() - started) * 1000, hints_pending=pending)

    def _run_group(self, problem: Problem, request: RunRequest, cases: Sequence[Case],
                   group: list[int], expected: dict[str, np.ndarray], limits: Limits,
                   results: dict[int, CaseResult],
                   finish: Callable[[int, CaseOutcome, CaseResult], None],
                   stop_on_failure: bool, started: RunAhead | None = None) -> str:
        """Run the cases ``group`` indexes in one sandboxed process; returns its raw output.

        ``started``: that process already runs (ahead of its turn); its cases are taken
        from it in the order it finished them.

        ``finish`` records each case in ``results``; cases the run never reached take
        the verdict of the case that ended it (or the verdict so far, after a stop).
        """

        def judge(local: int, outcome: CaseOutcome) -> bool:
            index = group[local]
            finish(index, outcome,
                   judge_case(problem, cases[index], outcome, expected[cases[index].name]))
            return stop_on_failure and results[index].verdict is not Verdict.ACCEPTED

        if started is None:
            run = self.sandbox.run(request, limits, on_case=judge)
        else:
            run = started.replay(judge)
        ended_by: Verdict | None = None
        for local, outcome in enumerate(run.cases):
            index = group[local]
            if index in results:
                continue
            case = judge_case(problem, cases[index], outcome, expected[cases[index].name])
            if outcome.status is CaseStatus.NOT_RUN:
                case.verdict = ended_by or overall_verdict(list(results.values()))
            ended_by = ended_by or case.verdict
            finish(index, outcome, case)
        return run.log

    @staticmethod
    def _not_run(case: Case, verdict: Verdict) -> CaseResult:
        """A case never run because an earlier one already decided the verdict."""
        return CaseResult(case.name, case.visible, verdict,
                          "not run: an earlier case already decided the verdict")
