"""Issue 9 class 1: the whole page flattened into one line (crawler output, copy-paste without line
breaks or separators), and the smaller gaps of class 5 (year from 统计期限, reworded section 五)."""
from __future__ import annotations

import re
import subprocess

import pytest

from gongkai.report.errors import ReportError
from gongkai.report.parsers import parse_bytes, parse_file, parse_text

from .scans import assert_cells, seed_report
from .test_parse_samples import sample_report, web_text

SEED = "seeds/000_0e482e19bd443c5d.txt"
CORPUS = ("09-huaian-city-2024", "10-hongze-district-2023", "11-hongze-district-2024")
FURNITURE_BEFORE = "首页|政务公开|政府信息公开年报当前位置：首页>政务公开>年度报告字号：大中小【打印本页】"
FURNITURE_AFTER = "【打印本页】【关闭窗口】主办单位：某市人民政府办公室网站标识码：3703000001"


def flatten(text: str) -> str:
    """Every line break and every space deleted, as the crawler does."""
    return re.sub(r"\s+", "", text)


def test_flattened_seed_reads_every_cell(shared):
    text = (shared / SEED).read_text(encoding="utf-8")
    r = parse_text(FURNITURE_BEFORE + flatten(text) + FURNITURE_AFTER)
    assert assert_cells(r, seed_report(shared), max_unknown=0) == 0
    assert (r.year, r.agency, r.layout) == (2024, "淄博市临淄区行政审批服务局", "2021")
    assert r.headings == ["1", "2", "3", "4", "5", "6"]
    assert r.sections["5"].startswith("（一）存在问题")
    assert "打印本页" not in r.sections["6"] or r.sections["6"].startswith("（一）收取信息处理费情况")
    # Each split of a run of digits is reported, with the identity that decided it.
    assert any("按本行合计关系只有一种拆分" in n for n in r.notes)


def test_flattened_seed_as_a_file_and_without_furniture(shared, tmp_path):
    path = tmp_path / "flat.txt"
    path.write_text(flatten((shared / SEED).read_text(encoding="utf-8")), encoding="gb18030")
    r = parse_file(path)
    assert assert_cells(r, seed_report(shared), max_unknown=0) == 0


@pytest.mark.parametrize("layout,year", [("2019", 2020), ("2021", 2023)])
@pytest.mark.parametrize("seed", [1, 2])
def test_flattened_generated_reports_never_guess(layout, year, seed):
    """Varied numbers run together: a row is split only where one split fits its digits and identities;
    every other cell is "?" with the reason, none is wrong."""
    expected = sample_report(layout, year, seed=seed)
    r = parse_text(flatten(web_text(expected)))
    assert (r.layout, r.year) == (layout, year)
    unknown = assert_cells(r, expected)
    total = sum(1 for _ in expected.cells())
    assert unknown < total * 0.8  # most single-digit rows and the whole of 表二's single cells are read
    assert r.get("proactive.licensing.decisions") == expected.get("proactive.licensing.decisions") or layout == "2019"


def test_flattened_row_numbering_run_into_digits_is_not_guessed():
    """"…00000002其他法律…" without the "2." punctuation: is the 2 the row's last digit or the label's
    number? The row before stays unknown rather than guessed."""
    expected = sample_report("2021", 2023, seed=1)
    text = flatten(web_text(expected))
    assert "2.其他法律行政法规禁止公开" in text
    r = parse_text(text.replace("2.其他法律行政法规禁止公开", "2其他法律行政法规禁止公开"))
    assert_cells(r, expected)
    assert r.get("applications.withheld_state_secret.total") == "?"


@pytest.mark.parametrize("name", CORPUS)
def test_flattened_corpus_text_never_guesses(shared, tmp_path, name):
    """pdftotext of the corpus, flattened: the columns come out of order, so most of it cannot be read;
    what is read must equal the reference parse of the PDF."""
    pdf = shared / "corpus" / f"{name}.pdf"
    out = tmp_path / f"{name}.txt"
    subprocess.run(["pdftotext", str(pdf), str(out)], check=True)
    reference = parse_file(pdf)
    r = parse_text(FURNITURE_BEFORE + flatten(out.read_text(encoding="utf-8")))
    assert r.year == reference.year
    assert r.headings == ["1", "2", "3", "4", "5", "6"]
    assert_cells(r, reference)


def test_flattened_page_that_is_not_a_report():
    with pytest.raises(ReportError, match="不是政府信息公开工作年度报告"):
        parse_text(FURNITURE_BEFORE + "关于开展2024年度安全生产检查的通知" * 40 + FURNITURE_AFTER)


def test_prose_quoting_labels_is_not_flattened(shared):
    """A long paragraph that names table rows is prose: the seed with such a paragraph reads as before."""
    text = (shared / SEED).read_text(encoding="utf-8")
    para = ("本年度本年新收政府信息公开申请数量较上年有所增加，上年结转政府信息公开申请数量为零，" * 12)
    r = parse_text(text.replace("一、总体情况\n", "一、总体情况\n" + para + "\n", 1))
    assert assert_cells(r, seed_report(shared), max_unknown=0) == 0
    assert para[:40] in r.sections["1"]


# -- class 5: year from 统计期限, reworded headings -------------------------------------------------
def test_year_from_the_statistics_period_when_the_title_has_none(shared):
    text = (shared / SEED).read_text(encoding="utf-8")
    text = text.replace("2024年政府信息公开工作年度报告", "政府信息公开工作年度报告", 1)
    text = text.replace("本年度报告中所列数据的统计期限自2024年1月1日起，至2024年12月31日止。",
                        "本报告数据统计期限为2024年1月1日至12月31日。")
    r = parse_bytes(text.encode("utf-8"), "report.txt")
    assert r.year == 2024


def test_reworded_section_five_heading(shared):
    text = (shared / SEED).read_text(encoding="utf-8")
    assert "五、存在的主要问题及改进情况" in text
    r = parse_text(text.replace("五、存在的主要问题及改进情况", "五、存在的主要问题及整改措施"))
    assert r.headings == ["1", "2", "3", "4", "5", "6"]
    assert r.sections["5"].startswith("（一）存在问题")
