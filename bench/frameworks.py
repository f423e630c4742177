"""The framework comparison of ``bench/grading.py --framework F``: the same problem graded
through the API as JAX code and as F code, side by side in one run.

Submissions alternate JAX, F, JAX, F, ... so that a busy machine slows both paths alike;
each is timed from ``POST /api/submissions`` to the ``done`` event, warm (every worker's
fork servers have run both kinds first).  Also reports the fork servers' memory: the
PyTorch server is a process of its own, started on the first PyTorch submission.
"""

from __future__ import annotations

import os
import statistics
import uuid
from pathlib import Path


def default_solution(root: Path, slug: str, framework: str) -> Path:
    """The first correct solution of ``slug`` written for ``framework`` (by file name)."""
    folder = root / "problems" / slug / "solutions" / "correct"
    for path in sorted(folder.glob("*.py")):
        head = path.read_text().splitlines()[:5]
        if f"# framework: {framework}" in head:
            return path
    raise SystemExit(f"{slug} has no correct {framework} solution under {folder}")


def fork_servers(root_pid: int) -> list[tuple[str, int, int]]:
    """``(runtime, pid, rss_bytes)`` of every fork server below ``root_pid``."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                parents[int(entry)] = int(stat[stat.rindex(")") + 2:].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found = []
    for pid in parents:
        ancestor = parents.get(pid)
        while ancestor not in (None, 0, 1, root_pid):
            ancestor = parents.get(ancestor)
        if ancestor != root_pid:
            continue
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if b"sandbox.zygote" not in argv:
            continue
        # python -I -m sandbox.zygote FD PID RUNTIME
        rest = argv[argv.index(b"sandbox.zygote") + 1:]
        runtime = rest[2].decode() if len(rest) > 2 and rest[2] else "jax"
        rss = next(int(line.split()[1]) * 1024 for line in status.splitlines()
                   if line.startswith("VmRSS:"))
        found.append((runtime, pid, rss))
    return sorted(found)


def compare(client, slug: str, jax_code: str, other_code: str, framework: str, runs: int,
            warm: int = 4) -> dict[str, list[float]]:
    """Milliseconds to a verdict per submission, ``{"jax": [...], framework: [...]}``."""
    for i in range(warm):  # every worker's fork servers, both kinds
        client.submit(slug, f"{jax_code}\n# warm-up {i} {uuid.uuid4().hex}\n")
        client.submit(slug, f"{other_code}\n# warm-up {i} {uuid.uuid4().hex}\n", framework)
    times: dict[str, list[float]] = {"jax": [], framework: []}
    for i in range(runs):
        for which, code in (("jax", jax_code), (framework, other_code)):
            _, seconds = client.submit(slug, f"{code}\n# run {i} {uuid.uuid4().hex}\n", which)
            times[which].append(seconds * 1000)
    return times


def report(times: dict[str, list[float]], framework: str, servers: list[tuple[str, int, int]],
           line, names: dict[str, str]) -> None:
    """Print p50/p95 per framework, the ratio of medians, and the fork servers' RSS."""
    print("latency = POST /api/submissions -> 'done' event read from /events, one client, "
          "JAX and the other framework alternating")
    for which in ("jax", framework):
        print(line(f"API, {which}: {names[which]}", times[which]))
    ratio = statistics.median(times[framework]) / statistics.median(times["jax"])
    print(f"ratio {framework} p50 / jax p50: {ratio:.2f}x (target: at most 1.5x)")
    for runtime, pid, rss in servers:
        print(f"fork server {runtime:<5} pid {pid}: RSS {rss / 2**20:.0f} MiB")
