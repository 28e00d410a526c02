"""Working days on the real 2024/2025 schedules (chinesecalendar) and on years not yet entered."""
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.law.calendar import WorkCalendar, add_working_days, working_days_between


@pytest.fixture(scope="module")
def cal():
    return WorkCalendar.from_chinese_calendar()


@pytest.mark.parametrize("d, working", [
    (date(2024, 10, 12), True),   # Saturday, make-up day for National Day
    (date(2024, 9, 29), True),    # Sunday, make-up day
    (date(2024, 10, 1), False),   # National Day holiday (Tuesday)
    (date(2024, 10, 7), False),   # Monday, still holiday
    (date(2024, 10, 8), True),
    (date(2024, 10, 13), False),  # ordinary Sunday
    (date(2025, 1, 26), True),    # Sunday, make-up day for Spring Festival
    (date(2025, 2, 8), True),     # Saturday, make-up day
    (date(2025, 1, 28), False),   # Spring Festival eve holiday (Tuesday)
    (date(2025, 2, 4), False),    # last Spring Festival holiday (Tuesday)
    (date(2025, 2, 5), True),
])
def test_real_schedule(cal, d, working):
    assert cal.is_workday(d) is working


def test_spec_example_twenty_days_over_national_day(cal):
    # Day 1 is 2024-09-26; 9-29 (Sun) and 10-12 (Sat) count, 10-01..07 do not.
    assert add_working_days(cal, date(2024, 9, 25), 20).date == date(2024, 10, 28)
    due = add_working_days(cal, date(2024, 9, 25), 20)
    assert not due.provisional and due.reason is None


def test_spring_festival_2025(cal):
    # 1-26 (Sun) counts, 1-28..2-4 do not, 2-8 (Sat) counts.
    assert add_working_days(cal, date(2025, 1, 20), 20).date == date(2025, 2, 21)
    assert add_working_days(cal, date(2025, 1, 24), 1).date == date(2025, 1, 26)
    assert add_working_days(cal, date(2025, 1, 27), 1).date == date(2025, 2, 5)


def test_start_on_holiday_or_before_makeup_day(cal):
    assert add_working_days(cal, date(2024, 10, 1), 1).date == date(2024, 10, 8)
    assert add_working_days(cal, date(2024, 10, 11), 1).date == date(2024, 10, 12)
    assert add_working_days(cal, date(2024, 10, 11), 0).date == date(2024, 10, 11)


def test_bad_counts(cal):
    with pytest.raises(ValueError, match="不小于0的整数"):
        add_working_days(cal, date(2024, 1, 1), -1)
    with pytest.raises(ValueError, match="不小于0的整数"):
        add_working_days(cal, date(2024, 1, 1), True)
    with pytest.raises(ValueError, match="起算日期"):
        add_working_days(cal, "2024-01-01", 3)


def test_uncovered_year_is_provisional_and_counts_mon_fri(cal):
    assert not cal.covers(2027) and cal.covers(2026)
    assert cal.is_workday(date(2027, 1, 1))  # Friday; the 2027 schedule is unknown
    due = add_working_days(cal, date(2026, 12, 20), 20)
    assert due.date == date(2027, 1, 15)
    assert due.provisional
    assert due.reason == "临时结果：2027年的节假日安排尚未录入"
    # Ends within the covered year: not provisional even though close to the boundary.
    assert not add_working_days(cal, date(2026, 12, 1), 5).provisional


def test_entering_the_year_removes_provisional(cal):
    days = WorkCalendar.chinese_calendar_days()
    overrides = {d: w for d, (w, _) in days.items()}
    overrides[date(2027, 1, 1)] = False  # test data: a New Year's Day holiday on Friday 2027-01-01
    cal27 = WorkCalendar(overrides, range(2004, 2028))
    due = add_working_days(cal27, date(2026, 12, 20), 20)
    assert due == type(due)(date(2027, 1, 18), False, None)
    assert cal27.version != cal.version


def test_between(cal):
    assert working_days_between(cal, date(2024, 9, 25), date(2024, 10, 28)) == 20
    assert working_days_between(cal, date(2024, 10, 28), date(2024, 9, 25)) == -20
    assert working_days_between(cal, date(2024, 10, 1), date(2024, 10, 7)) == 0
    assert working_days_between(cal, date(2024, 10, 1), date(2024, 10, 1)) == 0
    # 1-26 (Sun), 1-27, then 2-5, 2-6, 2-7 and 2-8 (Sat): six.
    assert working_days_between(cal, date(2025, 1, 24), date(2025, 2, 8)) == 6


def test_override_validation_and_version():
    with pytest.raises(ValueError, match="不在已录入的年份内"):
        WorkCalendar({date(2030, 1, 1): False}, [2029])
    a = WorkCalendar({date(2029, 1, 1): False, date(2029, 1, 6): False}, [2029])  # 1-6 is a Saturday: no-op
    b = WorkCalendar({date(2029, 1, 1): False}, [2029])
    c = WorkCalendar({date(2029, 1, 2): False}, [2029])
    assert a.version == b.version != c.version
    assert not a.is_workday(date(2029, 1, 1)) and a.is_workday(date(2029, 1, 2))


@settings(max_examples=200, deadline=None)
@given(start=st.dates(date(2004, 1, 1), date(2026, 6, 30)), n=st.integers(0, 60))
def test_add_and_between_agree(start, n):
    cal = WorkCalendar.from_chinese_calendar()
    due = add_working_days(cal, start, n)
    assert working_days_between(cal, start, due.date) == n
    if n:
        assert cal.is_workday(due.date)
        # The day before the due date still leaves one day to go.
        assert working_days_between(cal, start, due.date - timedelta(days=1)) == n - 1


def test_uncovered_years_as_ranges():
    from gongkai.law.calendar import uncovered_reason

    assert uncovered_reason([2027]) == "临时结果：2027年的节假日安排尚未录入"
    assert uncovered_reason([2031, 2027, 2028, 2029, 1, 2, 3]) == \
        "临时结果：1年至3年、2027年至2029年、2031年的节假日安排尚未录入"
    assert uncovered_reason([2027, 2028]) == "临时结果：2027年、2028年的节假日安排尚未录入"


def test_add_working_days_past_year_9999_is_a_chinese_error(cal):
    with pytest.raises(ValueError, match="超出了可计算的日期范围"):
        add_working_days(cal, date(9999, 12, 30), 5)
