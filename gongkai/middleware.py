"""Site-wide HTTP plumbing: request ids for the logs, a retry when SQLite is busy, security headers.

- ``RequestIdMiddleware``: each request gets an id (``X-Request-ID``), put on every log line it causes.
- ``DatabaseBusyRetryMiddleware``: a view that fails with "database is locked" (another writer held the
  database longer than the busy timeout) is run again, at most twice, but only if it had written
  nothing yet; otherwise, or after the last try, a Chinese 503 page with Retry-After, not a 500.
- ``SecurityHeadersMiddleware``: ``Cache-Control: no-store`` on every page except the public portal
  and static files (staff pages, the status page, receipts and 年报体检 results hold personal data);
  in production also CSP without inline script, and Permissions-Policy.
- ``SessionRefreshMiddleware``: the 30-minute inactivity timeout without rewriting the session row on every
  request (an UPDATE and a commit on every staff page): a signed-in session is saved again when its last
  save is more than ``SESSION_REFRESH_SECONDS`` old, so it ends 30 minutes (less at most that) after the
  last request. Anonymous visitors get no session row.
"""
from __future__ import annotations

import base64
import hashlib
import logging
import re
import secrets
import time

from django.conf import settings
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.shortcuts import render

from . import logs

logger = logging.getLogger("gongkai.http")

_REQUEST_ID = re.compile(r"[0-9A-Za-z-]{8,64}")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request.META.get("HTTP_X_REQUEST_ID", "")
        # nginx's $request_id is trusted only when nginx stands in front (it overwrites the client's).
        if not (settings.GONGKAI_TRUSTED_PROXIES and _REQUEST_ID.fullmatch(rid)):
            rid = secrets.token_hex(8)
        request.request_id = rid
        token = logs.request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            logs.request_id.reset(token)
        response["X-Request-ID"] = rid
        return response


# -- busy database -----------------------------------------------------------------------------------
RETRY_DELAYS = (0.5, 1.5)  # seconds before the 2nd and 3rd try (each try waits the busy timeout too)
_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.I)
# Rate-limit counters, cached results and the session row may be written twice without harm.
_IDEMPOTENT_TABLES = ("gongkai_cache", "gongkai_check_cache", "django_session")


def is_busy(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, OperationalError) and ("database is locked" in text or "database table is locked" in text
                                                  or "database is busy" in text)


class _WriteTracker:
    """Notes whether the request has changed any data (then it must not run twice)."""

    def __init__(self):
        self.wrote = False

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not self.wrote and _WRITE.match(sql or "") and not any(t in sql for t in _IDEMPOTENT_TABLES):
            self.wrote = True
        return result


class DatabaseBusyRetryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for attempt in range(len(RETRY_DELAYS) + 1):
            tracker = _WriteTracker()
            request._gongkai_busy = False
            with connection.execute_wrapper(tracker):
                response = self.get_response(request)
            if not request._gongkai_busy:
                return response
            if tracker.wrote or attempt == len(RETRY_DELAYS):
                break
            logger.warning("database busy, retrying the request (attempt %d)", attempt + 2,
                           extra={"request": request})
            time.sleep(RETRY_DELAYS[attempt])
            for f in request.FILES.values():  # the view read the uploads: let the next try read them again
                f.seek(0)
        logger.error("database busy, request not completed", extra={"request": request, "status_code": 503})
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "10"
        return response

    def process_exception(self, request, exception):
        if is_busy(exception):
            request._gongkai_busy = True
            return HttpResponse(status=503)  # a placeholder: __call__ retries or shows the 503 page
        return None


# -- security headers ----------------------------------------------------------------------------------
CACHEABLE_PREFIXES = ("/gk/", "/static/")
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
                      "microphone=(), payment=(), usb=(), interest-cohort=()")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def _style_hashes() -> list[str]:
    """The only inline styles our pages carry, allowed by hash (no 'unsafe-inline'): the report tables'
    CSS block (年报体检, published reports), their column widths and the category tree's indentation."""
    from gongkai.report.render.html import COLUMN_WIDTHS, TABLE_CSS

    texts = {TABLE_CSS}
    texts |= {f"width: {w}%" for widths in COLUMN_WIDTHS.values() for w in widths}
    texts |= {f"padding-left: {d}.5em" for d in range(10)}  # catalog/categories.html
    return sorted(_sha256(t) for t in texts)


_CSP: str | None = None


def content_security_policy() -> str:
    global _CSP
    if _CSP is None:
        _CSP = "; ".join([
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-hashes' " + " ".join(_style_hashes()),
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ])
    return _CSP


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(CACHEABLE_PREFIXES):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        if getattr(settings, "GONGKAI_SECURITY_HEADERS", False):
            response.setdefault("Content-Security-Policy", content_security_policy())
            response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class SessionRefreshMiddleware:
    KEY = "_refreshed"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated and not session.modified:
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[self.KEY] = now  # marks the session modified: SessionMiddleware saves it
        return response
