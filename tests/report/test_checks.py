"""The consistency checks, rule by rule, on the seed report (shared/fixtures/seed-2024.json)."""
import copy
import json

import pytest

from gongkai.report.checks import ERROR, WARNING, Finding, check, has_errors
from gongkai.report.layouts import LAYOUT_2021
from gongkai.report.model import Report


@pytest.fixture(scope="module")
def seed_dict(shared):
    return json.loads((shared / "fixtures" / "seed-2024.json").read_text(encoding="utf-8"))


@pytest.fixture
def seed(seed_dict):
    return Report.from_dict(copy.deepcopy(seed_dict))


@pytest.fixture(scope="module")
def seed_prose(shared):
    """Section 一 of the seed as printed (the fixture keeps only its first characters)."""
    text = (shared / "seeds" / "000_0e482e19bd443c5d.txt").read_text(encoding="utf-8")
    return text.split("一、总体情况", 1)[1].split("二、主动公开政府信息情况", 1)[0].strip()


def rules(findings):
    return sorted({f.rule for f in findings})


def only(findings, rule):
    return [f for f in findings if f.rule == rule]


def collapsed_other(seed_dict):
    """The seed re-shaped as a 2021 report printing （六）其他处理 as one row (like 洪泽)."""
    d = copy.deepcopy(seed_dict)
    apps = d["applications"]
    zero = {c: 0 for c in apps["granted"]}
    rebuilt = {}
    for key, row in apps.items():
        if key in LAYOUT_2021.other_subrows:
            continue
        if key == "total_processed":
            rebuilt["other"] = dict(zero)
        rebuilt[key] = row
    d["applications"] = rebuilt
    return d


def test_seed_is_clean(seed, seed_prose):
    assert check(seed) == []
    seed.sections["1"] = seed_prose
    assert check(seed) == []


def test_finding_to_dict(seed):
    seed.set("appeals.litigation_direct.total", 1)
    (f,) = check(seed)
    assert isinstance(f, Finding)
    assert f.to_dict() == {"rule": "appeal_total", "severity": "error", "cells": f.cells, "message": f.message}
    assert has_errors([f])


def test_balance(seed):
    # The row stays summed, the outcomes stay summed: only the 勾稽关系 of 表三 is broken.
    seed.set("applications.new_received.natural_person", 3)
    seed.set("applications.new_received.total", 3)
    found = check(seed)
    assert rules(found) == ["balance"]
    assert {f.severity for f in found} == {ERROR}
    total = next(f for f in found if "applications.new_received.total" in f.cells)
    assert total.cells == ["applications.new_received.total", "applications.carried_over.total",
                           "applications.total_processed.total", "applications.carried_forward.total"]
    assert total.message.startswith("表三“总计”列")
    assert "“一、本年新收政府信息公开申请数量”(3)" in total.message
    assert "“四、结转下年度继续办理”(0)" in total.message
    assert "相差 1" in total.message
    assert len(found) == 2  # 自然人 and 总计 columns


def test_outcome_sum(seed):
    seed.set("applications.granted.natural_person", 1)
    seed.set("applications.granted.total", 1)
    found = check(seed)
    assert rules(found) == ["outcome_sum"]
    f = next(f for f in found if "applications.total_processed.total" in f.cells)
    assert "“（七）总计”(2)" in f.message and "“三、本年度办理结果”各项之和(3)" in f.message
    assert "applications.granted.total" in f.cells and "applications.other_misc.total" in f.cells


def test_outcome_sum_collapsed_other_uses_other(seed_dict):
    d = collapsed_other(seed_dict)
    report = Report.from_dict(d)
    assert report.other_collapsed and check(report) == []
    # One more application concluded under （六）其他处理: balanced everywhere.
    for col in ("natural_person", "total"):
        report.set(f"applications.other.{col}", 1)
        report.set(f"applications.total_processed.{col}", 3)
        report.set(f"applications.new_received.{col}", 3)
    assert check(report) == []
    report.set("applications.other.natural_person", 2)
    report.set("applications.other.total", 2)
    found = check(report)
    assert rules(found) == ["outcome_sum"]
    assert all("applications.other.natural_person" in f.cells or "applications.other.total" in f.cells for f in found)


def test_outcome_sum_layout_2019_uses_other():
    report = Report.empty("2019", 2020, "某县人民政府")
    assert check(report) == []
    report.set("applications.other.research", 1)
    report.set("applications.other.total", 1)
    found = check(report)
    assert rules(found) == ["outcome_sum"]
    assert {f.message.split("：")[0] for f in found} == {"表三“科研机构”列", "表三“总计”列"}


def test_row_total(seed):
    seed.set("applications.withheld_third_party.total", 2)
    found = only(check(seed), "row_total")
    assert len(found) == 1
    assert found[0].severity == ERROR
    assert found[0].message.startswith("表三“4.保护第三方合法权益”行：“总计”(2) 应等于 “自然人”(1)")
    assert "相差 1" in found[0].message


