"""The pack's house style for what learners read: sentence-case titles, starters free of
lint directives.  ``tensorjudge check`` reports a problem that breaks either.

Titles are in sentence case: the first word starts with a capital (or is a number such
as ``1-D`` or a code name such as ``conv_transpose2d``), and no later word is capitalised
unless it is an acronym (``VJP``), a code name (``ConvTranspose2d``), a one-letter symbol
(the ``D`` of ``2-D``) or a proper name in ``PROPER_NAMES``.
"""

from __future__ import annotations

import io
import re
import tokenize

# Names that keep their capital mid-title (libraries and people), as their owners spell them.
PROPER_NAMES = frozenset({"Flax", "JAX", "NumPy", "PyTorch", "Python", "Optax", "Haiku",
                          "Fourier", "Toeplitz", "Gaussian", "Jacobian"})

# Comments aimed at linters and type checkers: noise to a learner reading the starter.
LINT_DIRECTIVE = re.compile(r"#\s*(noqa\b|type:\s*ignore\b|pylint:|pyright:|mypy:|ruff:)", re.IGNORECASE)

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _keeps_capital(word: str) -> bool:
    """Whether a capitalised word may stay capitalised after the first word."""
    return (len(word) == 1 or word in PROPER_NAMES or word.isupper()
            or any(c.isdigit() or c == "_" for c in word) or any(c.isupper() for c in word[1:]))


def title_style_errors(title: str) -> list[str]:
    """Why ``title`` is not in sentence case (empty when it is)."""
    words = _WORD.findall(title)
    if not words:
        return []
    errors = []
    first = words[0]
    starts_with_name = title.lstrip()[:1].isdigit() or _keeps_capital(first) or "_" in first
    if first[0].islower() and not starts_with_name:
        errors.append(f"starts with a lowercase word ({first!r})")
    capitalised = [w for w in words[1:] if w[0].isupper() and not _keeps_capital(w)]
    if capitalised:
        errors.append("capitalises " + ", ".join(repr(w) for w in capitalised)
                      + " (titles are in sentence case; proper names are listed in "
                      "app/problems/style.py)")
    return errors


def lint_directives(code: str) -> list[int]:
    """Line numbers of comments in ``code`` that are linter or type-checker directives."""
    lines = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.COMMENT and LINT_DIRECTIVE.search(token.string):
                lines.append(token.start[0])
    except (tokenize.TokenError, SyntaxError):
        # A starter that does not tokenize is reported by the grading checks; scan lines.
        lines = [n for n, line in enumerate(code.splitlines(), 1) if LINT_DIRECTIVE.search(line)]
    return lines
