"""Run a harness's whole-run program through a cache of exported programs keyed by jaxpr.

Runs inside the sandboxed child.  Lowering a traced program to StableHLO is the
largest cost of a warm run (for the seed problem, two thirds of it is re-lowering
JAX's threefry PRNG for every parameter shape), and JAX's persistent compilation
cache can only be consulted *after* lowering, because its key is the lowered module.
So the run that may write the problem version's cache (the reference run) also
stores the program as a ``jax.export`` artifact under a key computed from the traced
jaxpr; a learner run whose jaxpr is identical (same text, same constants, same
argument structure) loads that artifact instead of lowering its own program, and
compiling the artifact's small wrapper is served by the persistent compilation cache.

Identical jaxprs compute identical values, so a hit cannot change any output.  Any
jaxpr whose text names a callback or a Python object address is never looked up.
Files are read from, and written to, the compile-cache directory only; who may write
it is decided by the supervisor and enforced by Landlock (see THREATS.md).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

PREFIX = "program-"
# Text that makes a jaxpr unsafe or pointless to key on: callbacks run Python that the
# text does not show, and an object's address differs in every process.
_UNKEYABLE = re.compile(r"callback|0x[0-9a-f]{6,}")


def program_key(traced: Any) -> str | None:
    """sha256 over the traced jaxpr's text, its constants and the argument structure."""
    import jax

    closed = traced.jaxpr
    text = str(closed)
    if _UNKEYABLE.search(text):
        return None
    digest = hashlib.sha256(text.encode())
    for const in closed.consts:
        array = np.asarray(const)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    digest.update(str(jax.tree_util.tree_structure(traced.args_info)).encode())
    return digest.hexdigest()


def run_program(function: Any, args: tuple[Any, ...], cache_dir: str | None, writable: bool,
                on_traced: Any = None) -> Any:
    """``function(*args)`` compiled once; through the exported-program cache when possible.

    ``on_traced()`` is called once tracing is over (the caller's time accounting).
    """
    import jax

    jitted = jax.jit(function)
    traced = jitted.trace(*args)
    if on_traced is not None:
        on_traced()
    key = program_key(traced) if cache_dir else None
    if key is None or cache_dir is None:
        return traced.lower().compile()(*args)
    path = Path(cache_dir) / f"{PREFIX}{key}.jaxexport"
    blob: bytes | bytearray | None
    try:
        blob = path.read_bytes()
    except OSError:
        blob = None
    if blob is None and writable:
        from jax import export

        # Also compile the program as itself: the persistent cache then serves learners
        # whose jaxpr differs but whose lowered module is the same.
        traced.lower().compile()
        blob = export.export(jitted)(*args).serialize()
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_bytes(blob)
        os.replace(tmp, path)
    if blob is None:
        return traced.lower().compile()(*args)
    from jax import export

    return jax.jit(export.deserialize(bytearray(blob)).call)(*args)
