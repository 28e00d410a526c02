"""Beyond one machine, on one PostgreSQL (a fresh database per test): two web processes and two
``gongkai worker`` processes, each task done exactly once; a worker killed mid-task (SIGKILL): the task is
retried by another and its writes are there once; the web process's connection terminated during a
request: that request fails with the Chinese error page, the next ones succeed.
These run in the PostgreSQL pass of ``make test`` (skipped on SQLite, which is one machine by design)."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg(db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("多进程测试在 PostgreSQL 上运行（make test 的 PostgreSQL 部分）")
    import psycopg

    s = connection.settings_dict
    conninfo = dict(host=s["HOST"], port=s["PORT"], user=s["USER"], password=s["PASSWORD"] or None)
    name = f"gk_proc_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{name}",
           "GONGKAI_VAR": str(tmp_path), "GONGKAI_SECRET_KEY": "proc-test-key-0123456789-abcdefghijkl",
           "GONGKAI_WORKER_REAP_SECONDS": "1", "PYTHONPATH": str(ROOT)}
    assert subprocess.run([sys.executable, "-m", "gongkai.cli", "migrate"], cwd=ROOT, env=env,
                          capture_output=True, timeout=300).returncode == 0
    procs = []

    def start(*args):
        p = subprocess.Popen([sys.executable, "-m", "gongkai.cli", *args], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        procs.append(p)
        return p

    def sql(query, params=()):
        with psycopg.connect(dbname=name, autocommit=True, **conninfo) as c:
            return c.execute(query, params).fetchall()

    yield {"env": env, "start": start, "sql": sql, "conninfo": conninfo, "name": name}
    for p in procs:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _enqueue(pg, code: str) -> None:
    r = subprocess.run([sys.executable, "-m", "gongkai.cli", "manage", "shell", "-c", code], cwd=ROOT,
                       env=pg["env"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


def _wait(cond, timeout=120.0, what=""):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port, path="/gk/"):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _web(pg) -> int:
    port = _free_port()
    pg["start"]("serve", "--port", str(port), "--no-worker")  # the workers are started by the test

    def up():
        try:
            return _get(port)[0] == 200
        except OSError:
            return False
    _wait(up, 60, "web process")
    return port


def _audit_keys(pg) -> list[str]:
    return [r[0] for r in pg["sql"]("SELECT data->>'key' FROM agencies_auditentry WHERE action = 'test.task'")]


def test_two_web_two_workers_each_task_once(pg):
    ports = [_web(pg), _web(pg)]
    for port in ports:  # stateless web processes: the same pages from either
        assert _get(port, "/gk/")[0] == 200
    workers = [pg["start"]("worker", "--interval", "0.2") for _ in range(2)]
    _enqueue(pg, "from tests.scale.tasks import record\nfor i in range(40): record.enqueue(str(i), seconds=0.05)")
    _wait(lambda: pg["sql"]("SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'SUCCESSFUL'")[0][0] == 40,
          what="40 tasks")
    keys = _audit_keys(pg)
    assert sorted(keys, key=int) == [str(i) for i in range(40)]  # each exactly once
    by = pg["sql"]("SELECT worker_ids->>0, count(*) FROM django_tasks_database_dbtaskresult GROUP BY 1")
    assert len(by) == 2 and all(n > 0 for _, n in by), by  # both workers took tasks
    assert all(w.poll() is None for w in workers)


def test_worker_killed_mid_task_is_retried_once(pg, tmp_path):
    hold = tmp_path / "hold"
    first = pg["start"]("worker", "--interval", "0.2")
    _enqueue(pg, f"from tests.scale.tasks import record\nrecord.enqueue('k', hold={str(hold)!r}, seconds=600)")
    _wait(hold.exists, what="the task to start")
    # The task has written its audit entry and is sleeping: kill the worker without warning.
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert pg["sql"]("SELECT status FROM django_tasks_database_dbtaskresult")[0][0] == "RUNNING"
    pg["start"]("worker", "--interval", "0.2")
    _wait(lambda: pg["sql"]("SELECT status FROM django_tasks_database_dbtaskresult")[0][0] == "SUCCESSFUL",
          what="the retried task")
    assert _audit_keys(pg) == ["k"]  # the killed run left nothing; the retry wrote once
    workers = pg["sql"]("SELECT worker_ids FROM django_tasks_database_dbtaskresult")[0][0]
    assert len(workers) == 2 and workers[0] != workers[1]
    r = subprocess.run([sys.executable, "-m", "gongkai.cli", "audit", "verify"], cwd=ROOT, env=pg["env"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout


def test_connection_dropped_during_a_request(pg):
    import psycopg

    port = _web(pg)
    assert _get(port)[0] == 200
    # Hold a lock so the next request waits inside the database, then drop the web process's connection.
    with psycopg.connect(dbname=pg["name"], **pg["conninfo"]) as locker:
        locker.execute("LOCK TABLE agencies_agency IN ACCESS EXCLUSIVE MODE")
        result = {}
        t = threading.Thread(target=lambda: result.update(r=_get(port)))
        t.start()
        _wait(lambda: pg["sql"]("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                                (pg["name"],))[0][0] == 1, 30, "the request to wait on the lock")
        pg["sql"]("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                  (pg["name"],))
        t.join(30)
        locker.rollback()
    status, body = result["r"]
    assert status == 500 and "系统内部错误" in body and "Traceback" not in body
    # The next requests succeed without restarting gongkai.
    for _ in range(3):
        assert _get(port)[0] == 200
    # A connection dropped between requests is noticed before use (CONN_HEALTH_CHECKS): no error at all.
    pg["sql"]("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
              (pg["name"],))
    assert _get(port)[0] == 200
