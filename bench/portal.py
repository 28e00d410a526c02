"""Portal search benchmark: latency (median, p95) of ``gongkai.portal.search.search`` over N published
catalogue rows, on SQLite (FTS5, bm25) and on PostgreSQL (tsvector, GIN, ts_rank).

N = GONGKAI_BENCH_SEARCH_ROWS (default 1,000,000). Rows are generated reproducibly from a vocabulary
of real jieba tokens with a skewed word frequency (some words rare, some in a third of the rows),
already tokenised, and written with raw bulk inserts (SQLite executemany, PostgreSQL COPY) into a
throw-away database, bypassing the per-item signal path. Each backend runs in a subprocess with its
own DATABASE_URL so settings are read fresh. PostgreSQL is skipped with a message if unreachable
(URL from GONGKAI_BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/gongkai_bench).
"""
from __future__ import annotations

import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROWS = int(os.environ.get("GONGKAI_BENCH_SEARCH_ROWS", "1000000"))
PG_URL = os.environ.get("GONGKAI_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/gongkai_bench")
REPEAT = 15
GENERATOR = "2"  # bump when _rows changes, so a kept PostgreSQL bench database is regenerated
BATCH = 20_000

# Common words first: word k is drawn with weight 1/(k+1) (Zipf-like).
VOCAB = ("公示 信息 工作 服务 许可 行政 办理 企业 建设 管理 通知 关于 情况 项目 审批 政务 登记 结果 公开 年度 "
         "食品 经营 施工 工程 规划 财政 预算 决算 政策 措施 社会 保障 教育 医疗 就业 环境 保护 安全 生产 监督 "
         "检查 应急 预案 采购 目录 标准 收费 依据 条件 程序 处罚 强制 决定 统计 发展 区域 专项 复议 诉讼 投诉 "
         "举报 营商 优化 改革 推进 落实 会议 培训 活动 窗口 帮办 代办 适老化 预约 延时 一件事 集成 跨省 通办 "
         "好差评 清单 权责 职能 机构 设置 领导 分工 地址 时间 联系 方式 调整 小组 节日 安排 春节 国庆 中秋").split()
QUERIES = [("许可", {}), ("复议", {}), ("行政 许可", {}), ("营商 环境", {}), ("许可", {"year": 2024}),
           ("公示", {"category": "first"}), ("好差评 清单", {})]


_CUM = list(itertools.accumulate(1 / (i + 1) for i in range(len(VOCAB))))


def _words(rng: random.Random, k: int) -> list[str]:
    return rng.choices(VOCAB, cum_weights=_CUM, k=k)


def _rows(n: int, agency_id: int, category_ids: list[int], code: str):
    """Yield (item row, searchdoc tokens) with pre-tokenised text; deterministic. Each vocabulary word
    is tokenised once by the real tokenizer (好差评 → 好 差评 …), so queries see what indexing would give."""
    from gongkai.portal.search import tokens

    tok = {w: " ".join(tokens(w)) for w in VOCAB}
    rng = random.Random(20241231)
    now = datetime.now(timezone.utc)
    first = date(2019, 1, 1)
    for i in range(1, n + 1):
        t = _words(rng, rng.randint(4, 7))
        b = _words(rng, rng.randint(8, 16))
        made = first + timedelta(days=rng.randrange(2190))
        cat = category_ids[i % len(category_ids)]
        item = (agency_id, f"{code}/{made.year}-{i:07d}", "".join(t), f"测试发〔{made.year}〕{i}号", "基准测试机关",
                made, made, cat, "", "", "<p>" + "".join(b) + "</p>", "valid", "other", "published", False, True,
                "", "", now, now, True)
        yield item, (agency_id, cat, made.year, made, " ".join(tok[w] for w in t), " ".join(tok[w] for w in b))


ITEM_COLS = ("agency_id, index_number, title, document_number, issuer, date_made, date_published, category_id, topic, "
             "summary, body, validity, doc_kind, state, due_provisional, secrecy_confirmed, reject_reason, "
             "withdraw_reason, created_at, updated_at, imported")
DOC_COLS = "item_id, agency_id, category_id, year, date_published, title, body"


