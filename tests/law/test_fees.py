"""Processing fees of 国办函〔2020〕109号: both schemes, progressive on the excess only."""
import pytest

from gongkai.law.fees import per_application_fee, per_page_fee


@pytest.mark.parametrize("nth, amount", [
    (1, 0), (10, 0),             # first 10 in a month free
    (11, 100), (30, 100),
    (31, 200), (40, 200),
    (41, 300), (50, 300),
    (51, 400), (61, 500), (91, 800), (100, 800), (101, 900),
])
def test_per_application(nth, amount):
    fee = per_application_fee(nth)
    assert fee.amount == amount and fee.scheme == "per_application"
    assert "国办函〔2020〕109号" in fee.basis


def test_per_application_steps():
    assert per_application_fee(31).steps == ["本月第31件申请：第31至40件每件200元，收费200元"]
    assert per_application_fee(3).steps == ["本月第3件申请：第1至10件不收费"]


@pytest.mark.parametrize("pages, amount", [
    (1, 0), (30, 0),
    (31, 10), (100, 700),
    (101, 720), (200, 2700),
    (201, 2740), (250, 4700),
])
def test_per_page(pages, amount):
    fee = per_page_fee(pages)
    assert fee.amount == amount and fee.scheme == "per_page"


def test_per_page_arithmetic_steps():
    assert per_page_fee(250).steps == [
        "第1至30页：不收费",
        "第31至100页：70页×10元=700元",
        "第101至200页：100页×20元=2000元",
        "第201至250页：50页×40元=2000元",
        "合计：4700元",
    ]
    assert per_page_fee(45).steps == ["第1至30页：不收费", "第31至45页：15页×10元=150元", "合计：150元"]


@pytest.mark.parametrize("bad", [0, -3, 2.5, "12", True])
def test_bad_inputs(bad):
    with pytest.raises(ValueError, match="正整数"):
        per_page_fee(bad)
    with pytest.raises(ValueError, match="正整数"):
        per_application_fee(bad)
