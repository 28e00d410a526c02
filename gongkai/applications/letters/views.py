"""Staff pages of letters: each agency's templates and letter settings (the agency's head, "letter.manage").

Another agency's templates are a 404 (``agency_required`` with the agency's slug in the URL).
"""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from gongkai.agencies.permissions import agency_required

from ..models import LetterSettings
from . import TemplateRefused, parse_key, reset_template, save_settings, save_template, template_for, templates_of
from .defaults import defaults
from .forms import LetterSettingsForm, LetterTemplateForm
from .vocabulary import FIELDS


@agency_required("letter.manage")
def templates(request):
    agencies = [(a, templates_of(a)) for a in request.agencies.order_by("name")]
    return render(request, "applications/letters/templates.html", {"agencies": agencies})


def _template(agency, key):
    try:
        kind, outcome = parse_key(key)
    except KeyError:
        raise Http404("没有这种文书模板。") from None
    return template_for(agency, kind, outcome)


@agency_required("letter.manage")
def template_edit(request, agency, key):
    tpl = _template(agency, key)
    form = LetterTemplateForm(request.POST or None, initial={"title": tpl.title, "body": tpl.body})
    if request.method == "POST" and form.is_valid():
        try:
            save_template(agency, key, title=form.cleaned_data["title"], body=form.cleaned_data["body"],
                          actor=request.user, request=request)
        except TemplateRefused as exc:  # the form checked it already; kept for a template changed meanwhile
            form.add_error("body", exc.message)
        else:
            messages.success(request, f"已保存{agency.name}的“{tpl.name}”；已出具的文书不受影响。")
            return redirect(reverse("applications:templates"))
    default_title, default_body = defaults()[(tpl.kind, tpl.outcome)]
    return render(request, "applications/letters/template_edit.html", {
        "form": form, "tpl": tpl, "agency": agency, "fields": FIELDS,
        "default_title": default_title, "default_body": default_body,
    })


@agency_required("letter.manage")
@require_POST
def template_reset(request, agency, key):
    tpl = _template(agency, key)
    if reset_template(agency, key, actor=request.user, request=request):
        messages.success(request, f"{agency.name}的“{tpl.name}”已恢复为默认模板。")
    return redirect(reverse("applications:templates"))


@agency_required("letter.manage")
def letter_settings(request, agency):
    instance = LetterSettings.objects.filter(agency=agency).first() or LetterSettings(agency=agency)
    form = LetterSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        save_settings(agency, doc_prefix=d["doc_prefix"], body_font=d["body_font"], title_font=d["title_font"],
                      actor=request.user, request=request)
        messages.success(request, f"已保存{agency.name}的文书设置。")
        return redirect(reverse("applications:templates"))
    return render(request, "applications/letters/settings.html", {"form": form, "agency": agency})
