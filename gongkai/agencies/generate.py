"""``gongkai demo generate``: a fictitious city of agencies with years of data, for load tests and benches.

One place for generated data (the bench reuses it): an agency tree (city government → district
governments → departments and sub-districts), each agency's default catalogue categories, catalogue items
in every review state with their search index rows, applications whose events walk the workflow state
machine (``applications/workflow.py``) step by step, consultations, appeals against replies, table 二
statistics and the published annual report of every finished year (compiled from those rows by
``annual.compile``, as an agency would; a few agencies are late), and a staff account per agency plus a
city supervisor, all with the one password ``STAFF_PASSWORD`` (hashed once).

Rows are written in bulk, bypassing signals: COPY on PostgreSQL, executemany on SQLite, all in one
transaction (an interrupted run leaves nothing). Deterministic: the same seed, sizes and ``until`` give the
same rows. Refuses a database that already holds a generated city with other parameters; with the same
parameters it does nothing. Every name, credit code (region 99xxxx does not exist) and person is invented.
"""
from __future__ import annotations

import functools
import itertools
import json
import random
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, timezone as dt_timezone

from django.db import connection, models, transaction
from django.utils import timezone

VERSION = 4  # bump when the rows produced for the same parameters change (the bench keys on it)
CITY = "示范市"
SLUG_PREFIX = "gen-"
BATCH = 20_000
CANDIDATE_MARK = "demo.generate"

DEPARTMENTS = (
    "发展和改革局", "教育局", "科学技术局", "工业和信息化局", "民政局", "司法局", "财政局", "人力资源和社会保障局",
    "自然资源和规划局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局",
    "文化和旅游局", "卫生健康委员会", "退役军人事务局", "应急管理局", "审计局", "市场监督管理局", "统计局",
    "医疗保障局", "行政审批服务局", "综合行政执法局", "林业局", "体育局", "信访局", "大数据局", "机关事务管理局",
    "国有资产监督管理委员会", "粮食和物资储备局", "人民防空办公室", "民族宗教事务局", "档案局", "地方金融管理局",
)
DISTRICTS = ("东湖区", "西山区", "南港区", "北岭区", "中原区", "新城区", "高新区", "临江区", "青石区", "白塔区",
             "云台区", "凤鸣区", "金沙区", "玉泉区", "长乐区", "永安区", "河西区", "滨海区", "松林区", "梅园区")
STREETS = tuple(a + b + "街道" for a, b in itertools.product("东西南北中新安和平兴", "城关湖桥园门苑坊"))

# Words drawn Zipf-like for titles and bodies (common words first), as the search bench always did.
VOCAB = ("公示 信息 工作 服务 许可 行政 办理 企业 建设 管理 通知 关于 情况 项目 审批 政务 登记 结果 公开 年度 "
         "食品 经营 施工 工程 规划 财政 预算 决算 政策 措施 社会 保障 教育 医疗 就业 环境 保护 安全 生产 监督 "
         "检查 应急 预案 采购 目录 标准 收费 依据 条件 程序 处罚 强制 决定 统计 发展 区域 专项 复议 诉讼 投诉 "
         "举报 营商 优化 改革 推进 落实 会议 培训 活动 窗口 帮办 代办 适老化 预约 延时 一件事 集成 跨省 通办 "
         "好差评 清单 权责 职能 机构 设置 领导 分工 地址 时间 联系 方式 调整 小组 节日 安排 春节 国庆 中秋").split()
_CUM = list(itertools.accumulate(1 / (i + 1) for i in range(len(VOCAB))))

# Paths of an application through the workflow, as transition names after registration. Open cases
# stop part-way. Each path is checked against workflow.TRANSITIONS at import (see _walk).
PATHS = (
    (60, ("start", "decide", "approve", "issue_reply", "deliver", "close")),
    (10, ("decide", "approve", "issue_reply", "deliver", "close")),
    (8, ("request_supplement", "receive_supplement", "decide", "approve", "issue_reply", "deliver", "close")),
    (3, ("request_supplement", "withdraw_no_supplement", "approve", "issue_reply", "deliver", "close")),
    (8, ("start", "consult_third_party", "receive_opinion", "decide", "approve", "issue_reply", "deliver", "close")),
    (6, ("start", "extend", "decide", "approve", "issue_reply", "deliver", "close")),
    (3, ("start", "send_fee_notice", "fee_paid", "decide", "approve", "issue_reply", "deliver", "close")),
    (2, ("start", "decide", "send_back", "decide", "approve", "issue_reply", "deliver", "close")),
)
ABANDONED = {"withdraw_no_supplement": "other_no_supplement", "withdraw_unpaid_fee": "other_unpaid_fee"}


