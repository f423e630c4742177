"""The ``problem.toml`` schema and the loader that turns a problem folder into a ``Problem``.

Folder layout::

    problems/<slug>/problem.toml      manifest (schema below)
    problems/<slug>/statement.md      Markdown with $...$ math
    problems/<slug>/starter.py        shown in the editor; must not pass
    problems/<slug>/harness.py        optional custom harness (``harness = "harness.py"``)
    problems/<slug>/solutions/{correct,wrong}/*.py   first line ``# expect: <verdict>``
    reference/<slug_with_underscores>.py             the reference solution

Every validation error names the file and the field, e.g.
``problems/x/problem.toml: cases[3].inputs.x: shape must be a list ...``.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from app.grading.compare import NanPolicy
from app.grading.formulas import FormulaError, parse_formula
from app.grading.hints import HintRules, ShapeRule
from app.grading.verdicts import Verdict
from app.models import Mode
from app.problems.inputs import InputError, expand
from app.problems.mistakes import CATEGORIES, KnownMistake
from sandbox import BUILTIN_NAMES, builtin_source

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class InvalidProblem(ValueError):
    """A problem folder or manifest is invalid; the message names file and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tolerance(_Strict):
    rtol: float = Field(1e-5, ge=0, le=1)
    atol: float = Field(1e-6, ge=0)
    nan: NanPolicy = NanPolicy.NEVER_EQUAL


class ProblemLimits(_Strict):
    """Per-problem limits (README "Time and memory limits" says how to choose them)."""

    time_s: float = Field(5.0, gt=0, le=60, description="CPU seconds per case (whole process tree)")
    memory_mb: int = Field(2048, ge=256, le=16384)
    startup_s: float = Field(10.0, gt=0, le=120, description="CPU seconds to load the submission")
    wall_factor: float = Field(6.0, ge=2, le=50, description=(
        "wall-clock backstop: a step may last this many times its CPU allowance"))


