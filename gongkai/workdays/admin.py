"""Entering a year's holiday schedule from the State Council notice, in the Django admin.

Every save goes through ``services.enter_year`` (validated, all-or-nothing, sends ``calendar_changed``);
days are never edited one by one.
"""
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q

from gongkai.law.calendar import format_date

from . import services
from .models import SOURCE_NOTICE, CalendarDay, CalendarYear


def _holiday_text(holidays) -> str:
    return "\n".join(f"{name} {s.isoformat()}" + ("" if s == e else f" 至 {e.isoformat()}") for s, e, name in holidays)


class CalendarYearForm(forms.ModelForm):
    holidays_text = forms.CharField(
        label="放假安排", widget=forms.Textarea(attrs={"rows": 9, "cols": 60}),
        help_text="每行一项：名称、开始日期、结束日期（含周末），例如“春节 2027-02-05 至 2027-02-11”；"
                  "只放一天的写一个日期。",
    )
    makeup_text = forms.CharField(
        label="调休上班日", required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="通知中要求上班的周六、周日，以空格或换行分隔，例如“2027-02-14 2027-02-20”。",
    )

    class Meta:
        model = CalendarYear
        fields = ["year", "notice"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notice"].required = True
        if self.instance.pk:
            self.fields["year"].disabled = True
            holidays, makeup = services.year_entry(self.instance)
            self.initial.setdefault("holidays_text", _holiday_text(holidays))
            self.initial.setdefault("makeup_text", " ".join(d.isoformat() for d in makeup))

    def validate_unique(self):
        pass  # "already entered" is reported by services.validate_entry, in its own words

    def clean(self):
        data = super().clean()
        year = data.get("year")
        if year is None or self.errors:
            return data
        try:
            holidays = services.parse_holiday_lines(data.get("holidays_text", ""))
            makeup = services.parse_dates(data.get("makeup_text", ""))
            services.validate_entry(year, holidays, makeup, notice=data.get("notice", ""),
                                    source=SOURCE_NOTICE, replace=bool(self.instance.pk))
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        data["holidays"], data["makeup_days"] = holidays, makeup
        return data


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
            user=request.user, notice=form.cleaned_data["notice"], replace=change,
        )
        # The admin logs and redirects with ``obj``: make it the saved row.
        obj.pk = saved.pk
        obj.entered_by, obj.entered_at, obj.source = saved.entered_by, saved.entered_at, saved.source
        obj._state.adding = False
