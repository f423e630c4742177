"""The clocks a run is judged by: CPU time from its cgroup, and a wall-clock backstop.

CPU time decides a time limit, so a busy machine does not shrink a submission's
allowance.  Wall time only stops code that sleeps or blocks, after ``wall_factor``
times the CPU allowance, and time the run's threads spent runnable but without a CPU
(the machine being busy, read from ``schedstat``'s ``run_delay``) does not count.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from sandbox.types import Limits


class _CpuSource(Protocol):
    def cpu_seconds(self) -> float: ...


class RunClock:
    """CPU and wall accounting for one run, per step (loading, a case) and in total.

    ``step_s`` is the CPU allowance of the current step; the caller passes it in since
    it depends on which frames have arrived.
    """

    def __init__(self, limits: Limits, n_cases: int, group: _CpuSource | None):
        self.limits = limits
        self.group = group
        self.cpu_total = limits.startup_s + limits.time_s * n_cases
        self.pid = 0
        self.started = 0.0
        self.step_started = 0.0  # wall clock at the last progress frame
        self.step_cpu = 0.0  # the run's CPU seconds at the last progress frame
        self.waited = 0.0  # seconds the child's threads were runnable but got no CPU
        self.step_waited = 0.0  # ``waited`` at the last progress frame
        self.reaped_cpu = 0.0  # the child's own CPU seconds, as the fork server reaped it
        self._run_delays: dict[str, int] = {}

    def start(self, pid: int, now: float) -> None:
        self.pid = pid
        self.started = now
        self.step_started = now
        self.step_cpu = self.cpu_now()
        self.update_waited()
        self.step_waited = self.waited

    def new_step(self, now: float, cpu: float) -> None:
        """A progress frame arrived: the next step's allowances start here."""
        self.step_started, self.step_cpu, self.step_waited = now, cpu, self.waited

    def cpu_now(self) -> float:
        """CPU seconds used so far by the run's whole process tree (its cgroup)."""
        if self.group:
            return self.group.cpu_seconds()
        # Without the cgroup layer (a development override) only the child itself and
        # the children it reaped are counted.
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
            return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return self.reaped_cpu

    def step_cpu_used(self) -> float:
        return max(0.0, self.cpu_now() - self.step_cpu)

    def wall_allowance(self, cpu_allowance: float) -> float:
        return self.limits.wall_factor * cpu_allowance

    def update_waited(self) -> None:
        """Add up the time the child's threads spent runnable but without a CPU.

        ``run_delay`` (``/proc/PID/task/TID/schedstat``, nanoseconds) grows only while a
        thread wants a CPU and another process has it.  Summed over threads it can
        exceed the wall time; each use caps it by that.
        """
        try:
            tids = os.listdir(f"/proc/{self.pid}/task")
        except OSError:
            return
        for tid in tids:
            try:
                delay = int(Path(f"/proc/{self.pid}/task/{tid}/schedstat").read_text().split()[1])
            except (OSError, ValueError, IndexError):
                continue
            self.waited += max(0, delay - self._run_delays.get(tid, 0)) / 1e9
            self._run_delays[tid] = delay

    def blocked_s(self, now: float) -> tuple[float, float]:
        """Wall seconds of the current step and of the run, less the time spent waiting
        for a CPU: what the wall-clock backstop counts."""
        step_wall = now - self.step_started
        run_wall = now - self.started
        return (step_wall - min(step_wall, self.waited - self.step_waited),
                run_wall - min(run_wall, self.waited))

    def fired(self, now: float, step_s: float) -> str | None:
        """"cpu" or "wall" if the current step or the whole run is over that limit."""
        cpu = self.cpu_now()
        if cpu - self.step_cpu > step_s or cpu > self.cpu_total:
            return "cpu"
        self.update_waited()
        step_wall, run_wall = self.blocked_s(now)
        if step_wall > self.wall_allowance(step_s) or run_wall > self.wall_allowance(self.cpu_total):
            return "wall"
        return None

    def poll_s(self, now: float, step_s: float) -> float:
        """How long the watch loop may wait before it must look at the clocks again.

        The run's cpu group is capped at one core, so its CPU time cannot grow faster
        than wall time; the CPU budget left is then a lower bound on when it can run out.
        """
        cpu = self.cpu_now()
        cpu_left = min(step_s - (cpu - self.step_cpu), self.cpu_total - cpu)
        cores = 1 if self.group else (os.cpu_count() or 1)
        step_wall, run_wall = self.blocked_s(now)
        wall_left = min(self.wall_allowance(step_s) - step_wall,
                        self.wall_allowance(self.cpu_total) - run_wall)
        return max(0.005, min(cpu_left / cores, wall_left, 0.5))

    def time_message(self, time_limit: str | None, step_s: float, loading: bool, now: float) -> str:
        """What a learner reads on a time limit: which clock, how much, the limit."""
        cpu = self.step_cpu_used()
        what = "loading your code" if loading else "this case"
        if time_limit == "wall":
            return (f"time limit exceeded (wall): {what} waited for {self.blocked_s(now)[0]:.0f} s "
                    f"and used only {cpu:.2f} s of CPU time: it sleeps or blocks; the wall-clock "
                    f"limit is {self.wall_allowance(step_s):g} s (time spent waiting for a busy "
                    f"CPU does not count)")
        return (f"time limit exceeded (cpu): {what} used {cpu:.2f} s of CPU time; the limit "
                f"is {step_s:g} s ({self.cpu_total:g} s for the whole run)")
