"""Forms: the applicant's details (Art. 29) for the public form and staff registration; fee calculator."""
from __future__ import annotations

from django import forms

from gongkai.law.fees import SCHEMES
from gongkai.law.periods import CHANNELS

from .models import APPLICANT_TYPES, FORMS_WANTED, ID_TYPES
from .services import ApplicantData

DATE = forms.DateInput(attrs={"type": "date"})
DESCRIPTION_MAX = 5000


class ApplicantForm(forms.Form):
    applicant_type = forms.ChoiceField(label="申请人类型", choices=APPLICANT_TYPES)
    applicant_name = forms.CharField(label="姓名或名称", max_length=100)
    id_type = forms.ChoiceField(label="证件类型", choices=ID_TYPES)
    id_number = forms.CharField(label="证件号码", max_length=40)
    phone = forms.CharField(label="联系电话", max_length=40, required=False)
    email = forms.EmailField(label="电子邮箱", required=False)
    address = forms.CharField(label="通信地址", max_length=200, required=False)
    title = forms.CharField(label="所需信息的名称", max_length=200)
    document_number = forms.CharField(label="文号（如知道）", max_length=100, required=False)
    # Bounded: the public form is anonymous, and the text is compared with every recent case (duplicates).
    description = forms.CharField(label="所需信息的内容描述", max_length=DESCRIPTION_MAX,
                                  widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text="请尽量写明信息的名称、文号或其他便于查询的特征（第二十九条）。")
    form_wanted = forms.ChoiceField(label="获取信息的方式", choices=FORMS_WANTED)

    def applicant(self) -> ApplicantData:
        d = self.cleaned_data
        return ApplicantData(**{k: d.get(k) or "" for k in ApplicantData.__dataclass_fields__})


class RegisterForm(ApplicantForm):
    agency = forms.ModelChoiceField(label="受理机关", queryset=None, empty_label=None)
    channel = forms.ChoiceField(label="申请方式", choices=[(k, v) for k, v in CHANNELS.items() if k != "online"])
    submitted_on = forms.DateField(label="提交日期（当面、口头：即收到日期）", required=False, widget=DATE)
    signed_for_on = forms.DateField(label="签收日期（邮寄）", required=False, widget=DATE)
    confirmed_on = forms.DateField(label="双方确认日期（电子邮件、传真；平信无需签收的，与申请人确认之日）",
                                   required=False, widget=DATE)

    field_order = ["agency", "channel", "submitted_on", "signed_for_on", "confirmed_on"]

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


class FeeForm(forms.Form):
    scheme = forms.ChoiceField(label="收费方式", choices=list(SCHEMES.items()))
    pages = forms.IntegerField(label="页数（按量计收）", min_value=1, required=False)
    agency = forms.ModelChoiceField(label="机关（按件计收）", queryset=None, required=False)
    id_type = forms.ChoiceField(label="申请人证件类型", choices=ID_TYPES, required=False)
    id_number = forms.CharField(label="申请人证件号码", max_length=40, required=False)
    month = forms.CharField(label="月份（如 2024-03）", max_length=7, required=False)
    nth = forms.IntegerField(label="或直接填写：本月第几件申请", min_value=1, required=False)

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
