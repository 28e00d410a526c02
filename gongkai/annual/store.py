"""Where a 年报体检 batch waits between the upload and the downloads: the "checks" cache, not the session.

An anonymous check used to create a session row of up to 2 MB each (955 checks from one address, 955
rows). Now the batch (already capped at GONGKAI_REPORT_SESSION_MAX_BYTES of JSON by services) is stored
compressed under a random token held in an HttpOnly cookie; the cache bounds the whole store: entries
expire after TIMEOUT (30 minutes) and the database cache keeps at most MAX_ENTRIES of them (settings
CACHES["checks"]). The download URL names the batch; only the browser holding the cookie can open it.

A file that needs OCR (a scan, an image) is parsed by a background task (``tasks.check_scans``): its bytes
wait in the same store under the batch's token (``file:…``, deleted when the task takes them, else expiring
with the batch), and the task reaches the batch through a random job id (``job:…``), so the cookie's token
is never written into the task queue. The task writes each file's progress and result into the batch.
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


def save(request, response, batch: dict[str, Any], files: dict[int, bytes] | None = None) -> str | None:
    """Store ``batch``, replacing this browser's previous one, and set the cookie on ``response``.
    ``files`` (entry index → bytes) wait for the background task; returns its job id when there are any."""
    old = _key(request.COOKIES.get(COOKIE, ""))
    if old:
        _cache().delete(old)
    token = secrets.token_urlsafe(24)
    put(token, batch)
    response.set_cookie(COOKIE, token, max_age=settings.SESSION_COOKIE_AGE, httponly=True, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)
    if not files:
        return None
    for index, data in files.items():
        _cache().set(f"file:{token}:{index}", data)
    job = secrets.token_urlsafe(18)
    _cache().set(f"job:{job}", token)
    return job


def put(token: str, batch: dict[str, Any]) -> None:
    body = zlib.compress(json.dumps(batch, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)
    _cache().set(_key(token), body)


def job_token(job: str) -> str | None:
    """The batch token of a background job, or None when it expired (or was culled)."""
    token = _cache().get(f"job:{job}") if job and len(job) <= 64 else None
    return token if isinstance(token, str) and _key(token) else None


def take_file(token: str, index: int) -> bytes | None:
    """A waiting file's bytes, removed from the store (None when expired)."""
    key = f"file:{token}:{index}"
    data = _cache().get(key)
    _cache().delete(key)
    return data if isinstance(data, bytes) else None


def load(request) -> dict[str, Any] | None:
    return get(request.COOKIES.get(COOKIE, ""))


def get(token: str) -> dict[str, Any] | None:
    key = _key(token)
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
