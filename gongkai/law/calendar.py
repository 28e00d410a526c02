"""Working days (工作日) and counting periods in them.

Every statutory period of the Regulations counts working days: Monday–Friday, minus the statutory
holidays, plus the weekend days the State Council declares make-up working days (调休). The schedule is
published yearly, so a calendar only *knows* some years; a period running into an unknown year is
counted Monday–Friday and marked provisional, to be recomputed once that year is entered.

Pure Python: the database-backed calendar (gongkai.workdays) builds a ``WorkCalendar`` snapshot.
"""
from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

# English names used by ``chinese_calendar`` → the Chinese names of the State Council notices.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
# Years the ``chinesecalendar`` package knows; it raises NotImplementedError outside them.
CHINESE_CALENDAR_YEARS = range(2004, 2027)

WEEKDAYS_ZH = "一二三四五六日"


def format_date(d: date) -> str:
    """``2024年9月25日`` — the form used in letters and derivations."""
    return f"{d.year}年{d.month}月{d.day}日"


def format_date_weekday(d: date) -> str:
    return f"{format_date(d)}（星期{WEEKDAYS_ZH[d.weekday()]}）"


def calendar_version(overrides: Mapping[date, bool], years: Iterable[int]) -> str:
    """A short hash of the effective schedule: equal schedules give equal versions."""
    h = hashlib.sha256()
    h.update(",".join(str(y) for y in sorted(set(years))).encode())
    for d in sorted(overrides):
        if overrides[d] != (d.weekday() < 5):
            h.update(f";{d.isoformat()}={int(overrides[d])}".encode())
    return h.hexdigest()[:16]


def uncovered_reason(years: Iterable[int]) -> str:
    """e.g. 临时结果：2027年的节假日安排尚未录入; consecutive years as one range (2027年至2030年)."""
    runs: list[list[int]] = []
    for y in sorted(set(years)):
        if runs and y == runs[-1][1] + 1:
            runs[-1][1] = y
        else:
            runs.append([y, y])
    listed = "、".join(f"{a}年" if a == b else f"{a}年{'、' if b == a + 1 else '至'}{b}年" for a, b in runs)
    return f"临时结果：{listed}的节假日安排尚未录入"


@dataclass(frozen=True)
class DueDate:
    date: date
    provisional: bool
    reason: str | None = None


