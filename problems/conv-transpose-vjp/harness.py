"""Harness for conv-transpose-vjp: call the entry with stride and padding as an int or a pair.

A case gives ``stride`` and ``padding`` either as a TOML integer (passed on as ``int``) or
as a two-element int array (passed on as a tuple of two ``int``).  Everything is passed
by keyword.
"""

import numpy as np


def _int_or_pair(value):
    if isinstance(value, np.ndarray):
        return tuple(int(v) for v in value.reshape(-1))
    return int(value)


def run_case(entry, inputs):
    return entry(
        x=inputs["x"],
        weight=inputs["weight"],
        stride=_int_or_pair(inputs["stride"]),
        padding=_int_or_pair(inputs["padding"]),
    )
