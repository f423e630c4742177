"""``tensorjudge push``: publish a course repository's problem folders over the REST API.

For each folder (``problem.toml``, statement, starter, solutions; reference under
``../reference`` like ``check``): create the problem if the server lacks it
(``POST /api/problems``), publish a new version if its content changed (``PUT``), and
leave it alone if unchanged (the server answers 409 "already the current version" and
stores nothing).  Wrong solutions with a ``# mistake:`` line that the server does not
hold yet are added as known mistakes.  Running it twice changes nothing the second time.

Not carried by the REST API (kept when serving from the folder itself): ``[hints]``
shape rules of the manifest.  The server runs each new version's solution on every
case before publishing it, so a push also proves the version on the server.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.problems.manifest import BUILTIN_NAMES, InvalidProblem, discover, load_problem
from app.problems.manifest import Problem as LoadedProblem

UNCHANGED = "already the current version"


@dataclass
class Outcome:
    slug: str
    action: str  # created | versioned | unchanged | failed
    detail: str = ""


class Api:
    """A minimal JSON client for the TensorJudge REST API (stdlib only)."""

    def __init__(self, server: str, token: str, timeout_s: float = 600):
        self.server, self.token, self.timeout_s = server.rstrip("/"), token, timeout_s

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.server + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:
                raw = answer.read()
                return answer.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                return exc.code, json.loads(raw)
            except ValueError:
                return exc.code, {"error": "http_error", "detail": raw.decode(errors="replace")}


def body_of(problem: LoadedProblem) -> dict[str, Any]:
    """The ``ProblemCreate`` body for a loaded folder."""
    m = problem.manifest
    builtin = m.harness in BUILTIN_NAMES
    return {
        "title": m.title, "difficulty": m.difficulty, "tags": list(m.tags),
        "statement": problem.statement, "starter_code": problem.starter,
        "starters": dict(problem.starters), "frameworks": m.frameworks, "grad": m.grad,
        "solution_code": problem.reference, "entry": m.entry,
        "harness": m.harness if builtin else "call",
        "harness_code": None if builtin else problem.harness_code, "forbid": list(m.forbid),
        "cases": [c.model_dump(mode="json") for c in m.cases],
        "tolerance": m.tolerance.model_dump(mode="json"),
        "limits": m.limits.model_dump(mode="json"),
    }


def _detail(answer: Any) -> str:
    return str(answer.get("detail", answer)) if isinstance(answer, dict) else str(answer)


def push_problem(api: Api, problem: LoadedProblem) -> Outcome:
    slug, body = problem.slug, body_of(problem)
    status, answer = api.call("PUT", f"/api/problems/{slug}", body)
    if status == 404:
        status, answer = api.call("POST", "/api/problems", {"slug": slug, **body})
        outcome = Outcome(slug, "created" if status == 201 else "failed",
                          "" if status == 201 else f"{status}: {_detail(answer)}")
    elif status == 200:
        outcome = Outcome(slug, "versioned", f"version {answer.get('version')}")
    elif status == 409 and UNCHANGED in _detail(answer):
        outcome = Outcome(slug, "unchanged")
    else:
        outcome = Outcome(slug, "failed", f"{status}: {_detail(answer)}")
    if outcome.action != "failed" and problem.mistakes:
        added = push_mistakes(api, problem)
        if added:
            outcome.detail = ", ".join(filter(None, [outcome.detail, f"{added} known mistakes added"]))
            if outcome.action == "unchanged":
                outcome.action = "updated"
    return outcome


def push_mistakes(api: Api, problem: LoadedProblem) -> int:
    """Add the folder's known mistakes the server lacks (matched by code); returns how many."""
    status, held = api.call("GET", f"/api/problems/{problem.slug}/mistakes")
    codes = {m["code"] for m in held} if status == 200 else set()
    added = 0
    for mistake in problem.mistakes:
        if mistake.code in codes:
            continue
        status, _ = api.call("POST", f"/api/problems/{problem.slug}/mistakes", {
            "code": mistake.code, "explanation": mistake.explanation[:300],
            "category": mistake.category})
        added += status == 201
    return added


def push(problems_dir: Path, api: Api, reference_dir: Path | None = None) -> list[Outcome]:
    """Push every problem folder under ``problems_dir``, in slug order."""
    outcomes = []
    for folder in discover(problems_dir):
        try:
            problem = load_problem(folder, reference_dir)
        except InvalidProblem as exc:
            outcomes.append(Outcome(folder.name, "failed", str(exc)))
            continue
        outcomes.append(push_problem(api, problem))
    return outcomes
