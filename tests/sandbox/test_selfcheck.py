"""The fail-closed self-check: it passes with every layer, its probes really escape when
a layer is switched off, and a missing or failing layer stops the worker by name."""

from __future__ import annotations

import pytest

from sandbox import available_frameworks, selfcheck
from sandbox.layers import REQUIRED, cgroups, landlock, seccomp_filter
from sandbox.selfcheck import IsolationUnavailable, check, layer_problems, run_probes
from tests.conftest import REFERENCE, ROOT

PRIVATE = [REFERENCE, ROOT / "problems", ROOT / "app"]


def test_selfcheck_passes_with_every_layer(sandbox):
    assert layer_problems() == {}
    assert check(sandbox, private_paths=PRIVATE) == list(REQUIRED)


def test_selfcheck_probes_all_held(sandbox):
    assert run_probes(sandbox, private_paths=PRIVATE) == {}


def test_selfcheck_every_probe_escapes_a_bare_fork(boxes):
    # Without any layer every probe gets through: the probes are real attacks.
    escaped = run_probes(boxes.bare(), private_paths=PRIVATE)
    assert set(escaped) == set(selfcheck._PROBE_LAYERS) - {"no_new_privs"}  # always set
    assert check(boxes.bare()) == []  # every layer was disabled on purpose


@pytest.mark.parametrize(("layer", "expected"), [
    ("netns", {"netns"}),  # loopback stays closed: Landlock and seccomp still stop it
    ("landlock", {"secret", "private", "write"}),
    ("seccomp", {"fork", "seccomp"}),
    ("uid", {"uid"}),
    ("cgroup", {"cgroup"}),
    ("rlimits", {"rlimits"}),
    ("session", {"session"}),
])
def test_selfcheck_probe_escapes_without_layer(boxes, layer, expected):
    box = boxes.without(layer)
    assert set(run_probes(box, private_paths=PRIVATE)) == expected
    # The operator disabled it explicitly, so check() accepts it (and says so loudly).
    assert check(box) == [name for name in REQUIRED if name != layer]


def test_selfcheck_network_needs_three_layers_off(boxes):
    escaped = run_probes(boxes.without("netns", "landlock", "seccomp"))
    assert {"network", "udp"} <= set(escaped)
    assert "udp" in run_probes(boxes.without("netns", "seccomp"))  # Landlock only covers TCP
    assert "network" not in run_probes(boxes.without("netns", "seccomp"))


@pytest.mark.parametrize(("module", "layer"), [
    (landlock, "landlock"), (seccomp_filter, "seccomp"), (cgroups, "cgroup"),
])
def test_selfcheck_reports_a_missing_layer(sandbox, monkeypatch, module, layer):
    monkeypatch.setattr(module, "available", lambda: f"{layer} is missing in this test")
    assert layer_problems()[layer] == f"{layer} is missing in this test"
    with pytest.raises(IsolationUnavailable) as raised:
        check(sandbox)
    assert raised.value.layer == layer and "missing in this test" in str(raised.value)


def test_selfcheck_refuses_an_escaped_probe(sandbox, monkeypatch):
    monkeypatch.setattr(selfcheck, "run_probes",
                        lambda box, private_paths=(), framework="jax": {"secret": "read the planted secret"})
    with pytest.raises(IsolationUnavailable) as raised:
        check(sandbox)
    assert raised.value.layer == "landlock" and "secret" in str(raised.value)


def test_selfcheck_refuses_a_layer_that_silently_stopped_working(sandbox, monkeypatch):
    # A layer that applies without error but does not hold (here: the namespace fact
    # comes back equal to the supervisor's) is caught by its own witness.
    monkeypatch.setattr(selfcheck, "_identity_failures",
                        lambda facts: {"netns": "shares the supervisor's network namespace"})
    with pytest.raises(IsolationUnavailable) as raised:
        check(sandbox)
    assert raised.value.layer == "netns"


def test_selfcheck_private_paths_are_probed(boxes, planted):
    box = boxes.without("landlock")
    assert "private" in run_probes(box, private_paths=[planted.root])
    assert "private" in run_probes(box, private_paths=[planted.secret])


def test_selfcheck_fails_closed_when_a_layer_cannot_be_applied(sandbox, monkeypatch):
    # If the run's cgroups are missing, the child cannot join them; it must not go on
    # to run the submission with one layer fewer.
    monkeypatch.setattr(cgroups.RunGroup, "create", lambda self, *args, **kwargs: None)
    with pytest.raises(IsolationUnavailable) as raised:
        check(sandbox)
    assert raised.value.layer == "sandbox" and "sandbox setup failed" in raised.value.reason


torch_installed = pytest.mark.skipif(
    "pytorch" not in available_frameworks(),
    reason="PyTorch is not installed (pip install torch==2.13.0): no PyTorch fork server to check")


@torch_installed
def test_selfcheck_probes_hold_on_the_pytorch_fork_server(sandbox):
    # The PyTorch server is a second fork server with its own preloaded libraries:
    # every probe runs there too, and none escapes.
    assert run_probes(sandbox, private_paths=PRIVATE, framework="pytorch") == {}
    assert "torch" in sandbox.fork_server_pids()


@torch_installed
def test_selfcheck_refuses_a_probe_escaping_only_on_the_pytorch_server(sandbox, monkeypatch):
    def probes(box, private_paths=(), framework="jax"):
        return {"write": "wrote outside the scratch directory"} if framework == "pytorch" else {}

    monkeypatch.setattr(selfcheck, "run_probes", probes)
    with pytest.raises(IsolationUnavailable) as raised:
        check(sandbox)
    assert raised.value.layer == "landlock" and "torch fork server" in str(raised.value)
    check(sandbox, frameworks=["jax", "numpy"])  # a JAX-only check never asks the torch server