def test_appeal_total(seed):
    seed.set("appeals.litigation_after_reconsideration.pending", 2)
    (f,) = check(seed)
    assert f.rule == "appeal_total" and f.severity == ERROR
    assert f.message.startswith("表四“行政诉讼·复议后起诉”：“总计”(0)")
    assert "“尚未审结”(2)" in f.message
    assert "appeals.litigation_after_reconsideration.pending" in f.cells
    seed.set("appeals.litigation_after_reconsideration.total", 2)
    assert check(seed) == []


def test_non_negative(seed):
    seed.set("appeals.reconsideration.upheld", -1)
    seed.set("appeals.reconsideration.pending", 1)  # the group still sums to 0
    (f,) = check(seed)
    assert f.rule == "non_negative" and f.cells == ["appeals.reconsideration.upheld"]
    assert f.message == "表四“行政复议”“结果维持”为 -1，应为不小于 0 的整数。"


def test_non_negative_fee_and_2019_change():
    report = Report.empty("2019", 2020)
    report.set("proactive.licensing.change", -3)  # 本年增/减 may be negative
    assert check(report) == []
    report.set("proactive.licensing.prev_items", -3)
    (f,) = check(report)
    assert f.rule == "non_negative" and "“行政许可”“上一年项目数量”" in f.message
    r21 = Report.empty("2021", 2024)
    r21.set("proactive.fees.amount_10k_yuan", 12.5)
    assert check(r21) == []
    r21.set("proactive.fees.amount_10k_yuan", -0.5)
    assert rules(check(r21)) == ["non_negative"]


def test_blank_cell_implied_nonzero_is_a_warning(seed):
    seed.set("applications.total_processed.total", None)
    found = check(seed)
    assert len(found) == 1  # in balance, outcome_sum and row_total, but said once
    assert rules(found) == ["blank_cell"]
    assert {f.severity for f in found} == {WARNING}
    assert not has_errors(found)
    f = found[0]
    assert f.cells == ["applications.total_processed.total"]
    assert "“（七）总计”为空白，但按其他单元格推算应为 2" in f.message


def test_blank_cell_implied_zero_is_fine(seed):
    seed.set("applications.granted.total", None)
    seed.set("applications.carried_forward.research", None)
    seed.set("appeals.reconsideration.total", None)
    assert check(seed) == []


def test_unreadable_cell_skips_its_rules(seed):
    seed.mark_unreadable("applications.total_processed.total", "数字模糊")
    seed.set("applications.carried_forward.total", 7)  # would break balance and row_total of that row
    found = check(seed)
    assert rules(found) == ["row_total"]  # balance of 总计 column involves the "?" cell: skipped
    assert all("applications.total_processed.total" not in f.cells for f in found)


def previous_year(seed_dict, **cells):
    d = copy.deepcopy(seed_dict)
    d["year"] = 2023
    prev = Report.from_dict(d)
    for key, value in cells.items():
        prev.set(key.replace("__", "."), value)
    return prev


def test_carry_over(seed, seed_dict):
    assert check(seed, previous_year(seed_dict)) == []
    prev = previous_year(seed_dict, applications__carried_forward__natural_person=1, applications__carried_forward__total=1)
    found = check(seed, prev)
    assert rules(found) == ["carry_over"]
    assert [f.cells for f in found] == [["applications.carried_over.natural_person"], ["applications.carried_over.total"]]
    assert "2023年报告“四、结转下年度继续办理”(1)" in found[0].message
    assert "本年“二、上年结转政府信息公开申请数量”(0)" in found[0].message


def test_carry_over_previous_of_other_layout(seed):
    prev = Report.empty("2019", 2023)
    assert check(seed, prev) == []
    prev.set("applications.carried_forward.commercial", 4)
    found = check(seed, prev)
    assert rules(found) == ["carry_over"]
    assert found[0].cells == ["applications.carried_over.commercial"]
    # 2019 layout has no 现行有效件数: in_force_trend does not apply across layouts
    assert not only(found, "in_force_trend")


def test_carry_over_previous_not_last_year(seed, seed_dict):
    prev = previous_year(seed_dict)
    prev.year = 2021
    (f,) = check(seed, prev)
    assert f.rule == "carry_over" and f.severity == WARNING and "2021" in f.message


def test_in_force_trend(seed, seed_dict):
    prev = previous_year(seed_dict, proactive__regulations__in_force=3)
    found = check(seed, prev)
    assert rules(found) == ["in_force_trend"]
    assert found[0].severity == WARNING
    assert found[0].message.startswith("表二“规章”行：“现行有效件数”(0) 应等于 2023年报告“现行有效件数”(3)")
    seed.set("proactive.regulations.issued", 2)
    seed.set("proactive.regulations.repealed", 1)
    seed.set("proactive.regulations.in_force", 4)
    assert check(seed, prev) == []


