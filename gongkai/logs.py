"""Structured logs: one JSON object per line, to var/log/gongkai.log (rotated) and to stderr.

What a line may hold: time, level, logger, the message, the request id, method and path (never the query
string, never the body), status code and, for an exception, its class and the stack as file:line
function. Exception messages and local variables are left out: they can carry what a user typed
(names, identity numbers). Only database OperationalErrors keep their text ("database is locked").
"""
from __future__ import annotations

import contextvars
import json
import logging
import traceback
from datetime import datetime, timezone

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("gongkai_request_id", default="")

MAX_MESSAGE = 500


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id.get()
        return True


def _safe_message(exc: BaseException) -> str | None:
    from django.db import OperationalError

    if isinstance(exc, OperationalError):
        return str(exc).splitlines()[0][:200] if str(exc) else None
    return None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage()[:MAX_MESSAGE],
            "request_id": getattr(record, "request_id", "") or request_id.get(),
        }
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            out["method"] = getattr(request, "method", "")
            out["path"] = request.path[:300]
        status = getattr(record, "status_code", None)
        if status is not None:
            out["status"] = status
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            out["error"] = f"{type(exc).__module__}.{type(exc).__qualname__}"
            message = _safe_message(exc)
            if message:
                out["error_message"] = message
            out["stack"] = [f"{f.filename}:{f.lineno} {f.name}" for f in traceback.extract_tb(exc.__traceback__)][-20:]
        return json.dumps(out, ensure_ascii=False)


def fail_for_test(request):
    """Enabled only by GONGKAI_TEST_FAILURE_URL=1 (gongkai/urls.py): a 500 whose exception message and
    request carry personal data, to prove none of it reaches the log."""
    raise RuntimeError("测试用错误：申请人张三，身份证号 110101199003077777，电话 13800138000")
