"""Append-only, keyed hash chain for the audit log.

Each entry stores ``prev_hash`` and ``hash = HMAC-SHA256(key, prev_hash + canonical JSON of its fields)``.
The key is not in the database (``settings.GONGKAI_AUDIT_KEY``, else derived from SECRET_KEY with its own
label), so someone who can write the database cannot recompute the chain after rewriting an entry.
Each new head (seq, hash, time) is appended to ``settings.GONGKAI_AUDIT_HEAD_FILE``, a file the database
writer cannot change: cutting the tail and updating the AuditChainHead row is caught against it, or
against a head written down from the auditor's page (``gongkai audit verify --head SEQ:HASH``).

Chains begun before the key (plain SHA-256) end in an ``audit.rekey`` checkpoint written by migration
0003: the verifier accepts plain hashes only before that keyed checkpoint, which pins their last hash.

``verify_chain()`` recomputes the chain and reports edited, deleted and reordered rows. The database
refuses UPDATE and DELETE on the table through triggers (installed by migration 0002); the model and
queryset refuse them too. Writers lock the single AuditChainHead row, so concurrent writers never fork
the chain (SQLite serialises writers anyway: transaction_mode IMMEDIATE in settings).
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import json
from datetime import timezone as dt_timezone
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection as default_connection, transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEntry

GENESIS = "0" * 64
TABLE = AuditEntry._meta.db_table
REKEY_ACTION = "audit.rekey"
KEY_LABEL = b"gongkai.agencies.audit-chain.v1"  # a key of its own, not usable as the session/signing key
logger = logging.getLogger(__name__)


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


def _key() -> bytes:
    if getattr(settings, "GONGKAI_AUDIT_KEY", ""):
        return settings.GONGKAI_AUDIT_KEY.encode("utf-8")
    return hmac.new(settings.SECRET_KEY.encode("utf-8"), KEY_LABEL, hashlib.sha256).digest()


def _payload(entry) -> bytes:
    return (entry.prev_hash + _canonical(_fields(entry))).encode("utf-8")


def compute_hash(entry: AuditEntry) -> str:
    return hmac.new(_key(), _payload(entry), hashlib.sha256).hexdigest()


def legacy_hash(entry: AuditEntry) -> str:
    """The unkeyed hash of chains written before migration 0003 (anyone can compute it)."""
    return hashlib.sha256(_payload(entry)).hexdigest()


# -- the published head ----------------------------------------------------------------------------
def head_file() -> Path:
    return Path(settings.GONGKAI_AUDIT_HEAD_FILE)


def publish_head(seq: int, hash_: str, when) -> None:
    """Append "seq hash time" to the head file (O_APPEND: lines from several processes never mix)."""
    line = f"{seq} {hash_} {when.astimezone(dt_timezone.utc).isoformat(timespec='seconds')}\n".encode()
    path = head_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError as exc:  # the entry is committed; the gap shows as a head file behind the chain
        logger.error("cannot append to the audit head file: %s", type(exc).__name__)


def read_heads(path: Path | None = None) -> dict[int, str]:
    """seq → hash of every head published in the file (a missing file: none)."""
    heads: dict[int, str] = {}
    try:
        with open(path or head_file(), encoding="ascii", errors="replace") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) >= 2 and parts[0].isdigit():
                    heads[int(parts[0])] = parts[1]
    except FileNotFoundError:
        pass
    return heads


def last_published() -> dict | None:
    """The last line of the head file, for the auditor's page: {"seq", "hash", "time"}."""
    try:
        with open(head_file(), "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 4096))
            lines = fh.read().decode("ascii", "replace").strip().splitlines()
    except FileNotFoundError:
        return None
    parts = lines[-1].split() if lines else []
    if len(parts) < 3 or not parts[0].isdigit():
        return None
    return {"seq": int(parts[0]), "hash": parts[1], "time": parts[2]}


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
    return _append(
        AuditEntry, AuditChainHead,
        actor=actor,
        actor_name=actor.get_username() if actor is not None else "",
        agency=agency,
        action=action,
        target_type=f"{target._meta.app_label}.{target._meta.model_name}" if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        summary=summary,
        data=clean_data,
        ip=client_ip(request),
    )


def _append(entry_model, head_model, **fields):
    """Chain one entry after the head; model classes passed in so that migrations use theirs."""
    with transaction.atomic():
        head = head_model.objects.select_for_update().filter(pk=1).first()
        if head is None:
            # First entry (or after a flush): concurrent writers may race to create the head row.
            head_model.objects.bulk_create([head_model(pk=1, seq=0, hash=GENESIS)], ignore_conflicts=True)
            head = head_model.objects.select_for_update().get(pk=1)
        entry = entry_model(seq=head.seq + 1, created_at=timezone.now(), prev_hash=head.hash, **fields)
        entry.hash = compute_hash(entry)
        entry.save()
        head.seq, head.hash = entry.seq, entry.hash
        head.save(update_fields=["seq", "hash"])
        seq, hash_, when = entry.seq, entry.hash, entry.created_at
        transaction.on_commit(lambda: publish_head(seq, hash_, when))
    return entry


def rekey_checkpoint(entry_model, head_model):
    """Close a chain of unkeyed (SHA-256) entries with a keyed checkpoint naming its last entry; from
    here on every hash is keyed. Called by migration 0003 (with its historical models); no-op when the
    chain is empty or already keyed."""
    last = entry_model.objects.order_by("-seq").first()
    if last is None or compute_hash(last) == last.hash:
        return None
    return _append(
        entry_model, head_model, actor=None, actor_name="", agency=None, action=REKEY_ACTION,
        target_type="", target_id="", ip=None,
        summary=f"审计链改用密钥哈希（HMAC-SHA256）：此前第 1–{last.seq} 条为不带密钥的 SHA-256，自本条起带密钥",
        data={"legacy_seq": last.seq, "legacy_hash": last.hash},
    )


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


def parse_head(text: str) -> tuple[int | None, str]:
    """``SEQ:HASH`` or ``HASH`` (as shown on the auditor's page) → (seq or None, hash); ValueError if neither."""
    seq, _, hash_ = text.strip().rpartition(":")
    hash_ = hash_.lower()
    if len(hash_) != 64 or any(c not in "0123456789abcdef" for c in hash_) or (seq and not seq.isdigit()):
        raise ValueError("链头应为“序号:哈希”或 64 位十六进制哈希")
    return (int(seq) if seq else None), hash_


def verify_chain(limit: int | None = None, *, head: str | None = None, use_head_file: bool = True) -> list[str]:
    """Recompute the chain; return problems in Chinese (empty list = intact). ``limit`` caps the list.

    ``head`` (``SEQ:HASH`` or ``HASH``) and every head in the head file must still be in the chain, with
    the same hash: a chain cut short or rebuilt does not contain them.
    """
    problems: list[str] = []
    expected_seq = 1
    prev_hash = GENESIS
    prev_pk = 0
    published = read_heads() if use_head_file else {}
    given_seq, given_hash = parse_head(head) if head else (None, None)
    given_found = False
    keyed_seen = legacy_seen = False
    prev_seq = 0

    def add(msg: str) -> bool:
        problems.append(msg)
        return limit is not None and len(problems) >= limit

    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        label = f"第 {entry.seq} 条（ID {entry.pk}）"
        if entry.hash == given_hash and given_seq in (None, entry.seq):
            given_found = True
        if entry.seq in published and published.pop(entry.seq) != entry.hash:
            if add(f"{label}：与链头文件公布的哈希不符，记录被改写"):
                break
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
        if compute_hash(entry) == entry.hash:
            if legacy_seen and not keyed_seen and not (
                    entry.action == REKEY_ACTION and entry.data.get("legacy_seq") == prev_seq
                    and entry.data.get("legacy_hash") == prev_hash):
                if add(f"{label}：此前的记录不带密钥，却没有紧接的换钥检查点"):
                    break
            keyed_seen = True
        elif not keyed_seen and legacy_hash(entry) == entry.hash:
            legacy_seen = True  # written before the key; pinned by the checkpoint that must follow
        else:
            if add(f"{label}：内容与哈希不符，记录被改动"):
                break
        if entry.pk <= prev_pk:
            if add(f"{label}：写入顺序与序号不符，记录被调换"):
                break
        expected_seq, prev_hash, prev_pk, prev_seq = entry.seq + 1, entry.hash, entry.pk, entry.seq
    else:
        if legacy_seen and not keyed_seen:
            add("全部记录均为不带密钥的哈希，没有换钥检查点：日志可能被整体重写（请运行 gongkai migrate）")
        if published:
            first, last = min(published), max(published)
            span = f"第 {first} 条" if first == last else f"第 {first}–{last} 条中的 {len(published)} 条"
            add(f"链头文件公布的{span}不在日志中：末尾记录被删除")
        if head and not given_found:
            add(f"指定的链头 {head.strip()} 不在日志中：该条记录被删除或改写")
        row = AuditChainHead.objects.filter(pk=1).first()
        if row is not None and row.seq >= expected_seq:
            span = f"第 {expected_seq} 条" if row.seq == expected_seq else f"第 {expected_seq}–{row.seq} 条"
            add(f"末尾{span}缺失：记录被删除")
        elif row is not None and row.seq == expected_seq - 1 and row.hash != prev_hash and row.seq:
            add(f"第 {row.seq} 条：与链头记录的哈希不符，最后一条被改动或替换")
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