class WorkCalendar:
    """Immutable snapshot of the working-day schedule.

    ``overrides``: weekday holidays (False) and weekend make-up working days (True); entries that agree
    with the Monday–Friday default (e.g. a holiday falling on a Sunday) are accepted and ignored.
    ``years``: the years whose schedule is known. ``names``: optional day → holiday name, for derivations.
    """

    __slots__ = ("_overrides", "_sorted", "_years", "_names", "version")

    def __init__(
        self,
        overrides: Mapping[date, bool],
        years: Iterable[int],
        version: str = "",
        names: Mapping[date, str] | None = None,
    ):
        known = frozenset(int(y) for y in years)
        effective: dict[int, bool] = {}
        for d, working in overrides.items():
            if not isinstance(d, date):
                raise TypeError(f"calendar override key must be a date, got {d!r}")
            if d.year not in known:
                raise ValueError(f"{format_date(d)}不在已录入的年份内，不能作为节假日或调休日")
            if bool(working) != (d.weekday() < 5):
                effective[d.toordinal()] = bool(working)
        self._overrides = MappingProxyType(effective)
        self._sorted = sorted(effective)  # ordinals, for range queries
        self._years = known
        self._names = MappingProxyType(dict(names or {}))
        self.version = version or calendar_version(overrides, known)

    # -- construction -----------------------------------------------------------------------
    @staticmethod
    def chinese_calendar_days(years: Iterable[int] = CHINESE_CALENDAR_YEARS) -> dict[date, tuple[bool, str]]:
        """Holidays and make-up days from ``chinese_calendar``: day → (is_workday, Chinese name).

        Holidays on weekends are included (they belong to the notice's ranges); a make-up day is named
        after its holiday with "调休上班".
        """
        from chinese_calendar import constants

        wanted = set(years)
        outside = wanted - set(CHINESE_CALENDAR_YEARS)
        if outside:
            raise ValueError(f"chinesecalendar 仅收录{CHINESE_CALENDAR_YEARS[0]}—{CHINESE_CALENDAR_YEARS[-1]}年，"
                             f"不含{'、'.join(str(y) for y in sorted(outside))}年")
        days: dict[date, tuple[bool, str]] = {}
        for d, name in constants.holidays.items():
            if d.year in wanted:
                days[d] = (False, HOLIDAY_NAMES_ZH.get(name, name))
        for d, name in constants.workdays.items():
            if d.year in wanted and d.weekday() >= 5:
                days[d] = (True, HOLIDAY_NAMES_ZH.get(name, name) + "调休上班")
        return days

    @classmethod
    def from_chinese_calendar(cls, years: Iterable[int] = CHINESE_CALENDAR_YEARS) -> WorkCalendar:
        years = list(years)
        days = cls.chinese_calendar_days(years)
        return cls({d: w for d, (w, _) in days.items()}, years, names={d: n for d, (_, n) in days.items()})

    # -- queries ----------------------------------------------------------------------------
    @property
    def years(self) -> frozenset[int]:
        return self._years

    def covers(self, year: int) -> bool:
        return year in self._years

    def is_workday(self, d: date) -> bool:
        return self._overrides.get(d.toordinal(), d.weekday() < 5)

    def is_workday_ordinal(self, o: int) -> bool:
        """``is_workday`` on a proleptic ordinal (ordinal 1, 0001-01-01, is a Monday); for tight loops."""
        return self._overrides.get(o, (o + 6) % 7 < 5)

    def name(self, d: date) -> str | None:
        return self._names.get(d)

    def overrides_between(self, a: date, b: date) -> list[tuple[date, bool]]:
        """Effective overrides in (a, b], in date order: what a clerk must know about that stretch."""
        i = bisect_right(self._sorted, a.toordinal())
        j = bisect_right(self._sorted, b.toordinal())
        return [(date.fromordinal(o), self._overrides[o]) for o in self._sorted[i:j]]

    def __repr__(self) -> str:
        span = f"{min(self._years)}–{max(self._years)}" if self._years else "none"
        return f"<WorkCalendar years={span} version={self.version}>"


def _check_date(value, what: str) -> date:
    if not isinstance(value, date):
        raise ValueError(f"{what}不是有效日期")
    return value


def _provisional(cal: WorkCalendar, first: date, last: date) -> DueDate | None:
    missing = [y for y in range(first.year, last.year + 1) if not cal.covers(y)]
    return DueDate(last, True, uncovered_reason(missing)) if missing else None


def add_working_days(cal: WorkCalendar, start: date, n: int) -> DueDate:
    """The N-th working day after ``start``: Day 1 is the first working day after the start date.

    20 working days from 2024-09-25 → 2024-10-28. Days in years the calendar does not cover are
    counted Monday–Friday and the result is provisional.
    """
    _check_date(start, "起算日期")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError("工作日数必须是不小于0的整数")
    overrides = cal._overrides
    o = start.toordinal()
    wd = start.weekday()
    left = n
    while left:
        o += 1
        wd = (wd + 1) % 7
        if overrides.get(o, wd < 5):
            left -= 1
    if o > date.max.toordinal():
        raise ValueError(f"自{start.isoformat()}起算{n}个工作日超出了可计算的日期范围")
    due = date.fromordinal(o)
    if n == 0:
        return DueDate(due, False, None)
    return _provisional(cal, start + timedelta(days=1), due) or DueDate(due, False, None)


def working_days_between(cal: WorkCalendar, a: date, b: date) -> int:
    """Working days after ``a`` up to and including ``b``; negative when ``b`` is before ``a``."""
    _check_date(a, "开始日期")
    _check_date(b, "结束日期")
    if b < a:
        return -working_days_between(cal, b, a)
    overrides = cal._overrides
    count = 0
    wd = a.weekday()
    for o in range(a.toordinal() + 1, b.toordinal() + 1):
        wd = (wd + 1) % 7
        if overrides.get(o, wd < 5):
            count += 1
    return count
