"""Workbench benchmark: the applications dashboard with N open cases (default 20,000) divided by the login
page, both through Django's test client in one process, on SQLite and PostgreSQL (goal ≤ 5).
Also prints the dashboard's query count and page size, which must not grow with N.

N = GONGKAI_BENCH_WORKBENCH_CASES. Runs in a subprocess per database so settings are read fresh.
The cases are kept between runs (``var/bench/workbench-<N>-v<GENERATOR>.sqlite3`` and the PostgreSQL
database of GONGKAI_BENCH_WORKBENCH_PG_URL): migrate applies new migrations, and the deadlines are moved
by the days passed since the cases were made, so "overdue" and "due within 3 working days" keep the same
share of the cases whatever day the bench runs. A different N or GENERATOR makes them anew.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

CASES = int(os.environ.get("GONGKAI_BENCH_WORKBENCH_CASES", "20000"))
# The server and name prefix: the database is <name>_<N>_v<GENERATOR>.
PG_URL = os.environ.get("GONGKAI_BENCH_WORKBENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/gongkai_bench_workbench")
REPEAT = 25
GOAL = 5.0
GENERATOR = "1"  # bump when _load makes different cases
ROOT = Path(__file__).resolve().parents[1]


def _load(n: int):
    """(the bench agency's handler, whether its ``n`` cases were kept from an earlier run, whether rows
    were written and need the vacuum)."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db.models import F
    from stdnum.cn import uscc

    from gongkai.agencies.models import Agency, Staff
    from gongkai.applications.models import Application
    from gongkai.applications.services import today
    from gongkai.applications.workflow import OPEN_STATES

    states, day = list(OPEN_STATES), today()
    slug = f"bench-workbench-{n}-v{GENERATOR}"
    agency = Agency.objects.filter(slug=slug).first()
    cases = Application.objects.filter(agency=agency)
    if agency is not None and cases.count() == n:
        # Case 0 is due 30 days before the day the cases were made (below): move every deadline by the
        # days passed since, so the boxes hold the same share of the cases as on that day.
        first = cases.get(tracking_code=f"W{0:011d}")
        shift = timedelta(days=(day - timedelta(days=30) - first.due_on).days)
        if shift:
            cases.update(due_on=F("due_on") + shift, received_on=F("received_on") + shift)
        # Rewritten rows: the same vacuum as after a bulk load (below), or PostgreSQL's counts visit the
        # table for every row until autovacuum comes by (one run measured 55 ms instead of 15).
        return get_user_model().objects.get(username="bench-handler"), True, bool(shift)
    if agency is not None:  # a run stopped while loading: the parent makes a fresh database next time
        raise RuntimeError("工作台基准数据不完整")
    body = "11370305000009001"
    agency = Agency.objects.create(name="基准测试机关（工作台）", slug=slug, level="department",
                                   credit_code=body + uscc.calc_check_digit(body))
    user, _ = get_user_model().objects.get_or_create(username="bench-handler")
    Staff.objects.create(user=user, agency=agency, role="handler")
    rows = []
    for i in range(n):
        due = day + timedelta(days=(i % 61) - 30)
        rows.append(Application(
            agency=agency, number=f"依申〔2026〕{i + 1}号", tracking_code=f"W{i:011d}", channel="in_person",
            received_on=due - timedelta(days=28), applicant_type="natural_person", applicant_name="张三",
            id_type="ric", id_encrypted="x", id_masked="110105********002X", applicant_key="k", phone="13800000000",
            title=f"某项目批复{i}", description="请公开。", state=states[i % len(states)], due_on=due))
    Application.objects.bulk_create(rows, batch_size=2000)
    return user, False, True


