"""The real ``gongkai`` command on a fresh SQLite database in a temporary directory."""
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _gongkai(tmp_path, *args):
    env = {**os.environ, "GONGKAI_VAR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "gongkai.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_demo_and_audit_verify_end_to_end(tmp_path):
    before = _gongkai(tmp_path, "demo")
    assert before.returncode != 0 and "请先运行 gongkai migrate" in before.stderr
    assert "Traceback" not in before.stderr

    assert _gongkai(tmp_path, "migrate").returncode == 0
    first = _gongkai(tmp_path, "demo")
    assert first.returncode == 0, first.stderr
    assert "Gongkai-Demo-2024" in first.stdout and "本次新建账号" in first.stdout
    second = _gongkai(tmp_path, "demo")
    assert second.returncode == 0 and "本次新建账号" not in second.stdout

    ok = _gongkai(tmp_path, "audit", "verify")
    assert ok.returncode == 0 and ok.stdout.startswith("审计日志完整，共 ")

    # Write three entries, then tamper with the file directly (sqlite3 module, trigger dropped first).
    env = {**os.environ, "GONGKAI_VAR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    script = ("from gongkai.cli import setup_django; setup_django(); from gongkai.agencies import audit; "
              "[audit.record(actor=None, action='test.cli', summary=f'记录 {i}') for i in range(3)]")
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=120)
    db = sqlite3.connect(tmp_path / "gongkai.sqlite3")
    try:
        db.execute("UPDATE agencies_auditentry SET summary = 'x' WHERE seq = 2")
        pytest.fail("the trigger should refuse the update")
    except sqlite3.DatabaseError as exc:
        assert "append-only" in str(exc)
    db.execute("DROP TRIGGER agencies_auditentry_no_update")
    db.execute("UPDATE agencies_auditentry SET summary = 'x' WHERE seq = 2")
    db.commit()
    db.close()
    bad = _gongkai(tmp_path, "audit", "verify")
    assert bad.returncode == 1
    assert "第 2 条" in bad.stdout and "记录被改动" in bad.stdout


def test_verify_without_database_is_a_clear_error(tmp_path):
    result = _gongkai(tmp_path, "audit", "verify")
    assert result.returncode == 2
    assert "请先运行 gongkai migrate" in result.stderr and "Traceback" not in result.stderr
