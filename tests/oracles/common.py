"""Shared by the oracle tests: loading a reference by path, and the 2-D scatter oracle.

Nothing here imports ``reference/`` as a package or shares code with it: a reference is
executed from its file, exactly as the grader would hand it to the sandbox.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


@cache
def reference_entry(stem: str, entry: str):
    """The name ``entry`` defined by ``reference/<stem>.py``, loaded by file path."""
    spec = importlib.util.spec_from_file_location(f"tj_reference_{stem}", ROOT / "reference" / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, entry)


def conv_transpose2d_scatter(x, weight, stride, padding):
    """Transposed 2-D convolution in float64, one input pixel at a time.

    x: (N, C_in, H, W); weight: (C_in, C_out, kH, kW); stride, padding: pairs.  Every
    input pixel ``(i, j)`` adds ``x[n, c, i, j] * weight[c]`` to an uncropped canvas at
    rows ``i * s_h ... i * s_h + k_h - 1`` and columns ``j * s_w ...``; padding then
    crops ``p`` rows / columns from each side.
    """
    x = np.asarray(x, dtype=np.float64)
    weight = np.asarray(weight, dtype=np.float64)
    (sh, sw), (ph, pw) = stride, padding
    n, cin, h, w = x.shape
    cin_w, cout, kh, kw = weight.shape
    assert cin == cin_w
    canvas = np.zeros((n, cout, (h - 1) * sh + kh, (w - 1) * sw + kw))
    for b in range(n):
        for c in range(cin):
            for i in range(h):
                for j in range(w):
                    canvas[b, :, i * sh : i * sh + kh, j * sw : j * sw + kw] += x[b, c, i, j] * weight[c]
    return canvas[:, :, ph : canvas.shape[2] - ph, pw : canvas.shape[3] - pw]
