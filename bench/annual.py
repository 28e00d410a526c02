"""Annual report benchmark on PostgreSQL at city volume: compiling one agency's report
(``gongkai.annual.compile.tables``) and a supervisor's consolidated totals (``supervision.consolidated``),
each divided by the bare aggregate SQL on the same data (goal ≤ 1.5), with the query counts for a
city of AGENCIES departments and for one tenth of it (they must not grow with the number of agencies).

Data: GONGKAI_BENCH_APPLICATION_ROWS cases (default 1,000,000, the generator's largest data set) spread
over AGENCIES departments under one city government, the first department holding a third of them, and
one appeal per 200 cases; received 2022–2025, 90% answered within 0–40 days. Written with COPY into a
throw-away database (GONGKAI_BENCH_ANNUAL_PG_URL, default
postgres://postgres@127.0.0.1:5432/gongkai_bench_annual), kept while the generator version and row count
match; skipped with a message if PostgreSQL is unreachable.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

ROWS = int(os.environ.get("GONGKAI_BENCH_APPLICATION_ROWS", "1000000"))
AGENCIES = int(os.environ.get("GONGKAI_BENCH_ANNUAL_AGENCIES", "200"))
PG_URL = os.environ.get("GONGKAI_BENCH_ANNUAL_PG_URL", "postgres://postgres@127.0.0.1:5432/gongkai_bench_annual")
GENERATOR = "1"
REPEAT = 5
YEAR = 2024

# The same counts written by hand: table 三 by (agency, type, outcome), table 四 and table 二 (1) by agency,
# and the recorded statistics.
HAND_T3 = """
SELECT agency_id, applicant_type, outcome,
       COUNT(*) FILTER (WHERE received_on >= %(jan1)s), COUNT(*) FILTER (WHERE received_on < %(jan1)s),
       COUNT(*) FILTER (WHERE replied_on <= %(dec31)s), COUNT(*) FILTER (WHERE replied_on IS NULL OR replied_on > %(dec31)s)
  FROM applications_application
 WHERE agency_id = ANY(%(ids)s) AND received_on <= %(dec31)s AND (replied_on IS NULL OR replied_on >= %(jan1)s)
 GROUP BY agency_id, applicant_type, outcome
"""
HAND_T4 = """
SELECT agency_id,
""" + ",\n".join(
    f"COUNT(*) FILTER (WHERE kind = '{k}' AND result = '{r}' AND decided_on BETWEEN %(jan1)s AND %(dec31)s)"
    for k in ("reconsideration", "litigation_direct", "litigation_after_reconsideration")
    for r in ("upheld", "corrected", "other")) + ",\n" + ",\n".join(
    f"COUNT(*) FILTER (WHERE kind = '{k}' AND filed_on <= %(dec31)s AND (decided_on IS NULL OR decided_on > %(dec31)s))"
    for k in ("reconsideration", "litigation_direct", "litigation_after_reconsideration")) + """
  FROM appeals_appeal WHERE agency_id = ANY(%(ids)s) GROUP BY agency_id
"""
HAND_T2 = """
SELECT agency_id, doc_kind,
       COUNT(*) FILTER (WHERE issued_on BETWEEN %(jan1)s AND %(dec31)s),
       COUNT(*) FILTER (WHERE validity = 'repealed' AND validity_date BETWEEN %(jan1)s AND %(dec31)s),
       COUNT(*) FILTER (WHERE issued_on <= %(dec31)s AND (validity = 'valid' OR validity_date IS NULL OR validity_date > %(dec31)s))
  FROM catalog_item WHERE agency_id = ANY(%(ids)s) AND state = 'published'
   AND doc_kind IN ('regulation', 'normative') GROUP BY agency_id, doc_kind
