"""The two national layouts of the annual report, as data.

Source: ``shared/spec/annual-report.md``; layout 2019 is 国办公开办函〔2019〕60号 (trial format, report
years 2019–2020), layout 2021 is 国办公开办函〔2021〕30号 (2021 onward); both under Art. 50 of the
Regulations. Labels are verbatim: renderers print them exactly, parsers match them after normalising.
Every other module reads the tables from here instead of spelling labels or keys again.
"""
from __future__ import annotations

from dataclasses import dataclass, field

SECTION_TITLES = {
    "1": "一、总体情况",
    "2": "二、主动公开政府信息情况",
    "3": "三、收到和处理政府信息公开申请情况",
    "4": "四、政府信息公开行政复议、行政诉讼情况",
    "5": "五、存在的主要问题及改进情况",
    "6": "六、其他需要报告的事项",
}
# The section that holds each table of the canonical JSON (表二, 表三, 表四).
TABLE_SECTIONS = {"proactive": "2", "applications": "3", "appeals": "4"}
# Sections whose prose is kept in the canonical JSON.
PROSE_SECTIONS = ("1", "5", "6")

BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # "int": a count; "signed": a count that may be negative (2019 本年增/减);
    # "decimal": money in 万元; "text": printed as-is (2019 采购总金额, units vary).
    kind: str = "int"


@dataclass(frozen=True)
class ProactiveRow:
    key: str
    label: str
    subtable: str  # e.g. "第二十条第（一）项"
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class ApplicationRow:
    key: str
    label: str
    # Merged group labels above the row, outermost first, e.g. ("三、本年度办理结果", "（三）不予公开").
    groups: tuple[str, ...] = ()
    is_outcome: bool = False


@dataclass(frozen=True)
class Layout:
    name: str
    issued_by: str
    proactive: tuple[ProactiveRow, ...]
    applications: tuple[ApplicationRow, ...]
    # Rows that a 2021-layout report may print collapsed into the single row ``other``.
    other_subrows: tuple[str, ...] = field(default=())

    @property
    def outcome_rows(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.applications if r.is_outcome)

    def proactive_row(self, key: str) -> ProactiveRow:
        return next(r for r in self.proactive if r.key == key)

    def application_row(self, key: str) -> ApplicationRow:
        return next(r for r in self.applications if r.key == key)


APPLICANT_COLUMNS: tuple[Column, ...] = (
    Column("natural_person", "自然人"),
    Column("commercial", "商业企业"),
    Column("research", "科研机构"),
    Column("nonprofit", "社会公益组织"),
    Column("legal_services", "法律服务机构"),
    Column("other_org", "其他"),
    Column("total", "总计"),
)
APPLICANT_PARTS = tuple(c.key for c in APPLICANT_COLUMNS if c.key != "total")
APPLICANT_HEADER = "申请人情况"
ORGANISATION_HEADER = "法人或其他组织"

APPEAL_GROUPS: tuple[tuple[str, str], ...] = (
    ("reconsideration", "行政复议"),
    ("litigation_direct", "未经复议直接起诉"),
    ("litigation_after_reconsideration", "复议后起诉"),
)
LITIGATION_HEADER = "行政诉讼"
APPEAL_COLUMNS: tuple[Column, ...] = (
    Column("upheld", "结果维持"),
    Column("corrected", "结果纠正"),
    Column("other", "其他结果"),
    Column("pending", "尚未审结"),
    Column("total", "总计"),
)
APPEAL_PARTS = tuple(c.key for c in APPEAL_COLUMNS if c.key != "total")

_G3 = "三、本年度办理结果"
_WITHHELD = "（三）不予公开"
_UNAVAILABLE = "（四）无法提供"
_DECLINED = "（五）不予处理"
_OTHER = "（六）其他处理"


