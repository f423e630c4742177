"""The ``problem.toml`` schema and the loader that turns a problem folder into a ``Problem``.

Folder layout::

    problems/<slug>/problem.toml      manifest (schema below)
    problems/<slug>/statement.md      Markdown with $...$ math
    problems/<slug>/starter.py        shown in the editor (JAX); must not pass
    problems/<slug>/starter_<framework>.py   the starter for each other accepted
                                      framework (starter_numpy.py, starter_pytorch.py);
                                      a framework is offered only with its starter
    problems/<slug>/harness.py        optional custom harness (``harness = "harness.py"``)
    problems/<slug>/solutions/{correct,wrong}/*.py   first line ``# expect: <verdict>``;
                                      ``# framework: pytorch`` (or numpy) in the first
                                      five lines for code not written in JAX
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
from app.models import Mode
from app.problems.inputs import InputError, expand
from app.problems.mistakes import CATEGORIES, KnownMistake
from app.problems.solutions import InvalidProblem, Solution, load_solutions, pack_mistakes
from sandbox import BUILTIN_NAMES, builtin_source

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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


Framework = Literal["jax", "numpy", "pytorch"]


class Manifest(_Strict):
    title: str = Field(min_length=1, max_length=200)
    difficulty: Literal["easy", "medium", "hard"]
    tags: list[str] = []
    entry: str
    harness: str = "call"
    # What learners may write in (default: see ``accepted_frameworks``).  The reference
    # is always JAX; every framework is graded on the same cases against its outputs.
    frameworks: list[Framework] | None = Field(None, min_length=1, max_length=3)
    # PyTorch submissions run with autograd on (the problem is about gradients).
    grad: bool = False
    # Fully qualified names from any framework (jax.lax.conv_transpose,
    # torch.nn.functional.conv_transpose2d, ...), forbidden whatever the framework.
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

    @field_validator("frameworks")
    @classmethod
    def _frameworks(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("frameworks are listed once each")
        return value

    @property
    def accepted_frameworks(self) -> tuple[str, ...]:
        """JAX only for Flax-module problems; JAX, NumPy and PyTorch for array functions."""
        if self.frameworks is not None:
            return tuple(self.frameworks)
        return ("jax",) if self.harness == "flax_module" else ("jax", "numpy", "pytorch")

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
    # The starter of every accepted framework other than JAX (``starter`` is JAX's).
    starters: dict[str, str] = field(default_factory=dict)

    def starter_for(self, framework: str) -> str:
        return self.starter if framework == "jax" else self.starters.get(framework, "")

    @property
    def frameworks(self) -> tuple[str, ...]:
        """The accepted frameworks that have a starter (a version stored before
        frameworks existed has none but JAX's, and accepts JAX only, as it did)."""
        return tuple(f for f in self.manifest.accepted_frameworks
                     if f == "jax" or f in self.starters)

    @property
    def fingerprint(self) -> str:
        """Hash of everything that defines this version's expected outputs and cases."""
        digest = hashlib.sha256()
        # A manifest without hints (or without framework settings) hashes as before
        # those existed (caches stay valid): the learner's framework never changes
        # the expected outputs.
        exclude = {name for name, default in (("hints", Hints()), ("frameworks", None),
                                              ("grad", False))
                   if getattr(self.manifest, name) == default}
        manifest = self.manifest.model_dump_json(exclude=exclude or None)
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


def reference_path(folder: Path, reference_dir: Path) -> Path:
    return reference_dir / f"{folder.name.replace('-', '_')}.py"


def _starters(folder: Path, manifest: Manifest) -> dict[str, str]:
    """``starter_<framework>.py`` of every accepted framework but JAX: required when the
    manifest lists ``frameworks``; with the default list, a framework without its
    starter is simply not offered (``Problem.frameworks``)."""
    return {f: _read(folder / f"starter_{f}.py") for f in manifest.accepted_frameworks
            if f != "jax" and (manifest.frameworks is not None
                               or (folder / f"starter_{f}.py").exists())}


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
    solutions = load_solutions(folder, manifest.accepted_frameworks)
    return Problem(
        slug=slug,
        manifest=manifest,
        statement=_read(folder / "statement.md"),
        starter=_read(folder / "starter.py"),
        reference=_read(reference_path(folder, reference_dir)),
        harness_code=harness_code,
        cases=cases,
        solutions=solutions,
        mistakes=pack_mistakes(solutions),
        starters=_starters(folder, manifest),
    )


def discover(problems_dir: Path) -> list[Path]:
    """Problem folders (those with a ``problem.toml``), sorted by slug."""
    return sorted(p.parent for p in Path(problems_dir).glob("*/problem.toml"))
