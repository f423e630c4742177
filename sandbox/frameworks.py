"""The frameworks a submission may be written in, and how each one's entry is called.

``jax`` (the default) calls the entry exactly as the harness gives it its inputs
(NumPy arrays and Python numbers); ``numpy`` does the same and only insists on getting
an array back; ``pytorch`` turns every NumPy array the harness passes into a CPU
tensor of the same dtype, calls the entry under ``torch.no_grad()`` (unless the problem
needs gradients), and turns the tensor it returns back into a NumPy array.  The
problem's harness (its int-or-pair conversions, keyword names) is the same for every
framework, so ints and tuples reach a PyTorch entry as they reach a JAX one.

Each framework runs on a *runtime*, the fork server its children come from: ``jax``
(JAX, Flax and NumPy preloaded) serves ``jax`` and ``numpy``; ``torch`` (PyTorch and
NumPy, no JAX) serves ``pytorch`` and is started on first use only.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np

FRAMEWORKS = ("jax", "numpy", "pytorch")
RUNTIME = {"jax": "jax", "numpy": "jax", "pytorch": "torch"}
# Modules of the other frameworks: a submission written for one framework may not
# import another's (it would run on a fork server that has not preloaded it, and its
# result would be recorded under the wrong framework).
FOREIGN = {"jax": ("torch",), "numpy": ("jax", "flax", "torch"), "pytorch": ("jax", "flax")}


def available() -> tuple[str, ...]:
    """The frameworks this host can run: PyTorch only where ``torch`` is installed
    (found without importing it)."""
    return tuple(f for f in FRAMEWORKS if f != "pytorch" or importlib.util.find_spec("torch"))


def why_unavailable(framework: str) -> str | None:
    """Why ``framework`` cannot run here, or None when it can."""
    if framework not in FRAMEWORKS:
        return f"unknown framework {framework!r}; one of {', '.join(FRAMEWORKS)}"
    if framework not in available():
        return "PyTorch is not installed on this server (install the 'pytorch' extra)"
    return None


def configure_torch() -> None:
    """One intra-op and one inter-op thread, like XLA's single-threaded child."""
    import torch

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set (or parallel work ran): the count stays as is
        pass


def adapt(entry: Callable[..., Any], framework: str, grad: bool) -> Callable[..., Any]:
    """``entry`` as the harness calls it: NumPy in, an array out, whatever the framework."""
    if framework == "pytorch":
        return _torch_entry(entry, grad)
    if framework == "numpy":
        def numpy_entry(*args: Any, **kwargs: Any) -> Any:
            return np.asarray(entry(*args, **kwargs))
        return numpy_entry
    return entry


def _torch_entry(entry: Callable[..., Any], grad: bool) -> Callable[..., Any]:
    import torch

    def to_torch(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            return torch.from_numpy(np.ascontiguousarray(value).copy())
        return value

    def from_torch(value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            # Plain NumPy crosses the boundary (never a tensor, never a pickle).
            return value.detach().cpu().resolve_conj().resolve_neg().numpy().copy()
        if isinstance(value, (list, tuple)) and value and all(
                isinstance(v, torch.Tensor) for v in value):
            return np.stack([from_torch(v) for v in value])
        return value

    def torch_entry(*args: Any, **kwargs: Any) -> Any:
        args = tuple(to_torch(a) for a in args)
        kwargs = {k: to_torch(v) for k, v in kwargs.items()}
        if grad:
            return from_torch(entry(*args, **kwargs))
        with torch.no_grad():
            return from_torch(entry(*args, **kwargs))

    return torch_entry
