from django import forms

from . import services


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name. Each file is validated by ``services`` so that one bad file
    gets its own error and never stops the others; here only "at least one" is required."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if not files:
            raise forms.ValidationError("请选择至少一个年度报告文件", code="required")
        return files


class UploadForm(forms.Form):
    files = MultipleFileField(
        label="年度报告文件",
        widget=MultipleFileInput(attrs={"accept": services.ACCEPT, "aria-describedby": "upload-help"}),
    )
