"""The Dockerfile and docker-compose.yml, checked without a Docker engine: hadolint,
``docker-compose config``, and the install steps the image shares with the README."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT

HADOLINT = Path(sys.executable).parent / "hadolint"


def test_dockerfile_passes_hadolint():
    done = subprocess.run([str(HADOLINT), "--no-color", str(ROOT / "Dockerfile")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_compose_file_is_valid_and_has_the_topology(tmp_path):
    for name in ("docker-compose.yml", "Dockerfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    done = subprocess.run(["docker-compose", "config"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    config = yaml.safe_load(done.stdout)
    services = config["services"]
    assert set(services) == {"db", "migrate", "api", "worker"}
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["api"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "healthcheck" in services["db"] and "pgdata" in config["volumes"]
    worker = services["worker"]
    assert not worker.get("privileged") and "ALL" in worker["cap_drop"]
    assert "ports" not in worker and "container_name" not in worker  # scalable with --scale


def test_image_installs_what_the_readme_and_setup_install():
    dockerfile = (ROOT / "Dockerfile").read_text()
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    readme = (ROOT / "README.md").read_text()
    # Both install the project from the exactly pinned pyproject.toml, nothing else.
    assert re.search(r"pip install --prefix=/install \.$", dockerfile, re.M)
    assert "pip install -q -e '.[test,oracle,pytorch]'" in setup
    assert not list(ROOT.glob("requirements*.txt"))
    assert "python:3.11-slim-bookworm" in dockerfile and "3.11" in setup
    for command in ("db upgrade", "serve", "worker"):
        assert f"tensorjudge {command}" in readme
    assert re.search(r"^USER 10001$", dockerfile, re.M)  # the API is not root
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
