"""Errors of the sandbox itself (never the submission's fault)."""

from __future__ import annotations


class SandboxError(RuntimeError):
    """The sandbox itself failed (never the submission's fault)."""


class ScratchUnavailable(SandboxError):
    """The run's scratch directory could not be created (e.g. the scratch volume is
    full); nothing was sent to the fork server, which stays usable."""
