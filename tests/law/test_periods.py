"""Statutory periods on dated examples across the 2024 National Day and 2025 Spring Festival holidays.

Expected dates were counted by hand on the State Council schedules (make-up days 2024-09-29, 2024-10-12,
2025-01-26, 2025-02-08)."""
import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.law.calendar import WorkCalendar
from gongkai.law.periods import (
    Derivation,
    Pause,
    answer_due,
    consultation_due,
    fee_payment_due,
    receipt_date,
    supplement_notice_due,
)


@pytest.fixture(scope="module")
def cal():
    return WorkCalendar.from_chinese_calendar()


def test_answer_due_art33_with_readable_steps(cal):
    d = answer_due(cal, date(2024, 9, 25))
    assert (d.due, d.provisional, d.start, d.days, d.excluded_days, d.extension_days) == (
        date(2024, 10, 28), False, date(2024, 9, 25), 20, 0, 0)
    assert d.steps[0] == "2024年9月25日收到申请（第三十一条），自次日起算20个工作日（第三十三条第二款）。"
    assert "国庆节（2024年10月1日至10月7日）" in d.steps[1]
    assert "2024年9月29日（星期日）" in d.steps[1] and "2024年10月12日（星期六）" in d.steps[1]
    assert d.steps[-1] == "答复期限届满日：2024年10月28日（星期一）。"
    assert d.calendar_version == cal.version


def test_supplement_notice_art30(cal):
    # 9-26, 9-27, 9-29 (Sun), 9-30, 10-08, 10-09, 10-10
    assert supplement_notice_due(cal, date(2024, 9, 25)).date == date(2024, 10, 10)
    # 1-21..1-24, 1-26 (Sun), 1-27, 2-05
    assert supplement_notice_due(cal, date(2025, 1, 20)).date == date(2025, 2, 5)


def test_supplement_restarts_the_clock(cal):
    d = answer_due(cal, date(2024, 9, 25), supplement_received=date(2024, 10, 10))
    # From 10-10: 10-11, 10-12 (Sat) … 11-06 is the 20th working day.
    assert d.start == date(2024, 10, 10) and d.due == date(2024, 11, 6)
    assert any("第三十条" in s and "2024年10月10日收到补正" in s for s in d.steps)
    with pytest.raises(ValueError, match="不能早于收到申请"):
        answer_due(cal, date(2024, 9, 25), supplement_received=date(2024, 9, 24))


def test_one_extension_of_at_most_20_days(cal):
    d = answer_due(cal, date(2024, 9, 25), extension_days=20)
    assert d.due == date(2024, 11, 25) and d.extension_days == 20
    assert any("延长答复期限20个工作日" in s and "第三十三条第二款" in s for s in d.steps)
    assert answer_due(cal, date(2024, 9, 25), extension_days=5).due == date(2024, 11, 4)
    for bad in (21, -1):
        with pytest.raises(ValueError, match="第三十三条第二款"):
            answer_due(cal, date(2024, 9, 25), extension_days=bad)
    with pytest.raises(ValueError, match="整数"):
        answer_due(cal, date(2024, 9, 25), extension_days="5")


def test_consultation_time_is_excluded(cal):
    # Sent 10-09 (6 days used), answer 10-18: 10-10, 10-11, 10-12 (Sat), 10-14..10-18 = 8 excluded.
    d = answer_due(cal, date(2024, 9, 25), pauses=[Pause("third_party", date(2024, 10, 9), date(2024, 10, 18))])
    assert d.excluded_days == 8 and d.due == date(2024, 11, 7)
    assert any("第三十二条" in s and "8个工作日不计入" in s and "第三十三条第三款" in s for s in d.steps)
    agency = answer_due(cal, date(2024, 9, 25), pauses=[Pause("agency", date(2024, 10, 9), date(2024, 10, 18))])
    assert agency.due == d.due and any("第三十四条" in s for s in agency.steps)


