"""Files under ``solutions/``: each one's expected verdict, framework and hint metadata.

    problems/<slug>/solutions/{correct,wrong}/*.py
        line 1: ``# expect: <verdict>``; in the first five lines, optionally
        ``# mistake: <explanation>`` (a known mistake hints match against; JAX code only),
        ``# label: <category>`` and ``# framework: <jax|numpy|pytorch>`` (default jax).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from app.grading.verdicts import Verdict
from app.problems.mistakes import CATEGORIES, KnownMistake
from sandbox import FRAMEWORKS


class InvalidProblem(ValueError):
    """A problem folder or manifest is invalid; the message names file and field."""


@dataclass(frozen=True)
class Solution:
    """A file under ``solutions/`` with the verdict it must get."""

    path: Path
    expect: Verdict
    mistake: str | None
    code: str
    label: str | None = None  # ``# label: <category>`` (see app.problems.mistakes.CATEGORIES)
    framework: str = "jax"  # ``# framework: <name>`` in the first five lines


def _header_value(code: str, path: Path, key: str, allowed: Collection[str]) -> str | None:
    """An optional ``# <key>: <value>`` in the first five lines; the value must be ``allowed``."""
    for line in code.splitlines()[:5]:
        found = re.match(rf"^#\s*{key}:\s*(\S+)\s*$", line)
        if found:
            if found.group(1) not in allowed:
                raise InvalidProblem(f"{path}: {key} {found.group(1)!r} is not one of "
                                     f"{', '.join(allowed)}")
            return found.group(1)
    return None


def parse_label(code: str, path: Path) -> str | None:
    """An optional ``# label: <category>`` (hint vocabulary)."""
    return _header_value(code, path, "label", CATEGORIES)


def pack_mistakes(solutions: tuple[Solution, ...]) -> tuple[KnownMistake, ...]:
    """Wrong solutions with a ``# mistake:`` line that can produce outputs."""
    return tuple(KnownMistake(s.path.name, s.code, s.mistake, s.label or "other")
                 for s in solutions
                 if s.mistake and s.framework == "jax"  # mistakes run as JAX code
                 and s.expect in (Verdict.WRONG_ANSWER, Verdict.RUNTIME_ERROR))


def parse_framework(code: str, path: Path) -> str:
    """An optional ``# framework: <name>`` (default jax)."""
    return _header_value(code, path, "framework", FRAMEWORKS) or "jax"


def parse_header(code: str, path: Path) -> tuple[Verdict, str | None]:
    """Read ``# expect: <verdict>`` (first line) and an optional ``# mistake: ...``."""
    lines = code.splitlines()
    match = re.match(r"^#\s*expect:\s*(\w+)\s*$", lines[0]) if lines else None
    if not match:
        raise InvalidProblem(f"{path}: first line must be '# expect: <verdict>'")
    try:
        expect = Verdict(match.group(1))
    except ValueError as exc:
        raise InvalidProblem(f"{path}: unknown verdict {match.group(1)!r}") from exc
    mistake = None
    for line in lines[1:5]:
        found = re.match(r"^#\s*mistake:\s*(.+)$", line)
        if found:
            mistake = found.group(1).strip()
    return expect, mistake


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidProblem(f"{path}: not UTF-8 text") from exc


def load_solutions(folder: Path, accepted: tuple[str, ...]) -> tuple[Solution, ...]:
    """Every solution file of ``folder``; one written for a framework the problem does
    not accept makes the folder invalid."""
    solutions = []
    for kind in ("correct", "wrong"):
        for path in sorted((folder / "solutions" / kind).glob("*.py")):
            code = _read(path)
            expect, mistake = parse_header(code, path)
            if (kind == "correct") != (expect is Verdict.ACCEPTED):
                raise InvalidProblem(f"{path}: a {kind} solution cannot expect {expect.value}")
            framework = parse_framework(code, path)
            if framework not in accepted:
                raise InvalidProblem(f"{path}: written for {framework}, which this problem does "
                                     f"not accept ({', '.join(accepted)})")
            solutions.append(Solution(path, expect, mistake, code, parse_label(code, path),
                                      framework))
    return tuple(solutions)
