"""Find uses of forbidden names (e.g. ``jax.lax.conv_transpose``) in a submission.

A *teaching* guard for "build it yourself" problems, not a security boundary: code
can always reach a function through ``getattr`` and strings.  It resolves import
aliases (``import jax.lax as L``, ``from jax import lax``, ``from jax.lax import
conv_transpose as ct``) so the obvious ways of calling the ready-made op are caught.
"""

from __future__ import annotations

import ast


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def _matches(name: str, forbidden: str) -> bool:
    return name == forbidden or name.startswith(forbidden + ".")


def find_forbidden(source: str | ast.AST, forbid: list[str] | tuple[str, ...]
                   ) -> tuple[str, int] | None:
    """Return ``(forbidden_name, line)`` for the first forbidden use in ``source`` (text,
    or the tree the caller already parsed), else None."""
    if not forbid:
        return None
    tree = ast.parse(source) if isinstance(source, str) else source
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in ast.walk(tree):
        candidates: list[str] = []
        if isinstance(node, (ast.Attribute, ast.Name)):
            name = _dotted(node, aliases)
            if name:
                candidates.append(name)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            candidates.extend(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            candidates.extend(a.name for a in node.names)
        for name in candidates:
            for banned in forbid:
                if _matches(name, banned):
                    return banned, getattr(node, "lineno", 0)
    return None