def test_overlapping_consultations_excluded_once(cal):
    d = answer_due(cal, date(2024, 9, 25), pauses=[
        Pause("third_party", date(2024, 10, 9), date(2024, 10, 18)),
        Pause("agency", date(2024, 10, 14), date(2024, 10, 22)),
    ])
    # Union 10-10..10-22: the 8 days above plus 10-21 and 10-22.
    assert d.excluded_days == 10 and d.due == date(2024, 11, 11)


def test_open_consultation_counts_to_its_15_day_limit(cal):
    # 15 working days after 10-09 end 10-29; 6 days used before, 14 left from 10-30 → 11-18.
    d = answer_due(cal, date(2024, 9, 25), pauses=[Pause("third_party", date(2024, 10, 9))])
    assert d.due == date(2024, 11, 18) and d.excluded_days == 15
    assert d.provisional and d.reason == "临时结果：征求意见尚未结束"


def test_late_opinion_is_excluded_only_up_to_its_15_day_limit(cal):
    # Sent 10-09, its 15 working days end 10-29; an opinion on 11-05 excludes no more than an open one.
    late = answer_due(cal, date(2024, 9, 25), pauses=[Pause("third_party", date(2024, 10, 9), date(2024, 11, 5))])
    assert late.due == date(2024, 11, 18) and late.excluded_days == 15 and not late.provisional
    assert any("逾期部分计入答复期限" in s and "2024年10月29日" in s for s in late.steps)
    # Answered on the last day: the whole window, no remark.
    on_time = answer_due(cal, date(2024, 9, 25), pauses=[Pause("agency", date(2024, 10, 9), date(2024, 10, 29))])
    assert on_time.due == late.due and not any("逾期" in s for s in on_time.steps)


def test_consultation_after_the_deadline_does_not_move_it(cal):
    d = answer_due(cal, date(2024, 9, 25), pauses=[Pause("third_party", date(2024, 10, 30), date(2024, 11, 5))])
    assert d.due == date(2024, 10, 28) and d.excluded_days == 0
    assert any("不再扣除" in s for s in d.steps)


def test_bad_pauses(cal):
    with pytest.raises(ValueError, match="早于答复期限起算日"):
        answer_due(cal, date(2024, 9, 25), pauses=[Pause("third_party", date(2024, 9, 20), date(2024, 9, 30))])
    with pytest.raises(ValueError, match="早于征求意见日期"):
        answer_due(cal, date(2024, 9, 25), pauses=[Pause("third_party", date(2024, 10, 9), date(2024, 10, 8))])
    with pytest.raises(ValueError, match="未知的征求意见类型"):
        answer_due(cal, date(2024, 9, 25), pauses=[Pause("court", date(2024, 10, 9), date(2024, 10, 10))])
    with pytest.raises(ValueError, match="收到申请日期"):
        answer_due(cal, None)


def test_consultation_and_fee_periods(cal):
    # 1-21..1-24, 1-26 (Sun), 1-27, 2-05..2-08 (Sat), 2-10..2-14: the 15th is 2-14.
    assert consultation_due(cal, date(2025, 1, 20)).date == date(2025, 2, 14)
    assert fee_payment_due(cal, date(2024, 9, 25)).date == date(2024, 10, 28)
    assert fee_payment_due(cal, date(2025, 1, 20)).date == date(2025, 2, 21)


def test_deadline_into_unentered_year(cal):
    d = answer_due(cal, date(2026, 12, 20))
    assert d.due == date(2027, 1, 15) and d.provisional
    assert d.reason == "临时结果：2027年的节假日安排尚未录入"
    assert "暂按星期一至星期五" in d.steps[-1]


