"""Rate limits for the public endpoints (application form, status lookup, 年报体检, login).

Fixed windows counted in the "default" cache (the database cache table, or Redis when configured), per
client address, per logged-in account and, for logins, per typed username. The limits are data in
``settings.GONGKAI_RATE_LIMITS``; over a limit the view is not called: HTTP 429, a Chinese page and
``Retry-After``. Keys are hashed, so usernames never sit in the cache in clear.

The database cache counts with a read and a write (not atomic): a burst of concurrent requests may
slip a few past the limit, never many. Redis counts atomically.
"""
from __future__ import annotations

import hashlib
import math
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
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


def hit(scope: str, request) -> tuple[int, int, int] | None:
    """Count this request; None when within every limit, else (retry_after seconds, limit, window)."""
    if not settings.GONGKAI_RATE_LIMITS_ENABLED:
        return None
    rules = settings.GONGKAI_RATE_LIMITS.get(scope)
    if not rules:
        raise ValueError(f"no rate limit configured for {scope!r} (settings.GONGKAI_RATE_LIMITS)")
    now = time.time()
    worst = None
    for kind, value in _keys(scope, request):
        digest = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]
        for limit, window in rules.get(kind, ()):
            start = int(now // window) * window
            key = f"rl:{scope}:{kind}:{window}:{start}:{digest}"
            # add() is a no-op when the key exists; the window's end is its expiry.
            cache.add(key, 0, timeout=window + 1)
            try:
                n = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=window + 1)
                n = 1
            if n > limit:
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