class GenerateError(Exception):
    """A refusal with a Chinese message (the CLI prints it and exits 2)."""


@dataclass(frozen=True)
class Params:
    agencies: int = 20
    years: int = 3
    items: int | None = None          # default: 100 per agency and year
    applications: int | None = None   # default: 10 per agency and year
    seed: int = 1
    until: str | None = None          # ISO date of the last generated day; default today

    def resolved(self) -> Params:
        until = self.until or timezone.localdate().isoformat()
        items = self.items if self.items is not None else 100 * self.agencies * self.years
        apps = self.applications if self.applications is not None else 10 * self.agencies * self.years
        return Params(self.agencies, self.years, items, apps, self.seed, until)

    def check(self) -> None:
        if not 1 <= self.agencies <= 100_000:
            raise GenerateError("机关数应为 1 至 100000。")
        if not 1 <= self.years <= 20:
            raise GenerateError("年数应为 1 至 20。")
        for name, v in (("目录条数", self.items), ("申请件数", self.applications)):
            if v is not None and not 0 <= v <= 100_000_000:
                raise GenerateError(f"{name}应为 0 至 100000000。")
        if self.until:
            try:
                date.fromisoformat(self.until)
            except ValueError:
                raise GenerateError("截止日期格式应为 YYYY-MM-DD。") from None


def existing_params() -> dict | None:
    """Parameters of the city already generated in this database, or None."""
    from .models import AuditEntry

    entry = AuditEntry.objects.filter(action=CANDIDATE_MARK).order_by("seq").first()
    return entry.data.get("params") if entry else None


def generate(params: Params, *, progress=None) -> dict:
    """Generate the city described by ``params``; returns counts per table. Raises GenerateError."""
    params.check()
    p = params.resolved()
    have = existing_params()
    if have is not None:
        if have == asdict(p) | {"version": VERSION}:
            return {"skipped": True}
        raise GenerateError(f"数据库中已有生成的演示城市（参数 {json.dumps(have, ensure_ascii=False)}），"
                            "与本次参数不同：请换用空数据库，或使用相同参数。")
    from .models import Agency

    if Agency.objects.filter(slug__startswith=SLUG_PREFIX).exists():
        raise GenerateError("数据库中已有以 gen- 开头的机关，但没有生成记录：请换用空数据库。")
    say = progress or (lambda msg: None)
    g = _Generator(p, say)
    with transaction.atomic():
        counts = g.run()
        from . import audit

        audit.record(actor=None, action=CANDIDATE_MARK, agency=g.city,
                     summary=f"生成演示城市：{counts['agencies']} 个机关，{counts['items']} 条目录，"
                             f"{counts['applications']} 件申请",
                     data={"params": asdict(p) | {"version": VERSION}, "counts": counts})
    # Statistics for the planner; on PostgreSQL also the visibility map, without which index-only scans
    # (capped counts, year lists) visit the table for every row until autovacuum comes by.
    with connection.cursor() as cur:
        if connection.vendor == "postgresql" and connection.get_autocommit():
            cur.execute("VACUUM ANALYZE")
        else:
            cur.execute("ANALYZE")
    return counts


# -- writing rows in bulk --------------------------------------------------------------------------------

