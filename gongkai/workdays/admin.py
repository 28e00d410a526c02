"""Entering a year's holiday schedule from the State Council notice, in the Django admin.

Every save goes through ``services.enter_year`` (validated, all-or-nothing, sends ``calendar_changed``);
days are never edited one by one.
"""
from django.contrib import admin
from django.db.models import Count, Prefetch, Q

from gongkai.law.calendar import format_date

from . import services
from .forms import CalendarYearForm
from .models import CalendarDay, CalendarYear


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    form = CalendarYearForm
    list_display = ["year", "source", "notice", "holiday_days", "makeup_days", "entered_by", "entered_at"]
    readonly_fields = ["day_list"]

    @admin.display(description="已录入的日期")
    def day_list(self, obj):
        if not obj.pk:
            return "—"
        return "；".join(f"{format_date(d.date)} {d.get_kind_display()}（{d.name}）" for d in obj.days.all())

    def get_queryset(self, request):
        # The list shows every year (2004– from chinesecalendar): count and fetch days in one go, not per row.
        makeup = CalendarDay.objects.filter(kind=CalendarDay.MAKEUP)
        return (super().get_queryset(request).select_related("entered_by")
                .annotate(n_holidays=Count("days", filter=Q(days__kind=CalendarDay.HOLIDAY)))
                .prefetch_related(Prefetch("days", queryset=makeup, to_attr="makeup_list")))

    @admin.display(description="放假天数")
    def holiday_days(self, obj):
        return obj.n_holidays

    @admin.display(description="调休上班日")
    def makeup_days(self, obj):
        return "、".join(format_date(d.date) for d in obj.makeup_list)

    def save_model(self, request, obj, form, change):
        saved = services.enter_year(
            form.cleaned_data["year"], form.cleaned_data["holidays"], form.cleaned_data["makeup_days"],
            user=request.user, notice=form.cleaned_data["notice"], replace=change, request=request,
        )
        # The admin logs and redirects with ``obj``: make it the saved row.
        obj.pk = saved.pk
        obj.entered_by, obj.entered_at, obj.source = saved.entered_by, saved.entered_at, saved.source
        obj._state.adding = False
