"""Build a grader whose sandbox passed the fail-closed self-check."""

from __future__ import annotations

import logging

from app.config import Settings
from app.grading.engine import Grader
from sandbox import IsolationUnavailable, Sandbox, available_frameworks, check, check_child_xla_flags

log = logging.getLogger("tensorjudge.worker")


def build_grader(settings: Settings) -> Grader:
    """Start a sandbox, prove its isolation, wrap it in a ``Grader``.

    Raises ``sandbox.IsolationUnavailable`` (naming the layer) instead of
    returning a grader that would run code without every required layer (also when
    layers are disabled without the development flag), and
    ``DataDirUnusable`` when sandboxed runs could not reach the compile cache, and
    ``sandbox.ChildFlagsRejected`` when XLA refuses the operator's child XLA flags.
    """
    refused = settings.layers_override_refused
    if refused:
        log.error("refusing to start: %s", refused)
        raise IsolationUnavailable(",".join(settings.disabled_layers), refused)
    check_child_xla_flags()
    sandbox = Sandbox(scratch_root=settings.scratch_root, disabled_layers=settings.disabled_layers,
                      slots=settings.sandbox_slots)
    try:
        grader = Grader(sandbox, settings.data_dir, time_scale=settings.time_scale)
        # The probe also tries to read these: the trusted side's private files.
        check(sandbox, private_paths=[settings.reference_dir, settings.problems_dir,
                                      grader.expected_dir],
              frameworks=[f for f in settings.enabled_frameworks if f in available_frameworks()])
    except BaseException:
        sandbox.close()
        raise
    return grader
