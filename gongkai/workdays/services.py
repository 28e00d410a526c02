"""The database calendar: snapshot for deadline computation, and entering a year from the notice."""
from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from gongkai.law.calendar import CHINESE_CALENDAR_YEARS, WorkCalendar, format_date

from .models import SOURCE_NOTICE, SOURCE_PACKAGE, CalendarDay, CalendarYear
from .signals import calendar_changed

MIN_YEAR, MAX_YEAR = 2000, 2100
MAKEUP_NAME = "调休上班"

_lock = threading.Lock()
_cached: tuple[tuple, WorkCalendar] | None = None


def _fingerprint() -> tuple:
    # One cheap query; any enter/replace/delete of a year changes it, in every process.
    agg = CalendarYear.objects.aggregate(n=Count("id"), last=Max("entered_at"))
    return agg["n"], agg["last"]


def current_calendar() -> WorkCalendar:
    """The schedule in the database as an immutable WorkCalendar (cached until a year changes).

    ``version`` is a hash of the effective overrides and known years (gongkai.law.calendar.calendar_version).
    """
    global _cached
    fp = _fingerprint()
    cached = _cached
    if cached and cached[0] == fp:
        return cached[1]
    with _lock:
        rows = CalendarDay.objects.values_list("date", "is_workday", "name")
        overrides = {d: w for d, w, _ in rows}
        names = {d: n for d, _, n in rows}
        years = CalendarYear.objects.values_list("year", flat=True)
        cal = WorkCalendar(overrides, list(years), names=names)
        _cached = (fp, cal)
    return cal


def clear_cache() -> None:
    global _cached
    _cached = None


# -- entering a year -----------------------------------------------------------------------------

Holiday = tuple[date, date, str]


def validate_entry(
    year: int,
    holidays: Sequence[Holiday],
    makeup_days: Sequence[date],
    *,
    notice: str = "",
    source: str = SOURCE_NOTICE,
    replace: bool = False,
) -> None:
    """Raise ValidationError (all problems, in Chinese) unless the entry can be saved as is."""
    errors: list[str] = []
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(f"年份必须在{MIN_YEAR}—{MAX_YEAR}之间")
    if source == SOURCE_NOTICE and not (notice or "").strip():
        errors.append("请填写国务院办公厅通知的文号")
    if not holidays:
        errors.append(f"请至少录入一项{year}年的放假安排")
    ranges: list[Holiday] = []
    for item in holidays:
        try:
            start, end, name = item
        except (TypeError, ValueError):
            errors.append(f"放假安排格式不正确：{item!r}")
            continue
        if not isinstance(start, date) or not isinstance(end, date):
            errors.append(f"放假安排“{name}”的日期无效")
            continue
        label = (name or "").strip()
        if not label:
            errors.append(f"{format_date(start)}起的放假安排缺少名称（如“春节”）")
        elif len(label) > 100:
            errors.append(f"放假安排名称过长：{label[:20]}…")
        if end < start:
            errors.append(f"“{label}”的结束日期{format_date(end)}早于开始日期{format_date(start)}")
            continue
        if start.year != year or end.year != year:
            errors.append(f"“{label}”（{format_date(start)}至{format_date(end)}）不在{year}年内；"
                          "跨年的放假日请分别录入所在年份")
            continue
        ranges.append((start, end, label))
    ranges.sort()
    for (s1, e1, n1), (s2, e2, n2) in zip(ranges, ranges[1:]):
        if s2 <= e1:
            errors.append(f"“{n1}”与“{n2}”的放假日期重叠（{format_date(s2)}）")
    seen: set[date] = set()
    for d in makeup_days:
        if not isinstance(d, date):
            errors.append(f"调休上班日无效：{d!r}")
            continue
        if d in seen:
            errors.append(f"调休上班日{format_date(d)}重复")
            continue
        seen.add(d)
        if d.year != year:
            errors.append(f"调休上班日{format_date(d)}不在{year}年内")
        elif d.weekday() < 5:
            errors.append(f"{format_date(d)}不是周末，无需录入为调休上班日")
        elif any(s <= d <= e for s, e, _ in ranges):
            errors.append(f"{format_date(d)}已在放假安排内，不能同时是调休上班日")
    existing = CalendarYear.objects.filter(year=year).first()
    if existing and not replace:
        errors.append(f"{year}年的节假日安排已录入（来源：{existing.get_source_display()}）；如需更正，请选择替换")
    if errors:
        raise ValidationError(errors)


def _day_rows(year_obj: CalendarYear, holidays: Iterable[Holiday], makeup_days: Iterable[date]) -> list[CalendarDay]:
    rows = []
    for start, end, name in holidays:
        for o in range(start.toordinal(), end.toordinal() + 1):
            rows.append(CalendarDay(calendar_year=year_obj, date=date.fromordinal(o), is_workday=False,
                                    kind=CalendarDay.HOLIDAY, name=name.strip()))
    for d in makeup_days:
        rows.append(CalendarDay(calendar_year=year_obj, date=d, is_workday=True, kind=CalendarDay.MAKEUP,
                                name=_makeup_name(d, holidays)))
    return rows


def _makeup_name(d: date, holidays: Iterable[Holiday]) -> str:
    """A make-up day is named after the nearest holiday, as in the notices ("春节调休上班")."""
    def distance(h: Holiday) -> int:
        start, end, _ = h
        return min(abs((d - start).days), abs((d - end).days))

    nearest = min(holidays, key=distance, default=None)
    return f"{nearest[2].strip()}{MAKEUP_NAME}" if nearest else MAKEUP_NAME


