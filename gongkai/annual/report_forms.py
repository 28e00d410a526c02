"""Forms of the annual report's staff pages (the 年报体检 upload form is ``forms.py``)."""
from __future__ import annotations

from django import forms

from gongkai.report.layouts import SECTION_TITLES

from .compile import MAX_NOTE_CHARS, MAX_SECTION_CHARS
from .models import LedgerEntry, PlatformFacts, ProactiveStats, Proposal


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class StatsForm(forms.ModelForm):
    class Meta:
        model = ProactiveStats
        fields = ["licensing", "punishment", "coercion", "fees_10k_yuan"]
        help_texts = {"fees_10k_yuan": "单位：万元，最多两位小数；无收费填 0。"}


class FactsForm(forms.ModelForm):
    class Meta:
        model = PlatformFacts
        fields = ["print_count", "print_outlets", "new_media_count", "new_media_outlets", "gazette_count",
                  "media_count", "media_outlets", "other_items"]
        widgets = {"other_items": forms.Textarea(attrs={"rows": 6})}


class SectionsForm(forms.Form):
    s1 = forms.CharField(label=SECTION_TITLES["1"], required=False, max_length=MAX_SECTION_CHARS,
                         widget=forms.Textarea(attrs={"rows": 14}))
    s5 = forms.CharField(label=SECTION_TITLES["5"], required=False, max_length=MAX_SECTION_CHARS,
                         widget=forms.Textarea(attrs={"rows": 8}))
    s6 = forms.CharField(label=SECTION_TITLES["6"], required=False, max_length=MAX_SECTION_CHARS,
                         widget=forms.Textarea(attrs={"rows": 8}))


class PublishForm(forms.Form):
    correction_note = forms.CharField(label="更正说明", required=False, max_length=MAX_NOTE_CHARS,
                                      widget=forms.Textarea(attrs={"rows": 3}),
                                      help_text="再次发布（更正）时必填，将随新版本在公开专栏显示。")


class UploadForm(forms.Form):
    file = forms.FileField(label="文件")


class MultiFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiUploadForm(forms.Form):
    files = forms.FileField(label="年度报告文件（可多选）", widget=MultiFileInput(attrs={"multiple": True}), required=False)


class ProposalForm(forms.ModelForm):
    class Meta:
        model = Proposal
        fields = ["kind", "number", "title", "received_on", "answered_on", "result"]
        widgets = {"received_on": DateInput(), "answered_on": DateInput()}


class LedgerForm(forms.ModelForm):
    class Meta:
        model = LedgerEntry
        fields = ["source", "found_on", "problem", "measure", "responsible", "due_on"]
        widgets = {"found_on": DateInput(), "due_on": DateInput(), "problem": forms.Textarea(attrs={"rows": 3}),
                   "measure": forms.Textarea(attrs={"rows": 3})}


class CloseForm(forms.Form):
    closed_on = forms.DateField(label="销号日期", widget=DateInput())
    measure = forms.CharField(label="整改措施", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    note = forms.CharField(label="整改情况", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
