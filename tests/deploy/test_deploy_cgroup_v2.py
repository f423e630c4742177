"""The deploy files for cgroup v2 hosts (deploy/), checked without a cluster or an engine:
the Kubernetes Deployment's structure and least privilege, the systemd unit's delegation,
the worker entrypoint's shell, and the Compose worker with its cgroup v1 override."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import yaml

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
CAPABILITIES = {"SYS_ADMIN", "SETUID", "SETGID", "CHOWN", "FOWNER", "DAC_OVERRIDE", "KILL"}


def _worker_container() -> dict:
    documents = list(yaml.safe_load_all((DEPLOY / "kubernetes" / "worker.yaml").read_text()))
    assert len(documents) == 1
    deployment = documents[0]
    assert deployment["apiVersion"] == "apps/v1" and deployment["kind"] == "Deployment"
    spec = deployment["spec"]
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    pod = spec["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert "hostPID" not in pod and "hostNetwork" not in pod and "hostIPC" not in pod
    (container,) = pod["containers"]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert set(mounts.values()) == set(volumes)
    assert volumes[mounts["/dev/shm"]]["emptyDir"]["medium"] == "Memory"  # scratch on tmpfs
    assert "/sys/fs/cgroup" not in mounts  # its own cgroup namespace, never the host's tree
    assert not any("hostPath" in v for v in volumes.values())
    return container


def test_kubernetes_worker_has_least_privilege():
    container = _worker_container()
    assert container["command"] == ["tensorjudge-worker-entrypoint"]
    assert container["args"][0] == "worker"
    context = container["securityContext"]
    assert context["privileged"] is False
    assert context["capabilities"]["drop"] == ["ALL"]
    assert set(context["capabilities"]["add"]) == CAPABILITIES
    assert context["runAsUser"] == 0
    # Kubernetes rejects allowPrivilegeEscalation: false together with SYS_ADMIN.
    assert context["allowPrivilegeEscalation"] is True
    assert context["readOnlyRootFilesystem"] is True
    assert context["appArmorProfile"] == {"type": "Unconfined"}
    assert {"cpu", "memory"} <= set(container["resources"]["limits"])


def test_systemd_unit_delegates_its_cgroup():
    unit = configparser.ConfigParser(strict=True, interpolation=None)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read_string((DEPLOY / "systemd" / "tensorjudge-worker.service").read_text())
    service = unit["Service"]
    assert service["Delegate"] == "yes"
    assert service["KillMode"] == "control-group"
    assert service["ExecStart"].split()[1:3] == ["worker", "--concurrency"]
    assert set(service["CapabilityBoundingSet"].replace("CAP_", "").split()) == CAPABILITIES
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_worker_entrypoint_is_valid_posix_shell():
    entrypoint = DEPLOY / "docker" / "worker-entrypoint.sh"
    done = subprocess.run(["sh", "-n", str(entrypoint)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    text = entrypoint.read_text()
    assert "remount,rw" in text and text.rstrip().endswith('exec tensorjudge "$@"')
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "deploy/docker/worker-entrypoint.sh /usr/local/bin/tensorjudge-worker-entrypoint" in dockerfile


def test_compose_worker_for_v2_and_its_v1_override(tmp_path):
    for name in ("docker-compose.yml", "Dockerfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    (tmp_path / "deploy" / "docker").mkdir(parents=True)
    shutil.copy(DEPLOY / "docker" / "compose.cgroup-v1.yml", tmp_path / "deploy" / "docker")

    def worker(*files: str) -> dict:
        args = [a for f in files for a in ("-f", f)]
        done = subprocess.run(["docker-compose", *args, "config"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return yaml.safe_load(done.stdout)["services"]["worker"]

    v2 = worker("docker-compose.yml")
    assert v2["entrypoint"] == ["tensorjudge-worker-entrypoint"]
    assert set(v2["cap_add"]) == CAPABILITIES and v2["cap_drop"] == ["ALL"]
    assert not v2.get("privileged")
    assert not any("/sys/fs/cgroup" in str(v) for v in v2.get("volumes", []))
    v1 = worker("docker-compose.yml", "deploy/docker/compose.cgroup-v1.yml")
    assert "/sys/fs/cgroup:/sys/fs/cgroup:rw" in [str(v) for v in v1["volumes"]]


def test_readme_documents_every_host_kind():
    readme = (ROOT / "README.md").read_text()
    deploying = readme[readme.index("## Deploying"):]
    for kind in ("cgroup v1", "systemd", "Docker on cgroup v2", "Kubernetes", "WSL2"):
        assert kind in deploying, kind
    for path in ("deploy/kubernetes/worker.yaml", "deploy/systemd/tensorjudge-worker.service",
                 "deploy/docker/worker-entrypoint.sh"):
        assert (ROOT / path).exists() and path in deploying, path
    assert Path(ROOT / "tests" / "vm" / "test_cgroup_v2_vm.py").exists()