def _time(pairs: list[tuple]) -> list[tuple[float, int, int]]:
    """(median seconds, queries, bytes) per (client, url), the requests taken in turns so that each page
    sees the same load from the rest of the machine (a ratio of two pages timed minutes apart would not)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for client, url in pairs:
        client.get(url)  # warm: templates, calendar cache, session
    times = [[] for _ in pairs]
    for _ in range(REPEAT):
        for (client, url), out in zip(pairs, times):
            t0 = time.perf_counter()
            r = client.get(url)
            out.append(time.perf_counter() - t0)
            assert r.status_code == 200, (url, r.status_code)
    result = []
    for (client, url), out in zip(pairs, times):
        with CaptureQueriesContext(connection) as ctx:
            size = len(client.get(url).content)
        result.append((statistics.median(out), len(ctx.captured_queries), size))
    return result


def child() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongkai.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    user, kept, written = _load(CASES)
    from django.db import connection

    if written:  # loaded, or deadlines moved
        with connection.cursor() as cur:  # what autovacuum does after a bulk load: statistics, and on
            # PostgreSQL the visibility map that lets counts read the index alone
            cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    prepare_s = time.perf_counter() - started
    anonymous, staff = Client(), Client()
    staff.force_login(user)
    (login_s, login_q, _), (dash_s, dash_q, dash_bytes), (list_s, list_q, list_bytes) = _time([
        (anonymous, "/accounts/login/"), (staff, "/staff/applications/"),
        (staff, "/staff/applications/list/overdue/?page=2")])
    print(json.dumps({"login_ms": login_s * 1000, "dash_ms": dash_s * 1000, "dash_queries": dash_q,
                      "dash_bytes": dash_bytes, "list_ms": list_s * 1000, "list_queries": list_q,
                      "list_bytes": list_bytes, "login_queries": login_q, "prepare_s": prepare_s, "kept": kept}))


def _pg_database(drop: bool = False) -> tuple[str | None, str | None]:
    """(URL, None) of the kept PostgreSQL database for this N and GENERATOR, created if missing (other
    versions dropped); (None, message) if PostgreSQL is unreachable. ``drop``: start it afresh."""
    import psycopg

    base, _, prefix = PG_URL.rpartition("/")
    name = f"{prefix}_{CASES}_v{GENERATOR}"
    try:
        with psycopg.connect(base + "/postgres", autocommit=True, connect_timeout=3) as conn:
            for (old,) in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{prefix}\\_%",)):
                if old != name or drop:
                    conn.execute(f'DROP DATABASE "{old}"')
            if drop or not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # an unreachable server only skips this half of the bench
        return None, str(exc).splitlines()[0]
    return f"{base}/{name}", None


def _run_backend(label: str, url: str, tmp: str) -> bool:
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "GONGKAI_VAR": tmp, "DATABASE_URL": url}
    proc = subprocess.run([sys.executable, "-c", "from bench.workbench import child; child()"], cwd=root,
                          env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"  {label}: 未能运行（{(proc.stderr.strip().splitlines() or ['?'])[-1]}）")
        return False
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    ratio = r["dash_ms"] / r["login_ms"]
    how = "复用上次的数据" if r["kept"] else "本次生成，之后的运行直接复用"
    print(f"  {label}: 准备数据 {r['prepare_s']:.1f} 秒（{how}）")
    print(f"  {label}: 登录页 中位数 {r['login_ms']:.1f} ms；工作台 {r['dash_ms']:.1f} ms，{r['dash_queries']} 次查询，"
          f"{r['dash_bytes'] / 1024:.0f} KB；逾期列表第2页 {r['list_ms']:.1f} ms，{r['list_queries']} 次查询，"
          f"{r['list_bytes'] / 1024:.0f} KB")
    print(f"  {label}: 工作台 ÷ 登录页 = {ratio:.1f}（目标 ≤ {GOAL:g}）{'' if ratio <= GOAL else '  未达标'}")
    return True


def run() -> None:
    print(f"工作台：{CASES:,} 件办理中的申请，依申请公开工作台 ÷ 登录页（目标 ≤ {GOAL:g}）")
    cache = ROOT / "var" / "bench"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"workbench-{CASES}-v{GENERATOR}.sqlite3"
    for old in cache.glob("workbench-*.sqlite3*"):
        if not old.name.startswith(path.name):
            old.unlink()
    if not _run_backend("SQLite", f"sqlite:///{path}", str(cache)):
        for old in cache.glob(f"{path.name}*"):  # a half-made database is made anew next time
            old.unlink()
    url, problem = _pg_database()
    if problem:
        print(f"  PostgreSQL: 跳过（{problem}）")
    elif not _run_backend("PostgreSQL", url, str(cache)):
        _pg_database(drop=True)


if __name__ == "__main__":
    run()
