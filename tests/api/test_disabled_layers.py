"""``TENSORJUDGE_SANDBOX_DISABLE_LAYERS`` needs ``TENSORJUDGE_DEVELOPMENT=1``: without it
workers refuse to start, the log and ``/readyz`` say why."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.grading.setup import build_grader
from app.main import create_app
from sandbox import IsolationUnavailable
from tests.api.conftest import make_stack


def test_a_worker_refuses_disabled_layers_without_the_development_flag(tmp_path, caplog):
    settings = Settings(data_dir=tmp_path, sandbox_disable_layers="netns, seccomp")
    with caplog.at_level(logging.ERROR, logger="tensorjudge.worker"), \
            pytest.raises(IsolationUnavailable, match="TENSORJUDGE_DEVELOPMENT=1") as refused:
        build_grader(settings)
    assert refused.value.layer == "netns,seccomp"
    assert "TENSORJUDGE_DEVELOPMENT=1" in caplog.text and "netns, seccomp" in caplog.text


def test_the_development_flag_alone_permits_disabled_layers() -> None:
    assert Settings(sandbox_disable_layers="netns", development=True).layers_override_refused is None
    assert Settings(development=True).layers_override_refused is None
    assert Settings().layers_override_refused is None
    assert "netns" in (Settings(sandbox_disable_layers="netns").layers_override_refused or "")


def test_readyz_is_never_ready_with_refused_disabled_layers(db_url, tiny_dirs, grader):
    settings, _, engine, _, _, _ = make_stack(db_url, tiny_dirs, grader, with_worker=False,
                                              sandbox_disable_layers="netns")
    try:
        with TestClient(create_app(settings)) as client:
            ready = client.get("/readyz")
    finally:
        engine.dispose()
    body = ready.json()
    assert ready.status_code == 503 and body["ready"] is False
    assert body["sandbox_disabled_layers"] == ["netns"] and body["development"] is False
    assert "TENSORJUDGE_DEVELOPMENT=1" in body["refused"]


def test_readyz_reports_layers_disabled_in_development(db_url, tiny_dirs, grader):
    settings, _, engine, worker, stop, thread = make_stack(
        db_url, tiny_dirs, grader, sandbox_disable_layers="netns", development=True)
    try:
        with TestClient(create_app(settings)) as client:
            body = client.get("/readyz").json()
    finally:
        stop.set()
        thread.join(timeout=30)
        engine.dispose()
    assert body["ready"] is True and "refused" not in body
    assert body["sandbox_disabled_layers"] == ["netns"] and body["development"] is True
