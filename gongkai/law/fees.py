"""Processing fees (信息处理费) under Art. 42 and 《政府信息公开信息处理费管理办法》 (国办函〔2020〕109号).

Fees are charged only where applications clearly exceed a reasonable number or frequency (Art. 42).
Each application is charged under ONE scheme, never both; both are progressive on the excess only.
"""
from __future__ import annotations

from dataclasses import dataclass, field

MEASURE = "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"

SCHEMES = {
    "per_application": "按件计收",
    "per_page": "按量计收",
}

PER_APPLICATION_FREE = 10  # first 10 applications of an applicant in a calendar month are free
# Per-page bands: (first page, last page or None, yuan per page); pages 1–30 are free.
PAGE_BANDS = ((31, 100, 10), (101, 200, 20), (201, None, 40))
PAGES_FREE = 30


@dataclass(frozen=True)
class Fee:
    amount: int  # yuan
    scheme: str  # key of SCHEMES
    steps: list[str] = field(default_factory=list)
    basis: str = ""


def _positive_int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{what}必须是正整数")
    return value


def per_application_band(nth_in_month: int) -> tuple[int, int | None, int]:
    """The band of the n-th application in a month: (first, last, yuan each).

    1–10 free; 11–30 at 100; from the 31st each further band of 10 costs 100 more than the one
    before (31–40: 200, 41–50: 300, …).
    """
    n = _positive_int(nth_in_month, "本月申请序号")
    if n <= PER_APPLICATION_FREE:
        return 1, PER_APPLICATION_FREE, 0
    if n <= 30:
        return 11, 30, 100
    k = (n - 31) // 10
    return 31 + 10 * k, 40 + 10 * k, 200 + 100 * k


def per_application_fee(nth_in_month: int) -> Fee:
    """Fee of the applicant's n-th application in the calendar month (按件计收, all outcome types)."""
    first, last, price = per_application_band(nth_in_month)
    if price == 0:
        step = f"本月第{nth_in_month}件申请：第1至{PER_APPLICATION_FREE}件不收费"
    else:
        step = f"本月第{nth_in_month}件申请：第{first}至{last}件每件{price}元，收费{price}元"
    return Fee(
        amount=price,
        scheme="per_application",
        steps=[step],
        basis=f"{MEASURE}按件计收：同一申请人一个自然月内累计申请10件以下（含10件）的不收费；"
              "11—30件（含30件）的部分每件收费100元；31件以上的部分，每增加10件，每件收费标准提高100元。",
    )


def per_page_fee(pages: int) -> Fee:
    """Fee of one application by the number of pages provided (按量计收), progressive on the excess."""
    n = _positive_int(pages, "页数")
    steps = [f"第1至{min(n, PAGES_FREE)}页：不收费"]
    total = 0
    for first, last, price in PAGE_BANDS:
        if n < first:
            break
        upto = n if last is None else min(n, last)
        count = upto - first + 1
        total += count * price
        steps.append(f"第{first}至{upto}页：{count}页×{price}元={count * price}元")
    steps.append(f"合计：{total}元")
    return Fee(
        amount=total,
        scheme="per_page",
        steps=steps,
        basis=f"{MEASURE}按量计收：30页以下（含30页）的不收费；31—100页（含100页）的部分每页收费10元；"
              "101—200页（含200页）的部分每页收费20元；201页以上的部分每页收费40元。",
    )
