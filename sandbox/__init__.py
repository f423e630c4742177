"""The only place untrusted code runs.  Threat model: ``sandbox/THREATS.md``.

Public surface::

    with Sandbox() as box:
        result = box.run(RunRequest(...), Limits(...), on_case=callback)

``run`` executes the submission on every case in one confined child of a warm
fork server and returns a ``RunResult`` of per-case outcomes (arrays, errors,
timings).  It never compares anything: the expected outputs never enter here.
"""

from sandbox.supervisor import Sandbox, SandboxError
from sandbox.types import (
    CaseOutcome,
    CaseSpec,
    CaseStatus,
    Limits,
    RunRequest,
    RunResult,
    Termination,
)

__all__ = [
    "CaseOutcome", "CaseSpec", "CaseStatus", "Limits", "RunRequest", "RunResult",
    "Sandbox", "SandboxError", "Termination",
]