def _outcomes(with_other_subrows: bool) -> tuple[ApplicationRow, ...]:
    rows = [
        ApplicationRow("granted", "（一）予以公开", (_G3,), True),
        ApplicationRow("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", (_G3,), True),
        ApplicationRow("withheld_state_secret", "1.属于国家秘密", (_G3, _WITHHELD), True),
        ApplicationRow("withheld_prohibited_by_law", "2.其他法律行政法规禁止公开", (_G3, _WITHHELD), True),
        ApplicationRow("withheld_security_stability", "3.危及“三安全一稳定”", (_G3, _WITHHELD), True),
        ApplicationRow("withheld_third_party", "4.保护第三方合法权益", (_G3, _WITHHELD), True),
        ApplicationRow("withheld_internal_affairs", "5.属于三类内部事务信息", (_G3, _WITHHELD), True),
        ApplicationRow("withheld_deliberative", "6.属于四类过程性信息", (_G3, _WITHHELD), True),
        ApplicationRow("withheld_enforcement_files", "7.属于行政执法案卷", (_G3, _WITHHELD), True),
        ApplicationRow("withheld_inquiry_matters", "8.属于行政查询事项", (_G3, _WITHHELD), True),
        ApplicationRow("unavailable_not_held", "1.本机关不掌握相关政府信息", (_G3, _UNAVAILABLE), True),
        ApplicationRow("unavailable_needs_creation", "2.没有现成信息需要另行制作", (_G3, _UNAVAILABLE), True),
        ApplicationRow("unavailable_still_unclear", "3.补正后申请内容仍不明确", (_G3, _UNAVAILABLE), True),
        ApplicationRow("declined_petition", "1.信访举报投诉类申请", (_G3, _DECLINED), True),
        ApplicationRow("declined_duplicate", "2.重复申请", (_G3, _DECLINED), True),
        ApplicationRow("declined_publication", "3.要求提供公开出版物", (_G3, _DECLINED), True),
        ApplicationRow("declined_excessive", "4.无正当理由大量反复申请", (_G3, _DECLINED), True),
        ApplicationRow("declined_reconfirm", "5.要求行政机关确认或重新出具已获取信息", (_G3, _DECLINED), True),
    ]
    if with_other_subrows:
        rows += [
            ApplicationRow("other_no_supplement", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", (_G3, _OTHER), True),
            ApplicationRow("other_unpaid_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", (_G3, _OTHER), True),
            ApplicationRow("other_misc", "3.其他", (_G3, _OTHER), True),
        ]
    else:
        rows.append(ApplicationRow("other", "（六）其他处理", (_G3,), True))
    return tuple(rows)


def _application_rows(with_other_subrows: bool) -> tuple[ApplicationRow, ...]:
    return (
        ApplicationRow("new_received", "一、本年新收政府信息公开申请数量"),
        ApplicationRow("carried_over", "二、上年结转政府信息公开申请数量"),
        *_outcomes(with_other_subrows),
        ApplicationRow("total_processed", "（七）总计", (_G3,)),
        ApplicationRow("carried_forward", "四、结转下年度继续办理"),
    )


_S1 = "第二十条第（一）项"
_S5 = "第二十条第（五）项"
_S6 = "第二十条第（六）项"
_S8 = "第二十条第（八）项"
_S9 = "第二十条第（九）项"

_DECISIONS = (Column("decisions", "本年处理决定数量"),)
_DOCS_2021 = (Column("issued", "本年制发件数"), Column("repealed", "本年废止件数"), Column("in_force", "现行有效件数"))
_DOCS_2019 = (Column("made", "本年新制作数量"), Column("published", "本年新公开数量"), Column("total_published", "对外公开总数量"))
_ITEMS_2019 = (Column("prev_items", "上一年项目数量"), Column("change", "本年增/减", "signed"), Column("decisions", "处理决定数量"))

LAYOUT_2021 = Layout(
    name="2021",
    issued_by="国办公开办函〔2021〕30号",
    proactive=(
        ProactiveRow("regulations", "规章", _S1, _DOCS_2021),
        ProactiveRow("normative_documents", "行政规范性文件", _S1, _DOCS_2021),
        ProactiveRow("licensing", "行政许可", _S5, _DECISIONS),
        ProactiveRow("punishment", "行政处罚", _S6, _DECISIONS),
        ProactiveRow("coercion", "行政强制", _S6, _DECISIONS),
        ProactiveRow("fees", "行政事业性收费", _S8, (Column("amount_10k_yuan", "本年收费金额（单位：万元）", "decimal"),)),
    ),
    applications=_application_rows(True),
    other_subrows=("other_no_supplement", "other_unpaid_fee", "other_misc"),
)

LAYOUT_2019 = Layout(
    name="2019",
    issued_by="国办公开办函〔2019〕60号",
    proactive=(
        ProactiveRow("regulations", "规章", _S1, _DOCS_2019),
        ProactiveRow("normative_documents", "规范性文件", _S1, _DOCS_2019),
        ProactiveRow("licensing", "行政许可", _S5, _ITEMS_2019),
        ProactiveRow("other_services", "其他对外管理服务事项", _S5, _ITEMS_2019),
        ProactiveRow("punishment", "行政处罚", _S6, _ITEMS_2019),
        ProactiveRow("coercion", "行政强制", _S6, _ITEMS_2019),
        ProactiveRow("fees", "行政事业性收费", _S8, (Column("prev_items", "上一年项目数量"), Column("change", "本年增/减", "signed"))),
        ProactiveRow("procurement", "政府集中采购", _S9, (Column("projects", "采购项目数量"), Column("amount", "采购总金额", "text"))),
    ),
    applications=_application_rows(False),
)

# A 2021-layout report printed with （六）其他处理 as one row (e.g. 洪泽): same layout name, this row set.
LAYOUT_2021_COLLAPSED_OTHER_ROWS = _application_rows(False)

LAYOUTS: dict[str, Layout] = {"2019": LAYOUT_2019, "2021": LAYOUT_2021}


def layout_for_year(year: int | None) -> str:
    """The layout in force for a report year (2019 trial format for 2019–2020)."""
    return "2019" if year is not None and year < 2021 else "2021"
