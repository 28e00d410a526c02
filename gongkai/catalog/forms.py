from __future__ import annotations

from django import forms

from .models import Category, Item
from .services import ART20_CATEGORIES, category_tree, date_problems

_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五")
# Art. 20 items (1)-(15), labelled with what the item covers, so the choice is made knowingly.
ART20_CHOICES = [(i, f"第二十条第（{n}）项：{text}") for i, (n, text) in enumerate(zip(_NUMERALS, ART20_CATEGORIES), 1)]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def category_choices(agency, empty_label: str | None = "请选择分类") -> list:
    """The agency's category tree for a <select>: the agency's own catalogue and the Art. 20 items as two
    groups (each root with its sub-categories, indented), instead of one flat list of every category."""
    groups: dict[str, list] = {"本机关目录分类": [], "《条例》第二十条规定的主动公开内容": []}
    group = None
    for cat, depth in category_tree(agency):
        if depth == 0:
            group = "《条例》第二十条规定的主动公开内容" if cat.art20_item else "本机关目录分类"
        groups[group].append((cat.pk, "\u3000" * depth + ("└ " if depth else "") + cat.name))
    out = [("", empty_label)] if empty_label is not None else []
    return out + [(g, rows) for g, rows in groups.items() if rows]


class ItemForm(forms.ModelForm):
    # The layout of catalog/form.html: (legend, fields).
    SECTIONS = (
        ("基本信息", ("title", "document_number", "issuer", "category", "topic", "doc_kind")),
        ("日期（第二十六条：自成文或变更之日起20个工作日内公开）", ("date_made", "date_changed", "issued_on")),
        ("有效性", ("validity", "validity_date")),
        ("内容", ("summary", "body")),
        ("附件", ("attachments",)),
    )

    attachments = MultipleFileField(
        label="附件", required=False,
        widget=MultipleFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.png,.jpg,.jpeg,.gif"}),
        help_text="PDF、Word（DOCX）、Excel（XLSX）或图片；上传后自动进行隐私检查。",
    )

    class Meta:
        model = Item
        fields = ["title", "document_number", "issuer", "date_made", "date_changed", "category", "topic", "summary",
                  "body", "validity", "validity_date", "doc_kind", "issued_on"]
        widgets = {
            "date_made": DateInput(), "date_changed": DateInput(), "validity_date": DateInput(),
            "issued_on": DateInput(), "summary": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 10}),
        }
        help_texts = {"issuer": "留空则为本机关名称。",
                      "body": "用上方工具栏设置段落、标题、加粗、列表和链接；保存时自动清除不安全的内容。"}

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(agency=agency).order_by("position", "id")
        self.fields["category"].choices = category_choices(agency)
        self.fields["issuer"].required = False
        self.fields["body"].widget.attrs.update({"data-editor": "html", "class": "body-source"})

    def sections(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.SECTIONS]

    def clean(self):
        data = super().clean()
        if data.get("validity") and data["validity"] != Item.Validity.VALID and not data.get("validity_date"):
            self.add_error("validity_date", "废止或失效的信息请填写废止或失效日期。")
        if data.get("validity") == Item.Validity.VALID:
            data["validity_date"] = None
        issued = data.get("issued_on") if data.get("doc_kind") != Item.DocKind.OTHER else None
        for field, message in date_problems(data.get("date_made"), date_changed=data.get("date_changed"),
                                            validity_date=data.get("validity_date"), issued_on=issued).items():
            if field not in self.errors:
                self.add_error(field, message)
        return data


class FilterForm(forms.Form):
    q = forms.CharField(label="关键词", required=False)
    state = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + list(Item.State.choices))
    category = forms.ModelChoiceField(label="分类", required=False, queryset=Category.objects.none(),
                                      empty_label="全部")
    year = forms.TypedChoiceField(label="成文年份", required=False, coerce=int, empty_value=None, choices=[])
    doc_kind = forms.ChoiceField(label="文件类型", required=False, choices=[("", "全部")] + list(Item.DocKind.choices))
    overdue = forms.BooleanField(label="仅显示逾期（第二十六条）", required=False)

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(agency=agency).order_by("position", "id")
        # Years present, by index skip scan (services.years_made), not DISTINCT over every item.
        from .services import years_made

        self.fields["year"].choices = [("", "全部")] + [(y, f"{y}年") for y in years_made(agency)]


class ImportForm(forms.Form):
    file = forms.FileField(label="目录文件（CSV 或 XLSX）")


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "parent", "position", "art20_item"]

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency = agency
        qs = Category.objects.filter(agency=agency).order_by("position", "id")
        if self.instance.pk:
            qs = qs.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = qs
        self.fields["art20_item"].widget = forms.Select(choices=[("", "—")] + ART20_CHOICES)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        qs = Category.objects.filter(agency=self.agency, name=name)
        if self.instance.pk:
            qs = qs.exclude(pk=self.instance.pk)
        if qs.exists():
            raise forms.ValidationError("已有同名分类。")
        return name

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        node, seen = parent, set()
        while node is not None and node.pk not in seen:
            if self.instance.pk and node.pk == self.instance.pk:
                raise forms.ValidationError("上级分类不能是本分类或其下级分类。")
            seen.add(node.pk)
            node = node.parent
        return parent

    def clean_art20_item(self):
        v = self.cleaned_data.get("art20_item")
        if v is not None and not 1 <= v <= 15:
            raise forms.ValidationError("应为 1 到 15。")
        return v


class StatsForm(forms.Form):
    agency = forms.ModelChoiceField(label="机关", queryset=None, required=False, empty_label="全部（可见的机关）")

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