def test_layout_year(seed):
    seed.year = 2020
    (f,) = check(seed)
    assert f.rule == "layout_year" and f.severity == WARNING
    assert "国办公开办函〔2019〕60号" in f.message
    r19 = Report.empty("2019", 2024)
    assert rules(check(r19)) == ["layout_year"]
    assert check(Report.empty("2019", 2019)) == []
    assert check(Report.empty("2021", 2021)) == []


def test_prose_numbers_agree(seed, seed_prose):
    seed.sections["1"] = seed_prose
    assert "主动公开信息共计465条" in seed_prose and "共收到政府信息公开申请2条" in seed_prose
    assert check(seed) == []


def test_prose_parts_do_not_sum(seed, seed_prose):
    seed.sections["1"] = seed_prose.replace("其他6条", "其他7条")
    (f,) = check(seed)
    assert f.rule == "prose_numbers" and f.severity == WARNING
    assert "主动公开信息共计465条" in f.message and "合计为 466条" in f.message


def test_prose_application_count(seed, seed_prose):
    seed.sections["1"] = seed_prose.replace("共收到政府信息公开申请2条", "共收到政府信息公开申请5件")
    (f,) = check(seed)
    assert f.rule == "prose_numbers" and f.cells == ["applications.new_received.total"]
    assert "共收到政府信息公开申请5件" in f.message and "为 2" in f.message


@pytest.mark.parametrize("prose, flagged", [
    ("全年共受理政府信息公开申请2件，均按时答复。", False),
    ("本年度收到政府信息公开申请２件。", False),  # full-width digit
    ("区政府办受理政府\n信息公开申请 2 件，均已答复。", False),  # PDF line break and spaces
    ("区政府办受理政府\n信息公开申请 17 件，均已答复。", True),
    ("本年度未收到政府信息公开申请。", True),  # the table says 2
    ("2024年共收到政府信息公开申请3件（含上年结转1件）。", True),  # carried_over is 0 in the seed
    ("主动公开信息共计10条，其中政府网站发布8条、微信公众号发布5条。", False),  # channels overlap
    ("主动公开信息共计10条，包含机构职能6条（其中领导信息2条）、其他4条。", False),
    ("主动公开信息共计10条，包含机构职能6条（其中领导信息2条）、其他5条。", True),
    ("主动公开信息共计10条，包含机构职能6条，并及时更新。", False),  # not a list of parts
])
def test_prose_variants(seed, prose, flagged):
    seed.sections["1"] = prose
    assert bool(only(check(seed), "prose_numbers")) is flagged


def test_prose_counts_carried_over_in_total(seed):
    seed.set("applications.carried_over.natural_person", 1)
    seed.set("applications.carried_over.total", 1)
    seed.set("applications.carried_forward.natural_person", 1)
    seed.set("applications.carried_forward.total", 1)
    seed.sections["1"] = "2024年共收到政府信息公开申请3件（含上年结转1件）。"
    assert check(seed) == []


def test_sections_from_headings(seed):
    seed.headings = ["1", "2", "3", "4", "5", "6"]
    assert check(seed) == []
    seed.headings = ["1", "2", "3", "4", "6"]
    (f,) = check(seed)
    assert f.rule == "sections" and "“五、存在的主要问题及改进情况”" in f.message
    seed.headings = ["1", "3", "2", "4", "5", "6"]
    (f,) = check(seed)
    assert f.rule == "sections" and "一、三、二、四、五、六" in f.message


def test_sections_from_kept_prose(seed):
    del seed.sections["5"]
    (f,) = check(seed)
    assert f.rule == "sections" and "五、存在的主要问题及改进情况" in f.message
    seed.sections = {}  # no prose at all (e.g. JSON of tables only): nothing certain to say
    assert check(seed) == []


@pytest.mark.parametrize("prose, cell", [
    ("全年公开行政许可决定28591件、行政处罚决定0件。", None),
    ("全年公开行政许可决定28590件、行政处罚决定0件。", "proactive.licensing.decisions"),
    ("全年公开行政处罚决定3件。", "proactive.punishment.decisions"),
    ("2024年共收到政府信息公开申请2件，办结2件，均按时答复。", None),
    ("2024年共收到政府信息公开申请2件，办结1件。", "applications.total_processed.total"),
    ("2024年共收到政府信息公开申请2件，1件结转下年度继续办理。", "applications.carried_forward.total"),
    ("办结信访事项5件。", None),  # not about applications
])
def test_prose_table_figures(seed, prose, cell):
    seed.sections["1"] = prose
    found = only(check(seed), "prose_numbers")
    assert [f.cells for f in found] == ([[cell]] if cell else [])
