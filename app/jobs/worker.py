"""A grading worker's loop: claim a job, keep its lease while ``JobService`` works on it.

One worker = one sandbox = one run at a time.  ``tensorjudge worker --concurrency N``
and ``serve --workers N`` start N worker processes.  A worker refuses to start when
the sandbox self-check fails (fail closed).  Jobs are claimed learners first:
grading, then hints that follow a verdict, validation, and warming pieces
(``app/jobs/warming.py``), one piece per claim.  A validation or warming run in
progress stops when a learner's job finds no free worker, and goes back to the queue
(``_MakeWay``): a learner never waits for background work to finish.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid

from sqlalchemy.orm import sessionmaker

from app.config import Settings
from app.grading.engine import Grader
from app.grading.setup import build_grader
from app.jobs import repository, warming
from app.jobs.repository import LeaseLost
from app.jobs.service import JobService, Lease
from app.models import JobKind
from app.notify import Sender, socket_path
from sandbox import Sandbox

log = logging.getLogger("tensorjudge.worker")
# A background run stops for a learner's job that waited this long for a worker (idle
# workers claim within ``worker_poll_s``); waiting learners are looked for this often.
MAKE_WAY_GRACE_S = 0.2
MAKE_WAY_POLL_S = 0.2


class _Periodic(threading.Thread):
    """A daemon thread beside a job's run: ``tick()`` every ``period_s`` until ``stop``.

    A tick that fails (a database hiccup) is logged as ``failure`` and tried again next
    period: these threads serve the job, they never end it.  A tick may set ``stop``
    itself when nothing is left to do."""

    failure = "periodic check failed"

    def __init__(self, period_s: float):
        super().__init__(daemon=True)
        self.period_s = period_s
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.period_s):
            try:
                self.tick()
            except Exception:
                log.warning("%s", self.failure, exc_info=True)

    def tick(self) -> None:
        raise NotImplementedError


class _LeaseKeeper(_Periodic):
    """Renews a job's lease until stopped; marks the lease lost if it was taken over."""

    def __init__(self, sessions: sessionmaker, lease: Lease, worker_id: str, lease_s: float):
        super().__init__(lease_s / 3)
        self.sessions, self.lease, self.worker_id, self.lease_s = sessions, lease, worker_id, lease_s
        self.failure = f"lease renewal for job {lease.job_id} failed"

    def tick(self) -> None:
        try:
            with self.sessions() as session:
                repository.renew(session, self.lease.job_id, self.worker_id, self.lease_s)
        except LeaseLost:
            self.lease.lost = True
            self.stop.set()  # another worker holds the job now: nothing left to renew


class _MakeWay(_Periodic):
    """While a background job (validation, warming) runs: stops its sandbox run as soon
    as a learner's job waits for a worker (``repository.should_make_way``)."""

    failure = "could not look for waiting learners"  # the job just runs on

    def __init__(self, sessions: sessionmaker, job_id: int, sandbox: Sandbox):
        super().__init__(MAKE_WAY_POLL_S)
        self.sessions, self.job_id, self.sandbox = sessions, job_id, sandbox

    def tick(self) -> None:
        with self.sessions() as session:
            if repository.should_make_way(session, self.job_id, MAKE_WAY_GRACE_S):
                self.sandbox.make_way()


class Worker:
    def __init__(self, settings: Settings, sessions: sessionmaker, grader: Grader | None = None):
        self.settings = settings
        self.sessions = sessions
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.grader = grader
        self.jobs: JobService | None = None
        self._notify = Sender(socket_path(settings.data_dir))  # wakes local SSE streams

    def start(self) -> None:
        """Build the sandbox (fail-closed self-check) and announce ourselves."""
        if self.grader is None:
            self.grader = build_grader(self.settings)
        self.jobs = JobService(self.sessions, self.grader, self.worker_id, self._notify)
        self._beat()
        added = warming.enqueue_published(self.sessions)
        if added:
            log.info("worker %s enqueued %d warming pieces", self.worker_id, added)

    def close(self) -> None:
        if self.grader is not None:
            self.grader.sandbox.close()
        try:
            with self.sessions() as session:
                repository.forget_worker(session, self.worker_id)
        except Exception:
            log.warning("could not remove heartbeat of %s", self.worker_id, exc_info=True)

    def _beat(self) -> None:
        assert self.grader is not None
        with self.sessions() as session:
            repository.beat(session, self.worker_id, socket.gethostname(), os.getpid(),
                            ",".join(self.grader.sandbox.layers))

    def run(self, stop: threading.Event) -> None:
        """Claim and process jobs until ``stop`` is set; survive database outages."""
        last_beat = 0.0
        backoff = self.settings.worker_poll_s
        while not stop.is_set():
            try:
                if time.monotonic() - last_beat > 5:
                    self._beat()
                    last_beat = time.monotonic()
                worked = self.run_once()
                backoff = self.settings.worker_poll_s
            except Exception:
                log.exception("worker %s: database or job failure; retrying", self.worker_id)
                worked = False
                backoff = min(backoff * 2, 5.0)
            if not worked:
                stop.wait(backoff)

    def run_once(self) -> bool:
        """Process one job if there is one; True if a job was processed."""
        assert self.jobs is not None, "start() first"
        with self.sessions() as session:
            claim = repository.claim(session, self.worker_id, self.settings.lease_s)
        if claim is None:
            return False
        lease = Lease(claim.job_id)
        keeper = _LeaseKeeper(self.sessions, lease, self.worker_id, self.settings.lease_s)
        keeper.start()
        assert self.grader is not None
        watcher = (_MakeWay(self.sessions, claim.job_id, self.grader.sandbox)
                   if claim.kind in repository.BACKGROUND_KINDS else None)
        if watcher is not None:
            watcher.start()
        started = time.monotonic()
        try:
            if claim.kind is JobKind.GRADE:
                self.jobs.grade(claim, lease)
            elif claim.kind is JobKind.HINTS:
                warming.follow_hints(self.jobs, claim, lease)
            elif claim.kind is JobKind.WARM:
                warming.warm(self.jobs, claim)
            else:
                self.jobs.validate(claim)
        except LeaseLost:
            log.warning("worker %s lost the lease on job %s; its results were discarded",
                        self.worker_id, claim.job_id)
        finally:
            keeper.stop.set()
            if watcher is not None:
                watcher.stop.set()
                watcher.join()  # no make_way may reach the next job's run
        log.info("job %s (%s) done in %.0f ms by %s", claim.job_id, claim.kind.value,
                 (time.monotonic() - started) * 1000, self.worker_id)
        return True