class _Table:
    """Buffered bulk writer for one model's table: rows are dicts keyed by attname; missing columns take
    the field default, so columns others add later (with a default) need no change here."""

    def __init__(self, model, cur, *, skip=()):
        self.model, self.cur = model, cur
        self.fields = [f for f in model._meta.concrete_fields if f.attname not in skip
                       and not isinstance(f, models.GeneratedField)]
        self.cols = [f.column for f in self.fields]
        self.defaults = {f.attname: f.get_default() for f in self.fields}
        self.pg = connection.vendor == "postgresql"
        # One converter per column, chosen once (this loop runs for every value of millions of rows).
        self.plan = [(f.attname, self.defaults[f.attname], self._converter(f)) for f in self.fields]
        self.rows: list[tuple] = []
        self.written = 0

    def _converter(self, f):
        if isinstance(f, models.JSONField):
            return lambda v: json.dumps(v, ensure_ascii=False)
        if self.pg:
            return None
        if isinstance(f, models.DateTimeField):
            # Few distinct values (the run's "now", one publication time per day): adapt each once.
            return functools.lru_cache(maxsize=8192)(lambda v: None if v is None else
                                                     connection.ops.adapt_datetimefield_value(v))
        if isinstance(f, models.DateField):
            return lambda v: None if v is None else v.isoformat()
        return None

    def add(self, row: dict) -> None:
        get = row.get
        self.rows.append(tuple(get(name, default) if conv is None else conv(get(name, default))
                               for name, default, conv in self.plan))
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        table = connection.ops.quote_name(self.model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(c) for c in self.cols)
        if self.pg:
            with self.cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as cp:
                for r in self.rows:
                    cp.write_row(r)
        else:
            self.cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(self.cols))})",
                                 self.rows)
        self.written += len(self.rows)
        self.rows.clear()


def _next_id(cur, model) -> int:
    cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(model._meta.db_table)}")
    return cur.fetchone()[0] + 1


def _fix_sequence(cur, model) -> None:
    if connection.vendor == "postgresql":
        t = model._meta.db_table
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {t}))")


def _credit_code(region: int, serial: int) -> str:
    from stdnum.cn import uscc

    body = f"11{990000 + region:06d}{serial:09d}"  # 11 = organ / government body; region 99xxxx is fictitious
    return body + uscc.calc_check_digit(body)


ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # as services._new_tracking_code: no 0/O/1/I


def _code(pk: int) -> str:
    """8 characters unique per id ("G" + id in base 32): generated codes are 16 long, registered ones 12."""
    out = ""
    for _ in range(7):
        pk, r = divmod(pk, 32)
        out = ALPHABET[r] + out
    return "G" + out


def _walk(path) -> list[tuple[str, str, str]]:
    """(transition, from, to) for each step of ``path`` from "registered"; ValueError if not allowed."""
    from gongkai.applications.workflow import TRANSITIONS

    state, out = "registered", []
    for name in path:
        t = TRANSITIONS[name]
        if state not in t.sources:
            raise ValueError(f"generator path {path}: {name} cannot leave {state}")
        out.append((name, state, t.target))
        state = t.target
    return out


# -- the generator ---------------------------------------------------------------------------------------

