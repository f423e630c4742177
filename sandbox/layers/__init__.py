"""Isolation layers applied to a forked child before untrusted code runs.

Each module exposes ``available() -> str | None`` (None when usable, otherwise the
reason it is not) and the function that applies it.  ``REQUIRED`` lists the layers a
worker refuses to start without.
"""

REQUIRED = ("session", "cgroup", "netns", "rlimits", "uid", "landlock", "seccomp")
