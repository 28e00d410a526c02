"""Rate limits for the public endpoints (application form, status lookup, 年报体检, login).

Fixed windows counted per client address, per logged-in account and, for logins, per typed username.
The limits are data in ``settings.GONGKAI_RATE_LIMITS``; over a limit the view is not called: HTTP 429,
a Chinese page and ``Retry-After``. Keys are hashed, so usernames are never stored in clear.

Without Redis the counters are rows of ``agencies.RateCount``, each request counted by one atomic
upsert for all its windows (one query, whatever the number of rules). With Redis (GONGKAI_REDIS_URL) they
are cache keys counted with Redis's atomic INCR. Either way concurrent requests cannot slip past a limit.
"""
from __future__ import annotations

import hashlib
import math
import random
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.shortcuts import render

from gongkai.agencies.audit import client_ip

UNITS = ((86400, "天"), (3600, "小时"), (60, "分钟"), (1, "秒"))


def _span(seconds: int) -> str:
    for size, name in UNITS:
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {name}"
    return f"{seconds} 秒"


def _keys(scope: str, request) -> list[tuple[str, str]]:
    """(kind, value) pairs this request is counted under."""
    out = []
    ip = client_ip(request)
    if ip:
        out.append(("ip", ip))
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        out.append(("user", str(user.pk)))
    username = request.POST.get("username", "") if request.method == "POST" else ""
    if username:
        out.append(("username", username.strip().lower()[:150]))
    return out


def _windows(scope: str, request, now: float) -> list[tuple[str, int, int, int]]:
    """(key, limit, window, window start) of every counter this request adds one to."""
    rules = settings.GONGKAI_RATE_LIMITS.get(scope)
    if not rules:
        raise ValueError(f"no rate limit configured for {scope!r} (settings.GONGKAI_RATE_LIMITS)")
    out = []
    for kind, value in _keys(scope, request):
        digest = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]
        for limit, window in rules.get(kind, ()):
            start = int(now // window) * window
            out.append((f"rl:{scope}:{kind}:{window}:{start}:{digest}", limit, window, start))
    return out


def _uses_redis() -> bool:
    return "redis" in settings.CACHES["default"]["BACKEND"].lower()


def _count_in_cache(windows) -> dict[str, int]:
    counts = {}
    for key, _limit, window, _start in windows:
        # add() is a no-op when the key exists; the window's end is its expiry.
        cache.add(key, 0, timeout=window + 1)
        try:
            counts[key] = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window + 1)
            counts[key] = 1
    return counts


SWEEP_ODDS = 200


def _sweep_due() -> bool:
    """One request in SWEEP_ODDS deletes dead counters: the cost is spread thin, the table stays small."""
    return random.randrange(SWEEP_ODDS) == 0


def _count_in_table(windows, now: float) -> dict[str, int]:
    from gongkai.agencies.models import RateCount

    q = connection.ops.quote_name
    table = q(RateCount._meta.db_table)
    # Two limits with the same window share a counter; a key may appear only once in one upsert.
    expiry = {key: float(start + window + 1) for key, _limit, window, start in windows}
    rows = ", ".join(["(%s, 1, %s)"] * len(expiry))
    params = [v for item in expiry.items() for v in item]
    with connection.cursor() as cur:
        if _sweep_due():
            cur.execute(f"DELETE FROM {table} WHERE expires < %s", [now])
        # One statement for all windows: atomic on SQLite (3.35+) and PostgreSQL alike.
        cur.execute(
            f"INSERT INTO {table} ({q('key')}, {q('count')}, {q('expires')}) VALUES {rows} "
            f"ON CONFLICT ({q('key')}) DO UPDATE SET {q('count')} = {table}.{q('count')} + 1 "
            f"RETURNING {q('key')}, {q('count')}", params)
        return dict(cur.fetchall())


def hit(scope: str, request) -> tuple[int, int, int] | None:
    """Count this request; None when within every limit, else (retry_after seconds, limit, window)."""
    if not settings.GONGKAI_RATE_LIMITS_ENABLED:
        return None
    now = time.time()
    windows = _windows(scope, request, now)
    if not windows:
        return None
    counts = _count_in_cache(windows) if _uses_redis() else _count_in_table(windows, now)
    worst = None
    for key, limit, window, start in windows:
        if counts[key] > limit:
            retry = max(1, math.ceil(start + window - now))
            if worst is None or retry > worst[0]:
                worst = (retry, limit, window)
    return worst


def too_many(request, retry_after: int, limit: int, window: int):
    response = render(request, "429.html", {
        "limit": limit, "window": _span(window), "retry": _span(retry_after) if retry_after < 60
        else f"{math.ceil(retry_after / 60)} 分钟",
    }, status=429)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"  # a proxy must not serve this refusal to other clients (portal)
    return response


def ratelimit(scope: str, methods: tuple[str, ...] = ("POST",), when=None):
    """View decorator: count requests of ``methods`` (and for which ``when(request)`` is true) under ``scope``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods and (when is None or when(request)):
                over = hit(scope, request)
                if over is not None:
                    return too_many(request, *over)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
