"""Append-only, hash-chained audit log.

Each entry stores ``prev_hash`` and ``hash = sha256(prev_hash + canonical JSON of its fields)``.
``verify_chain()`` recomputes the chain and reports edited, deleted and reordered rows. The database
refuses UPDATE and DELETE on the table through triggers (installed by migration 0002); the model and
queryset refuse them too. Writers lock the single AuditChainHead row, so concurrent writers never fork
the chain (SQLite serialises writers anyway: transaction_mode IMMEDIATE in settings).
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import json
from datetime import timezone as dt_timezone

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection as default_connection, transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEntry

GENESIS = "0" * 64
TABLE = AuditEntry._meta.db_table


def _canonical(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder,
                      allow_nan=False)


def _normalise(value):
    """Make ``data`` survive every database unchanged, so the hash recomputes identically:
    floats become strings (PostgreSQL jsonb rewrites 1e+20 as an integer), NUL characters go
    (PostgreSQL refuses them), keys become strings."""
    if isinstance(value, dict):
        return {str(k).replace("\x00", ""): _normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return value.replace("\x00", "")
    return value


def _fields(entry: AuditEntry) -> dict:
    return {
        "seq": entry.seq,
        "created_at": entry.created_at.astimezone(dt_timezone.utc).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "agency_id": entry.agency_id,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "summary": entry.summary,
        "data": entry.data,
        "ip": entry.ip,
    }


def compute_hash(entry: AuditEntry) -> str:
    return hashlib.sha256((entry.prev_hash + _canonical(_fields(entry))).encode("utf-8")).hexdigest()


def client_ip(request) -> str | None:
    """The client's address, for the audit log, the login lockout and the rate limits.

    REMOTE_ADDR, unless ``settings.GONGKAI_TRUSTED_PROXIES`` = N reverse proxies stand in front: each
    appends the address it saw to X-Forwarded-For, so the client is the N-th entry from the right
    (anything further left was written by the client and is ignored).
    """
    if request is None:
        return None
    proxies = int(getattr(settings, "GONGKAI_TRUSTED_PROXIES", 0) or 0)
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            try:
                return str(ipaddress.ip_address(hops[-proxies]))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR") or None


def record(*, actor, action: str, agency=None, target=None, summary: str, data: dict | None = None,
           request=None) -> AuditEntry:
    """Append one entry. ``target`` is a model instance (stored as "app_label.model" + pk).

    Call inside the transaction of the change it records, so both commit or neither does.
    """
    if not action or not summary:
        raise ValueError("audit.record needs an action and a summary")
    if target is not None and target.pk is None:
        raise ValueError("audit.record target must be saved first")
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None  # AnonymousUser
    # Round-trip through JSON so the stored value is exactly what gets hashed (dates → strings).
    clean_data = json.loads(_canonical(_normalise(data or {})))
    summary = summary.replace("\x00", "")
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            # First entry (or after a flush): concurrent writers may race to create the head row.
            AuditChainHead.objects.bulk_create([AuditChainHead(pk=1, seq=0, hash=GENESIS)], ignore_conflicts=True)
            head = AuditChainHead.objects.select_for_update().get(pk=1)
        entry = AuditEntry(
            seq=head.seq + 1,
            created_at=timezone.now(),
            actor=actor,
            actor_name=actor.get_username() if actor is not None else "",
            agency=agency,
            action=action,
            target_type=f"{target._meta.app_label}.{target._meta.model_name}" if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            summary=summary,
            data=clean_data,
            ip=client_ip(request),
            prev_hash=head.hash,
        )
        entry.hash = compute_hash(entry)
        entry.save()
        head.seq, head.hash = entry.seq, entry.hash
        head.save(update_fields=["seq", "hash"])
    return entry


def record_identity_view(request, obj, *, agency=None, summary: str | None = None) -> AuditEntry:
    """Log that ``request.user`` viewed the applicant identity data of ``obj`` (personal information).

    ``agency`` defaults to ``obj.agency`` when the object has one.
    """
    if agency is None:
        agency = getattr(obj, "agency", None)
    return record(
        actor=request.user,
        action="identity.view",
        agency=agency,
        target=obj,
        summary=summary or f"查看申请人身份信息：{obj}",
        request=request,
    )


def verify_chain(limit: int | None = None) -> list[str]:
    """Recompute the chain; return problems in Chinese (empty list = intact). ``limit`` caps the list."""
    problems: list[str] = []
    expected_seq = 1
    prev_hash = GENESIS
    prev_pk = 0

    def add(msg: str) -> bool:
        problems.append(msg)
        return limit is not None and len(problems) >= limit

    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        label = f"第 {entry.seq} 条（ID {entry.pk}）"
        if entry.seq != expected_seq:
            if entry.seq > expected_seq:
                gap = (f"第 {expected_seq} 条" if entry.seq == expected_seq + 1
                       else f"第 {expected_seq}–{entry.seq - 1} 条")
                if add(f"{gap}缺失：记录被删除（位于{label}之前）"):
                    break
            else:
                if add(f"{label}：序号异常，应为 {expected_seq}"):
                    break
        if entry.prev_hash != prev_hash:
            if add(f"{label}：与前一条的链接不符，前面的记录被删除、改动或调换"):
                break
        if compute_hash(entry) != entry.hash:
            if add(f"{label}：内容与哈希不符，记录被改动"):
                break
        if entry.pk <= prev_pk:
            if add(f"{label}：写入顺序与序号不符，记录被调换"):
                break
        expected_seq, prev_hash, prev_pk = entry.seq + 1, entry.hash, entry.pk
    else:
        head = AuditChainHead.objects.filter(pk=1).first()
        if head is not None and head.seq >= expected_seq:
            span = f"第 {expected_seq} 条" if head.seq == expected_seq else f"第 {expected_seq}–{head.seq} 条"
            add(f"末尾{span}缺失：记录被删除")
        elif head is not None and head.seq == expected_seq - 1 and head.hash != prev_hash and head.seq:
            add(f"第 {head.seq} 条：与链头记录的哈希不符，最后一条被改动或替换")
    return problems


def count() -> int:
    return AuditEntry.objects.count()


# --- database guard -------------------------------------------------------------------------------
# Triggers refusing UPDATE/DELETE. ``flush`` (a whole-database wipe by an operator, also used between
# tests) removes them for its duration; see management/commands/flush.py.

_SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END""",
]
_SQLITE_REMOVE = [f"DROP TRIGGER IF EXISTS {TABLE}_no_update", f"DROP TRIGGER IF EXISTS {TABLE}_no_delete"]

_PG_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION {TABLE}_refuse() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE}",
    f"""CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION {TABLE}_refuse()""",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
    f"""CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_refuse()""",
]
_PG_REMOVE = [f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE}",
              f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}"]


def _run(conn, statements) -> None:
    with conn.cursor() as cur:
        for sql in statements:
            cur.execute(sql)


def _has_table(conn) -> bool:
    with conn.cursor() as cur:
        return TABLE in conn.introspection.table_names(cur)


def install_guard(conn=None) -> None:
    conn = conn or default_connection
    if not _has_table(conn):
        return
    if conn.vendor == "sqlite":
        _run(conn, _SQLITE_INSTALL)
    elif conn.vendor == "postgresql":
        _run(conn, _PG_INSTALL)


def remove_guard(conn=None) -> None:
    conn = conn or default_connection
    if not _has_table(conn):
        return
    if conn.vendor == "sqlite":
        _run(conn, _SQLITE_REMOVE)
    elif conn.vendor == "postgresql":
        _run(conn, _PG_REMOVE)
