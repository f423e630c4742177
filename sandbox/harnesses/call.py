"""Default harness: call ``entry(**inputs)`` and return its result."""


def run_case(entry, inputs):
    return entry(**inputs)
