"""Convert between loaded problems (``manifest.Problem``) and stored versions."""

from __future__ import annotations

from typing import Any

from app.models import ProblemVersion
from app.problems.manifest import Manifest, Problem, expand_cases


def problem_from_version(slug: str, version: ProblemVersion) -> Problem:
    """Rebuild the gradeable problem a stored version describes."""
    manifest = Manifest.model_validate(version.manifest)
    cases = expand_cases(manifest)
    return Problem(slug=slug, manifest=manifest, statement=version.statement,
                   starter=version.starter, reference=version.reference,
                   harness_code=version.harness_code, cases=cases,
                   starters=dict(version.starters or {}))


def version_fields(problem: Problem) -> dict[str, Any]:
    """Column values of a new version row for ``problem``."""
    return {
        "fingerprint": problem.fingerprint,
        "title": problem.manifest.title,
        "manifest": problem.manifest.model_dump(mode="json"),
        "statement": problem.statement,
        "starter": problem.starter,
        "starters": dict(problem.starters),
        "reference": problem.reference,
        "harness_code": problem.harness_code,
    }


def frameworks_of(version: ProblemVersion) -> tuple[str, ...]:
    """The frameworks a stored version accepts (those with a starter; see ``Problem``)."""
    accepted = Manifest.model_validate(version.manifest).accepted_frameworks
    return tuple(f for f in accepted if f == "jax" or f in (version.starters or {}))
