from __future__ import annotations

from django import forms

from gongkai.applications.models import Application

from .models import KIND_CHOICES, PENDING_LABEL, RESULT_CHOICES, Appeal


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class AppealForm(forms.ModelForm):
    """Validation lives in Appeal.clean (run by the ModelForm), so the form and services agree."""

    class Meta:
        model = Appeal
        fields = ["kind", "application", "case_number", "body", "filed_on", "result", "decided_on", "notes"]
        widgets = {"filed_on": DateInput(), "decided_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"body": "行政复议填写复议机关，行政诉讼填写受理法院。",
                      "decided_on": "复议决定或裁判文书作出日期；尚未审结的留空。"}

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = Application.objects.filter(agency=agency).order_by("-received_on", "-id")
        self.fields["application"].empty_label = "无（不关联申请）"
        self.fields["kind"].choices = [("", "请选择")] + KIND_CHOICES
        self.fields["result"].choices = [("", PENDING_LABEL)] + RESULT_CHOICES


class FilterForm(forms.Form):
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部")] + KIND_CHOICES)
    year = forms.IntegerField(label="年度", required=False, min_value=1990, max_value=2100,
                              help_text="按年报计数规则：当年审结或当年末尚未审结。")
    result = forms.ChoiceField(label="结果", required=False,
                               choices=[("", "全部")] + RESULT_CHOICES + [("pending", f"{PENDING_LABEL}（目前）")])
