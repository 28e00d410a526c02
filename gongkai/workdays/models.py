from django.conf import settings
from django.db import models
from django.utils import timezone

SOURCE_PACKAGE = "chinesecalendar"
SOURCE_NOTICE = "国务院办公厅通知"


class CalendarYear(models.Model):
    """A year whose holiday schedule is known. Days not listed in CalendarDay follow Monday–Friday."""

    SOURCES = [(SOURCE_PACKAGE, "chinesecalendar 软件包"), (SOURCE_NOTICE, "国务院办公厅通知")]

    year = models.PositiveSmallIntegerField("年份", unique=True)
    source = models.CharField("来源", max_length=32, choices=SOURCES, default=SOURCE_NOTICE)
    notice = models.CharField("通知文号", max_length=200, blank=True,
                              help_text="例如：国办发明电〔2025〕7号")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    entered_at = models.DateTimeField("录入时间", default=timezone.now)

    class Meta:
        ordering = ["-year"]
        verbose_name = "节假日安排（年度）"
        verbose_name_plural = "节假日安排（年度）"

    def __str__(self) -> str:
        return f"{self.year}年"


class CalendarDay(models.Model):
    """A day that differs from — or, for a holiday falling on a weekend, restates — Monday–Friday."""

    HOLIDAY, MAKEUP = "holiday", "makeup"
    KINDS = [(HOLIDAY, "放假"), (MAKEUP, "调休上班")]

    calendar_year = models.ForeignKey(CalendarYear, verbose_name="年度", on_delete=models.CASCADE,
                                      related_name="days")
    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日")
    kind = models.CharField("类型", max_length=16, choices=KINDS)
    name = models.CharField("名称", max_length=100)

    class Meta:
        ordering = ["date"]
        verbose_name = "节假日或调休日"
        verbose_name_plural = "节假日和调休日"
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="holiday", is_workday=False) | models.Q(kind="makeup", is_workday=True)),
                name="workdays_day_kind_matches_workday",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}"
