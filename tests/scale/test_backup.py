"""gongkai backup / restore through the real command: every row and file back on an empty installation,
the audit chain verifies on the copy, and a bad archive or a non-empty target is refused in Chinese
without writing anything. Runs on SQLite, and on PostgreSQL in the PostgreSQL pass (two fresh databases)."""
import io
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
KEY = "backup-test-key-0123456789-abcdefghij"
ADD_FILES = """
import hashlib
from django.core.files.base import ContentFile
from gongkai.catalog.models import Attachment, Item
item = Item.objects.order_by("pk").first()
for i, blob in enumerate([b"%PDF-1.4 first attachment", bytes(range(256)) * 40]):
    Attachment.objects.create(item=item, file=ContentFile(blob, name=f"f{i}.pdf"), name=f"f{i}.pdf", kind="pdf",
                              size=len(blob), sha256=hashlib.sha256(blob).hexdigest())
"""
SNAPSHOT = """
import hashlib, json
from django.apps import apps
from django.core.files.storage import default_storage
from gongkai.backup import _models
out = {m._meta.label_lower: sorted(map(str, m._base_manager.values_list()))[:5] + [m._base_manager.count()]
       for m in _models() if m._meta.label_lower not in ("django_tasks_db.dbtaskresult",)}
from gongkai.catalog.models import Attachment
out["files"] = {a.file.name: hashlib.sha256(default_storage.open(a.file.name).read()).hexdigest()
                for a in Attachment.objects.all()}
print(json.dumps(out, sort_keys=True, default=str))
"""


@pytest.fixture
def installs(db, tmp_path):
    """Two installations (var directories and databases): a source and an empty target."""
    made = []
    out = []
    for name in ("src", "dst"):
        var = tmp_path / name
        var.mkdir()
        if connection.vendor == "postgresql":
            import psycopg

            s = connection.settings_dict
            dbname = f"gk_bk_{name}_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(host=s["HOST"], port=s["PORT"], user=s["USER"], password=s["PASSWORD"] or None,
                                 dbname="postgres", autocommit=True) as c:
                c.execute(f'CREATE DATABASE "{dbname}"')
            made.append(dbname)
            url = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{dbname}"
        else:
            url = f"sqlite:///{var / 'gongkai.sqlite3'}"
        out.append({"GONGKAI_VAR": str(var), "DATABASE_URL": url, "GONGKAI_SECRET_KEY": KEY})
    yield out
    if made:
        import psycopg

        s = connection.settings_dict
        with psycopg.connect(host=s["HOST"], port=s["PORT"], user=s["USER"], password=s["PASSWORD"] or None,
                             dbname="postgres", autocommit=True) as c:
            for dbname in made:
                c.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def gk(env, *args):
    return subprocess.run([sys.executable, "-m", "gongkai.cli", *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300)


def test_backup_and_restore_onto_an_empty_installation(installs, tmp_path):
    src, dst = installs
    for env in installs:
        assert gk(env, "migrate").returncode == 0
    assert gk(src, "demo").returncode == 0
    assert gk(src, "demo", "generate", "--agencies", "4", "--items", "200", "--applications", "60",
              "--until", "2025-06-30").returncode == 0
    assert gk(src, "manage", "shell", "-c", ADD_FILES).returncode == 0
    Path(src["GONGKAI_VAR"], "audit_head").write_text("seq=42\n")  # a var/ file (the audit chain's head)
    archive = tmp_path / "backup.tar.gz"
    r = gk(src, "backup", str(archive))
    assert r.returncode == 0, r.stderr
    assert "密钥不在备份中" in r.stdout
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "secret_key" not in " ".join(names) and not any(n.endswith(".sqlite3") for n in names)

    # A wrong key is refused before anything is written.
    r = gk({**dst, "GONGKAI_SECRET_KEY": KEY + "x"}, "restore", str(archive))
    assert r.returncode == 2 and "密钥" in r.stderr and "Traceback" not in r.stderr

    r = gk(dst, "restore", str(archive))
    assert r.returncode == 0, r.stderr
    before, after = (gk(env, "manage", "shell", "-c", SNAPSHOT) for env in installs)
    assert before.returncode == 0, before.stderr
    assert before.stdout == after.stdout and '"files": {"' in after.stdout
    assert Path(dst["GONGKAI_VAR"], "audit_head").read_text() == "seq=42\n"
    r = gk(dst, "audit", "verify")
    assert r.returncode == 0 and "审计日志完整" in r.stdout, r.stdout
    # The search index came back with the rows.
    r = gk(dst, "manage", "shell", "-c", "from gongkai.agencies.models import Agency; from gongkai.portal.search "
           "import search; print(search(Agency.objects.get(slug='gen-city'), '公示').total)")
    assert int(r.stdout.strip().splitlines()[-1]) > 0

    # Restoring again: the target is no longer empty.
    r = gk(dst, "restore", str(archive))
    assert r.returncode == 2 and "不是空的" in r.stderr


def test_bad_archives_are_refused_and_nothing_is_written(installs, tmp_path):
    src, dst = installs
    for env in installs:
        assert gk(env, "migrate").returncode == 0
    assert gk(src, "demo").returncode == 0
    archive = tmp_path / "b.tar.gz"
    assert gk(src, "backup", str(archive)).returncode == 0

    not_tar = tmp_path / "x.tar.gz"
    not_tar.write_bytes(b"this is not an archive")
    truncated = tmp_path / "t.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    tampered = tmp_path / "m.tar.gz"  # same members, data.jsonl changed: the checksum no longer matches
    with tarfile.open(archive) as tin, tarfile.open(tampered, "w:gz") as tout:
        for m in tin.getmembers():
            blob = tin.extractfile(m).read()
            if m.name == "data.jsonl":
                blob = blob.replace(b"\\u6dc4\\u535a", b"\\u5317\\u4eac", 1) if b"\\u6dc4" in blob else blob + b"\n"
                blob = blob.replace("淄博".encode(), "北京".encode(), 1)
            m.size = len(blob)
            tout.addfile(m, io.BytesIO(blob))
    for bad, words in ((not_tar, "不是有效的"), (truncated, "损坏"), (tampered, "校验值不符"),
                       (tmp_path / "missing.tar.gz", "找不到")):
        r = gk(dst, "restore", str(bad))
        assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr, (bad, r.stderr)
    r = gk(dst, "manage", "shell", "-c", "from gongkai.agencies.models import Agency; print(Agency.objects.count())")
    assert r.stdout.strip().splitlines()[-1] == "0"
