from datetime import date

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone

from . import services
from .audit import client_ip
from .models import Agency, Staff


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。",
        "inactive": "该账号已停用，请联系本机关管理员。",
    }

    def _lock_error(self, until):
        local = timezone.localtime(until)
        return forms.ValidationError(
            f"该账号在本机登录失败已达 {services.MAX_FAILURES} 次，已锁定 {services.LOCKOUT_MINUTES} 分钟，请于 {local:%H:%M} 后再试。",
            code="locked",
        )

    def clean(self):
        username = self.cleaned_data.get("username")
        ip = client_ip(self.request)
        if username and (until := services.locked_until(username, ip)):
            raise self._lock_error(until)
        try:
            return super().clean()
        except forms.ValidationError as exc:
            if exc.code != "invalid_login" or not username:
                raise
            if until := services.locked_until(username, ip):
                raise self._lock_error(until) from None
            left = services.failures_left(username, ip)
            raise forms.ValidationError(
                f"用户名或密码不正确。再失败 {left} 次，该账号将在本机锁定 {services.LOCKOUT_MINUTES} 分钟。", code="invalid_login"
            ) from None


class GrantRoleForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    role = forms.ChoiceField(label="角色", choices=Staff.Role.choices)

    def clean_username(self):
        user = services.find_user(self.cleaned_data["username"])
        if user is None:
            raise forms.ValidationError("没有这个用户，请先由系统管理员创建账号。")
        return user


class CreateUserForm(forms.Form):
    username = forms.RegexField(label="用户名", max_length=150, regex=r"^[A-Za-z0-9_.-]+$",
                                error_messages={"invalid": "用户名只能包含字母、数字、下划线、点和连字符。"})
    full_name = forms.CharField(label="姓名", max_length=150)
    role = forms.ChoiceField(label="角色", choices=Staff.Role.choices)
    password1 = forms.CharField(label="初始密码", widget=forms.PasswordInput, strip=False,
                                help_text="至少 10 位，不能是常见密码或纯数字。")
    password2 = forms.CharField(label="再次输入密码", widget=forms.PasswordInput, strip=False)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if services.find_user(username) is not None:
            raise forms.ValidationError("该用户名已存在；如需授予角色，请使用上方的“授予角色”。")
        return username

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "两次输入的密码不一致。")
        elif p1:
            try:
                password_validation.validate_password(p1)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class AgencyContactForm(forms.ModelForm):
    website = forms.URLField(label="网站", required=False, assume_scheme="https")

    class Meta:
        model = Agency
        fields = ["office_name", "address", "postcode", "phone", "fax", "email", "hours", "website"]


class AuditFilterForm(forms.Form):
    agency = forms.ModelChoiceField(label="机关", queryset=Agency.objects.none(), required=False, empty_label="全部")
    action = forms.CharField(label="操作", max_length=60, required=False,
                             widget=forms.TextInput(attrs={"list": "audit-actions"}),
                             help_text="如 identity.view（查看申请人身份信息）；以“.”结尾表示一类，如 application.")
    date_from = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies if agencies is not None else Agency.objects.none()

    # Dates far out (0001-01-01, 9999-12-31) overflow when turned into local datetimes: refuse them here.
    EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)

    def _in_range(self, name):
        value = self.cleaned_data.get(name)
        if value and not self.EARLIEST <= value <= self.LATEST:
            raise forms.ValidationError(f"日期应在 {self.EARLIEST:%Y-%m-%d} 至 {self.LATEST:%Y-%m-%d} 之间。")
        return value

    def clean_date_from(self):
        return self._in_range("date_from")

    def clean_date_to(self):
        return self._in_range("date_to")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("起始日期不能晚于截止日期。")
        return data


class AgencyForm(forms.ModelForm):
    """Add an agency or move it in the tree (platform administrators). A parent among the agency's own
    subordinates is refused by Agency.clean (no cycles)."""

    class Meta:
        model = Agency
        fields = ["name", "short_name", "credit_code", "level", "parent", "slug"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .services import agency_tree

        choices = [("", "（无上级：顶级机关）")]
        for a, depth in agency_tree():
            if self.instance.pk and a.pk == self.instance.pk:
                continue
            label = "\u3000" * depth + ("└ " if depth else "") + a.name
            choices.append((a.pk, label if a.is_active else f"{label}（已停用）"))
        self.fields["parent"].choices = choices
        self.fields["parent"].empty_label = None
        if self.instance.pk:
            self.fields["slug"].disabled = True  # public URLs and links keep working
            self.fields["slug"].help_text = "网址标识创建后不能修改。"
