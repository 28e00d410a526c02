"""Outcome codes are the outcome rows of table 三 and each cites the right article."""
import pytest

from gongkai.law.outcomes import OUTCOMES
from gongkai.report.layouts import LAYOUT_2021


def test_codes_are_the_report_rows():
    assert tuple(OUTCOMES) == LAYOUT_2021.outcome_rows
    for key, o in OUTCOMES.items():
        assert o.label == LAYOUT_2021.application_row(key).label
        assert o.reason


@pytest.mark.parametrize("key, article", [
    ("granted", "第十三条"),
    ("partially_granted", "第三十七条"),
    ("withheld_state_secret", "第十四条"),
    ("withheld_prohibited_by_law", "第十四条"),
    ("withheld_security_stability", "第十四条"),
    ("withheld_third_party", "第十五条"),
    ("withheld_internal_affairs", "第十六条第一款"),
    ("withheld_deliberative", "第十六条第二款"),
    ("withheld_enforcement_files", "第十六条第二款"),
    ("withheld_inquiry_matters", "第三十六条第（七）项"),
    ("unavailable_not_held", "第三十六条第（四）项"),
    ("unavailable_needs_creation", "第三十八条"),
    ("unavailable_still_unclear", "第三十条"),
    ("declined_petition", "第三十九条第一款"),
    ("declined_duplicate", "第三十六条第（六）项"),
    ("declined_publication", "第三十九条第二款"),
    ("declined_excessive", "第三十五条"),
    ("other_no_supplement", "第三十条"),
    ("other_unpaid_fee", "第四十二条"),
])
def test_article(key, article):
    o = OUTCOMES[key]
    assert article in o.articles
    assert o.citation.startswith("《中华人民共和国政府信息公开条例》") and article in o.citation
    assert article in o.letter_text and o.letter_text.endswith("特此告知。")


def test_groups():
    assert OUTCOMES["withheld_third_party"].group == "（三）不予公开"
    assert OUTCOMES["declined_duplicate"].group == "（五）不予处理"
    assert OUTCOMES["granted"].group == "（一）予以公开"
    assert OUTCOMES["other_misc"].citation == ""  # no article: none is invented
