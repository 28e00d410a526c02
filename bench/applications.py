"""Table 三 aggregation benchmark: ``gongkai.applications.services.table3`` over N cases on PostgreSQL,
divided by a hand-written GROUP BY on the same data (goal ≤ 1.5).

N = GONGKAI_BENCH_APPLICATION_ROWS (default 1,000,000), generated reproducibly (received 2022–2025,
90% answered within 0–40 days with a random outcome, the rest open) and written with COPY into a
throw-away database (GONGKAI_BENCH_APPLICATIONS_PG_URL, default
postgres://postgres@127.0.0.1:5432/gongkai_bench_applications),
kept between runs when the row count and generator version match. Runs in a subprocess with its own
DATABASE_URL so settings are read fresh; skipped with a message if PostgreSQL is unreachable.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

ROWS = int(os.environ.get("GONGKAI_BENCH_APPLICATION_ROWS", "1000000"))
PG_URL = os.environ.get("GONGKAI_BENCH_APPLICATIONS_PG_URL", "postgres://postgres@127.0.0.1:5432/gongkai_bench_applications")
GENERATOR = "1"
REPEAT = 7
YEAR = 2024

HAND_SQL = """
SELECT applicant_type, outcome,
       COUNT(*) FILTER (WHERE received_on >= %(jan1)s),
       COUNT(*) FILTER (WHERE received_on < %(jan1)s),
       COUNT(*) FILTER (WHERE replied_on <= %(dec31)s),
       COUNT(*) FILTER (WHERE replied_on IS NULL OR replied_on > %(dec31)s)
  FROM applications_application
 WHERE agency_id = %(agency)s AND received_on <= %(dec31)s AND (replied_on IS NULL OR replied_on >= %(jan1)s)
 GROUP BY applicant_type, outcome
"""


def _ensure_database(url: str = PG_URL, what: str = "依申请公开聚合基准") -> bool:
    """Create the throw-away bench database if missing; False (with a message) if PostgreSQL is down."""
    import psycopg

    base, _, name = url.rpartition("/")
    try:
        with psycopg.connect(base + "/postgres", autocommit=True, connect_timeout=5) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        print(f"PostgreSQL 不可用（{url}），跳过{what}：{str(exc).splitlines()[0]}")
        return False
    return True


def _load(n: int):
    import random
    from datetime import date, datetime, timedelta, timezone

    from django.db import connection
    from stdnum.cn import uscc

    from gongkai.agencies.models import Agency
    from gongkai.law.outcomes import OUTCOMES
    from gongkai.report.layouts import APPLICANT_PARTS

    name = f"基准测试机关（依申请公开 v{GENERATOR}）"
    agency = Agency.objects.filter(name=name).first()
    if agency is None:
        body = "1137030500000%04d" % (9000 + int(GENERATOR))
        agency = Agency.objects.create(name=name, slug=f"bench-apps-v{GENERATOR}", level="department",
                                       credit_code=body + uscc.calc_check_digit(body))
    from gongkai.applications.models import Application

    if Application.objects.filter(agency=agency).count() == n:
        return agency
    Application.objects.filter(agency=agency).delete()
    rng = random.Random(20241231)
    outcomes = list(OUTCOMES)
    now = datetime.now(timezone.utc)
    first = date(2022, 1, 1)
    cols = ("agency_id, number, tracking_code, channel, received_on, applicant_type, applicant_name, id_type, "
            "id_encrypted, id_masked, applicant_key, phone, email, address, title, document_number, description, "
            "form_wanted, state, extension_days, fee_scheme, fee_basis, outcome, outcome_note, replied_on, "
            "due_provisional, due_derivation, created_at, updated_at, delivery_method, version")
    with connection.cursor() as cur:
        with cur.cursor.copy(f"COPY applications_application ({cols}) FROM STDIN") as copy:
            for i in range(n):
                received = first + timedelta(days=rng.randrange(4 * 365))
                answered = rng.random() < 0.9
                replied = received + timedelta(days=rng.randrange(41)) if answered else None
                copy.write_row((
                    agency.pk, f"B{i}", f"BENCH{GENERATOR}{i:010d}", "in_person", received,
                    rng.choice(APPLICANT_PARTS), "基准", "other", "x", "****", "k", "", "", "", "基准测试", "", "基准测试",
                    "paper", "closed" if answered else "in_progress", 0, "", "{}",
                    rng.choice(outcomes) if answered else "", "", replied, False, "{}", now, now, "", 1,
                ))
        cur.execute("ANALYZE applications_application")
    return agency


def _child() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "gongkai.settings"
    import django

    django.setup()
    from datetime import date

    from django.core.management import call_command
    from django.db import connection

    from gongkai.applications.services import table3

    call_command("migrate", "--noinput", verbosity=0)
    started = time.perf_counter()
    agency = _load(ROWS)
    load_s = time.perf_counter() - started
    params = {"agency": agency.pk, "jan1": date(YEAR, 1, 1), "dec31": date(YEAR, 12, 31)}

    def hand():
        with connection.cursor() as cur:
            cur.execute(HAND_SQL, params)
            return cur.fetchall()

    def orm():
        return table3(agency, YEAR)

    orm(), hand()  # warm caches
    times = {"orm": [], "hand": []}
    for _ in range(REPEAT):
        for key, fn in (("orm", orm), ("hand", hand)):
            t = time.perf_counter()
            fn()
            times[key].append(time.perf_counter() - t)
    result = orm()
    rows = hand()
    assert sum(r[2] + r[3] for r in rows) == result["new_received"]["total"] + result["carried_over"]["total"]
    print(json.dumps({"load_s": load_s, "orm": statistics.median(times["orm"]),
                      "hand": statistics.median(times["hand"])}))


def run() -> None:
    if not _ensure_database():
        return
    env = dict(os.environ, DATABASE_URL=PG_URL)
    proc = subprocess.run([sys.executable, "-c", "import bench.applications as b; b._child()"], env=env,
                          capture_output=True, text=True, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if proc.returncode != 0:
        print(proc.stdout + proc.stderr)
        raise RuntimeError("依申请公开聚合基准失败")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    ratio = r["orm"] / r["hand"]
    print(f"表三聚合，{ROWS:,} 件申请（PostgreSQL）：table3() 中位数 {r['orm'] * 1000:.1f} ms，"
          f"手写 GROUP BY {r['hand'] * 1000:.1f} ms，比值 {ratio:.2f}（目标 ≤ 1.5）；"
          f"生成数据 {r['load_s']:.1f} s")


if __name__ == "__main__":
    run()
