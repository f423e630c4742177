"""Rate limits (moving windows from the ``limits`` library, per API process).

Every request is limited per client IP (``PerIpLimit``, health probes exempt); failed
logins are limited per client IP and per (username, client IP) pair, so guessing from
one address cannot lock the owner out from another, and a correct password never
counts (brute force); submissions per
user are additionally limited in the database (``submissions.service``) so the limit
holds across API replicas.  The client IP is the peer address uvicorn reports (behind
a proxy, run uvicorn with ``--forwarded-allow-ips`` so it is the real client).
"""

from __future__ import annotations

import json
import math
import time

from fastapi import Request
from limits import RateLimitItem, parse, storage, strategies
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import RateLimited
from app.models import username_key

_limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())
LOGIN_FAILURES_PER_IP = parse("20/minute")
LOGIN_FAILURES_PER_USER_AND_IP = parse("10/minute")


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login_windows(request: Request, username: str) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
    ip = client_ip(request)
    return [(LOGIN_FAILURES_PER_IP, ("login-ip", ip)),
            (LOGIN_FAILURES_PER_USER_AND_IP, ("login-user", username_key(username), ip))]


def check_login(request: Request, username: str) -> None:
    """429 if this client has failed too often (for anyone, or for this username)."""
    for item, keys in _login_windows(request, username):
        if not _limiter.test(item, *keys):
            reset = _limiter.get_window_stats(item, *keys).reset_time
            retry = max(1, math.ceil(reset - time.time()))
            raise RateLimited(f"too many failed logins; retry in {retry} s", retry)


def record_login_failure(request: Request, username: str) -> None:
    for item, keys in _login_windows(request, username):
        _limiter.hit(item, *keys)


def reset() -> None:
    """Forget every window (tests start from a clean slate)."""
    _limiter.storage.reset()


class PerIpLimit:
    """ASGI middleware: at most ``per_minute`` requests per client IP, else 429 with
    ``Retry-After``.  Health and metrics probes are exempt (an orchestrator polls them
    from one address).  Its own limiter, so each app starts with empty windows."""

    EXEMPT = ("/healthz", "/readyz", "/metrics")

    def __init__(self, app: ASGIApp, per_minute: int):
        self.app = app
        self.item = parse(f"{per_minute}/minute")
        self.limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.EXEMPT:
            await self.app(scope, receive, send)
            return
        ip = scope["client"][0] if scope.get("client") else "unknown"
        if self.limiter.hit(self.item, "ip", ip):
            await self.app(scope, receive, send)
            return
        reset = self.limiter.get_window_stats(self.item, "ip", ip).reset_time
        retry = max(1, math.ceil(reset - time.time()))
        body = json.dumps({"error": "rate_limited",
                           "detail": f"too many requests from {ip}; retry in {retry} s"}).encode()
        await send({"type": "http.response.start", "status": 429,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"retry-after", str(retry).encode())]})
        await send({"type": "http.response.body", "body": body})
