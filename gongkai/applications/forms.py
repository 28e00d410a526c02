"""Forms: the applicant's details (Art. 29) for the public form and staff registration; fee calculator."""
from __future__ import annotations

from django import forms

from gongkai.law.fees import SCHEMES
from gongkai.law.periods import CHANNELS

from django.core.exceptions import ValidationError

from . import identity
from .models import APPLICANT_TYPES, FORMS_WANTED, ID_TYPES
from .services import BOXES, SORTS, ApplicantData, validate_address, validate_phone
from .workflow import STATES

DATE = forms.DateInput(attrs={"type": "date"})
DESCRIPTION_MAX = 5000


class ApplicantForm(forms.Form):
    applicant_type = forms.ChoiceField(label="申请人类型", choices=APPLICANT_TYPES)
    applicant_name = forms.CharField(label="姓名或名称", max_length=100)
    id_type = forms.ChoiceField(label="证件类型", choices=ID_TYPES)
    id_number = forms.CharField(label="证件号码", max_length=40)
    phone = forms.CharField(label="联系电话", max_length=40, required=False, validators=[validate_phone],
                            help_text="手机或固定电话，如 13800000000、0533-1234567。")
    email = forms.EmailField(label="电子邮箱", required=False, error_messages={"invalid": "电子邮箱格式不正确，如 name@example.cn。"})
    address = forms.CharField(label="通信地址", max_length=200, required=False, validators=[validate_address],
                              help_text="联系电话、电子邮箱、通信地址至少填写一项（第二十九条）。")
    title = forms.CharField(label="所需信息的名称", max_length=200)
    document_number = forms.CharField(label="文号（如知道）", max_length=100, required=False)
    # Bounded: the public form is anonymous, and the text is compared with every recent case (duplicates).
    description = forms.CharField(label="所需信息的内容描述", max_length=DESCRIPTION_MAX,
                                  widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text="请尽量写明信息的名称、文号或其他便于查询的特征（第二十九条）。")
    form_wanted = forms.ChoiceField(label="获取信息的方式", choices=FORMS_WANTED)

    def clean(self):
        d = super().clean()
        if d.get("id_type") and d.get("id_number"):
            try:
                identity.normalize(d["id_type"], d["id_number"])
            except ValidationError as exc:
                self.add_error("id_number", exc.messages[0])
        if not any(d.get(k) for k in ("phone", "email", "address")) and not any(
                k in self.errors for k in ("phone", "email", "address")):
            self.add_error("phone", "请至少填写一种联系方式：联系电话、电子邮箱或通信地址（第二十九条）。")
        return d

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


class CaseFilterForm(forms.Form):
    """Filters and sort of a workbench list (GET): never applicant data, which would land in URLs."""

    SORT_LABELS = [("due_on", "答复期限"), ("received_on", "收到日期"), ("number", "登记号"), ("state", "状态")]

    q = forms.CharField(label="登记号、查询码或所需信息", max_length=100, required=False)
    agency = forms.ModelChoiceField(label="机关", queryset=None, required=False, empty_label="全部")
    state = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + list(STATES.items()))
    sort = forms.ChoiceField(label="排序", required=False,
                             choices=[(k, v) for k, v in SORT_LABELS] + [(f"-{k}", f"{v}（倒序）") for k, v in SORT_LABELS])

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


assert {k for k, _ in CaseFilterForm.SORT_LABELS} == set(SORTS) and BOXES


class StatsForm(forms.Form):
    agency = forms.ModelChoiceField(label="机关", queryset=None, required=False, empty_label="全部（可见的机关）")

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
