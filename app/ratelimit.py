"""Rate limits (moving windows from the ``limits`` library, per API process).

Login attempts are limited per client IP and per username (brute force); submissions
per user are additionally limited in the database (``submissions.service``) so the
limit holds across API replicas.
"""

from __future__ import annotations

import math
import time

from fastapi import Request
from limits import RateLimitItem, parse, storage, strategies

from app.errors import RateLimited

_limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())
LOGIN_PER_IP = parse("20/minute")
LOGIN_PER_USER = parse("10/minute")
REQUESTS_PER_IP = parse("600/minute")


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _hit(item: RateLimitItem, *keys: str) -> None:
    if not _limiter.hit(item, *keys):
        reset = _limiter.get_window_stats(item, *keys).reset_time
        retry = max(1, math.ceil(reset - time.time()))
        raise RateLimited(f"too many requests; retry in {retry} s", retry)


def limit_login(request: Request, username: str) -> None:
    _hit(LOGIN_PER_IP, "login-ip", client_ip(request))
    _hit(LOGIN_PER_USER, "login-user", username.lower())


def limit_request(request: Request) -> None:
    _hit(REQUESTS_PER_IP, "ip", client_ip(request))


def reset() -> None:
    """Forget every window (tests start from a clean slate)."""
    _limiter.storage.reset()
