"""The only place untrusted code runs.  Threat model: ``sandbox/THREATS.md``.

Public surface (the app imports nothing else from ``sandbox``)::

    box = Sandbox(scratch_root=..., disabled_layers=())
    check(box, private_paths=[...])          # fail closed: raises IsolationUnavailable
    result = box.run(RunRequest(...), Limits(...), on_case=callback)
    box.close()

``run`` executes the submission on every case in one confined child of a warm
fork server and returns a ``RunResult`` of per-case outcomes (arrays, errors,
timings).  It never compares anything: the expected outputs never enter here.
``STACK`` names the numerical stack outputs depend on (cache keys include it);
``check_child_xla_flags()`` refuses (``ChildFlagsRejected``) XLA flags XLA would abort on;
``unsearchable_ancestor`` tells whether the sandbox uid can reach a directory;
``die_with_parent`` ties a worker process to the one that started it;
``builtin_source(name)`` is the code of a built-in harness (``BUILTIN_NAMES``);
``FRAMEWORKS`` are what submissions may be written in (``RunRequest.framework``),
``available_frameworks()`` those this host can run and ``why_unavailable(f)`` says why
one cannot (``sandbox/frameworks.py``).
"""

from sandbox.errors import SandboxError
from sandbox.frameworks import FRAMEWORKS, why_unavailable
from sandbox.frameworks import available as available_frameworks
from sandbox.harnesses import BUILTIN_NAMES, builtin_source
from sandbox.parent import die_with_parent
from sandbox.selfcheck import IsolationUnavailable, check, unsearchable_ancestor
from sandbox.stack import STACK, ChildFlagsRejected, check_child_xla_flags
from sandbox.supervisor import Sandbox
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
    "BUILTIN_NAMES", "FRAMEWORKS", "STACK", "CaseOutcome", "CaseSpec", "CaseStatus",
    "ChildFlagsRejected", "IsolationUnavailable", "Limits", "RunRequest", "RunResult", "Sandbox",
    "SandboxError", "Termination", "available_frameworks", "builtin_source", "check",
    "check_child_xla_flags", "die_with_parent", "unsearchable_ancestor",
    "why_unavailable",
]
