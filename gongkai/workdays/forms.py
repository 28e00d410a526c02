"""Entering a year's holiday schedule as text lines: the Django admin and the staff calendar screen.

Validation is services.validate_entry (all problems at once, in Chinese); saving is services.enter_year.
"""
from django import forms
from django.core.exceptions import ValidationError

from . import services
from .models import SOURCE_NOTICE, CalendarYear


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
