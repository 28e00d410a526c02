"""Demo catalogue: the seed bureau's 2024 proactive disclosure, 465 items in its 13 categories with the
counts of its annual report (seed section 一（一）). Titles are made up but plausible; nothing in them is
personal information. Idempotent: items already present (same natural key) are not created again.
"""
from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from gongkai.agencies.demo import SEED_AGENCY
from gongkai.agencies.models import Agency
from gongkai.workdays.services import current_calendar

from .models import Category, Item
from .services import SEED_CATEGORIES, allocate_index_numbers, compute_due, seed_categories

YEAR = 2024
B = "区行政审批服务局"

# category → (count from the seed report, titles); "{n}" numbers a recurring item.
PLAN: dict[str, tuple[int, list[str]]] = {
    "机构职能": (6, [f"{B}主要职责", f"{B}内设机构及职责", f"{B}领导班子及分工", f"{B}办公地址和办公时间",
                     f"{B}各科室联系方式", f"{B}权责清单"]),
    "规划计划": (2, [f"{B}2024年工作要点", f"{B}2024年政务公开工作要点"]),
    "重大建设项目": (11, [f"临淄区{p}批准服务信息" for p in (
        "齐都路改造工程", "城区污水管网提升工程", "化工园区配套道路工程", "中心医院新院区建设项目",
        "第二实验小学扩建项目", "雪宫路综合管廊工程", "淄河生态治理项目", "城乡供水一体化工程",
        "老旧小区改造项目", "新能源产业园基础设施项目", "公共文化服务中心项目")]),
    "民生公益": (5, [f"{B}“一件事”集成办理服务指南", f"{B}帮办代办服务公告", f"{B}适老化服务措施",
                     f"{B}延时错时预约服务公告", f"{B}惠企政策免申即享事项清单"]),
    "重要部署执行公开": (4, [f"{B}优化营商环境重点任务落实情况", f"{B}“高效办成一件事”推进情况",
                             f"{B}政务服务“好差评”工作情况", f"{B}2024年上半年重点工作进展"]),
    "财政信息": (5, [f"{B}2024年部门预算", f"{B}2023年部门决算", f"{B}2024年“三公”经费预算",
                     f"{B}2023年“三公”经费决算", f"{B}2024年政府采购意向"]),
    "管理和服务公开": (416, [
        "行政许可事项办理结果公示（2024年第{n}期）", "企业设立登记信息公示（2024年第{n}期）",
        "建设工程施工许可信息公示（2024年第{n}期）", "食品经营许可信息公示（2024年第{n}期）",
    ]),
    "业务工作": (6, [f"{B}开展政务服务进企业活动", f"{B}召开营商环境工作推进会", f"{B}开展窗口业务技能比武",
                     f"{B}推进“跨省通办”工作", f"{B}开展政务公开日活动", f"{B}组织审批业务培训"]),
    "政府信息公开年度报告": (1, [f"{B}2023年政府信息公开工作年度报告"]),
    "政务公开保障机制": (1, [f"{B}关于调整政务公开工作领导小组的通知"]),
    "主动公开基本目录": (1, [f"{B}主动公开基本目录"]),
    "基层政务公开标准化目录": (1, [f"{B}基层政务公开标准化规范化目录"]),
    "其他": (6, [f"{B}关于春节期间政务服务安排的公告", f"{B}关于清明节期间政务服务安排的公告",
                 f"{B}关于劳动节期间政务服务安排的公告", f"{B}关于端午节期间政务服务安排的公告",
                 f"{B}关于中秋节期间政务服务安排的公告", f"{B}关于国庆节期间政务服务安排的公告"]),
}


def titles(category: str) -> list[str]:
    count, base = PLAN[category]
    if len(base) >= count:
        return base[:count]
    out, n = [], 0
    while len(out) < count:
        tpl = base[len(out) % len(base)]
        if len(out) % len(base) == 0:
            n += 1
        out.append(tpl.format(n=n))
    return out


@transaction.atomic
def load() -> list[str]:
    agency = Agency.objects.filter(slug=SEED_AGENCY).first()
    if agency is None:
        return ["未找到演示机关，跳过主动公开目录"]
    seed_categories(agency)
    cats = {c.name: c for c in Category.objects.filter(agency=agency, name__in=SEED_CATEGORIES)}
    existing = set(Item.objects.filter(agency=agency, date_made__year=YEAR)
                   .values_list("title", "document_number", "date_made"))
    cal = current_calendar()
    todo: list[Item] = []
    k = 0
    for name in SEED_CATEGORIES:
        names = titles(name)
        for j, title in enumerate(names):
            k += 1
            made = date(YEAR, 1, 2) + timedelta(days=(j * 350) // len(names))  # each category over the year
            published = min(made + timedelta(days=k % 4), date(YEAR, 12, 31))
            if (title, "", made) in existing:
                continue
            item = Item(agency=agency, title=title, issuer=agency.name, date_made=made, date_published=published,
                        category=cats[name], summary=f"{title}。", body=f"<p>{title}。</p>",
                        state=Item.State.PUBLISHED, secrecy_confirmed=True)
            compute_due(item, cal)
            todo.append(item)
    for item, number in zip(todo, allocate_index_numbers(agency, YEAR, len(todo))):
        item.index_number = number
    Item.objects.bulk_create(todo, batch_size=1000)
    total = Item.objects.published().filter(agency=agency, date_published__year=YEAR).count()
    return [f"{agency.name} {YEAR} 年主动公开目录：共 {total} 条（本次新增 {len(todo)} 条）"]
