"""Learners choose their framework: JAX (default), NumPy or PyTorch, on the real stack.

Every framework is graded on the same cases against the same reference outputs; the
submission records its framework; what the problem or this server cannot take is a
422 saying why.
"""

from __future__ import annotations

import importlib.util

import pytest

from tests.api.conftest import auth
from tests.api.test_api import PROBLEM_BODY, submit

torch_installed = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None,
    reason="PyTorch is not installed (pip install torch==2.13.0): the pytorch framework is not offered")

TORCH_ADD = "import torch\n\ndef add(a, b):\n    assert isinstance(a, torch.Tensor)\n    return a + b\n"
NUMPY_ADD = "import numpy as np\n\ndef add(a, b):\n    return (a + b).tolist()\n"


@torch_installed
def test_problem_detail_offers_each_framework_with_its_starter(stack):
    detail = stack.wait_problem()
    assert detail["frameworks"] == ["jax", "numpy", "pytorch"]
    assert detail["frameworks_unavailable"] == {}
    assert set(detail["starters"]) == {"jax", "numpy", "pytorch"}
    assert "import torch" in detail["starters"]["pytorch"]
    assert detail["starters"]["jax"] == detail["starter_code"]


@torch_installed
def test_pytorch_submission_is_graded_and_records_its_framework(stack):
    stack.wait_problem()
    token = stack.token("ada")
    sent = submit(stack, token, code=TORCH_ADD, framework="pytorch")
    assert sent.status_code == 202, sent.text
    graded = stack.wait_done(sent.json()["id"], token)
    assert graded["verdict"] == "accepted" and graded["passed"] == graded["total"] == 2
    assert graded["framework"] == "pytorch"
    listed = stack.client.get("/api/submissions?problem=vector-add", headers=auth(token)).json()
    assert listed["items"][0]["framework"] == "pytorch"


@torch_installed
def test_same_cases_same_verdicts_whatever_the_framework(stack):
    stack.wait_problem()
    token = stack.token("ada")
    wrong = {"jax": "def add(a, b):\n    return a - b\n",
             "numpy": "import numpy as np\n\ndef add(a, b):\n    return np.subtract(a, b)\n",
             "pytorch": "import torch\n\ndef add(a, b):\n    return torch.sub(a, b)\n"}
    verdicts = {}
    for framework, code in wrong.items():
        sent = submit(stack, token, code=code, framework=framework)
        graded = stack.wait_done(sent.json()["id"], token)
        verdicts[framework] = [(c["name"], c["verdict"]) for c in graded["cases"]]
    assert verdicts["jax"] == verdicts["numpy"] == verdicts["pytorch"]
    assert verdicts["jax"][0] == ("example", "wrong_answer")


def test_numpy_submission_is_accepted_and_may_not_import_another_framework(stack):
    stack.wait_problem()
    token = stack.token("ada")
    graded = stack.wait_done(submit(stack, token, code=NUMPY_ADD, framework="numpy").json()["id"], token)
    assert graded["verdict"] == "accepted" and graded["framework"] == "numpy"
    mixed = "import jax.numpy as jnp\n\ndef add(a, b):\n    return jnp.add(a, b)\n"
    graded = stack.wait_done(submit(stack, token, code=mixed, framework="numpy").json()["id"], token)
    assert graded["verdict"] == "compile_error"
    assert "written for numpy" in graded["cases"][0]["message"]


def test_default_framework_is_jax(stack):
    stack.wait_problem()
    token = stack.token("ada")
    graded = stack.wait_done(submit(stack, token).json()["id"], token)
    assert graded["verdict"] == "accepted" and graded["framework"] == "jax"


def test_unknown_framework_is_422(stack):
    stack.wait_problem()
    token = stack.token("ada")
    sent = submit(stack, token, framework="tensorflow")
    assert sent.status_code == 422
    assert set(sent.json()) == {"error", "detail"}
    assert "framework" in str(sent.json()["detail"]) and "pytorch" in str(sent.json()["detail"])


def test_framework_the_problem_does_not_accept_is_422(stack):
    # A problem published over the API without a NumPy starter offers JAX only.
    prof = stack.instructor_token()
    created = stack.client.post("/api/problems", headers=auth(prof), json=PROBLEM_BODY)
    assert created.status_code == 201, created.text
    assert created.json()["frameworks"] == ["jax"]
    token = stack.token("ada")
    sent = submit(stack, token, code="def scale(x):\n    return 2 * x\n", problem="scale-vector",
                  framework="numpy")
    assert sent.status_code == 422 and sent.json()["error"] == "invalid"
    assert "accepts jax, not numpy" in sent.json()["detail"]


def test_without_torch_installed_pytorch_is_not_offered_and_the_api_says_why(stack, monkeypatch):
    # This server's Python cannot find torch (as on a JAX-only deployment).
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "torch" else find_spec(name, *a))
    detail = stack.wait_problem()
    assert "pytorch" not in detail["frameworks"] and "pytorch" not in detail["starters"]
    assert "not installed" in detail["frameworks_unavailable"]["pytorch"]
    token = stack.token("ada")
    sent = submit(stack, token, code=TORCH_ADD, framework="pytorch")
    assert sent.status_code == 422, sent.text
    assert sent.json()["error"] == "framework_unavailable"
    assert "PyTorch is not installed" in sent.json()["detail"]


def test_an_operator_can_turn_a_framework_off(db_url, tiny_dirs, grader):
    # TENSORJUDGE_FRAMEWORKS=jax,numpy: PyTorch is not offered even where torch is installed.
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.models import ProblemVersion, VersionStatus
    from app.problems import repository
    from tests.api.conftest import Stack, make_stack

    settings, sessions, engine, *_ = make_stack(db_url, tiny_dirs, grader, with_worker=False,
                                                frameworks="jax,numpy")
    try:
        with TestClient(create_app(settings)) as client:
            stack = Stack(client, settings, sessions, None)
            with sessions() as session:  # publish without a worker: mark the version ready
                version = session.query(ProblemVersion).one()
                version.status = VersionStatus.READY
                repository.get_problem(session, "vector-add").current_version_id = version.id
                session.commit()
            detail = stack.wait_problem()
            assert detail["frameworks"] == ["jax", "numpy"]
            assert "TENSORJUDGE_FRAMEWORKS" in detail["frameworks_unavailable"]["pytorch"]
            sent = submit(stack, stack.token("ada"), code=TORCH_ADD, framework="pytorch")
            assert sent.status_code == 422 and sent.json()["error"] == "framework_unavailable"
    finally:
        engine.dispose()


@pytest.mark.parametrize("value", ["numpy,pytorch", "jax,tensorflow"])
def test_frameworks_setting_must_hold_jax_and_known_names(value):
    from pydantic import ValidationError

    from app.config import Settings

    with pytest.raises(ValidationError, match="frameworks"):
        Settings(frameworks=value)
