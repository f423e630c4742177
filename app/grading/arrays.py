"""Output arrays on the trusted side: cached as one atomic .npz per version (or mistake),
and cut down to the values a wrong answer's plot shows."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of an .npz written by ``save_arrays`` (never a pickle)."""
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write an .npz atomically: readers (other workers) never see half a file."""
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(buffer.getvalue())
    os.replace(tmp, path)


PLOT_POINTS = 4096


def plot_data(expected: np.ndarray, actual: np.ndarray) -> dict:
    """Flattened expected and actual values for a picture of a visible wrong answer.

    At most ``PLOT_POINTS`` leading values of each (``truncated`` says so); NaN and
    infinities become ``None`` because JSON (and PostgreSQL's json) cannot hold them.
    """
    def values(array: np.ndarray) -> list[float | None]:
        flat = np.asarray(array, dtype=np.float64).ravel()[:PLOT_POINTS]
        return [float(v) if np.isfinite(v) else None for v in flat]

    return {"expected": values(expected), "actual": values(actual),
            "truncated": max(expected.size, actual.size) > PLOT_POINTS}