class CaseDef(_Strict):
    name: str
    visible: bool = False
    inputs: dict[str, Any]

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME_RE.match(value) or len(value) > 64:
            raise ValueError("case names are lowercase letters, digits, '-' and '_'")
        return value

    @field_validator("inputs")
    @classmethod
    def _inputs(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name, spec in value.items():
            if not IDENT_RE.match(name):
                raise ValueError(f"input name {name!r} is not a Python identifier")
            try:
                expand(spec)
            except InputError as exc:
                raise ValueError(f"input {name!r}: {exc}") from exc
        return value


def _formulas(value: list[str]) -> list[str]:
    for formula in value:
        try:
            parse_formula(formula)
        except FormulaError as exc:
            raise ValueError(str(exc)) from exc
    return value


def _category(value: str) -> str:
    if value not in CATEGORIES:
        raise ValueError(f"category {value!r} is not one of {', '.join(CATEGORIES)}")
    return value


class ShapeHint(_Strict):
    """``[[hints.shapes]]``: an output shape that betrays a misunderstanding."""

    shape: list[str] = Field(min_length=1, max_length=6)
    category: str
    explain: str = Field(min_length=1, max_length=400)

    _shape = field_validator("shape")(_formulas)
    _cat = field_validator("category")(_category)


class Hints(_Strict):
    """``[hints]``: the logical output shape, its spatial axes, telling shapes, notes."""

    output: list[str] | None = Field(None, min_length=1, max_length=6)
    spatial: list[int] | None = None
    shapes: list[ShapeHint] = []
    notes: dict[str, str] = {}

    @field_validator("output")
    @classmethod
    def _output(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _formulas(value)

    @field_validator("notes")
    @classmethod
    def _notes(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            _category(key)
        return value

    def rules(self) -> HintRules:
        return HintRules(
            output=tuple(self.output) if self.output else None,
            spatial=tuple(self.spatial) if self.spatial is not None else None,
            shapes=tuple(ShapeRule(tuple(s.shape), s.category, s.explain) for s in self.shapes),
            notes=dict(self.notes))


class Manifest(_Strict):
    title: str = Field(min_length=1, max_length=200)
    difficulty: Literal["easy", "medium", "hard"]
    tags: list[str] = []
    entry: str
    harness: str = "call"
    forbid: list[str] = []
    tolerance: Tolerance = Tolerance()
    limits: ProblemLimits = ProblemLimits()
    cases: list[CaseDef] = Field(min_length=1)
    hints: Hints = Hints()

    @field_validator("entry")
    @classmethod
    def _entry(cls, value: str) -> str:
        if not IDENT_RE.match(value):
            raise ValueError("entry must be a Python identifier")
        return value

    @field_validator("harness")
    @classmethod
    def _harness(cls, value: str) -> str:
        if value not in BUILTIN_NAMES and not re.match(r"^[A-Za-z0-9_]+\.py$", value):
            raise ValueError(f"harness is one of {', '.join(BUILTIN_NAMES)} or a .py file "
                             "in the problem folder")
        return value

    @field_validator("cases")
    @classmethod
    def _cases(cls, value: list[CaseDef]) -> list[CaseDef]:
        names = [case.name for case in value]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate case names: {', '.join(duplicates)}")
        if not any(case.visible for case in value):
            raise ValueError("at least one case must be visible (an example for learners)")
        return value


@dataclass(frozen=True)
class Case:
    """A case with its inputs expanded to numbers and arrays."""

    name: str
    visible: bool
    inputs: dict[str, Any]
    spec: dict[str, Any]


@dataclass(frozen=True)
class Solution:
    """A file under ``solutions/`` with the verdict it must get."""

    path: Path
    expect: Verdict
    mistake: str | None
    code: str
    label: str | None = None  # ``# label: <category>`` (see app.problems.mistakes.CATEGORIES)


@dataclass(frozen=True)
class Problem:
    """A loaded, validated problem version."""

    slug: str
    manifest: Manifest
    statement: str
    starter: str
    reference: str
    harness_code: str
    cases: tuple[Case, ...]
    solutions: tuple[Solution, ...] = field(default=())
    # Wrong solutions whose outputs hints match against (see app.grading.hints).
    mistakes: tuple[KnownMistake, ...] = field(default=())

    @property
    def fingerprint(self) -> str:
        """Hash of everything that defines this version's expected outputs and cases."""
        digest = hashlib.sha256()
        # A manifest without hints hashes as before hints existed (caches stay valid).
        unhinted = self.manifest.hints == Hints()
        manifest = self.manifest.model_dump_json(exclude={"hints"} if unhinted else None)
        for part in (self.slug, manifest, self.reference,
                     self.harness_code):
            digest.update(part.encode())
            digest.update(b"\0")
        return digest.hexdigest()

    def select(self, mode: Mode) -> tuple[Case, ...]:
        """Cases graded in ``mode``: run = visible examples, submit = all."""
        if mode == Mode.RUN:
            return tuple(case for case in self.cases if case.visible)
        return self.cases


def expand_cases(manifest: Manifest) -> tuple[Case, ...]:
    """The manifest's cases with every input expanded to numbers and arrays."""
    return tuple(Case(c.name, c.visible, {k: expand(v) for k, v in c.inputs.items()}, c.inputs)
                 for c in manifest.cases)


def _error_path(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InvalidProblem(f"{path}: file is missing") from exc
    except UnicodeDecodeError as exc:
        raise InvalidProblem(f"{path}: not UTF-8 text") from exc


def parse_manifest(text: str, origin: str) -> Manifest:
    """Parse and validate manifest TOML; errors are prefixed with ``origin``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidProblem(f"{origin}: invalid TOML: {exc}") from exc
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidProblem(f"{origin}: {_error_path(first['loc'])}: {first['msg']}") from exc


def parse_label(code: str, path: Path) -> str | None:
    """An optional ``# label: <category>`` in the first five lines (hint vocabulary)."""
    for line in code.splitlines()[:5]:
        found = re.match(r"^#\s*label:\s*(\S+)\s*$", line)
        if found:
            if found.group(1) not in CATEGORIES:
                raise InvalidProblem(f"{path}: label {found.group(1)!r} is not one of "
                                     f"{', '.join(CATEGORIES)}")
            return found.group(1)
    return None


def pack_mistakes(solutions: tuple[Solution, ...]) -> tuple[KnownMistake, ...]:
    """Wrong solutions with a ``# mistake:`` line that can produce outputs."""
    return tuple(KnownMistake(s.path.name, s.code, s.mistake, s.label or "other")
                 for s in solutions
                 if s.mistake and s.expect in (Verdict.WRONG_ANSWER, Verdict.RUNTIME_ERROR))


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


def reference_path(folder: Path, reference_dir: Path) -> Path:
    return reference_dir / f"{folder.name.replace('-', '_')}.py"


def load_problem(folder: Path, reference_dir: Path | None = None) -> Problem:
    """Load and validate one problem folder (see the module docstring for the layout)."""
    folder = Path(folder)
    slug = folder.name
    if not SLUG_RE.match(slug):
        raise InvalidProblem(f"{folder}: folder name must be a slug like 'my-problem'")
    reference_dir = reference_dir or folder.parent.parent / "reference"
    manifest_path = folder / "problem.toml"
    manifest = parse_manifest(_read(manifest_path), str(manifest_path))
    if manifest.harness in BUILTIN_NAMES:
        harness_code = builtin_source(manifest.harness)
    else:
        harness_code = _read(folder / manifest.harness)
    cases = expand_cases(manifest)
    solutions = []
    for kind in ("correct", "wrong"):
        for path in sorted((folder / "solutions" / kind).glob("*.py")):
            code = _read(path)
            expect, mistake = parse_header(code, path)
            if (kind == "correct") != (expect is Verdict.ACCEPTED):
                raise InvalidProblem(f"{path}: a {kind} solution cannot expect {expect.value}")
            solutions.append(Solution(path, expect, mistake, code, parse_label(code, path)))
    return Problem(
        slug=slug,
        manifest=manifest,
        statement=_read(folder / "statement.md"),
        starter=_read(folder / "starter.py"),
        reference=_read(reference_path(folder, reference_dir)),
        harness_code=harness_code,
        cases=cases,
        solutions=tuple(solutions),
        mistakes=pack_mistakes(tuple(solutions)),
    )


def discover(problems_dir: Path) -> list[Path]:
    """Problem folders (those with a ``problem.toml``), sorted by slug."""
    return sorted(p.parent for p in Path(problems_dir).glob("*/problem.toml"))