"""
HAND_STATS = "SELECT * FROM annual_proactivestats WHERE agency_id = ANY(%(ids)s) AND year = %(year)s"


def _agencies():
    from stdnum.cn import uscc

    from gongkai.agencies.models import Agency

    def code(n):
        body = "11370300%09d" % (900000 + n)
        return body + uscc.calc_check_digit(body)

    city, _ = Agency.objects.get_or_create(slug=f"bench-city-v{GENERATOR}", defaults=dict(
        name=f"基准测试市人民政府 v{GENERATOR}", level="government", credit_code=code(0)))
    have = {a.slug: a for a in Agency.objects.filter(parent=city)}
    out = []
    for i in range(1, AGENCIES + 1):
        slug = f"bench-dept-v{GENERATOR}-{i}"
        out.append(have.get(slug) or Agency.objects.create(
            slug=slug, name=f"基准测试市第{i}局 v{GENERATOR}", level="department", parent=city, credit_code=code(i)))
    return city, out


def _load():
    import random
    from datetime import date, datetime, timedelta, timezone

    from django.db import connection

    from gongkai.appeals.models import Appeal
    from gongkai.applications.models import Application
    from gongkai.law.outcomes import OUTCOMES
    from gongkai.report.layouts import APPEAL_GROUPS, APPLICANT_PARTS

    city, depts = _agencies()
    ids = [a.pk for a in depts]
    if Application.objects.filter(agency_id__in=ids).count() == ROWS:
        return city, depts
    Appeal.objects.filter(agency_id__in=ids).delete()
    Application.objects.filter(agency_id__in=ids).delete()
    rng = random.Random(20241231)
    outcomes = list(OUTCOMES)
    now = datetime.now(timezone.utc)
    first = date(2022, 1, 1)
    big = ROWS // 3

    def agency_of(i):
        return ids[0] if i < big else ids[1 + i % (len(ids) - 1)] if len(ids) > 1 else ids[0]

    cols = ("agency_id, number, tracking_code, channel, received_on, applicant_type, applicant_name, id_type, "
            "id_encrypted, id_masked, applicant_key, phone, email, address, title, document_number, description, "
            "form_wanted, state, extension_days, fee_scheme, fee_basis, outcome, outcome_note, replied_on, "
            "due_provisional, due_derivation, created_at, updated_at, delivery_method, version")
    kinds = [k for k, _ in APPEAL_GROUPS]
    with connection.cursor() as cur:
        with cur.cursor.copy(f"COPY applications_application ({cols}) FROM STDIN") as copy:
            for i in range(ROWS):
                received = first + timedelta(days=rng.randrange(4 * 365))
                answered = rng.random() < 0.9
                replied = received + timedelta(days=rng.randrange(41)) if answered else None
                copy.write_row((
                    agency_of(i), f"A{i}", f"ANNUAL{GENERATOR}{i:09d}", "in_person", received,
                    rng.choice(APPLICANT_PARTS), "基准", "other", "x", "****", "k", "", "", "", "基准测试", "", "基准测试",
                    "paper", "closed" if answered else "in_progress", 0, "", "{}",
                    rng.choice(outcomes) if answered else "", "", replied, False, "{}", now, now, "", 1,
                ))
        acols = ("agency_id, kind, case_number, body, filed_on, result, decided_on, notes, created_at, updated_at, "
                 "version")
        with cur.cursor.copy(f"COPY appeals_appeal ({acols}) FROM STDIN") as copy:
            for i in range(ROWS // 200):
                filed = first + timedelta(days=rng.randrange(4 * 365))
                decided = filed + timedelta(days=rng.randrange(200)) if rng.random() < 0.8 else None
                copy.write_row((agency_of(i * 200), rng.choice(kinds), f"案{i}", "复议机关", filed,
                                rng.choice(["upheld", "corrected", "other"]) if decided else "", decided, "",
                                now, now, 1))
        cur.execute("ANALYZE applications_application")
        cur.execute("ANALYZE appeals_appeal")
    return city, depts


def _time(*fns) -> list[float]:
    """Median seconds of each function, runs interleaved so load on a shared machine hits all alike."""
    times = [[] for _ in fns]
    for _ in range(REPEAT):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - t)
    return [statistics.median(t) for t in times]


def _child() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "gongkai.settings"
    import django

    django.setup()
    from datetime import date

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongkai.annual import compile as compiler
    from gongkai.annual import supervision

    call_command("migrate", "--noinput", verbosity=0)
    started = time.perf_counter()
    city, depts = _load()
    load_s = time.perf_counter() - started
    one = depts[0]

    def hand(ids):
        params = {"ids": ids, "jan1": date(YEAR, 1, 1), "dec31": date(YEAR, 12, 31), "year": YEAR}
        with connection.cursor() as cur:
            for sql in (HAND_T3, HAND_T4, HAND_T2, HAND_STATS):
                cur.execute(sql, params)
                cur.fetchall()

    all_ids = [a.pk for a in depts]
    compiler.tables(one, YEAR), hand([one.pk])  # warm caches
    out = {"load_s": load_s}
    out["one"], out["one_hand"] = _time(lambda: compiler.tables(one, YEAR), lambda: hand([one.pk]))
    out["city"], out["city_hand"] = _time(lambda: supervision.consolidated(city, YEAR, depts), lambda: hand(all_ids))
    counts = {}
    for n in (max(1, len(depts) // 10), len(depts)):
        with CaptureQueriesContext(connection) as ctx:
            supervision.consolidated(city, YEAR, depts[:n])
        counts[n] = len(ctx.captured_queries)
    out["queries"] = counts
    print(json.dumps(out))


def run() -> None:
    from bench.applications import _ensure_database

    if not _ensure_database(PG_URL, "年度报告基准"):
        return
    env = dict(os.environ, DATABASE_URL=PG_URL)
    proc = subprocess.run([sys.executable, "-c", "import bench.annual as b; b._child()"], env=env,
                          capture_output=True, text=True, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if proc.returncode != 0:
        print(proc.stdout + proc.stderr)
        raise RuntimeError("年度报告基准失败")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    q = " / ".join(f"{n} 个机关 {c} 次查询" for n, c in r["queries"].items())
    print(f"一个机关的年度报告表格（{ROWS // 3:,} 件申请）：tables() 中位数 {r['one'] * 1000:.1f} ms，"
          f"裸聚合 SQL {r['one_hand'] * 1000:.1f} ms，比值 {r['one'] / r['one_hand']:.2f}（目标 ≤ 1.5）")
    print(f"监督合计（{AGENCIES} 个机关，{ROWS:,} 件申请）：consolidated() 中位数 {r['city'] * 1000:.1f} ms，"
          f"裸聚合 SQL {r['city_hand'] * 1000:.1f} ms，比值 {r['city'] / r['city_hand']:.2f}（目标 ≤ 1.5）；"
          f"查询次数 {q}；生成数据 {r['load_s']:.1f} s")


if __name__ == "__main__":
    run()
