"""Cached output arrays on the trusted side: one atomic .npz per version (or mistake)."""

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
