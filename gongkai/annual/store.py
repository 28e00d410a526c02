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

Waiting scans are bounded in bytes, not only in entries: at most GONGKAI_CHECK_SCAN_ADDRESS_MB per client
address and GONGKAI_CHECK_SCAN_TOTAL_MB in all (``save``). A scan past either waits nowhere: its entry
says so at once. The counters expire with the files they count; a file the task takes is subtracted.
"""
from __future__ import annotations

import hashlib
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


ALL = "waiting:all"
QUOTA_ADDRESS = ("本地址排队等待文字识别的扫描件已达上限（{limit}），请等前面的文件识别完成后再上传，"
                 "或用命令行 gongkai report parse 读取")
QUOTA_TOTAL = "当前排队等待文字识别的扫描件过多，请稍后再上传，或用命令行 gongkai report parse 读取"


def _mb(name: str) -> int:
    return int(getattr(settings, name)) * 1024 * 1024


def _owner(request) -> str:
    from gongkai.agencies.audit import client_ip

    return "waiting:" + hashlib.sha256(f"ip:{client_ip(request) or ''}".encode()).hexdigest()[:32]


def _add(key: str, n: int) -> int:
    """Add ``n`` to a byte counter that lives as long as the files it counts; returns the new value."""
    cache = _cache()
    cache.add(key, 0)
    try:
        value = cache.incr(key, n)
    except ValueError:  # expired between add and incr
        cache.set(key, max(n, 0))
        value = max(n, 0)
    if value < 0:  # a counter that expired and came back while files were still taken: never below 0
        cache.set(key, 0)
        value = 0
    cache.touch(key)
    return value


def _admit(owner: str, batch: dict[str, Any], files: dict[int, bytes]) -> None:
    """Drop from ``files`` each scan past the address's or the whole store's byte quota, and turn its entry
    into an error. Counting happens in ``save``, for the files that are kept."""
    cache = _cache()
    mine, everyone = cache.get(owner) or 0, cache.get(ALL) or 0
    limit_mine, limit_all = _mb("GONGKAI_CHECK_SCAN_ADDRESS_MB"), _mb("GONGKAI_CHECK_SCAN_TOTAL_MB")
    for entry in batch["entries"]:
        data = files.get(entry["index"])
        if data is None:
            continue
        if mine + len(data) > limit_mine:
            error = QUOTA_ADDRESS.format(limit=f"{limit_mine // 2**20} MB")
        elif everyone + len(data) > limit_all:
            error = QUOTA_TOTAL
        else:
            mine, everyone = mine + len(data), everyone + len(data)
            continue
        del files[entry["index"]]
        entry.pop("pending", None)
        entry["error"] = error


def save(request, response, batch: dict[str, Any], files: dict[int, bytes] | None = None) -> str | None:
    """Store ``batch``, replacing this browser's previous one, and set the cookie on ``response``.
    ``files`` (entry index → bytes) wait for the background task, those within the byte quotas (the
    others become errors in ``batch``); returns the job id when any wait. The previous batch is dropped
    first, so its waiting scans no longer count."""
    _drop(request.COOKIES.get(COOKIE, ""))
    owner = _owner(request)
    if files:
        _admit(owner, batch, files)
    token = secrets.token_urlsafe(24)
    put(token, batch)
    response.set_cookie(COOKIE, token, max_age=settings.SESSION_COOKIE_AGE, httponly=True, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)
    if not files:
        return None
    for index, data in files.items():
        _cache().set(f"file:{token}:{index}", (owner, data))
        _add(owner, len(data))
        _add(ALL, len(data))
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
    value = _cache().get(key)
    _cache().delete(key)
    if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], bytes)):
        return None
    owner, data = value
    _add(owner, -len(data))
    _add(ALL, -len(data))
    return data


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


def _drop(token: str) -> None:
    """Delete a batch and the scans still waiting in it (their bytes leave the quota counters)."""
    key = _key(token)
    if not key:
        return
    batch = get(token)
    for entry in (batch or {}).get("entries", []):
        if "pending" in entry:
            take_file(token, entry["index"])
    _cache().delete(key)


def clear(request, response) -> None:
    _drop(request.COOKIES.get(COOKIE, ""))
    response.delete_cookie(COOKIE, samesite="Lax")


def find_entry(request, batch_id: str, index: int) -> dict[str, Any] | None:
    batch = load(request)
    if not batch or batch.get("batch") != batch_id:
        return None
    return next((e for e in batch["entries"] if e["index"] == index and e["report"]), None)
