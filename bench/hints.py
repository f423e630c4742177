"""Hit rate of hints on a labelled corpus of wrong submissions.

    .venv/bin/python bench/hints.py [SLUG ...] [--without-mistakes] [-v] [--data-dir DIR]

Every file ``bench/hint_corpus/<slug>/*.py`` is a wrong submission written the way a
learner would, different from the problem's ``solutions/wrong/``, whose first line
names the misunderstanding a teacher would name: ``# label: <category>`` (the
vocabulary is ``app.problems.mistakes.CATEGORIES``).  Each is graded in "submit" mode
through the real ``Grader`` and ``Sandbox``.  Its hint is the first wrong case's hint
in case order (what a learner reads first):

- right: that hint's category is the label;
- misleading: it has another category;
- none: no wrong case got a hint.

``any-wrong`` also counts files where *some* case got a hint of another category, and
the wrong-hint rate is over every hint shown (every wrong case's, hidden ones included):
the share whose named cause is not the file's label.  The goal is 0 %: a hint that names
the wrong cause sends the learner the wrong way, which is worse than no hint.  The
last line splits the right hints by source (known mistake, shape formula, error
pattern); ``--without-mistakes`` grades with no known mistakes, to measure the shape
and pattern detectors alone.
Files that do not get ``wrong_answer`` are listed and left out of the rates.  Run as
root (the sandbox needs it).

A corpus folder names a pack problem (``problems/<slug>``) or, for traps the pack's cases
do not set (two-value visible cases), a bench-only problem in ``bench/hint_problems/``.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_PROBLEMS = ROOT / "bench" / "hint_problems"
sys.path.insert(0, str(ROOT))

from app.grading.engine import Grader  # noqa: E402
from app.grading.verdicts import GradeResult, Verdict  # noqa: E402
from app.problems.manifest import load_problem  # noqa: E402
from app.problems.mistakes import CATEGORIES  # noqa: E402
from sandbox import Sandbox  # noqa: E402


def corpus_label(code: str, path: Path) -> str:
    found = re.search(r"^#\s*label:\s*(\S+)\s*$", code, re.MULTILINE)
    if not found or found.group(1) not in CATEGORIES:
        raise SystemExit(f"{path}: needs '# label: <one of {', '.join(CATEGORIES)}>'")
    return found.group(1)


def source(text: str) -> str:
    if "of a known mistake" in text:
        return "mistake"
    return "shape" if text.startswith("Your output's size fits") else "pattern"


def hint_counts(result: GradeResult, label: str) -> tuple[int, int]:
    """(hints shown on wrong cases, those naming another cause than ``label``)."""
    hinted = [c for c in result.cases if c.verdict is Verdict.WRONG_ANSWER and c.hint_category]
    return len(hinted), sum(c.hint_category != label for c in hinted)


def problem_folder(slug: str, problems_dir: Path, reference_dir: Path) -> tuple[Path, Path]:
    """The pack's problem of that slug, else the bench-only one (with its references)."""
    if (problems_dir / slug).is_dir():
        return problems_dir / slug, reference_dir
    return BENCH_PROBLEMS / "problems" / slug, BENCH_PROBLEMS / "reference"


def score(result: GradeResult, label: str) -> tuple[str, str | None, list[str], str]:
    """(right | misleading | none, the primary hint's category, the cases whose hint has
    another category, where the primary hint came from)."""
    hinted = [c for c in result.cases if c.verdict is Verdict.WRONG_ANSWER and c.hint_category]
    other = [f"{c.name}: {c.hint_category}" for c in hinted if c.hint_category != label]
    if not hinted:
        return "none", None, [], "-"
    primary = hinted[0]
    outcome = "right" if primary.hint_category == label else "misleading"
    return outcome, primary.hint_category, other, source(primary.hint or "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="*")
    parser.add_argument("--corpus", type=Path, default=ROOT / "bench" / "hint_corpus")
    parser.add_argument("--problems-dir", type=Path, default=ROOT / "problems")
    parser.add_argument("--reference-dir", type=Path, default=ROOT / "reference")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".pytest-data")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every file's hint")
    parser.add_argument("--without-mistakes", action="store_true",
                        help="no known mistakes: shape and pattern detectors only")
    args = parser.parse_args()
    folders = sorted(p for p in args.corpus.iterdir() if p.is_dir())
    if args.slugs:
        folders = [f for f in folders if f.name in args.slugs]
    totals: Counter[str] = Counter()
    not_wrong: list[str] = []
    started = time.monotonic()
    with Sandbox(scratch_root="/dev/shm/tensorjudge-bench-scratch") as box:
        grader = Grader(box, args.data_dir.resolve())
        print(f"{'problem':<26} {'files':>5} {'right':>6} {'mislead':>8} {'none':>5} "
              f"{'any-wrong':>9}")
        for folder in folders:
            problem = load_problem(*problem_folder(folder.name, args.problems_dir, args.reference_dir))
            if args.without_mistakes:
                problem = replace(problem, mistakes=())
            grader.prepare_hints(problem)
            counts: Counter[str] = Counter()
            for path in sorted(folder.glob("*.py")):
                code = path.read_text()
                label = corpus_label(code, path)
                result = grader.grade(problem, code, "submit")
                name = f"{folder.name}/{path.name}"
                if result.verdict is not Verdict.WRONG_ANSWER:
                    not_wrong.append(f"{name}: {result.verdict.value}")
                    continue
                outcome, primary, other, origin = score(result, label)
                shown, wrong = hint_counts(result, label)
                counts["hints"] += shown
                counts["wrong-hints"] += wrong
                counts["files"] += 1
                counts[outcome] += 1
                counts["any-wrong"] += bool(other)
                if outcome == "right":
                    counts[f"by-{origin}"] += 1
                if args.verbose or outcome != "right":
                    print(f"  {name}: label {label}, hint {primary or '-'} ({origin}) -> {outcome}"
                          + (f"; other cases: {', '.join(other)}" if other else ""), file=sys.stderr)
            totals.update(counts)
            n = max(counts["files"], 1)
            print(f"{folder.name:<26} {counts['files']:>5} {counts['right'] / n:>6.0%} "
                  f"{counts['misleading'] / n:>8.0%} {counts['none'] / n:>5.0%} "
                  f"{counts['any-wrong'] / n:>9.0%}", flush=True)
    n = max(totals["files"], 1)
    print(f"{'TOTAL':<26} {totals['files']:>5} {totals['right'] / n:>6.0%} "
          f"{totals['misleading'] / n:>8.0%} {totals['none'] / n:>5.0%} "
          f"{totals['any-wrong'] / n:>9.0%}")
    print(f"right {totals['right']}/{totals['files']}, misleading {totals['misleading']}, "
          f"no hint {totals['none']}; right hints by source: known mistake "
          f"{totals['by-mistake']}, shape formula {totals['by-shape']}, error pattern "
          f"{totals['by-pattern']}; {time.monotonic() - started:.0f} s")
    hints = max(totals["hints"], 1)
    print(f"wrong-hint rate {totals['wrong-hints'] / hints:.1%}: {totals['wrong-hints']} of "
          f"{totals['hints']} hints shown name a cause that is not the mistake "
          f"(in {totals['any-wrong']} of {totals['files']} files)")
    if not_wrong:
        print("not wrong_answer (left out of the rates): " + "; ".join(not_wrong))
    return 0


if __name__ == "__main__":
    sys.exit(main())
