"""Consistency checks of an annual report (the rule table of ``shared/spec/annual-report.md``).

    check(report, previous=None) -> list[Finding]

Error rules are evaluated only where every cell they involve is present. A blank (null) cell in a rule
whose other cells imply it is not zero gives a ``blank_cell`` warning instead; a blank implied zero is
fine. A rule touching an unreadable ("?") cell is skipped: the parser already reported that cell.
Messages are for an agency clerk: table, row and column labels verbatim from ``layouts.py``, and the
numbers. The layout itself comes from Art. 50 of the Regulations; the balance of 表三 is printed in it.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from .layouts import (
    APPEAL_COLUMNS,
    APPEAL_GROUPS,
    APPEAL_PARTS,
    APPLICANT_COLUMNS,
    APPLICANT_PARTS,
    BALANCE_NOTE,
    LAYOUTS,
    LITIGATION_HEADER,
    SECTION_TITLES,
    TABLE_SECTIONS,
    layout_for_year,
)
from .model import UNREADABLE, Report, format_cell

ERROR = "error"
WARNING = "warning"

RULES = (
    "balance", "outcome_sum", "row_total", "appeal_total", "carry_over", "non_negative", "blank_cell",
    "in_force_trend", "layout_year", "prose_numbers", "sections",
)


@dataclass
class Finding:
    rule: str
    severity: str  # "error" | "warning"
    cells: list[str] = field(default_factory=list)  # "table.row.column" keys of the checked report
    message: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def check(report: Report, previous: Report | None = None) -> list[Finding]:
    """All findings for ``report``; with ``previous`` (last year's report) also the cross-year rules."""
    out: list[Finding] = []
    out += check_layout_year(report)
    out += check_sections(report)
    out += check_non_negative(report)
    out += check_balance(report)
    out += check_outcome_sum(report)
    out += check_row_total(report)
    out += check_appeal_total(report)
    if previous is not None:
        out += check_cross_year(report, previous)
    out += check_prose_numbers(report)
    return _one_blank_warning_per_cell(out)


def _one_blank_warning_per_cell(findings: list[Finding]) -> list[Finding]:
    """A blank 总计 sits in its row, its column and the balance: one warning says it once."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for f in findings:
        if f.rule == "blank_cell":
            if tuple(f.cells) in seen:
                continue
            seen.add(tuple(f.cells))
        out.append(f)
    return out


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)


# -- labels ----------------------------------------------------------------------------------------
def table_name(table: str) -> str:
    """'applications' → '表三': the number of the section that holds the table."""
    return "表" + SECTION_TITLES[TABLE_SECTIONS[table]].split("、")[0]


_APPLICANT_LABELS = {c.key: c.label for c in APPLICANT_COLUMNS}
_APPEAL_LABELS = {c.key: c.label for c in APPEAL_COLUMNS}
_APPEAL_GROUP_LABELS = dict(APPEAL_GROUPS)


def cell_label(report: Report, key: str) -> str:
    """A cell as a clerk finds it on the page: “row label”“column label”."""
    table, row, col = key.split(".")
    if table == "applications":
        return f"“{_app_row_label(report, row)}”“{_APPLICANT_LABELS[col]}”"
    if table == "appeals":
        return f"“{_appeal_group_label(row)}”“{_APPEAL_LABELS[col]}”"
    prow = report.spec.proactive_row(row)
    clabel = next(c.label for c in prow.columns if c.key == col)
    return f"“{prow.label}”“{clabel}”"


def _app_row_label(report: Report, row: str) -> str:
    return next(r.label for r in report.application_rows() if r.key == row)


def _appeal_group_label(group: str) -> str:
    label = _APPEAL_GROUP_LABELS[group]
    return label if group == "reconsideration" else f"{LITIGATION_HEADER}·{label}"


def _fmt(value) -> str:
    return format_cell(value) if value is not None else "空白"


# -- linear equations with blank / unreadable handling ---------------------------------------------
@dataclass
class Term:
    key: str  # cell key in the report it is read from
    label: str  # how the message names it
    value: object
    sign: int = 1
    own: bool = True  # a cell of the checked report (listed in Finding.cells), not of last year's


def _num(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return Decimal(str(value))


def _equation(rule: str, severity: str, prefix: str, left: list[Term], right: list[Term]) -> list[Finding]:
    """``sum(left) == sum(right)``; a finding when it does not hold (or a blank hides the difference)."""
    terms = left + right
    if any(t.value == UNREADABLE for t in terms):
        return []  # the parser listed the unreadable cell; nothing certain to say
    if any(t.value is not None and _num(t.value) is None for t in terms):
        return []  # not a number: non_negative reports it
    lsum = sum((t.sign * (_num(t.value) or 0) for t in left), Decimal(0))
    rsum = sum((t.sign * (_num(t.value) or 0) for t in right), Decimal(0))
    if lsum == rsum:
        return []  # blanks (if any) are implied zero: fine
    text = f"{prefix}{_side(left)} 应等于 {_side(right)}"
    blanks = [t for t in terms if t.value is None]
    if blanks:
        own = [t.key for t in blanks if t.own]
        names = "、".join(t.label for t in blanks)
        if len(blanks) == 1:
            b = blanks[0]
            implied = (rsum - lsum) if b in left else (lsum - rsum)
            implied *= b.sign
            why = f"{names}为空白，但按其他单元格推算应为 {_dec(implied)}"
        else:
            why = f"{names}为空白，但其他单元格左右相差 {_dec(abs(lsum - rsum))}，空白处不应都为 0"
        return [Finding("blank_cell", WARNING, own, f"{text}：{why}，请填写。")]
    cells = [t.key for t in terms if t.own]
    return [Finding(rule, severity, cells, f"{text}，实际为 {_dec(lsum)} 与 {_dec(rsum)}，相差 {_dec(abs(lsum - rsum))}。")]


def _side(terms: list[Term]) -> str:
    out = ""
    for i, t in enumerate(terms):
        op = ("−" if t.sign < 0 else "") if i == 0 else (" − " if t.sign < 0 else " + ")
        out += f"{op}{t.label}({_fmt(t.value)})"
    return out


def _dec(d: Decimal) -> str:
    return format_cell(int(d) if d == d.to_integral_value() else float(d))


# -- 表三 -------------------------------------------------------------------------------------------
def _app_term(report: Report, row: str, col: str, sign: int = 1) -> Term:
    key = f"applications.{row}.{col}"
    return Term(key, f"“{_app_row_label(report, row)}”", report.get(key), sign)


def check_balance(report: Report) -> list[Finding]:
    """New + carried over = processed + carried forward, per column (the 勾稽关系 printed in 表三)."""
    out = []
    for col in APPLICANT_COLUMNS:
        prefix = f"表三“{col.label}”列{BALANCE_NOTE}："
        left = [_app_term(report, "new_received", col.key), _app_term(report, "carried_over", col.key)]
        right = [_app_term(report, "total_processed", col.key), _app_term(report, "carried_forward", col.key)]
        out += _equation("balance", ERROR, prefix, left, right)
    return out


def check_outcome_sum(report: Report) -> list[Finding]:
    """（七）总计 = every outcome row; ``other`` stands for the three sub-rows where printed collapsed."""
    out = []
    group = next(r for r in report.application_rows() if r.is_outcome).groups[0]  # "三、本年度办理结果"
    for col in APPLICANT_COLUMNS:
        parts = [_app_term(report, row, col.key) for row in report.outcome_rows()]
        total = _app_term(report, "total_processed", col.key)
        values = [p.value for p in parts]
        if any(v == UNREADABLE for v in values + [total.value]):
            continue
        if all(v is not None and _num(v) is not None for v in values):
            # One summary term keeps the message readable (18+ rows).
            s = sum((_num(v) for v in values), Decimal(0))
            summary = Term("", f"“{group}”各项之和", int(s) if s == s.to_integral_value() else float(s), own=False)
            found = _equation("outcome_sum", ERROR, f"表三“{col.label}”列：", [total], [summary])
            for f in found:
                if f.rule == "outcome_sum":  # a blank_cell warning names just the blank cell
                    f.cells = [total.key] + [p.key for p in parts]
            out += found
        else:
            out += _equation("outcome_sum", ERROR, f"表三“{col.label}”列：", [total], parts)
    return out


def check_row_total(report: Report) -> list[Finding]:
    """Per row of 表三: 总计 = the six applicant columns."""
    out = []
    for row in report.application_rows():
        parts = [Term(f"applications.{row.key}.{c}", f"“{_APPLICANT_LABELS[c]}”", report.get(f"applications.{row.key}.{c}"))
                 for c in APPLICANT_PARTS]
        total = Term(f"applications.{row.key}.total", f"“{_APPLICANT_LABELS['total']}”", report.get(f"applications.{row.key}.total"))
        out += _equation("row_total", ERROR, f"表三“{row.label}”行：", [total], parts)
    return out


def check_appeal_total(report: Report) -> list[Finding]:
    """Per group of 表四: 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结."""
    out = []
    for group, _ in APPEAL_GROUPS:
        parts = [Term(f"appeals.{group}.{c}", f"“{_APPEAL_LABELS[c]}”", report.get(f"appeals.{group}.{c}")) for c in APPEAL_PARTS]
        total = Term(f"appeals.{group}.total", f"“{_APPEAL_LABELS['total']}”", report.get(f"appeals.{group}.total"))
        out += _equation("appeal_total", ERROR, f"表四“{_appeal_group_label(group)}”：", [total], parts)
    return out


# -- cell values -----------------------------------------------------------------------------------
def check_non_negative(report: Report) -> list[Finding]:
    """Counts are whole numbers ≥ 0; 2019 本年增/减 may be negative; the fee amount may be a decimal ≥ 0."""
    out = []
    for key, col, value in report.cells():
        if value is None or value == UNREADABLE or col.kind == "text":
            continue
        table = key.split(".")[0]
        where = f"{table_name(table)}{cell_label(report, key)}"
        if col.kind == "decimal":
            ok = _num(value) is not None and value >= 0
            want = "不小于 0 的数"
        elif col.kind == "signed":
            ok = isinstance(value, int) and not isinstance(value, bool)
            want = "整数"
        else:
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            want = "不小于 0 的整数"
        if not ok:
            out.append(Finding("non_negative", ERROR, [key], f"{where}为 {value}，应为{want}。"))
    return out


# -- cross-year ------------------------------------------------------------------------------------
def check_cross_year(report: Report, previous: Report) -> list[Finding]:
    """carry_over and in_force_trend against last year's report (any layout: 表三 rows are shared)."""
    if report.year is not None and previous.year is not None and previous.year != report.year - 1:
        return [Finding("carry_over", WARNING, [], (
            f"作为上年报告提供的是 {previous.year} 年度报告，不是 {report.year} 年度的上一年，未作跨年核对。"))]
    last = f"{previous.year}年报告" if previous.year is not None else "上年报告"
    return _carry_over(report, previous, last) + _in_force_trend(report, previous, last)


def _carry_over(report: Report, previous: Report, last: str) -> list[Finding]:
    """This year's 上年结转 = last year's 结转下年度继续办理 (an application not concluded by 31 Dec)."""
    out = []
    prev_label = f"{last}“{_app_row_label(previous, 'carried_forward')}”"
    for col in APPLICANT_COLUMNS:
        this = _app_term(report, "carried_over", col.key)
        this.label = "本年" + this.label
        prev_key = f"applications.carried_forward.{col.key}"
        prev = Term(prev_key, prev_label, previous.get(prev_key), own=False)
        out += _equation("carry_over", ERROR, f"表三“{col.label}”列：", [this], [prev])
    return out


def _in_force_trend(report: Report, previous: Report, last: str) -> list[Finding]:
    """现行有效件数 = last year's + 本年制发 − 本年废止 (layout 2021 on both years only)."""
    if report.layout != "2021" or previous.layout != "2021":
        return []
    out = []
    for row in ("regulations", "normative_documents"):
        prow = report.spec.proactive_row(row)
        labels = {c.key: c.label for c in prow.columns}

        def term(r: Report, col: str, sign: int = 1, own: bool = True, pre: str = "") -> Term:
            key = f"proactive.{row}.{col}"
            return Term(key, f"{pre}“{labels[col]}”", r.get(key), sign, own)

        left = [term(report, "in_force")]
        right = [term(previous, "in_force", own=False, pre=last), term(report, "issued"), term(report, "repealed", -1)]
        out += _equation("in_force_trend", WARNING, f"表二“{prow.label}”行：", left, right)
    return out


# -- document-level --------------------------------------------------------------------------------
def check_layout_year(report: Report) -> list[Finding]:
    """Layout 2021 (国办公开办函〔2021〕30号) from report year 2021, layout 2019 for 2019–2020."""
    if report.year is None:
        return []
    expected = layout_for_year(report.year)
    if report.layout == expected and report.year >= 2019:
        return []
    if report.year < 2019:
        msg = f"报告年度为 {report.year} 年，早于 2019 年修订的《条例》规定的年度报告格式。"
    else:
        msg = (f"{report.year} 年度报告应使用 {expected} 年版格式（{LAYOUTS[expected].issued_by}），"
               f"实际为 {report.layout} 年版格式（{report.spec.issued_by}）。")
    return [Finding("layout_year", WARNING, [], msg)]


def check_sections(report: Report) -> list[Finding]:
    """All six sections, in order (Art. 50). Needs the headings the parser saw; else uses the kept prose."""
    headings = list(getattr(report, "headings", None) or [])
    if headings:
        missing = [k for k in SECTION_TITLES if k not in headings]
        seen = [h for h in headings if h in SECTION_TITLES]
        first = [h for i, h in enumerate(seen) if h not in seen[:i]]
        out_of_order = first != sorted(first)
    elif report.sections:
        # Tables 二–四 exist (a missing table is a parse error), so only prose sections can be missing.
        missing = [k for k in ("1", "5", "6") if not report.sections.get(k, "").strip()]
        out_of_order = False
    else:
        return []  # e.g. canonical JSON without prose: nothing certain to say
    out = []
    if missing:
        names = "、".join(f"“{SECTION_TITLES[k]}”" for k in missing)
        out.append(Finding("sections", WARNING, [], f"报告缺少 {names} 部分；年度报告应包含全部六个部分。"))
    if out_of_order:
        order = "、".join(SECTION_TITLES[k].split("、")[0] for k in first)
        out.append(Finding("sections", WARNING, [], f"报告各部分顺序为 {order}，应依次为一至六。"))
    return out


# -- prose figures (section 一) ----------------------------------------------------------------------
_NUM = r"(\d[\d,]*)"
_UNIT = r"(?:件|条|份|个|宗|次|项)"
_APPLICATIONS_RE = re.compile(
    r"(?:共|累计|总共|全年)?(?:收到|受理|接收|接到)(?:各类|各种)?(?:政府信息公开|依申请公开)(?:申请|事项)?"
    r"(?:共计|总计|合计|共|数量为|数量|为)?" + _NUM + _UNIT
)
_NO_APPLICATIONS_RE = re.compile(r"(?:未|没有)(?:收到|受理|接收|接到)(?:任何)?(?:政府信息公开|依申请公开)申请")
_PROACTIVE_RE = re.compile(
    r"主动公开(?:政府)?信息(?:共计|总计|合计|共|累计)" + _NUM + r"(条|件)"
)
_PARTS_INTRO_RE = re.compile(r"^[，,]?\s*(?:其中|包含|包括|含)[：:，,]?")
_PART_RE = re.compile(r"^\s*([^\d、，,；;：:。（）()]{1,20}?)\s*" + _NUM + r"\s*(条|件)\s*(?:[、，,；;]|$)")
# Parts named after a channel overlap (one item goes to the website and the app): never summed.
_CHANNELS = ("网站", "微信", "微博", "公众号", "客户端", "平台", "新媒体", "抖音", "头条", "公报", "APP", "app", "渠道", "媒体")


_CJK = r"[\u3000-\u303f\u4e00-\u9fff]"
_CJK_SPACE_RE = re.compile(rf"(?<={_CJK})\s+|\s+(?={_CJK})")


def _normalise(text: str) -> str:
    """Full-width digits and punctuation to ASCII; drop spaces and line breaks next to Chinese
    characters (PDF text breaks "申请\n17 件"), never between two digits."""
    return _CJK_SPACE_RE.sub("", unicodedata.normalize("NFKC", text))


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def check_prose_numbers(report: Report) -> list[Finding]:
    """Figures written in section 一 agree with 表三 and with each other; only what reads with certainty."""
    text = _normalise(report.sections.get("1", ""))
    if not text:
        return []
    return _prose_applications(report, text) + _prose_proactive(text) + _prose_table_figures(report, text)


def _prose_applications(report: Report, text: str) -> list[Finding]:
    key = "applications.new_received.total"
    new = report.get(key)
    carried = report.get("applications.carried_over.total")
    if not isinstance(new, int) or isinstance(new, bool):
        return []
    stated = {(_int(m.group(1)), m.group(0)) for m in _APPLICATIONS_RE.finditer(text)}
    stated |= {(0, m.group(0)) for m in _NO_APPLICATIONS_RE.finditer(text)}
    out = []
    row = _app_row_label(report, "new_received")
    for number, phrase in sorted(stated):
        # Some agencies count last year's carried-over applications in "共收到": accept that sum too.
        accepted = {new} | ({new + carried} if isinstance(carried, int) else set())
        if number not in accepted:
            out.append(Finding("prose_numbers", WARNING, [key], (
                f"“{SECTION_TITLES['1']}”中写“{phrase}”，但表三“{row}”“{_APPLICANT_LABELS['total']}”为 {new}。")))
    return out


# Figures of tables 二 and 三 that section 一 states in so many words: (pattern, cell). Each pattern
# names its table row, so a match can only mean that cell.
_DECISION_ROWS = ("licensing", "punishment", "coercion")
_FORWARD_RE = re.compile(_NUM + r"件(?:申请)?结转下年度")
_DONE_RE = re.compile(r"政府信息公开申请[^。；;]*?办结" + _NUM + r"件")


def _prose_table_figures(report: Report, text: str) -> list[Finding]:
    """行政许可/处罚/强制决定N件 (表二), N件结转下年度 and 办结N件 of the applications (表三)."""
    checks_ = []
    for row in _DECISION_ROWS:
        if row in report.proactive:
            label = report.spec.proactive_row(row).label
            pattern = re.compile(label + r"(?:处理)?决定(?:共|数量为|为)?" + _NUM + r"件")
            checks_.append((pattern, f"proactive.{row}.decisions", f"表二“{label}”“本年处理决定数量”"))
    checks_.append((_FORWARD_RE, "applications.carried_forward.total",
                    f"表三“{_app_row_label(report, 'carried_forward')}”“{_APPLICANT_LABELS['total']}”"))
    checks_.append((_DONE_RE, "applications.total_processed.total",
                    f"表三“{_app_row_label(report, 'total_processed')}”“{_APPLICANT_LABELS['total']}”"))
    out = []
    for pattern, key, where in checks_:
        value = report.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        for m in pattern.finditer(text):
            if _int(m.group(1)) != value:
                out.append(Finding("prose_numbers", WARNING, [key], (
                    f"“{SECTION_TITLES['1']}”中写“{m.group(0)}”，但{where}为 {value}。")))
    return out


def _prose_proactive(text: str) -> list[Finding]:
    out = []
    for m in _PROACTIVE_RE.finditer(text):
        total, unit = _int(m.group(1)), m.group(2)
        rest = text[m.end():]
        intro = _PARTS_INTRO_RE.match(rest)
        if not intro:
            continue
        sentence = re.split(r"[。；;\n]", rest[intro.end():], maxsplit=1)[0]
        sentence = re.sub(r"（[^（）]*）|\([^()]*\)", "", sentence)  # sub-parts in brackets would count twice
        parts = []
        pos = 0
        while pos < len(sentence):
            p = _PART_RE.match(sentence[pos:])
            if not p:
                break
            parts.append((p.group(1).strip(), _int(p.group(2)), p.group(3)))
            pos += p.end()
        if pos < len(sentence.rstrip("，, ")) or len(parts) < 2:
            continue  # the list did not read cleanly to its end: not certain
        if any(u != unit for _, _, u in parts) or any(c in name for name, _, _ in parts for c in _CHANNELS):
            continue
        s = sum(n for _, n, _ in parts)
        if s != total:
            listed = "、".join(f"{name}{n}{u}" for name, n, u in parts)
            out.append(Finding("prose_numbers", WARNING, [], (
                f"“{SECTION_TITLES['1']}”中写“{m.group(0)}”，但其后列出的各项（{listed}）合计为 {s}{unit}，相差 {abs(s - total)}{unit}。")))
    return out