def test_derivation_round_trip(cal):
    d = answer_due(cal, date(2024, 9, 25), pauses=[Pause("agency", date(2024, 10, 9), date(2024, 10, 18))],
                   extension_days=3)
    stored = json.loads(json.dumps(d.to_dict(), ensure_ascii=False))
    assert stored["due"] == d.due.isoformat()
    assert Derivation.from_dict(stored) == d


@pytest.mark.parametrize("channel, kwargs, expected", [
    ("in_person", {"submitted": date(2024, 9, 25)}, date(2024, 9, 25)),
    ("oral", {"submitted": date(2024, 9, 25)}, date(2024, 9, 25)),
    ("post", {"signed_for": date(2024, 9, 27), "confirmed": date(2024, 9, 30)}, date(2024, 9, 27)),
    ("post", {"confirmed": date(2024, 9, 30)}, date(2024, 9, 30)),  # ordinary letter, nobody signs
    ("online", {"submitted": date(2024, 9, 28), "confirmed": date(2024, 9, 29)}, date(2024, 9, 29)),
    ("fax", {"confirmed": date(2024, 10, 8)}, date(2024, 10, 8)),
    ("email", {"confirmed": date(2024, 10, 9)}, date(2024, 10, 9)),
    ("in_person", {"submitted": date(2019, 5, 15)}, date(2019, 5, 15)),
])
def test_receipt_date_art31(channel, kwargs, expected):
    assert receipt_date(channel, **kwargs) == expected


@pytest.mark.parametrize("channel, kwargs, message", [
    ("in_person", {"confirmed": date(2024, 9, 25)}, "当面提交申请的日期"),
    ("post", {"submitted": date(2024, 9, 25)}, "签收日期"),
    ("online", {"submitted": date(2024, 9, 25)}, "双方确认的日期"),
    ("pigeon", {"submitted": date(2024, 9, 25)}, "未知的申请方式"),
    ("fax", {"confirmed": "2024-09-25"}, "确认日期"),
    ("in_person", {"submitted": date(2019, 5, 14)}, "早于本条例施行日期2019年5月15日（第五十六条）"),
    ("post", {"signed_for": date(1, 1, 1)}, "早于本条例施行日期"),
])
def test_receipt_date_errors(channel, kwargs, message):
    with pytest.raises(ValueError, match=message):
        receipt_date(channel, **kwargs)


def test_national_day_with_mid_autumn_2025(cal):
    # 9-26, 9-28 (Sun), 9-29, 9-30, then 10-01..10-08 off, 10-11 (Sat) counts: the 20th is 10-29.
    d = answer_due(cal, date(2025, 9, 25))
    assert d.due == date(2025, 10, 29)
    assert "国庆节、中秋节（2025年10月1日至10月8日）" in d.steps[1]


def test_pause_without_date(cal):
    with pytest.raises(ValueError, match="征求意见日期"):
        answer_due(cal, date(2024, 9, 25), pauses=[Pause("agency", None, None)])


@settings(max_examples=150, deadline=None)
@given(received=st.dates(date(2019, 5, 15), date(2026, 10, 31)), ext=st.integers(0, 20),
       gap=st.integers(0, 12), length=st.integers(0, 25))
def test_counted_days_always_add_up(received, ext, gap, length):
    from datetime import timedelta

    from gongkai.law.calendar import add_working_days, working_days_between

    cal = WorkCalendar.from_chinese_calendar()
    sent = received + timedelta(days=gap)
    d = answer_due(cal, received, pauses=[Pause("third_party", sent, sent + timedelta(days=length))],
                   extension_days=ext)
    assert cal.is_workday(d.due)
    # Working days elapsed minus the excluded ones are exactly the period plus the extension.
    assert working_days_between(cal, received, d.due) - d.excluded_days == 20 + ext
    assert d.due >= add_working_days(cal, received, 20 + ext).date


def test_answer_due_past_year_9999_is_a_chinese_error(cal):
    with pytest.raises(ValueError, match="超出了可计算的日期范围"):
        answer_due(cal, date(9999, 12, 20))
