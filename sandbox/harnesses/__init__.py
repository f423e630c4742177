"""Built-in harnesses: code that runs inside the sandbox and calls a submission's entry.

A harness is plain Python source defining ``run_case(entry, inputs) -> array``.  It
is *not* trusted (an instructor can supply their own), so it runs only inside the
sandbox, next to the learner's code.  The same harness runs the reference and the
submission, which is what makes their random parameter draws identical.
"""

from pathlib import Path

BUILTIN_DIR = Path(__file__).parent
BUILTIN_NAMES = ("call", "flax_module")


def builtin_source(name: str) -> str:
    """Source text of the built-in harness ``name`` (one of ``BUILTIN_NAMES``)."""
    if name not in BUILTIN_NAMES:
        raise KeyError(name)
    return (BUILTIN_DIR / f"{name}.py").read_text()
