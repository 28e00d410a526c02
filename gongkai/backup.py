"""``gongkai backup FILE`` / ``gongkai restore FILE``: the database and the files as one archive.

The archive is a tar (gzip) holding ``manifest.json`` (format, migrations, row counts, SHA-256 of every
member), ``data.jsonl`` (every row of every model, streamed in Django's JSON-lines serialisation, keys kept,
content types and permissions by natural key: they are rebuilt by ``migrate``), ``media/…`` (every file a
FileField refers to, read through the configured storage, so S3 works as well as a local directory) and
``var/…`` (files in the var directory other than the database, the secret key, media and caches: e.g.
the audit chain's head file).

Not in the archive: the secret key (GONGKAI_SECRET_KEY or var/secret_key). Applicants' identity numbers
are encrypted with a key derived from it and the audit chain depends on it: keep it separately. The
manifest holds a check value of the key, and restore refuses a copy made under another key.

Restore works only on an empty installation (migrated, no agencies, users or audit entries), checks the
whole archive before writing anything, loads the rows in one transaction and puts the files in place
before it commits; any error rolls everything back and removes the files written. Works on SQLite and
PostgreSQL, in either direction.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import shutil
import tarfile
import tempfile
from datetime import datetime, time
from pathlib import Path, PurePosixPath

from django.core.serializers.json import DjangoJSONEncoder

FORMAT = "gongkai-backup-1"
SKIP_MODELS = {"contenttypes.contenttype", "auth.permission", "sessions.session"}
# var/ entries never archived: the database itself, the key, files archived as media, rebuilt caches.
SKIP_VAR = {"secret_key", "media", "static", "bench", "jieba.cache", "restore-tmp", "workers"}
BATCH = 2000


class BackupError(Exception):
    """A refusal or a bad archive; ``str()`` is the Chinese message for the command line."""


def _key_check() -> str:
    from django.conf import settings

    return hmac.new(settings.SECRET_KEY.encode(), b"gongkai-backup-key-check", hashlib.sha256).hexdigest()[:16]


def _models():
    from django.apps import apps
    from django.core import serializers

    ordered = serializers.sort_dependencies([(a, None) for a in apps.get_app_configs()], allow_cycles=True)
    return [m for m in ordered if m._meta.label_lower not in SKIP_MODELS and m._meta.managed
            and not m._meta.proxy]


def _applied_migrations() -> list[str]:
    from django.db.migrations.recorder import MigrationRecorder

    return sorted(f"{a}.{n}" for a, n in MigrationRecorder.Migration.objects.values_list("app", "name"))


def _db_files() -> set[Path]:
    from django.conf import settings

    name = str(settings.DATABASES["default"].get("NAME") or "")
    return {Path(name + s).resolve() for s in ("", "-wal", "-shm", "-journal")} if name else set()


def _var_files(exclude=()):
    from django.conf import settings

    var = Path(settings.VAR_DIR).resolve()
    skip_db = _db_files() | {Path(p).resolve() for p in exclude}
    for path in sorted(var.rglob("*")):
        rel = path.relative_to(var)
        if not path.is_file() or path.is_symlink() or rel.parts[0] in SKIP_VAR or path.resolve() in skip_db:
            continue
        if path.suffix in (".sqlite3", ".lock", ".part") or path.name.endswith(("-wal", "-shm", ".before-restore")):
            continue
        yield rel.as_posix(), path


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def backup(dest: str | Path) -> dict:
    """Write the archive to ``dest`` (via a temporary file renamed at the end); returns the manifest."""
    from django.core import serializers
    from django.core.files.storage import default_storage
    from django.db import connection, models, transaction

    dest = Path(dest)
    if dest.exists() and dest.is_dir():
        raise BackupError(f"{dest} 是目录，请给出备份文件名，如 gongkai-backup.tar.gz。")
    manifest = {"format": FORMAT, "vendor": connection.vendor, "key_check": _key_check(), "models": {},
                "media": {}, "var": {}}
    with tempfile.TemporaryDirectory(prefix="gk-backup-") as tmp:
        data = Path(tmp) / "data.jsonl"
        file_fields = []
        # One snapshot of the database (REPEATABLE READ on PostgreSQL: one transaction sees one state).
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cur:
                    cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            manifest["migrations"] = _applied_migrations()
            with open(data, "w", encoding="utf-8") as fh:
                for model in _models():
                    qs = model._base_manager.order_by("pk")
                    counter = _Counting(fh)
                    serializers.serialize("jsonl", qs.iterator(chunk_size=BATCH), stream=counter, cls=_Encoder,
                                          use_natural_foreign_keys=True, use_natural_primary_keys=False)
                    manifest["models"][model._meta.label_lower] = counter.lines
                    for f in model._meta.concrete_fields:
                        if isinstance(f, models.FileField):
                            file_fields.append((model, f))
            names = set()
            for model, f in file_fields:
                names.update(n for n in model._base_manager.exclude(**{f.attname: ""})
                             .values_list(f.attname, flat=True).iterator() if n)
        tmp_dest = dest.with_name(dest.name + ".part")
        with tarfile.open(tmp_dest, "w:gz") as tar:
            manifest["data"] = _sha256_file(data)
            tar.add(data, arcname="data.jsonl")
            for name in sorted(names):
                try:
                    with default_storage.open(name, "rb") as src:
                        blob = src.read()
                except (FileNotFoundError, OSError):
                    manifest.setdefault("missing_media", []).append(name)
                    continue
                manifest["media"][name] = hashlib.sha256(blob).hexdigest()
                _add_bytes(tar, f"media/{name}", blob)
            for rel, path in _var_files(exclude=(dest, tmp_dest)):
                manifest["var"][rel] = _sha256_file(path)
                tar.add(path, arcname=f"var/{rel}")
            _add_bytes(tar, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        os.replace(tmp_dest, dest)
    return manifest


class _Encoder(DjangoJSONEncoder):
    """Datetimes and times to the microsecond (Django's encoder cuts them to milliseconds, which would
    change audit entries' timestamps and so break their hashes)."""

    def default(self, o):
        if isinstance(o, (datetime, time)):
            return o.isoformat()
        return super().default(o)


class _Counting(io.TextIOBase):
    """Counts the JSON lines written through it (rows per model for the manifest)."""

    def __init__(self, fh):
        self.fh, self.lines = fh, 0

    def write(self, s):
        self.lines += s.count("\n")
        return self.fh.write(s)


def _add_bytes(tar, name: str, blob: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(blob)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(blob))


def _safe_member(name: str) -> bool:
    p = PurePosixPath(name)
    return not p.is_absolute() and ".." not in p.parts and name == p.as_posix() and name.strip() == name


def _read_archive(src: Path, staging: Path) -> dict:
    """Check and unpack the archive into ``staging``; returns the manifest. Nothing outside ``staging`` is
    touched; any problem is a BackupError."""
    try:
        tar = tarfile.open(src, "r:*")
    except (tarfile.TarError, OSError, EOFError):
        raise BackupError(f"{src} 不是有效的 gongkai 备份文件（无法作为 tar 归档读取）。") from None
    with tar:
        try:
            members = {m.name: m for m in tar.getmembers()}
        except (tarfile.TarError, OSError, EOFError):
            raise BackupError("备份文件不完整或已损坏（归档读取中断）。") from None
        m = members.get("manifest.json")
        if m is None or not m.isfile() or m.size > 50 << 20:
            raise BackupError("备份文件缺少 manifest.json，不是 gongkai 备份，或已损坏。")
        try:
            manifest = json.loads(tar.extractfile(m).read().decode("utf-8"))
        except (ValueError, UnicodeDecodeError, tarfile.TarError, OSError):
            raise BackupError("备份文件中的 manifest.json 无法读取，备份已损坏。") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError("备份文件格式不是本版本 gongkai 所能识别的格式。")
        expected = {"data.jsonl": manifest.get("data")}
        expected.update({f"media/{k}": v for k, v in (manifest.get("media") or {}).items()})
        expected.update({f"var/{k}": v for k, v in (manifest.get("var") or {}).items()})
        for name, digest in expected.items():
            member = members.get(name)
            if member is None or not member.isfile():
                raise BackupError(f"备份文件不完整：缺少 {name}。")
            if not _safe_member(name):
                raise BackupError(f"备份文件中的路径不安全：{name}")
            out = staging / name
            out.parent.mkdir(parents=True, exist_ok=True)
            h = hashlib.sha256()
            try:
                with tar.extractfile(member) as fh, open(out, "wb") as dst:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        h.update(chunk)
                        dst.write(chunk)
            except (tarfile.TarError, OSError, EOFError):
                raise BackupError(f"备份文件已损坏：读取 {name} 时中断。") from None
            if h.hexdigest() != digest:
                raise BackupError(f"备份文件已损坏：{name} 的校验值不符。")
    return manifest


def _check_target(manifest: dict) -> None:
    from django.contrib.auth import get_user_model

    from gongkai.agencies.models import Agency, AuditEntry

    if manifest.get("key_check") != _key_check():
        raise BackupError("当前密钥（GONGKAI_SECRET_KEY 或 var/secret_key）与备份时不同：恢复后申请人证件号码将无法解密、"
                          "审计日志校验将失败。请先放回备份时使用的密钥，再恢复。")
    have = _applied_migrations()
    if have != sorted(manifest.get("migrations") or []):
        missing = sorted(set(manifest.get("migrations") or []) - set(have))
        raise BackupError("数据库结构与备份时不一致" + (f"（缺少迁移 {missing[0]} 等）" if missing else "") +
                          "：请使用与备份时相同版本的 gongkai，运行 gongkai migrate 后再恢复。")
    if Agency.objects.exists() or get_user_model().objects.exists() or AuditEntry.objects.exists():
        raise BackupError("目标数据库不是空的（已有机关、账号或审计记录）：恢复只能在空数据库上进行。"
                          "请新建数据库，运行 gongkai migrate 后再恢复。")


def restore(src: str | Path) -> dict:
    """Restore the archive ``src`` onto this (empty) installation; returns the manifest."""
    from django.conf import settings
    from django.core import serializers
    from django.core.files.storage import default_storage
    from django.core.management.color import no_style
    from django.db import DatabaseError, connection, transaction

    src = Path(src)
    if not src.is_file():
        raise BackupError(f"找不到备份文件：{src}")
    var = Path(settings.VAR_DIR)
    staging_root = var / "restore-tmp"
    staging_root.mkdir(parents=True, exist_ok=True)
    placed_media: list[str] = []
    placed_var: list[Path] = []
    with tempfile.TemporaryDirectory(dir=staging_root) as tmp:
        staging = Path(tmp)
        manifest = _read_archive(src, staging)
        _check_target(manifest)
        known = {m._meta.label_lower: m for m in _models()}
        unknown = set(manifest.get("models") or {}) - set(known)
        if unknown:
            raise BackupError(f"备份中有本版本没有的数据表：{sorted(unknown)[0]}。")
        try:
            with transaction.atomic():
                # Rows seeded by migrate (the working-day calendar, …) are replaced by the archive's.
                for label in manifest["models"]:
                    if known[label]._base_manager.exists():
                        known[label]._base_manager.all()._raw_delete(connection.alias)
                counts = _load_rows(staging / "data.jsonl", serializers)
                if counts != {k: v for k, v in manifest["models"].items() if v}:
                    raise BackupError("备份数据的行数与清单不符，备份已损坏。")
                with connection.cursor() as cur:
                    for sql in connection.ops.sequence_reset_sql(no_style(), list(known.values())):
                        cur.execute(sql)
                for name in manifest["media"]:
                    if default_storage.exists(name):
                        raise BackupError(f"附件存储中已有同名文件：{name}（目标不是空的安装）。")
                    with open(staging / "media" / name, "rb") as fh:
                        saved = default_storage.save(name, fh)
                    placed_media.append(saved)
                    if saved != name:
                        raise BackupError(f"附件无法按原名保存：{name}")
                for rel in manifest["var"]:
                    dest = var / rel
                    if not _safe_member(rel) or (dest.exists() and dest.resolve() in _db_files()):
                        raise BackupError(f"备份中的 var 文件路径不安全：{rel}")
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    if dest.exists():
                        dest.replace(dest.with_name(dest.name + ".before-restore"))
                    shutil.copyfile(staging / "var" / rel, dest)
                    placed_var.append(dest)
        except BackupError:
            _undo(placed_media, placed_var)
            raise
        except (DatabaseError, ValueError, OSError, serializers.base.DeserializationError) as exc:
            _undo(placed_media, placed_var)
            raise BackupError(f"恢复失败，已全部撤销：{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    return manifest


def _load_rows(path: Path, serializers) -> dict[str, int]:
    counts: dict[str, int] = {}
    batch, model = [], None

    def flush():
        if batch:
            _raw_insert(model, [d.object for d in batch])
            for d in batch:
                for field, values in (d.m2m_data or {}).items():
                    if values:
                        getattr(d.object, field).set(values)
            counts[model._meta.label_lower] = counts.get(model._meta.label_lower, 0) + len(batch)
            batch.clear()

    label = None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            # Rows of one model are inserted before the next model's rows are read: natural keys (a
            # user's username) are looked up while deserialising, so the referenced rows must be there.
            this = json.loads(line).get("model")
            if this != label:
                flush()
                label = this
            for d in serializers.deserialize("jsonl", line, handle_forward_references=False):
                model = type(d.object)
                batch.append(d)
            if len(batch) >= BATCH:
                flush()
    flush()
    return counts


def _raw_insert(model, objs) -> None:
    """INSERT the rows as they are (raw, like loaddata): no auto_now stamping, no save() overrides, no
    signals; many rows per statement."""
    from django.db import connection, models
    from django.db.models.sql import InsertQuery

    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.GeneratedField)]
    size = max(1, connection.ops.bulk_batch_size(fields, objs))
    for i in range(0, len(objs), size):
        q = InsertQuery(model)
        q.insert_values(fields, objs[i:i + size], raw=True)
        q.get_compiler(connection=connection).execute_sql(returning_fields=None)


