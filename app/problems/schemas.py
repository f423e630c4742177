"""Pydantic views of problems.  The public views are the filter that keeps reference
code, harness internals and hidden cases from ever leaving the server."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.problems.manifest import ProblemLimits


class ToleranceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rtol: float = Field(1e-5, ge=0, le=1)
    atol: float = Field(1e-6, ge=0)
    nan: Literal["never_equal", "equal"] = "never_equal"


class CaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=64)
    visible: bool = False
    inputs: dict[str, Any]


class ProblemCreate(BaseModel):
    """Body of ``POST /api/problems`` (and ``PUT /api/problems/{slug}``, without ``slug``)."""

    model_config = ConfigDict(extra="forbid")
    slug: str | None = Field(None, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=64)
    title: str = Field(min_length=1, max_length=200)
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    tags: list[str] = Field(default_factory=list, max_length=20)
    statement: str = Field(max_length=200_000)
    starter_code: str = Field("", max_length=65_536)
    starters: dict[Literal["numpy", "pytorch"], str] = Field(
        default_factory=dict, description="the starter of each framework besides JAX; a framework "
                                          "is offered only with its starter")
    frameworks: list[Literal["jax", "numpy", "pytorch"]] | None = Field(
        None, min_length=1, max_length=3, description="accepted frameworks (default: JAX for a "
                                                      "Flax module, JAX, NumPy and PyTorch otherwise)")
    grad: bool = Field(False, description="PyTorch submissions run with autograd on")
    solution_code: str = Field(min_length=1, max_length=65_536)
    entry: str = Field(max_length=100)
    harness: Literal["call", "flax_module"] = "call"
    harness_code: str | None = Field(None, max_length=65_536)
    forbid: list[str] = Field(default_factory=list, max_length=50)
    cases: list[CaseIn] = Field(min_length=1, max_length=200)
    tolerance: ToleranceIn = ToleranceIn()
    limits: ProblemLimits | None = None  # the manifest's own model: one set of rules


class ProblemSummary(BaseModel):
    slug: str
    title: str
    difficulty: str
    tags: list[str]
    version: int
    status: Literal["ready", "preparing"] = Field(
        "ready", description="preparing: its reference is still being run on every case "
                             "(the first minutes after a start); it opens when ready")


class Example(BaseModel):
    name: str
    inputs: dict[str, Any]
    expected: Any


class ProblemDetail(ProblemSummary):
    statement: str
    starter_code: str = Field(description="the JAX starter")
    frameworks: list[str] = Field(
        ["jax"], description="what a submission may be written in here (POST /api/submissions "
                             "`framework`): accepted by the problem and installed on this server")
    starters: dict[str, str] = Field(
        default_factory=dict, description="the starter of each offered framework")
    frameworks_unavailable: dict[str, str] = Field(
        default_factory=dict, description="frameworks the problem accepts that this server "
                                          "cannot run, each with the reason")
    entry: str
    tolerance: dict[str, Any]
    limits: dict[str, Any]
    examples: list[Example]


class MistakeCreate(BaseModel):
    """Body of ``POST /api/problems/{slug}/mistakes``: a wrong solution and what it gets wrong."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=65_536,
                      description="a wrong solution; it runs only in the sandbox")
    explanation: str = Field(min_length=1, max_length=300,
                             description="shown to learners whose output matches this mistake's")
    category: str = Field("other", description="hint label: padding, stride, kernel-flip, layout, "
                                               "scale, bias, numerical, init, accumulate, "
                                               "forward-conv, dilation or other")


class MistakeOut(BaseModel):
    id: int
    key: str
    origin: Literal["pack", "instructor"]
    explanation: str
    category: str
    code: str
