"""The working-day calendar for platform administrators (/staff/platform/calendar/): view a year, correct
its holidays and make-up days, enter a new year. Saving goes through services.enter_year, which sends
``calendar_changed`` (open cases' deadlines and catalogue due dates are recomputed) and audits."""
from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from gongkai.agencies.permissions import agency_required

from . import services
from .forms import CalendarYearForm
from .models import CalendarDay, CalendarYear

WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")


@agency_required("calendar.manage")
def year_list(request):
    years = CalendarYear.objects.annotate(
        holidays=Count("days", filter=Q(days__kind=CalendarDay.HOLIDAY)),
        makeup=Count("days", filter=Q(days__kind=CalendarDay.MAKEUP))).order_by("-year")
    form = CalendarYearForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        services.enter_year(d["year"], d["holidays"], d["makeup_days"], user=request.user, notice=d["notice"],
                            request=request)
        messages.success(request, f"已录入{d['year']}年节假日安排；在办申请和待公开信息的期限已按新日历重新计算。")
        return redirect("workdays:year", year=d["year"])
    return render(request, "workdays/years.html", {"years": years, "form": form})


@agency_required("calendar.manage")
def year_detail(request, year: int):
    if not services.MIN_YEAR <= year <= services.MAX_YEAR:
        raise Http404("没有这个年度。")
    obj = get_object_or_404(CalendarYear, year=year)
    form = CalendarYearForm(request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        services.enter_year(year, d["holidays"], d["makeup_days"], user=request.user, notice=d["notice"],
                            replace=True, request=request)
        messages.success(request, f"已更正{year}年节假日安排；在办申请和待公开信息的期限已按新日历重新计算。")
        return redirect("workdays:year", year=year)
    return render(request, "workdays/year.html", {
        "obj": obj, "form": form, "months": services.month_grids(year), "weekdays": WEEKDAYS,
    })