def _undo(media: list[str], var_files: list[Path]) -> None:
    from django.core.files.storage import default_storage

    for name in media:
        try:
            default_storage.delete(name)
        except OSError:
            pass
    for path in var_files:
        path.unlink(missing_ok=True)
        before = path.with_name(path.name + ".before-restore")
        if before.exists():
            before.replace(path)


# -- command line ----------------------------------------------------------------------------------------

def register(sub) -> None:
    p = sub.add_parser("backup", help="备份数据库和附件等文件为一个归档（密钥不在其中，须另行保管）")
    p.add_argument("file", help="备份文件名，如 gongkai-2025-01-31.tar.gz")
    p.set_defaults(func=_backup_cmd)
    p = sub.add_parser("restore", help="在空的安装上从备份归档恢复全部数据和文件")
    p.add_argument("file", help="gongkai backup 生成的备份文件")
    p.set_defaults(func=_restore_cmd)


def _run(fn, path):
    from django.db import DatabaseError

    from gongkai.cli import CommandError, setup_django

    setup_django()
    try:
        return fn(path)
    except BackupError as exc:
        raise CommandError(str(exc), 2) from None
    except DatabaseError as exc:
        raise CommandError(f"数据库操作失败（请先运行 gongkai migrate，或用 gongkai dbcheck 检查连接）："
                           f"{str(exc).splitlines()[0]}", 2) from None
    except OSError as exc:
        raise CommandError(f"无法读写文件：{exc.strerror or exc}（{exc.filename or path}）", 2) from None


def _backup_cmd(args) -> int:
    m = _run(backup, args.file)
    rows = sum(m["models"].values())
    print(f"已备份到 {args.file}：{rows} 行数据，{len(m['media'])} 个附件，{len(m['var'])} 个 var 文件。"
          "密钥不在备份中，请另行妥善保管（恢复时须使用同一密钥）。")
    for name in m.get("missing_media", []):
        print(f"注意：附件文件缺失，未能备份：{name}")
    return 0


def _restore_cmd(args) -> int:
    m = _run(restore, args.file)
    print(f"已从 {args.file} 恢复：{sum(m['models'].values())} 行数据，{len(m['media'])} 个附件，"
          f"{len(m['var'])} 个 var 文件。可运行 gongkai audit verify 校验审计日志。")
    return 0