def _load(n: int) -> tuple[object, list[int]]:
    from django.db import connection, transaction
    from stdnum.cn import uscc

    from gongkai.agencies.models import Agency
    from gongkai.catalog.models import Category
    from gongkai.catalog.services import seed_categories

    body = "11370305MB0777777"
    agency, _ = Agency.objects.get_or_create(slug="bench", defaults=dict(
        name="基准测试机关", level=Agency.Level.DEPARTMENT, credit_code=body + uscc.calc_check_digit(body)))
    seed_categories(agency)
    cats = list(Category.objects.filter(agency=agency).order_by("position").values_list("pk", flat=True))[:13]
    # Reuse rows of a previous run only if they came from this generator with this N.
    stamp = f"bench-{GENERATOR}-{n}"
    if agency.short_name == stamp:
        return agency, cats
    pg = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cur:
        # A previous run with another N: clear it with plain SQL (the ORM would walk a million rows).
        cur.execute("DELETE FROM portal_searchdoc WHERE agency_id = %s", [agency.pk])
        cur.execute("DELETE FROM catalog_item WHERE agency_id = %s", [agency.pk])
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM catalog_item")
        next_id = cur.fetchone()[0] + 1
        items, docs = [], []

        def flush():
            if pg:
                raw = cur.cursor
                with raw.copy(f"COPY catalog_item (id, {ITEM_COLS}) FROM STDIN") as cp:
                    for r in items:
                        cp.write_row(r)
                with raw.copy(f"COPY portal_searchdoc ({DOC_COLS}) FROM STDIN") as cp:
                    for r in docs:
                        cp.write_row(r)
            else:
                cur.executemany(f"INSERT INTO catalog_item (id, {ITEM_COLS}) VALUES ({', '.join(['%s'] * 22)})", items)
                cur.executemany(f"INSERT INTO portal_searchdoc ({DOC_COLS}) VALUES (%s, %s, %s, %s, %s, %s, %s)", docs)
            items.clear()
            docs.clear()

        for k, (item, doc) in enumerate(_rows(n, agency.pk, cats, agency.credit_code)):
            items.append((next_id + k, *item))
            docs.append((next_id + k, *doc))
            if len(items) >= BATCH:
                flush()
        flush()
        if pg:
            cur.execute("SELECT setval(pg_get_serial_sequence('catalog_item', 'id'), (SELECT MAX(id) FROM catalog_item))")
    Agency.objects.filter(pk=agency.pk).update(short_name=stamp)
    with connection.cursor() as cur:
        # VACUUM on PostgreSQL: rows of a previous run with another N are dead tuples that the GIN bitmap
        # scan would still visit, inflating the timings.
        cur.execute("VACUUM ANALYZE portal_searchdoc" if pg else "ANALYZE")
        if pg:
            cur.execute("VACUUM ANALYZE catalog_item")
        else:
            cur.execute("INSERT INTO portal_searchfts(portal_searchfts) VALUES ('optimize')")
    return agency, cats


def child() -> None:
    """Runs in the subprocess: migrate, load, time the queries, print one JSON line."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongkai.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from gongkai.portal.search import search, tokenizer

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    agency, cats = _load(ROWS)
    load_s = time.perf_counter() - started
    tokenizer()  # jieba's dictionary load is start-up cost, not query latency
    per_query, all_ms = {}, []
    for q, kw in QUERIES:
        kw = {**kw, "category": cats[0]} if kw.get("category") == "first" else kw
        times, total = [], 0
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            total = search(agency, q, **kw).total
            times.append((time.perf_counter() - t0) * 1000)
        label = q + "".join(f" [{k}={v}]" for k, v in kw.items())
        per_query[label] = {"median_ms": statistics.median(times), "hits": total}
        all_ms += times
    all_ms.sort()
    print(json.dumps({"vendor": connection.vendor, "rows": ROWS, "load_s": load_s,
                      "median_ms": statistics.median(all_ms), "p95_ms": all_ms[int(0.95 * (len(all_ms) - 1))],
                      "queries": per_query}, ensure_ascii=False))


def _run_backend(name: str, url: str, var: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "GONGKAI_VAR": var}
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-c", "from bench.portal import child; child()"], cwd=root, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        print(f"  {name}: 未能运行（{tail}）")
        return
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"  {name}: {r['rows']:,} 行（生成并写入 {r['load_s']:.0f} 秒）；检索耗时 中位数 {r['median_ms']:.1f} ms，"
          f"p95 {r['p95_ms']:.1f} ms（{len(QUERIES)} 种检索 × {REPEAT} 次）")
    for label, q in r["queries"].items():
        print(f"    {label}: 中位数 {q['median_ms']:.1f} ms，命中 {q['hits']:,} 条")


def _pg_ready(url: str) -> str | None:
    """Create the bench database if missing; return an error message or None."""
    import psycopg

    base, _, dbname = url.rpartition("/")
    try:
        with psycopg.connect(base + "/postgres", autocommit=True, connect_timeout=3) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone():
                conn.execute(f'CREATE DATABASE "{dbname}"')
    except Exception as exc:  # an unreachable server only skips this half of the bench
        return str(exc).splitlines()[0]
    return None


def run() -> None:
    print(f"全文检索（jieba 分词）：{ROWS:,} 条已发布目录")
    with tempfile.TemporaryDirectory(prefix="gk-bench-") as tmp:
        _run_backend("SQLite FTS5", f"sqlite:///{tmp}/bench.sqlite3", tmp)
        problem = _pg_ready(PG_URL)
        if problem:
            print(f"  PostgreSQL: 跳过（{problem}）")
        else:
            _run_backend("PostgreSQL", PG_URL, tmp)


if __name__ == "__main__":
    run()