def enter_year(
    year: int,
    holidays: Sequence[Holiday],
    makeup_days: Sequence[date],
    user=None,
    notice: str = "",
    *,
    source: str = SOURCE_NOTICE,
    replace: bool = False,
    request=None,
) -> CalendarYear:
    """Enter (or, with ``replace``, correct) a year's schedule from the State Council notice.

    ``holidays``: (first day, last day, name) ranges, weekends inside them included; ``makeup_days``:
    weekend days declared working days. All-or-nothing; sends ``calendar_changed(year=year)`` inside the
    transaction so that deadlines recomputed by receivers are saved together with the schedule.
    """
    with transaction.atomic():
        # Lock the year row (if any) so two administrators cannot interleave.
        list(CalendarYear.objects.select_for_update().filter(year=year))
        validate_entry(year, holidays, makeup_days, notice=notice, source=source, replace=replace)
        obj, _ = CalendarYear.objects.update_or_create(
            year=year,
            defaults={"source": source, "notice": (notice or "").strip(), "entered_by": user,
                      "entered_at": timezone.now()},
        )
        obj.days.all().delete()
        CalendarDay.objects.bulk_create(_day_rows(obj, holidays, makeup_days))
        clear_cache()
        calendar_changed.send(sender=CalendarYear, year=year)
        # Site-wide (no agency): read by the auditors of top-level agencies.
        from gongkai.agencies import audit

        days = sum((e - s).days + 1 for s, e, _ in holidays)
        audit.record(actor=user, action="calendar.replace_year" if replace else "calendar.enter_year", target=obj,
                     summary=f"{'更正' if replace else '录入'}{year}年节假日安排：放假{days}天，调休上班{len(makeup_days)}天"
                             + (f"（{notice.strip()}）" if (notice or "").strip() else ""),
                     data={"holidays": [[s.isoformat(), e.isoformat(), n] for s, e, n in holidays],
                           "makeup_days": [d.isoformat() for d in makeup_days]}, request=request)
    return obj


def month_grids(year: int, cal: WorkCalendar | None = None) -> list[dict]:
    """The year as twelve month grids (weeks Monday–Sunday) for the calendar screen: each day with
    ``kind`` holiday / makeup / weekend / workday and the holiday's name."""
    import calendar as pycal

    cal = cal or current_calendar()
    months = []
    for m in range(1, 13):
        weeks = []
        for week in pycal.Calendar(firstweekday=0).monthdatescalendar(year, m):
            row = []
            for d in week:
                if d.month != m:
                    row.append(None)
                    continue
                work = cal.is_workday(d)
                weekend = d.weekday() >= 5
                kind = ("makeup" if weekend else "workday") if work else ("weekend" if weekend and not cal.name(d) else "holiday")
                row.append({"date": d, "kind": kind, "name": cal.name(d) or ""})
            weeks.append(row)
        months.append({"month": m, "weeks": weeks})
    return months


def year_entry(obj: CalendarYear) -> tuple[list[Holiday], list[date]]:
    """A stored year back as (holiday ranges, make-up days): consecutive days with one name form a range."""
    holidays: list[list] = []
    makeup: list[date] = []
    for day in obj.days.order_by("date"):
        if day.kind == CalendarDay.MAKEUP:
            makeup.append(day.date)
        elif holidays and holidays[-1][2] == day.name and (day.date - holidays[-1][1]).days == 1:
            holidays[-1][1] = day.date
        else:
            holidays.append([day.date, day.date, day.name])
    return [tuple(h) for h in holidays], makeup


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def parse_dates(text: str) -> list[date]:
    """All dates written as 2027-01-01, 2027/1/1 or 2027年1月1日 in ``text``; bad ones → ValidationError."""
    out = []
    for m in _DATE.finditer(text or ""):
        try:
            out.append(date(int(m[1]), int(m[2]), int(m[3])))
        except ValueError:
            raise ValidationError(f"日期不存在：{m[0]}") from None
    return out


def parse_holiday_lines(text: str) -> list[Holiday]:
    """One holiday per line: a name and one or two dates, e.g. ``春节 2027-02-05 至 2027-02-11``."""
    out = []
    for n, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        dates = parse_dates(line)
        name = _DATE.sub(" ", line)
        name = re.sub(r"[\s,，:：;；、]|至|到|—|－|~|～|-", " ", name).split()
        if not dates or len(dates) > 2:
            raise ValidationError(f"第{n}行应写名称和一个或两个日期，例如“春节 2027-02-05 至 2027-02-11”")
        if len(name) != 1:
            raise ValidationError(f"第{n}行应只有一个名称，例如“春节”")
        out.append((dates[0], dates[-1], name[0]))
    return out


# -- seeding ---------------------------------------------------------------------------------------

def seed_from_chinese_calendar(year_model=CalendarYear, day_model=CalendarDay,
                               years: Iterable[int] = CHINESE_CALENDAR_YEARS) -> int:
    """Create the years chinesecalendar knows and that are not in the database yet; returns days created.

    Only holidays and make-up days are stored (a few hundred rows), never every day. Takes the model
    classes so that the data migration can pass its historical models.
    """
    present = set(year_model.objects.values_list("year", flat=True))
    wanted = [y for y in years if y not in present]
    if not wanted:
        return 0
    days = WorkCalendar.chinese_calendar_days(wanted)
    year_objs = {y: year_model(year=y, source=SOURCE_PACKAGE, notice="", entered_at=timezone.now()) for y in wanted}
    year_model.objects.bulk_create(year_objs.values())
    ids = dict(year_model.objects.filter(year__in=wanted).values_list("year", "id"))
    rows = [
        day_model(calendar_year_id=ids[d.year], date=d, is_workday=w, kind="makeup" if w else "holiday", name=name)
        for d, (w, name) in sorted(days.items())
    ]
    day_model.objects.bulk_create(rows)
    return len(rows)
