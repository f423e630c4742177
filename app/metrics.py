"""``GET /metrics`` in Prometheus text format.

Counts come from the database at scrape time, so every API replica reports the
same numbers for work done by workers on any host: submissions by verdict and mode,
queue depth, workers with a fresh heartbeat, sandbox terminations by reason (the
cases the sandbox ended: time, memory, output, signal), and histograms of queue wait and grading time over the
most recent finished submissions.  HTTP latency by route is measured in-process.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from fastapi import Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import sessionmaker

from app.jobs import repository

BUCKETS_S = (0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
TERMINATIONS = ("time", "memory", "output", "signal")
RECENT = 2000


def _histogram(name: str, doc: str, values: Iterable[float]) -> HistogramMetricFamily:
    values = sorted(values)
    buckets, count, index = [], 0, 0
    for bound in BUCKETS_S:
        while index < len(values) and values[index] <= bound:
            index += 1
        buckets.append((str(bound), index))
    count = len(values)
    buckets.append(("+Inf", count))
    return HistogramMetricFamily(name, doc, buckets=buckets, sum_value=sum(values))


class DatabaseCollector(Collector):
    def __init__(self, sessions: sessionmaker, fresh_s: float):
        self.sessions, self.fresh_s = sessions, fresh_s

    def collect(self):
        with self.sessions() as session:
            by_verdict = CounterMetricFamily("tensorjudge_submissions", "Finished submissions",
                                             labels=["verdict", "mode"])
            for verdict, mode, n in repository.verdict_counts(session):
                by_verdict.add_metric([verdict or "none", mode.value], n)
            yield by_verdict
            yield GaugeMetricFamily("tensorjudge_queue_depth", "Jobs waiting for a worker",
                                    value=repository.depth(session))
            yield GaugeMetricFamily("tensorjudge_workers_active",
                                    "Workers with a heartbeat in the freshness window",
                                    value=repository.fresh_workers(session, self.fresh_s))
            ended = CounterMetricFamily("tensorjudge_sandbox_terminations",
                                        "Cases ended by a sandbox limit", labels=["reason"])
            counts = repository.termination_counts(session)
            for reason in TERMINATIONS:
                ended.add_metric([reason], counts.get(reason, 0))
            yield ended
            rows = repository.recent_timings(session, RECENT)
        yield _histogram("tensorjudge_queue_wait_seconds",
                         f"Submit to grading start, last {RECENT} submissions",
                         [max(0.0, (s - c).total_seconds()) for c, s, _ in rows])
        yield _histogram("tensorjudge_grading_seconds",
                         f"Grading time in the sandbox, last {RECENT} submissions",
                         [(ms or 0.0) / 1000 for _, _, ms in rows])


def install(app, fresh_s: float) -> None:  # noqa: ANN001
    """Add request timing middleware and the ``/metrics`` route to ``app``."""
    registry = CollectorRegistry()
    latency = Histogram("tensorjudge_http_request_seconds", "HTTP request latency",
                        ["method", "route", "status"], registry=registry,
                        buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0))
    state: dict[str, DatabaseCollector | None] = {"collector": None}

    @app.middleware("http")
    async def _time(request: Request, call_next):  # noqa: ANN001, ANN202
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        latency.labels(request.method, path, str(response.status_code)).observe(
            time.perf_counter() - started)
        return response

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        if state["collector"] is None:
            # The session maker exists only once the lifespan has started.
            collector = state["collector"] = DatabaseCollector(request.app.state.sessions, fresh_s)
            registry.register(collector)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
