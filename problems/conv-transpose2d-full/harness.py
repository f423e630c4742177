"""Harness for conv-transpose2d-full: call the entry with int-or-pair hyper-parameters.

``stride``, ``padding``, ``output_padding`` and ``dilation`` arrive as a TOML integer
(passed on as ``int``) or as a two-element int array (passed on as a tuple of two
``int``); ``groups`` is always an ``int``.  Everything is passed by keyword.
"""

import numpy as np

PAIR_INPUTS = ("stride", "padding", "output_padding", "dilation")


def _int_or_pair(value):
    if isinstance(value, np.ndarray):
        return tuple(int(v) for v in value.reshape(-1))
    return int(value)


def run_case(entry, inputs):
    kwargs = dict(inputs)
    for name in PAIR_INPUTS:
        kwargs[name] = _int_or_pair(kwargs[name])
    kwargs["groups"] = int(kwargs["groups"])
    return entry(**kwargs)
