"""Shape formulas in problem manifests: safe arithmetic on a case's inputs.

``[hints] output`` and ``[[hints.shapes]] shape`` are lists of formulas such as
``"(x.shape[0] - 1) * stride + kernel_size"``.  They are parsed into a Python syntax
tree and only arithmetic, input names, ``name.shape[i]``, ``name[i]`` and the functions
``pair``, ``min``, ``max`` and ``ceil`` are allowed; nothing is ever passed to ``eval``.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


class FormulaError(ValueError):
    """A shape formula is not valid or cannot be evaluated on a case's inputs."""


_BINOPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
           ast.Mult: lambda a, b: a * b, ast.FloorDiv: lambda a, b: a // b,
           ast.Div: lambda a, b: a / b, ast.Mod: lambda a, b: a % b,
           ast.Pow: lambda a, b: a ** b}


def _pair(value: Any, index: int) -> Any:
    """``stride`` given as an int or a pair: its ``index``-th entry either way."""
    array = np.asarray(value).reshape(-1)
    return array[0] if array.size == 1 else array[index]


_FUNCTIONS = {"min": min, "max": max, "pair": _pair, "ceil": math.ceil}
_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Load, ast.Subscript,
            ast.Attribute, ast.Call, ast.USub, ast.UAdd, *_BINOPS)


def parse_formula(text: str) -> ast.Expression:
    """Parse a shape formula: arithmetic on input names, ``x.shape[i]``, ``v[i]``,
    ``pair(v, i)``, ``min``, ``max``, ``ceil``; raises ``FormulaError`` otherwise."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"{text!r}: {exc.msg}") from exc
    for node in ast.walk(tree):
        ok = isinstance(node, _ALLOWED)
        ok = ok or (isinstance(node, ast.Constant) and type(node.value) in (int, float))
        if isinstance(node, ast.Attribute) and node.attr != "shape":
            ok = False
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name)
                                               and node.func.id in _FUNCTIONS and not node.keywords):
            ok = False
        if not ok:
            raise FormulaError(f"{text!r}: {type(node).__name__} is not allowed in a shape formula")
    return tree


def evaluate(text: str, inputs: Mapping[str, Any]) -> int:
    """Evaluate a shape formula on one case's inputs; an integer or ``FormulaError``."""
    def walk(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in _FUNCTIONS:
                return _FUNCTIONS[node.id]
            if node.id not in inputs:
                raise FormulaError(f"{text!r}: no input named {node.id!r}")
            return inputs[node.id]
        if isinstance(node, ast.Attribute):
            return tuple(np.shape(walk(node.value)))
        if isinstance(node, ast.Subscript):
            return np.asarray(walk(node.value)).reshape(-1)[int(walk(node.slice))]
        if isinstance(node, ast.UnaryOp):
            value = walk(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp):
            return _BINOPS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.Call):
            return walk(node.func)(*(walk(arg) for arg in node.args))
        raise FormulaError(f"{text!r}: cannot evaluate {type(node).__name__}")

    try:
        value = walk(parse_formula(text))
        number = float(np.asarray(value).reshape(()))
    except (IndexError, TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
        raise FormulaError(f"{text!r}: {exc}") from exc
    if not number.is_integer():
        raise FormulaError(f"{text!r} gives {number}, not an integer")
    return int(number)


def shape_of(formulas: Sequence[str], inputs: Mapping[str, Any]) -> tuple[int, ...] | None:
    """A declared shape on one case's inputs, or None where it cannot be evaluated."""
    try:
        return tuple(evaluate(f, inputs) for f in formulas)
    except FormulaError:
        return None
