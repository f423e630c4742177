"""A tiny problem ("vector-add", NumPy reference) for fast tests of the machinery.

It offers every framework: JAX (``starter.py``), NumPy and PyTorch (their starters)."""

from __future__ import annotations

from pathlib import Path

TINY_MANIFEST = """
title = "Vector add"
difficulty = "easy"
entry = "add"
[limits]
time_s = 2.0
memory_mb = 256
[[cases]]
name = "example"
visible = true
inputs = { a = [1.0, 2.0, 3.0], b = [10.0, 20.0, 30.0] }
[[cases]]
name = "hidden-random"
inputs = { a = { normal = [64], seed = 1 }, b = { normal = [64], seed = 2 } }
"""
TINY_REFERENCE = "import numpy as np\n\ndef add(a, b):\n    return np.asarray(a) + np.asarray(b)\n"


def write_tiny_problem(root: Path) -> tuple[Path, Path]:
    """Write ``root/problems/vector-add`` and its reference; return (problems, reference) dirs."""
    folder = root / "problems" / "vector-add"
    folder.mkdir(parents=True)
    (folder / "problem.toml").write_text(TINY_MANIFEST)
    (folder / "statement.md").write_text("Add two vectors $a + b$.\n")
    (folder / "starter.py").write_text("def add(a, b):\n    raise NotImplementedError\n")
    (folder / "starter_numpy.py").write_text(
        "import numpy as np\n\n\ndef add(a, b):\n    raise NotImplementedError\n")
    (folder / "starter_pytorch.py").write_text(
        "import torch\n\n\ndef add(a, b):\n    raise NotImplementedError\n")
    (root / "reference").mkdir()
    (root / "reference" / "vector_add.py").write_text(TINY_REFERENCE)
    return root / "problems", root / "reference"