class _Generator:
    def __init__(self, p: Params, say):
        self.p, self.say = p, say
        self.rng = random.Random(p.seed)
        self.until = date.fromisoformat(p.until)
        self.first = date(self.until.year - p.years + 1, 1, 1)
        self.days = (self.until - self.first).days + 1
        self.now = datetime.combine(self.until, time(9), tzinfo=dt_timezone.utc)
        self.counts: dict[str, int] = {}

    def run(self) -> dict:
        with connection.cursor() as cur:
            self.cur = cur
            self._agencies()
            self._categories()
            self._items()
            self._applications()
            self._annual()
            self._users()
        return self.counts

    # agencies: city → districts → departments / sub-districts, named after their parent
    def _agencies(self) -> None:
        from .models import Agency

        n = self.p.agencies
        ndist = min(len(DISTRICTS), max(0, (n - 1) // 40))
        rows = [(None, f"{CITY}人民政府", f"{CITY}政府", Agency.Level.GOVERNMENT, "city", 0)]
        rows += [(0, f"{CITY}{d}人民政府", f"{d}政府", Agency.Level.GOVERNMENT, f"d{i + 1}", i + 1)
                 for i, d in enumerate(DISTRICTS[:ndist])]
        parents = list(range(len(rows)))  # indexes into rows
        per_parent = defaultdict(int)
        k = 0
        while len(rows) < n:
            parent = parents[k % len(parents)]
            j = per_parent[parent]
            per_parent[parent] += 1
            k += 1
            pname, pslug, region = rows[parent][1].removesuffix("人民政府"), rows[parent][4], rows[parent][5]
            if j < len(DEPARTMENTS):
                name, level, short = pname + DEPARTMENTS[j], Agency.Level.DEPARTMENT, DEPARTMENTS[j]
            elif parent != 0 and j - len(DEPARTMENTS) < len(STREETS):
                s = STREETS[j - len(DEPARTMENTS)]
                name, level, short = pname + s + "办事处", Agency.Level.TOWNSHIP, s
            elif j - len(DEPARTMENTS) < len(STREETS) * 10:
                name, level, short = f"{pname}第{j + 1}服务中心", Agency.Level.DEPARTMENT, f"第{j + 1}服务中心"
            else:
                continue
            rows.append((parent, name, short, level, f"{pslug}-{j + 1}", region))
            if k > 100 * n:
                raise GenerateError("机关数过多，无法生成不重名的机关。")
        table = _Table(Agency, self.cur)
        first = _next_id(self.cur, Agency)
        self.agency_ids = []
        for i, (parent, name, short, level, slug, region) in enumerate(rows):
            pk = first + i
            self.agency_ids.append(pk)
            table.add(dict(id=pk, name=name, short_name=short, credit_code=_credit_code(region, pk),
                           level=level, parent_id=None if parent is None else first + parent,
                           slug=SLUG_PREFIX + slug, office_name=f"{name}办公室", address=f"{CITY}（演示地址）",
                           is_active=True))
        table.flush()
        _fix_sequence(self.cur, Agency)
        self.city = Agency.objects.get(pk=first)
        self.codes = dict(Agency.objects.filter(pk__in=self.agency_ids).values_list("pk", "credit_code"))
        self.names = dict(Agency.objects.filter(pk__in=self.agency_ids).values_list("pk", "name"))
        self.counts["agencies"] = table.written
        self.say(f"机关 {table.written} 个")

    def _categories(self) -> None:
        from gongkai.catalog.models import Category
        from gongkai.catalog.services import ART20_CATEGORIES, SEED_CATEGORIES

        table = _Table(Category, self.cur, skip=("id",))
        for a in self.agency_ids:
            for i, name in enumerate(SEED_CATEGORIES):
                table.add(dict(agency_id=a, name=name, position=(i + 1) * 10, parent_id=None, art20_item=None))
            for i, name in enumerate(ART20_CATEGORIES):
                table.add(dict(agency_id=a, name=name, position=1000 + (i + 1) * 10, parent_id=None,
                               art20_item=i + 1))
        table.flush()
        self.categories = defaultdict(list)
        for pk, agency_id in Category.objects.filter(agency_id__in=self.agency_ids).order_by("pk").values_list(
                "pk", "agency_id"):
            self.categories[agency_id].append(pk)
        self.counts["categories"] = table.written

    def _spread(self, total: int) -> list[int]:
        """``total`` split over the agencies: governments carry more (weight 5), the rest vary."""
        rng = random.Random(self.p.seed + 1)
        w = [5.0 if i == 0 else rng.uniform(0.3, 1.7) for i in range(len(self.agency_ids))]
        s = sum(w)
        out = [int(total * x / s) for x in w]
        out[0] += total - sum(out)
        return out

    def _words(self, k: int) -> list[str]:
        return self.rng.choices(VOCAB, cum_weights=_CUM, k=k)

    def _items(self) -> None:
        from gongkai.catalog.models import IndexCounter, Item
        from gongkai.law.calendar import add_working_days
        from gongkai.portal.models import SearchDoc
        from gongkai.portal.search import tokens
        from gongkai.applications.services import calendar

        cal = calendar()
        tok = {w: " ".join(tokens(w)) for w in VOCAB}
        due_cache: dict[date, date] = {}
        items = _Table(Item, self.cur)
        docs = _Table(SearchDoc, self.cur)
        next_id = _next_id(self.cur, Item)
        serials: dict[tuple[int, int], int] = defaultdict(int)
        states = [(Item.State.PUBLISHED, 88), (Item.State.DRAFT, 4), (Item.State.REVIEW1, 2),
                  (Item.State.REVIEW2, 1), (Item.State.SECRECY, 2), (Item.State.WITHDRAWN, 3)]
        state_names = [s for s, _ in states]
        state_cum = list(itertools.accumulate(w for _, w in states))
        kinds = [Item.DocKind.OTHER] * 18 + [Item.DocKind.NORMATIVE] + [Item.DocKind.REGULATION]
        rng = self.rng
        for agency_id, n in zip(self.agency_ids, self._spread(self.p.items)):
            cats = self.categories[agency_id]
            code = self.codes[agency_id]
            for _ in range(n):
                made = self.first + timedelta(days=rng.randrange(self.days))
                state = rng.choices(state_names, cum_weights=state_cum)[0]
                if made > self.until - timedelta(days=30) and state == Item.State.WITHDRAWN:
                    state = Item.State.PUBLISHED
                due = due_cache.get(made)
                if due is None:
                    due = due_cache[made] = add_working_days(cal, made, 20).date
                published = state in (Item.State.PUBLISHED, Item.State.WITHDRAWN)
                pub = min(self.until, made + timedelta(days=rng.randrange(25))) if published else None
                serials[(agency_id, made.year)] += 1
                serial = serials[(agency_id, made.year)]
                kind = rng.choice(kinds)
                t, b = self._words(rng.randint(4, 7)), self._words(rng.randint(8, 16))
                title = "".join(t)
                cat = cats[rng.randrange(len(cats))]
                pk = next_id
                next_id += 1
                items.add(dict(
                    id=pk, agency_id=agency_id, index_number=f"{code}/{made.year}-{serial:05d}", title=title,
                    document_number=f"示发〔{made.year}〕{serial}号", issuer=self.names[agency_id], date_made=made, date_published=pub,
                    category_id=cat, topic="", summary="", body="<p>" + "".join(b) + "</p>", validity="valid",
                    doc_kind=kind, issued_on=made if kind != Item.DocKind.OTHER else None, state=state, due_on=due,
                    due_provisional=False, secrecy_confirmed=published,
                    published_at=datetime.combine(pub, time(10), tzinfo=dt_timezone.utc) if pub else None,
                    withdraw_reason="信息已更新，原文撤回" if state == Item.State.WITHDRAWN else "",
                    created_at=self.now, updated_at=self.now, imported=True))
                if state == Item.State.PUBLISHED:
                    docs.add(dict(item_id=pk, agency_id=agency_id, category_id=cat, year=pub.year,
                                  date_published=pub, title=" ".join(tok[w] for w in t),
                                  body=" ".join(tok[w] for w in b)))
        items.flush()
        docs.flush()
        _fix_sequence(self.cur, Item)
        # Index numbers allocated later continue after the generated serials.
        counters = _Table(IndexCounter, self.cur, skip=("id",))
        for (agency_id, year), last in serials.items():
            counters.add(dict(agency_id=agency_id, year=year, last=last))
        counters.flush()
        self.counts["items"], self.counts["search_docs"] = items.written, docs.written
        self.say(f"目录 {items.written} 条（已发布并入检索 {docs.written} 条）")

    def _applications(self) -> None:
        from gongkai.appeals.models import RESULTS, Appeal, KIND_CHOICES
        from gongkai.applications import identity
        from gongkai.applications.models import Application, Consultation, Event
        from gongkai.applications.services import calendar
        from gongkai.applications.workflow import TRANSITIONS
        from gongkai.law.calendar import add_working_days
        from gongkai.law.outcomes import OUTCOMES
        from gongkai.law.periods import Pause, answer_due
        from gongkai.report.layouts import APPLICANT_PARTS

        cal = calendar()
        rng = self.rng
        walks = [_walk(path) for _, path in PATHS]
        weights = list(itertools.accumulate(w for w, _ in PATHS))
        outcomes = [k for k in OUTCOMES if k not in ABANDONED.values()]
        # A few invented applicants reused: identity numbers are encrypted (Fernet) once each, not per case.
        people = []
        for i in range(50):
            from stdnum.cn import ric

            body = f"37030519{80 + i % 20:02d}0101{i + 1:03d}"  # invented people, valid check digit only
            number = body + ric.calc_check_digit(body)
            people.append((f"示例申请人{i:02d}", identity.encrypt(number), identity.mask(number),
                           identity.applicant_key("ric", number)))
        apps = _Table(Application, self.cur)
        events = _Table(Event, self.cur, skip=("id",))
        consults = _Table(Consultation, self.cur, skip=("id",))
        appeals = _Table(Appeal, self.cur, skip=("id",))
        next_id = _next_id(self.cur, Application)
        due_cache: dict[tuple, object] = {}
        numbers: dict[tuple[int, int], int] = defaultdict(int)
        appeal_serial: dict[int, int] = defaultdict(int)
        kinds = [k for k, _ in KIND_CHOICES]
        for agency_id, n in zip(self.agency_ids, self._spread(self.p.applications)):
            for _ in range(n):
                pk = next_id
                next_id += 1
                received = self.first + timedelta(days=rng.randrange(self.days))
                walk = walks[rng.choices(range(len(walks)), cum_weights=weights)[0]]
                age = (self.until - received).days
                # Recent cases are still open: cut the walk part-way (never past the reply).
                steps = walk if age > 45 else walk[:rng.randrange(0, max(1, len(walk) - 3))]
                numbers[(agency_id, received.year)] += 1
                name, enc, masked, key = people[rng.randrange(len(people))]
                row = dict(id=pk, agency_id=agency_id, number=f"依申〔{received.year}〕{numbers[(agency_id, received.year)]}号",
                           tracking_code=_code(pk) + "".join(rng.choice(ALPHABET) for _ in range(8)),
                           channel="in_person", submitted_on=received, received_on=received,
                           applicant_type=rng.choice(APPLICANT_PARTS), applicant_name=name, id_type="ric",
                           id_encrypted=enc, id_masked=masked, applicant_key=key,
                           title="".join(self._words(3)) + "相关信息", description="请公开" + "".join(self._words(6)),
                           form_wanted="electronic", fee_scheme="", fee_basis={}, outcome="", outcome_note="",
                           delivery_method="", due_derivation={}, extension_days=0,
                           created_at=self.now, updated_at=self.now)
                events.add(dict(application_id=pk, agency_id=agency_id, transition="register", label="登记（当面申请）", from_state="",
                                to_state="registered", on=received, at=self.now, note="", data={}))
                day, state, pauses = received, "registered", []
                for name_, before, after in steps:
                    nxt = day + timedelta(days=rng.randrange(0, 5))
                    if nxt > self.until:
                        break
                    day, state = nxt, after
                    t = TRANSITIONS[name_]
                    if name_ == "request_supplement":
                        row["supplement_requested_on"] = day
                        row["supplement_deadline"] = add_working_days(cal, day, 15).date
                    elif name_ == "receive_supplement":
                        row["supplement_received_on"] = day
                    elif name_ == "consult_third_party":
                        sent = day
                    elif name_ == "receive_opinion":
                        consults.add(dict(application_id=pk, agency_id=agency_id, kind="third_party", party="某某有限公司（演示）",
                                          sent_on=sent, answered_on=day, objection=False, note=""))
                        pauses.append(Pause("third_party", sent, day))
                    elif name_ == "extend":
                        row["extension_days"], row["extended_on"] = 20, day
                    elif name_ == "send_fee_notice":
                        row["fee_scheme"], row["fee_amount"], row["fee_notice_received_on"] = "per_volume", 100, day
                    elif name_ == "fee_paid":
                        row["fee_paid_on"] = day
                    elif name_ in ("decide", "withdraw_no_supplement", "withdraw_unpaid_fee"):
                        row["decided_on"] = day
                        row["outcome"] = ABANDONED.get(name_) or rng.choice(outcomes)
                    elif name_ == "approve":
                        row["approved_on"] = day
                    elif name_ == "issue_reply":
                        row["replied_on"] = day
                    elif name_ == "deliver":
                        row["delivered_on"], row["delivery_method"] = day, "email"
                    elif name_ == "close":
                        row["closed_on"] = day
                    events.add(dict(application_id=pk, agency_id=agency_id, transition=name_, label=t.label, from_state=before,
                                    to_state=after, on=day, at=self.now, note="", data={}))
                if state in ("supplement_requested",):
                    row["due_on"] = None
                else:
                    k = (received, row.get("supplement_received_on"), row["extension_days"], tuple(pauses))
                    d = due_cache.get(k)
                    if d is None:
                        d = answer_due(cal, received, supplement_received=row.get("supplement_received_on"),
                                       pauses=pauses, extension_days=row["extension_days"])
                        if not pauses:
                            due_cache[k] = d
                    row["due_on"], row["due_derivation"] = d.due, d.to_dict()
                row["state"] = state
                apps.add(row)
                replied = row.get("replied_on")
                if replied and rng.random() < 0.03:
                    filed = replied + timedelta(days=rng.randrange(10, 60))
                    if filed <= self.until:
                        appeal_serial[agency_id] += 1
                        decided = filed + timedelta(days=rng.randrange(30, 120))
                        done = decided <= self.until
                        appeals.add(dict(agency_id=agency_id, kind=rng.choice(kinds), application_id=pk,
                                         case_number=f"示复〔{filed.year}〕{appeal_serial[agency_id]}号",
                                         body=f"{CITY}人民政府", filed_on=filed,
                                         result=rng.choice(RESULTS) if done else "",
                                         decided_on=decided if done else None, notes="",
                                         created_at=self.now, updated_at=self.now))
        apps.flush()
        events.flush()
        consults.flush()
        appeals.flush()
        _fix_sequence(self.cur, Application)
        self.counts.update(applications=apps.written, events=events.written, consultations=consults.written,
                           appeals=appeals.written)
        self.say(f"申请 {apps.written} 件（办理事件 {events.written} 条），复议诉讼 {appeals.written} 件")


    def _annual(self) -> None:
        """Table 二 statistics for every finished year and the report each agency published by its Art. 49
        deadline (before ``until``); LATE_SHARE of them are not published (late, for the supervisor)."""
        from decimal import Decimal

        from gongkai.annual.compile import content_hash, deadline, draft_sections, tables_for
        from gongkai.annual.report_models import ProactiveStats
        from gongkai.portal.models import PublishedReport

        from .models import Agency

        rng = random.Random(self.p.seed + 2)
        years = range(self.first.year, self.until.year)
        stats = _Table(ProactiveStats, self.cur, skip=("id",))
        for year in years:
            for agency_id in self.agency_ids:
                stats.add(dict(agency_id=agency_id, year=year, licensing=rng.randrange(0, 3000),
                               punishment=rng.randrange(0, 400), coercion=rng.randrange(0, 40),
                               fees_10k_yuan=Decimal(rng.randrange(0, 50000)) / 100, updated_at=self.now))
        stats.flush()
        reports = _Table(PublishedReport, self.cur, skip=("id",))
        agencies = list(Agency.objects.filter(pk__in=self.agency_ids).order_by("pk"))
        for year in years:
            for start in range(0, len(agencies), 500):  # grouped queries per chunk (supervision's own path)
                chunk = agencies[start:start + 500]
                compiled = tables_for(chunk, year)
                for agency in chunk:
                    due = deadline(agency, year)
                    if due > self.until or rng.random() < LATE_SHARE:
                        continue
                    report = compiled[agency.pk]
                    report.sections = draft_sections(agency, year, report)
                    data = report.to_dict()
                    day = due - timedelta(days=rng.randrange(0, 25))
                    reports.add(dict(agency_id=agency.pk, year=year, version=1, data=data,
                                     content_hash=content_hash(data), correction_note="",
                                     published_at=datetime.combine(day, time(10), tzinfo=dt_timezone.utc)))
        reports.flush()
        self.counts.update(stats=stats.written, reports=reports.written)
        self.say(f"表二统计 {stats.written} 条，已发布年度报告 {reports.written} 份")

    def _users(self) -> None:
        """``gen-<agency id>`` (承办 and 负责人 of that agency) and ``gen-supervisor`` (监督 of the city)."""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password

        from .models import Staff

        User = get_user_model()
        password = make_password(STAFF_PASSWORD)  # hashed once: PBKDF2 per user would dominate the run
        users = _Table(User, self.cur)
        staff = _Table(Staff, self.cur, skip=("id",))
        pk = _next_id(self.cur, User)
        for agency_id in [*self.agency_ids, None]:
            name = f"{SLUG_PREFIX}{agency_id}" if agency_id else f"{SLUG_PREFIX}supervisor"
            users.add(dict(id=pk, username=name, password=password, is_active=True, is_staff=False,
                           is_superuser=False, first_name="", last_name="", email="", date_joined=self.now))
            roles = ("handler", "head") if agency_id else ("supervisor",)
            for role in roles:
                staff.add(dict(user_id=pk, agency_id=agency_id or self.agency_ids[0], role=role, created_at=self.now))
            pk += 1
        users.flush()
        staff.flush()
        _fix_sequence(self.cur, User)
        self.counts.update(users=users.written)
        self.say(f"工作人员账号 {users.written} 个（gen-<机关编号>、gen-supervisor，密码 {STAFF_PASSWORD}）")


LATE_SHARE = 0.03
STAFF_PASSWORD = "Demo-City-2026"  # invented city, invented accounts: printed like the demo's passwords


# Fail at import, not in the middle of a run, if a path no longer fits the workflow.
for _w, _path in PATHS:
    _walk(_path)
