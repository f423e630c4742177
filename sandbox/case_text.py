"""What the child reports of a case: its printed text, capped, and its error's fields.

Runs in the sandboxed child, next to hostile code: nothing here may trust an
exception's ``__str__`` or the amount of text a submission prints.
"""

from __future__ import annotations

import builtins
import io
import traceback

SUBMISSION_FILE = "<submission>"
MAX_MESSAGE = 8 * 1024


class CappedText(io.StringIO):
    """A StringIO that silently stops keeping text after ``cap`` characters."""

    def __init__(self, cap: int):
        super().__init__()
        self.cap = cap
        self.truncated = False

    def write(self, text: str) -> int:
        room = self.cap - self.tell()
        if room <= 0:
            self.truncated = True
            return len(text)
        if len(text) > room:
            self.truncated = True
        return super().write(text[:room])

    def text(self) -> str:
        return self.getvalue() + ("\n[output truncated]" if self.truncated else "")


def _builtin_name(exc: BaseException) -> str:
    """The nearest built-in exception class's name: the learner names their own classes."""
    for cls in type(exc).__mro__:
        if getattr(builtins, cls.__name__, None) is cls:
            return str(cls.__name__)
    return "BaseException"


def error_fields(exc: BaseException) -> dict[str, str]:
    """``message``: the exception with only the submission's own frames (capped);
    ``summary``: the nearest built-in exception's name only, which is all a hidden
    case may show (a type name, a message or a traceback could carry hidden inputs)."""
    try:
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if f.filename == SUBMISSION_FILE]
        trace = ""
        if frames:
            trace = "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames))
        text = trace + "".join(traceback.format_exception_only(type(exc), exc))
        if len(text) > MAX_MESSAGE:
            text = text[:MAX_MESSAGE] + "\n[message truncated]"
        return {"message": text, "summary": _builtin_name(exc)}
    except BaseException:  # noqa: BLE001 - a hostile __str__ must not break the runner
        text = f"{type(exc).__name__} (its message could not be printed)"
        return {"message": text, "summary": "BaseException"}


# How XLA and PyTorch's CPU allocator say an allocation failed (RLIMIT_AS or the cgroup).
_OUT_OF_MEMORY = ("RESOURCE_EXHAUSTED", "DefaultCPUAllocator: can't allocate memory")


def is_memory_error(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    text = str(exc)[:500]
    return any(marker in text for marker in _OUT_OF_MEMORY)
