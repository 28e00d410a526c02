"""Where a 年报体检 batch waits between the upload and the downloads: the "checks" cache, not the session.

An anonymous check used to create a session row of up to 2 MB each (955 checks from one address, 955
rows). Now the batch (already capped at GONGKAI_REPORT_SESSION_MAX_BYTES of JSON by services) is stored
compressed under a random token held in an HttpOnly cookie; the cache bounds the whole store: entries
expire after TIMEOUT (30 minutes) and the database cache keeps at most MAX_ENTRIES of them (settings
CACHES["checks"]). The download URL names the batch; only the browser holding the cookie can open it.
"""
from __future__ import annotations

import json
import secrets
import zlib
from typing import Any

from django.conf import settings
from django.core.cache import caches

COOKIE = "gk_check"


def _cache():
    return caches["checks"]


def _key(token: str) -> str | None:
    # Tokens are ours (token_urlsafe); anything else in the cookie is simply not found.
    return f"batch:{token}" if token and len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum() else None


def save(request, response, batch: dict[str, Any]) -> None:
    """Store ``batch``, replacing this browser's previous one, and set the cookie on ``response``."""
    old = _key(request.COOKIES.get(COOKIE, ""))
    if old:
        _cache().delete(old)
    token = secrets.token_urlsafe(24)
    body = zlib.compress(json.dumps(batch, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)
    _cache().set(_key(token), body)
    response.set_cookie(COOKIE, token, max_age=settings.SESSION_COOKIE_AGE, httponly=True, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)


def load(request) -> dict[str, Any] | None:
    key = _key(request.COOKIES.get(COOKIE, ""))
    body = _cache().get(key) if key else None
    if not body:
        return None
    try:
        batch = json.loads(zlib.decompress(body))
    except (zlib.error, ValueError):
        return None
    return batch if isinstance(batch, dict) and isinstance(batch.get("entries"), list) else None


def clear(request, response) -> None:
    key = _key(request.COOKIES.get(COOKIE, ""))
    if key:
        _cache().delete(key)
    response.delete_cookie(COOKIE, samesite="Lax")


def find_entry(request, batch_id: str, index: int) -> dict[str, Any] | None:
    batch = load(request)
    if not batch or batch.get("batch") != batch_id:
        return None
    return next((e for e in batch["entries"] if e["index"] == index and e["report"]), None)
