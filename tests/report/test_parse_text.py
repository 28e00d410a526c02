"""Plain-text reports: the seed, crawler run-together digits, label variants, layouts, missing tables."""
from __future__ import annotations

import json
import re

import pytest

from gongkai.report.errors import ReportError
from gongkai.report.model import Report
from gongkai.report.parsers import parse_file

from .test_parse_samples import assert_same, sample_report, web_text

SEED = "seeds/000_0e482e19bd443c5d.txt"


def write(tmp_path, text: str, name: str = "report.txt", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# -- the seed ------------------------------------------------------------------------------------
def test_seed_matches_fixture(shared):
    parsed = parse_file(shared / SEED).to_dict()
    fixture = json.loads((shared / "fixtures" / "seed-2024.json").read_text("utf-8"))
    for key in ("layout", "year", "agency", "proactive", "applications", "appeals"):
        assert parsed[key] == fixture[key], key
    for num, start in fixture["sections"].items():
        assert parsed["sections"][num].startswith(start), num
    assert "unreadable" not in parsed
    assert parsed["headings"] == ["1", "2", "3", "4", "5", "6"]


def test_seed_sections_are_cut_at_the_next_heading(shared):
    r = parse_file(shared / SEED)
    assert "二、主动公开政府信息情况" not in r.sections["1"]
    assert r.sections["1"].rstrip().endswith("。")
    assert r.sections["5"].splitlines()[0] == "（一）存在问题"
    assert "（四）年度工作要点落实情况" in r.sections["6"]


@pytest.mark.parametrize("layout,collapsed", [("2021", False), ("2021", True), ("2019", False)])
def test_generated_web_text_round_trips(tmp_path, layout, collapsed):
    expected = sample_report(layout, 2023 if layout == "2021" else 2020, collapsed=collapsed)
    parsed = parse_file(write(tmp_path, web_text(expected)))
    assert_same(parsed, expected)
    assert parsed.other_collapsed is collapsed


# -- layouts -------------------------------------------------------------------------------------
def test_2019_layout_is_recognised_by_its_labels_not_the_year(tmp_path):
    expected = sample_report("2019", year=2021)  # a 2019-format table printed for 2021
    parsed = parse_file(write(tmp_path, web_text(expected)))
    assert parsed.layout == "2019"
    assert_same(parsed, expected)
    assert parsed.proactive["procurement"]["amount"].endswith("万元")
    assert any("2019 年版式" in n for n in parsed.notes)


def test_collapsed_other_keeps_2021_and_says_so(tmp_path):
    expected = sample_report("2021", collapsed=True)
    parsed = parse_file(write(tmp_path, web_text(expected)))
    assert parsed.layout == "2021" and parsed.other_collapsed
    assert "other_misc" not in parsed.applications
    assert parsed.applications["other"] == expected.applications["other"]
    assert any("其他处理" in n and "一行" in n for n in parsed.notes)


# -- label variants ------------------------------------------------------------------------------
def test_punctuation_width_and_spacing_variants(tmp_path):
    expected = sample_report()

    def vary(label: str) -> str:
        label = label.replace("（", "(").replace("）", ")").replace("“", '"').replace("”", '"')
        label = re.sub(r"^(\d)\.", r"\1、", label)
        return " ".join(label)  # a space between every character

    parsed = parse_file(write(tmp_path, web_text(expected, label=vary)))
    assert_same(parsed, expected)
    assert not any("近似" in n for n in parsed.notes)


def test_label_typo_is_fuzzy_matched_and_reported(shared, tmp_path):
    text = (shared / SEED).read_text("utf-8").replace("4.保护第三方合法权益", "4.保护弟三方合法权益")
    parsed = parse_file(write(tmp_path, text))
    assert parsed.applications["withheld_third_party"]["natural_person"] == 1
    notes = [n for n in parsed.notes if "保护弟三方合法权益" in n]
    assert len(notes) == 1 and "4.保护第三方合法权益" in notes[0] and "近似" in notes[0]


def test_label_broken_over_lines(shared, tmp_path):
    # The seed already breaks "5.要求行政机关确认或重新\n出具已获取信息"; break another one the same way.
    text = (shared / SEED).read_text("utf-8").replace("\t2.没有现成信息需要另行制作\n", "\t2.没有现成信息\n需要另行制作\n")
    parsed = parse_file(write(tmp_path, text))
    assert parsed.applications["unavailable_needs_creation"]["total"] == 0
    assert not parsed.unreadable


def test_renumbered_and_reworded_headings(shared, tmp_path):
    text = (shared / SEED).read_text("utf-8")
    text = text.replace("五、存在的主要问题及改进情况", "五、政府信息公开工作存在的主要问题及改进情况")
    text = text.replace("六、其他需要报告的事项", "6.其他需要报告的事项")
    parsed = parse_file(write(tmp_path, text))
    assert parsed.sections["5"].startswith("（一）存在问题")
    assert parsed.sections["6"].startswith("（一）收取信息处理费情况。")
    assert parsed.headings == ["1", "2", "3", "4", "5", "6"]


def test_title_on_one_line(tmp_path):
    expected = sample_report(agency="某县交通运输局")
    parsed = parse_file(write(tmp_path, web_text(expected, title_on_one_line=True)))
    assert (parsed.agency, parsed.year) == ("某县交通运输局", 2023)


# -- cells ---------------------------------------------------------------------------------------
def _replace_row(text: str, label: str, cells: list[str]) -> str:
    """The seed's row ``label`` with its 7 value lines replaced by ``cells`` (lines, tab-indented)."""
    pattern = re.compile(r"(\t" + re.escape(label) + r"\n)((?:\t[^\n]*\n){7})")
    assert pattern.search(text), label
    return pattern.sub(lambda m: m.group(1) + "".join(f"\t{c}\n" for c in cells), text, count=1)


def test_blank_total_column_is_null_and_dashes_are_null(shared, tmp_path):
    text = (shared / SEED).read_text("utf-8")
    text = _replace_row(text, "一、本年新收政府信息公开申请数量", ["2", "0", "0", "0", "0", "0", ""])
    text = _replace_row(text, "二、上年结转政府信息公开申请数量", ["—", "-", "／", "无", "0", "0", ""])
    parsed = parse_file(write(tmp_path, text))
    assert parsed.applications["new_received"]["total"] is None
    assert parsed.applications["new_received"]["natural_person"] == 2
    assert parsed.applications["carried_over"] == {
        "natural_person": None, "commercial": None, "research": None, "nonprofit": None,
        "legal_services": 0, "other_org": 0, "total": None,
    }
    assert not parsed.unreadable


def test_cell_notes_thousands_separators_and_unreadable_text(shared, tmp_path):
    text = (shared / SEED).read_text("utf-8").replace("\t28591\n", "\t28,591（其中网办16件）\n")
    text = _replace_row(text, "（一）予以公开", ["1,2", "0", "0", "0", "0", "0", "若干"])
    parsed = parse_file(write(tmp_path, text))
    assert parsed.proactive["licensing"]["decisions"] == 28591
    assert any("其中网办16件" in n and "未计入" in n for n in parsed.notes)
    assert parsed.applications["granted"]["total"] == "?"
    assert parsed.applications["granted"]["natural_person"] == "?"  # "1,2" is not a thousands group
    reasons = {u["cell"]: u["reason"] for u in parsed.unreadable}
    assert "若干" in reasons["applications.granted.total"]


# -- crawler run-together digits -----------------------------------------------------------------
def _crawled(text: str, label: str, digits: str) -> str:
    pattern = re.compile(r"(\t" + re.escape(label) + r"\n)((?:\t[^\n]*\n){7})")
    return pattern.sub(lambda m: m.group(1) + f"\t{digits}\n", text, count=1)


def test_run_together_digits_with_one_split_are_recovered(shared, tmp_path):
    text = (shared / SEED).read_text("utf-8")
    text = _crawled(text, "一、本年新收政府信息公开申请数量", "2000002")  # 7 digits, 7 cells: one split
    parsed = parse_file(write(tmp_path, text))
    assert parsed.applications["new_received"] == {
        "natural_person": 2, "commercial": 0, "research": 0, "nonprofit": 0,
        "legal_services": 0, "other_org": 0, "total": 2,
    }
    assert any("2000002" in n for n in parsed.notes)


def test_run_together_digits_resolved_by_row_total(shared, tmp_path):
    # "230000023": 23,0,0,0,0,0,23 is the only split whose six parts sum to the total.
    text = (shared / SEED).read_text("utf-8")
    text = _crawled(text, "（一）予以公开", "230000023")
    parsed = parse_file(write(tmp_path, text))
    assert [parsed.applications["granted"][k] for k in ("natural_person", "other_org", "total")] == [23, 0, 23]
    assert not parsed.unreadable


def test_run_together_digits_resolved_by_column_identity(shared, tmp_path):
    # "111000012" splits three ways that keep the row total (1,11,…,12 / 11,1,…,12 / 1,1,10,…,12);
    # the balance of 表三 (一+二 = 三（七）+四, every other row known) leaves exactly one.
    r = sample_report()
    r.applications["carried_over"] = dict(zip(
        ["natural_person", "commercial", "research", "nonprofit", "legal_services", "other_org", "total"],
        [1, 11, 0, 0, 0, 0, 12]))
    r.applications["carried_forward"] = {k: 0 for k in r.applications["carried_over"]}
    r.applications["total_processed"] = {
        k: r.applications["new_received"][k] + r.applications["carried_over"][k] for k in r.applications["new_received"]}
    text = web_text(r)
    text = _crawled(text, "二、上年结转政府信息公开申请数量", "111000012")
    parsed = parse_file(write(tmp_path, text))
    assert parsed.applications["carried_over"] == r.applications["carried_over"]
    assert any("勾稽" in n for n in parsed.notes)


def test_ambiguous_run_together_digits_are_marked_unreadable(shared, tmp_path):
    # "111000012" fits three splits; the column identities of the seed allow none of them: stays "?".
    text = (shared / SEED).read_text("utf-8")
    text = _crawled(text, "（一）予以公开", "111000012")
    text = _crawled(text, "一、本年新收政府信息公开申请数量", "111000012")
    parsed = parse_file(write(tmp_path, text))
    assert set(parsed.applications["granted"].values()) == {"?"}
    reason = next(u["reason"] for u in parsed.unreadable if u["cell"] == "applications.granted.total")
    assert "111000012" in reason and "种拆分" in reason
    assert parsed.applications["carried_over"]["total"] == 0  # other rows untouched


def test_run_together_appeals_row(shared, tmp_path):
    text = (shared / SEED).read_text("utf-8")
    head, tail = text.split("五、存在的主要问题及改进情况")
    head = re.sub(r"(\t0\n){15}\n*$", "\t000000000000000\n\n", head)
    parsed = parse_file(write(tmp_path, head + "五、存在的主要问题及改进情况" + tail))
    assert all(v == 0 for row in parsed.appeals.values() for v in row.values())
    assert any("表四" in n and "连写" in n for n in parsed.notes)


# -- not a report / missing tables ---------------------------------------------------------------
def test_missing_table_three_is_an_error_not_zeros(shared, tmp_path):
    text = (shared / SEED).read_text("utf-8")
    start = text.index("三、收到和处理政府信息公开申请情况")
    end = text.index("四、政府信息公开行政复议、行政诉讼情况")
    with pytest.raises(ReportError) as err:
        parse_file(write(tmp_path, text[:start] + text[end:]))
    assert str(err.value) == "未找到表三：收到和处理政府信息公开申请情况"


def test_missing_table_four_is_an_error(shared, tmp_path):
    text = (shared / SEED).read_text("utf-8")
    start = text.index("四、政府信息公开行政复议、行政诉讼情况")
    end = text.index("五、存在的主要问题及改进情况")
    with pytest.raises(ReportError, match="未找到表四"):
        parse_file(write(tmp_path, text[:start] + text[end:]))


def test_prose_without_tables_is_not_a_report(tmp_path):
    text = "关于开展安全生产检查的通知\n\n各单位：\n为切实做好安全生产工作，现将有关事项通知如下。\n"
    with pytest.raises(ReportError, match="^不是政府信息公开工作年度报告"):
        parse_file(write(tmp_path, text))


def test_gbk_text_file(shared, tmp_path):
    text = (shared / SEED).read_text("utf-8")
    parsed = parse_file(write(tmp_path, text, encoding="gb18030"))
    fixture = Report.from_json((shared / "fixtures" / "seed-2024.json").read_text("utf-8"))
    assert parsed.to_dict()["applications"] == fixture.to_dict()["applications"]
    assert parsed.agency == fixture.agency


# -- one row per line, group label and row label in one cell ------------------------------------
def _row_per_line(r: Report, with_groups: bool) -> str:
    """Text as PDF-to-text tools print it: a table row per line, cells separated by spaces, blanks as "—"."""
    from gongkai.report.layouts import APPEAL_COLUMNS, APPEAL_GROUPS, APPLICANT_COLUMNS, SECTION_TITLES
    from gongkai.report.model import format_cell

    def cells(table, row, cols):
        return " ".join(format_cell(r.get(f"{table}.{row}.{c.key}")) or "—" for c in cols)

    out = [f"{r.agency}{r.year}年政府信息公开工作年度报告"]
    for num, title in SECTION_TITLES.items():
        out.append(title)
        if num == "2":
            for p in r.spec.proactive:
                out += [p.subtable, "信息内容 " + " ".join(c.label for c in p.columns), f"{p.label} {cells('proactive', p.key, p.columns)}"]
        elif num == "3":
            out.append("申请人情况 自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计")
            for a in r.application_rows():
                prefix = "".join(a.groups[-1:]) if with_groups else ""
                if with_groups == "renumbered":  # "（三）不予公开" printed as "3.不予公开"
                    prefix = re.sub(r"^（([三四五六])）", lambda m: f"{'三四五六'.index(m.group(1)) + 3}.", prefix)
                out.append(f"{prefix}{a.label} {cells('applications', a.key, APPLICANT_COLUMNS)}")
        elif num == "4":
            out += ["行政复议 行政诉讼", "未经复议直接起诉 复议后起诉"]
            out.append(" ".join(cells("appeals", g, APPEAL_COLUMNS) for g, _ in APPEAL_GROUPS))
        else:
            out += r.sections[num].split("\n")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("with_groups", [False, True, "renumbered"])
def test_one_row_per_line_with_dashes_for_blanks(tmp_path, with_groups):
    expected = sample_report()
    expected.applications["granted"]["commercial"] = None
    expected.proactive["regulations"]["repealed"] = None
    expected.appeals["litigation_direct"]["other"] = None
    text = _row_per_line(expected, with_groups)
    if with_groups == "renumbered":
        assert "\n3.不予公开1.属于国家秘密 " in text
    parsed = parse_file(write(tmp_path, text))
    assert_same(parsed, expected)
    assert not parsed.unreadable


def test_2021_report_printing_the_2019_row_label(shared, tmp_path):
    text = (shared / SEED).read_text("utf-8").replace("\t行政规范性文件\n", "\t规范性文件\n")
    parsed = parse_file(write(tmp_path, text))
    assert parsed.layout == "2021"
    assert parsed.proactive["normative_documents"] == {"issued": 0, "repealed": 0, "in_force": 0}
    assert any("“规范性文件”" in n and "行政规范性文件" in n for n in parsed.notes)


@pytest.mark.parametrize("title,agency,year", [
    ("淄博市临淄区行政审批服务局2024年政府信息公开工作年度报告", "淄博市临淄区行政审批服务局", 2024),
    ("2023年度某市交通运输局政府信息公开工作年度报告", "某市交通运输局", 2023),
    ("某局关于2022年政府信息公开工作年度报告", "某局", 2022),
    ("《某县人民政府2021年度政府信息公开工作年度报告》", "某县人民政府", 2021),
    ("某市某局2020年政务公开工作年度报告_某市人民政府网", "某市某局", 2020),
])
def test_title_forms(title, agency, year):
    from gongkai.report.parsers.core import find_title

    assert find_title(["", title, "", "一、总体情况"]) == (agency, year)


def test_heading_running_on_into_its_text(shared, tmp_path):
    text = (shared / SEED).read_text("utf-8").replace("一、总体情况\n2024年，", "一、总体情况：2024年，", 1)
    parsed = parse_file(write(tmp_path, text))
    assert parsed.sections["1"].startswith("2024年，淄博市临淄区行政审批服务局全面贯彻落实党的二十大精神")
    assert parsed.headings == ["1", "2", "3", "4", "5", "6"]


def test_all_blank_appeals_row_is_null(shared, tmp_path):
    text = (shared / SEED).read_text("utf-8")
    head, tail = text.split("五、存在的主要问题及改进情况")
    head = re.sub(r"(\t0\n){15}\n*$", "\t\n" * 15 + "\n\n", head)
    parsed = parse_file(write(tmp_path, head + "五、存在的主要问题及改进情况" + tail))
    assert all(v is None for row in parsed.appeals.values() for v in row.values())
    assert not parsed.unreadable


def test_browser_copy_with_tab_separated_rows(tmp_path):
    """Copying a web table gives one line per row, cells between tabs, empty cells as empty strings."""
    from gongkai.report.layouts import APPEAL_COLUMNS, APPEAL_GROUPS, APPLICANT_COLUMNS, SECTION_TITLES
    from gongkai.report.model import format_cell

    r = sample_report()
    r.appeals["reconsideration"]["upheld"] = None
    r.applications["granted"]["natural_person"] = None

    def cells(table, row, cols):
        return [format_cell(r.get(f"{table}.{row}.{c.key}")) for c in cols]

    out = [f"{r.agency}{r.year}年政府信息公开工作年度报告"]
    for num, title in SECTION_TITLES.items():
        out.append(title)
        if num == "2":
            for p in r.spec.proactive:
                out += [p.subtable, "\t".join(["信息内容", *(c.label for c in p.columns)]),
                        "\t".join([p.label, *cells("proactive", p.key, p.columns)])]
        elif num == "3":
            out.append("\t".join(["", "", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]))
            for a in r.application_rows():
                out.append("\t".join([a.groups[-1] if a.groups else "", a.label, *cells("applications", a.key, APPLICANT_COLUMNS)]))
        elif num == "4":
            out += ["行政复议\t行政诉讼", "\t".join(c.label for _ in APPEAL_GROUPS for c in APPEAL_COLUMNS)]
            out.append("\t".join(v for g, _ in APPEAL_GROUPS for v in cells("appeals", g, APPEAL_COLUMNS)))
        else:
            out += r.sections[num].split("\n")
    parsed = parse_file(write(tmp_path, "\n".join(out) + "\n"))
    assert_same(parsed, r)
    assert parsed.appeals["reconsideration"]["upheld"] is None


def test_table_of_contents_is_not_taken_for_the_sections(shared, tmp_path):
    from gongkai.report.layouts import SECTION_TITLES

    text = (shared / SEED).read_text("utf-8")
    toc = "目录\n" + "\n".join(f"{t}……{n}" for n, t in SECTION_TITLES.items()) + "\n\n"
    start = text.index("一、总体情况")
    parsed = parse_file(write(tmp_path, text[:start] + toc + text[start:]))
    assert parsed.sections["1"].startswith("2024年，淄博市临淄区行政审批服务局")
    assert parsed.sections["5"].startswith("（一）存在问题")
    assert parsed.headings == ["1", "2", "3", "4", "5", "6"]
