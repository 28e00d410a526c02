"""Forms of the letter pages: a template (checked by the sandbox on save) and an agency's letter settings."""
from __future__ import annotations

from django import forms

from ..models import LetterSettings, LetterTemplate
from . import layout, sandbox


def _sandboxed(value: str) -> str:
    try:
        sandbox.check(value)
    except sandbox.TemplateRefused as exc:
        raise forms.ValidationError(exc.message, code="template_refused") from None
    return value


class LetterTemplateForm(forms.Form):
    title = forms.CharField(label="标题", max_length=LetterTemplate._meta.get_field("title").max_length,
                            help_text="可以使用下列字段，如 {{ agency_name }}。")
    body = forms.CharField(label="正文", max_length=sandbox.MAX_SOURCE,
                           widget=forms.Textarea(attrs={"rows": 18, "cols": 90}),
                           help_text="每行一个自然段。主送、发文字号、署名和成文日期由系统按 GB/T 9704-2012 排版，无须写入。")

    def clean_title(self):
        return _sandboxed(self.cleaned_data["title"])

    def clean_body(self):
        return _sandboxed(self.cleaned_data["body"])


class LetterSettingsForm(forms.ModelForm):
    class Meta:
        model = LetterSettings
        fields = ["doc_prefix", "body_font", "title_font"]

    def clean_doc_prefix(self):
        value = self.cleaned_data["doc_prefix"].strip()
        if any(c in value for c in "〔〕[]{}<>\"'\\\x00") or any(c.isspace() for c in value):
            raise forms.ValidationError("机关代字不能含有空格、括号或引号；年份和序号由系统生成。")
        return value

    def _fonts(self, name):
        value = self.cleaned_data[name]
        try:
            return "，".join(layout.font_names(value))
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_body_font(self):
        return self._fonts("body_font")

    def clean_title_font(self):
        return self._fonts("title_font")
