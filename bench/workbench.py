"""Workbench benchmark: the applications dashboard with N open cases (default 20,000) divided by the login
page, both through Django's test client in one process on a throw-away SQLite database (goal ≤ 5).
Also prints the dashboard's query count and page size, which must not grow with N.

N = GONGKAI_BENCH_WORKBENCH_CASES. Runs in a subprocess with its own GONGKAI_VAR so settings are read fresh.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = int(os.environ.get("GONGKAI_BENCH_WORKBENCH_CASES", "20000"))
PG_URL = os.environ.get("GONGKAI_BENCH_WORKBENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/gongkai_bench_workbench")
REPEAT = 15
GOAL = 5.0


def _load(n: int):
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from stdnum.cn import uscc

    from gongkai.agencies.models import Agency, Staff
    from gongkai.applications.models import Application
    from gongkai.applications.services import today
    from gongkai.applications.workflow import OPEN_STATES

    body = "11370305000009001"
    agency = Agency.objects.create(name="基准测试机关（工作台）", slug="bench-workbench", level="department",
                                   credit_code=body + uscc.calc_check_digit(body))
    user = get_user_model().objects.create_user("bench-handler", password="Bench-Password-42")
    Staff.objects.create(user=user, agency=agency, role="handler")
    states, day = list(OPEN_STATES), today()
    rows = []
    for i in range(n):
        due = day + timedelta(days=(i % 61) - 30)
        rows.append(Application(
            agency=agency, number=f"依申〔2026〕{i + 1}号", tracking_code=f"W{i:011d}", channel="in_person",
            received_on=due - timedelta(days=28), applicant_type="natural_person", applicant_name="张三",
            id_type="ric", id_encrypted="x", id_masked="110105********002X", applicant_key="k", phone="13800000000",
            title=f"某项目批复{i}", description="请公开。", state=states[i % len(states)], due_on=due))
    Application.objects.bulk_create(rows, batch_size=2000)
    return user


def _time(client, url: str) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm: templates, calendar cache, session
    times = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        r = client.get(url)
        times.append(time.perf_counter() - t0)
        assert r.status_code == 200, (url, r.status_code)
    with CaptureQueriesContext(connection) as ctx:
        size = len(client.get(url).content)
    return statistics.median(times), len(ctx.captured_queries), size


def child() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongkai.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    user = _load(CASES)
    from django.db import connection

    with connection.cursor() as cur:  # what autovacuum does after a bulk load, so the planner has statistics
        cur.execute("ANALYZE")
    anonymous, staff = Client(), Client()
    staff.force_login(user)
    login_s, login_q, _ = _time(anonymous, "/accounts/login/")
    dash_s, dash_q, dash_bytes = _time(staff, "/staff/applications/")
    list_s, list_q, list_bytes = _time(staff, "/staff/applications/list/overdue/?page=2")
    print(json.dumps({"login_ms": login_s * 1000, "dash_ms": dash_s * 1000, "dash_queries": dash_q,
                      "dash_bytes": dash_bytes, "list_ms": list_s * 1000, "list_queries": list_q,
                      "list_bytes": list_bytes, "login_queries": login_q}))


def _fresh_pg() -> str | None:
    """Drop and create the bench database; an error message if PostgreSQL is unreachable."""
    import psycopg

    base, _, name = PG_URL.rpartition("/")
    try:
        with psycopg.connect(base + "/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # an unreachable server only skips this half of the bench
        return str(exc).splitlines()[0]
    return None


def _run_backend(label: str, url: str, tmp: str) -> None:
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "GONGKAI_VAR": tmp, "DATABASE_URL": url}
    proc = subprocess.run([sys.executable, "-c", "from bench.workbench import child; child()"], cwd=root,
                          env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"  {label}: 未能运行（{(proc.stderr.strip().splitlines() or ['?'])[-1]}）")
        return
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    ratio = r["dash_ms"] / r["login_ms"]
    print(f"  {label}: 登录页 中位数 {r['login_ms']:.1f} ms；工作台 {r['dash_ms']:.1f} ms，{r['dash_queries']} 次查询，"
          f"{r['dash_bytes'] / 1024:.0f} KB；逾期列表第2页 {r['list_ms']:.1f} ms，{r['list_queries']} 次查询，"
          f"{r['list_bytes'] / 1024:.0f} KB")
    print(f"  {label}: 工作台 ÷ 登录页 = {ratio:.1f}（目标 ≤ {GOAL:g}）{'' if ratio <= GOAL else '  未达标'}")


def run() -> None:
    print(f"工作台：{CASES:,} 件办理中的申请，依申请公开工作台 ÷ 登录页（目标 ≤ {GOAL:g}）")
    with tempfile.TemporaryDirectory(prefix="gk-bench-") as tmp:
        _run_backend("SQLite", f"sqlite:///{tmp}/bench.sqlite3", tmp)
        problem = _fresh_pg()
        if problem:
            print(f"  PostgreSQL: 跳过（{problem}）")
        else:
            _run_backend("PostgreSQL", PG_URL, tmp)


if __name__ == "__main__":
    run()
