"""Worker processes: start N ``tensorjudge worker`` children and keep them running.

Children get PR_SET_PDEATHSIG, so they die with the parent (``serve`` killed means
its workers are gone too, and their leases are reclaimed by whoever runs next).
A child that exits with ``EXIT_ISOLATION`` refused to start (sandbox self-check
failed): it is not restarted, and the pool reports it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time

log = logging.getLogger("tensorjudge.workers")
EXIT_ISOLATION = 3


class WorkerPool:
    def __init__(self, count: int):
        self.count = count
        self.children: list[subprocess.Popen] = []
        self.refused = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _spawn(self) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "app", "worker", "--concurrency", "1",
                                 "--parent-pid", str(os.getpid())])

    def start(self) -> None:
        self.children = [self._spawn() for _ in range(self.count)]
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(1.0):
            for index, child in enumerate(self.children):
                code = child.poll()
                if code is None:
                    continue
                if code == EXIT_ISOLATION:
                    self.refused = True
                    continue
                log.warning("worker pid %s exited with %s; starting a new one", child.pid, code)
                time.sleep(0.5)
                self.children[index] = self._spawn()

    def stop(self) -> None:
        self._stop.set()
        for child in self.children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 10
        for child in self.children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
