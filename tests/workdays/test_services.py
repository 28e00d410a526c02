"""The database calendar: seed, snapshot, entering a year, and recomputing a provisional deadline."""
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from gongkai.law.calendar import WorkCalendar
from gongkai.law.periods import answer_due
from gongkai.workdays.models import CalendarDay, CalendarYear
from gongkai.workdays.services import current_calendar, enter_year
from gongkai.workdays.signals import calendar_changed

pytestmark = pytest.mark.django_db

# Test data shaped like a State Council notice for 2027 (not the real 2027 schedule).
HOLIDAYS_2027 = [
    (date(2027, 1, 1), date(2027, 1, 3), "元旦"),
    (date(2027, 2, 6), date(2027, 2, 13), "春节"),
]
MAKEUP_2027 = [date(2027, 2, 14), date(2027, 2, 20)]  # a Sunday and a Saturday


def test_seeded_from_chinesecalendar_overrides_only():
    years = list(CalendarYear.objects.order_by("year").values_list("year", flat=True))
    assert years == list(range(2004, 2027))
    assert set(CalendarYear.objects.values_list("source", flat=True)) == {"chinesecalendar"}
    assert CalendarDay.objects.count() < 1000  # holidays and make-up days, not every day
    assert CalendarDay.objects.get(date=date(2024, 10, 12)).kind == "makeup"
    assert CalendarDay.objects.get(date=date(2025, 1, 28)).name == "春节"
    cal = current_calendar()
    assert cal.version == WorkCalendar.from_chinese_calendar().version
    assert cal.is_workday(date(2025, 2, 8)) and not cal.is_workday(date(2024, 10, 7))
    assert cal is current_calendar()  # cached while nothing changes


def test_provisional_deadline_recomputed_when_year_entered():
    user = get_user_model().objects.create_user("clerk", password="a-long-password-1")
    recomputed = {}

    def recompute(sender, year, **kwargs):
        recomputed[year] = answer_due(current_calendar(), date(2026, 12, 20))

    before = answer_due(current_calendar(), date(2026, 12, 20))
    assert before.due == date(2027, 1, 15) and before.provisional
    assert before.reason == "临时结果：2027年的节假日安排尚未录入"
    calendar_changed.connect(recompute)
    try:
        obj = enter_year(2027, HOLIDAYS_2027, MAKEUP_2027, user=user, notice="国办发明电〔2026〕1号（测试）")
    finally:
        calendar_changed.disconnect(recompute)
    assert obj.entered_by == user and obj.source == "国务院办公厅通知"
    after = recomputed[2027]
    # 2027-01-01 is now a holiday: one day later, and final.
    assert after.due == date(2027, 1, 18) and not after.provisional and after.reason is None
    assert after.calendar_version != before.calendar_version
    assert current_calendar().is_workday(date(2027, 2, 20))
    assert CalendarDay.objects.filter(calendar_year=obj).count() == 3 + 8 + 2
    assert CalendarDay.objects.get(date=date(2027, 2, 20)).name == "春节调休上班"


def test_replace_year():
    enter_year(2027, HOLIDAYS_2027, MAKEUP_2027, notice="测试通知")
    with pytest.raises(ValidationError, match="2027年的节假日安排已录入"):
        enter_year(2027, HOLIDAYS_2027, [], notice="测试通知")
    enter_year(2027, HOLIDAYS_2027[:1], [], notice="测试通知（更正）", replace=True)
    assert CalendarDay.objects.filter(date__year=2027).count() == 3
    assert current_calendar().is_workday(date(2027, 2, 8))


@pytest.mark.parametrize("holidays, makeup, notice, message", [
    ([(date(2027, 1, 1), date(2027, 1, 3), "元旦"), (date(2027, 1, 3), date(2027, 1, 4), "其他")], [], "n", "重叠"),
    ([(date(2026, 12, 31), date(2027, 1, 2), "元旦")], [], "n", "不在2027年内"),
    ([(date(2027, 1, 3), date(2027, 1, 1), "元旦")], [], "n", "早于开始日期"),
    ([(date(2027, 1, 1), date(2027, 1, 3), " ")], [], "n", "缺少名称"),
    (HOLIDAYS_2027, [date(2027, 2, 15)], "n", "不是周末"),
    (HOLIDAYS_2027, [date(2027, 2, 13)], "n", "已在放假安排内"),
    (HOLIDAYS_2027, [date(2026, 12, 26)], "n", "不在2027年内"),
    (HOLIDAYS_2027, [date(2027, 2, 14), date(2027, 2, 14)], "n", "重复"),
    (HOLIDAYS_2027, [], "", "通知的文号"),
    ([], [], "n", "至少录入一项"),
])
def test_enter_year_validation(holidays, makeup, notice, message):
    with pytest.raises(ValidationError) as exc:
        enter_year(2027, holidays, makeup, notice=notice)
    assert any(message in m for m in exc.value.messages), exc.value.messages
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not current_calendar().covers(2027)


def test_bad_year():
    with pytest.raises(ValidationError, match="年份必须在"):
        enter_year(1800, HOLIDAYS_2027, [], notice="n")


def test_failing_receiver_leaves_nothing_half_written():
    def broken(sender, year, **kwargs):
        raise RuntimeError("recompute failed")

    calendar_changed.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            enter_year(2027, HOLIDAYS_2027, MAKEUP_2027, notice="测试通知")
    finally:
        calendar_changed.disconnect(broken)
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert not current_calendar().covers(2027)
