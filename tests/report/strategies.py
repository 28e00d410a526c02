"""Hypothesis strategies: random valid annual reports of both layouts.

Covers null cells, the 2021 collapsed （六）其他处理 variant, the decimal 2021 fee amount, the signed 2019
``change`` and the text 2019 procurement ``amount``, and random agency names and prose in Chinese.
"""
from __future__ import annotations

from hypothesis import strategies as st

from gongkai.report.layouts import LAYOUTS, PROSE_SECTIONS
from gongkai.report.model import Report, parse_decimal

# Common CJK Unified Ideographs (GB2312 level 1 and 2 live in this block).
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
AGENCY_SUFFIXES = ("人民政府", "人民政府办公室", "行政审批服务局", "生态环境局", "教育局", "卫生健康委员会", "自然资源和规划局")


@st.composite
def agency_names(draw) -> str:
    return draw(st.text(CJK, min_size=2, max_size=8)) + draw(st.sampled_from(AGENCY_SUFFIXES))


@st.composite
def paragraphs(draw) -> str:
    """A short paragraph: starts and ends with a character, commas inside, a full stop at the end."""
    parts = draw(st.lists(st.text(CJK, min_size=2, max_size=12), min_size=1, max_size=3))
    return "，".join(parts) + "。"


@st.composite
def section_texts(draw, max_paragraphs: int = 3) -> str:
    return "\n".join(draw(st.lists(paragraphs(), min_size=1, max_size=max_paragraphs)))


def _cell(kind: str, nullable: bool):
    if kind == "signed":
        value = st.integers(-500, 500)
    elif kind == "decimal":
        # Money in 万元 with at most two decimals, as printed.
        value = st.integers(0, 10_000_000).map(lambda cents: parse_decimal(f"{cents // 100}.{cents % 100:02d}"))
    elif kind == "text":
        value = st.builds(lambda n, unit: f"{n}{unit}", st.integers(0, 9_999_999), st.sampled_from(("", "元", "万元")))
    else:
        value = st.integers(0, 99_999)
    return st.one_of(st.none(), value) if nullable else value


@st.composite
def reports(draw, layouts=("2019", "2021"), max_paragraphs: int = 3, nulls: bool = True) -> Report:
    layout = draw(st.sampled_from(layouts))
    year = draw(st.integers(2019, 2020) if layout == "2019" else st.integers(2021, 2030))
    report = Report(layout=layout, year=year, agency=draw(agency_names()))
    if layout == "2021" and draw(st.booleans()):
        report.applications["other"] = {}  # the collapsed （六）其他处理 variant
    # A report has null cells or not; when it has, each cell is null with probability ~1/2.
    nullable = nulls and draw(st.booleans())
    for key, col, _ in list(report.cells()):
        report.set(key, draw(_cell(col.kind, nullable)))
    report.sections = {n: draw(section_texts(max_paragraphs)) for n in PROSE_SECTIONS}
    return report


def canonical(report: Report) -> dict:
    """What a round trip must keep: everything but the reader's notes and the headings it saw."""
    data = report.to_dict()
    data.pop("notes", None)
    data.pop("headings", None)
    return data


def all_layout_variants() -> list[Report]:
    """One zero-filled report of each shape: 2019, 2021, 2021 with （六）其他处理 collapsed."""
    out = [Report.empty(name, 2020 if name == "2019" else 2024, "示例县人民政府") for name in LAYOUTS]
    collapsed = Report(layout="2021", year=2023, agency="示例区人民政府")
    collapsed.applications["other"] = {}
    for key, col, _ in list(collapsed.cells()):
        collapsed.set(key, 0)
    out.append(collapsed)
    for report in out:
        report.sections = {
            "1": "本机关认真贯彻落实《政府信息公开条例》。\n（一）主动公开\n本年度通过门户网站主动公开信息。",
            "5": "存在的问题是公开内容不够全面。",
            "6": "本年度未收取信息处理费。",
        }
    return out
