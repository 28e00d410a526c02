"""Administrative reconsideration and litigation about disclosure (Art. 51; table 四 of the annual report)."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from gongkai.report.layouts import APPEAL_COLUMNS, APPEAL_GROUPS, APPEAL_PARTS

# Keys and labels come from the national layout, never re-spelt here. A result is one of the decided
# columns; an empty result is 尚未审结 (pending).
RESULTS = tuple(k for k in APPEAL_PARTS if k != "pending")
RESULT_CHOICES = [(c.key, c.label) for c in APPEAL_COLUMNS if c.key in RESULTS]
KIND_CHOICES = list(APPEAL_GROUPS)
PENDING_LABEL = next(c.label for c in APPEAL_COLUMNS if c.key == "pending")


class Appeal(models.Model):
    agency = models.ForeignKey("agencies.Agency", verbose_name="机关", on_delete=models.PROTECT,
                               related_name="appeals")
    kind = models.CharField("类型", max_length=40, choices=KIND_CHOICES)
    # Grown → grown: no database constraint (gongkai.agencies.distribution); clean() keeps the application
    # in the appeal's agency.
    application = models.ForeignKey("applications.Application", verbose_name="相关申请", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="appeals", db_constraint=False)
    case_number = models.CharField("案号", max_length=80)
    body = models.CharField("复议机关或法院", max_length=100)
    filed_on = models.DateField("立案（申请）日期", error_messages={"null": "请填写立案（申请）日期。"})
    result = models.CharField("结果", max_length=20, choices=RESULT_CHOICES, blank=True,
                              help_text=f"留空表示{PENDING_LABEL}。")
    decided_on = models.DateField("审结日期", null=True, blank=True)
    notes = models.TextField("备注", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic lock: the edit form carries the version it was loaded at; services.save_appeal refuses a
    # stale one.
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    class Meta:
        verbose_name = "行政复议或诉讼"
        verbose_name_plural = verbose_name
        ordering = ["-filed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "case_number"], name="appeal_unique_case_number",
                                    violation_error_message="本机关已登记过该案号。"),
        ]
        indexes = [models.Index(fields=["agency", "decided_on"]), models.Index(fields=["agency", "filed_on"])]

    def __str__(self) -> str:
        return f"{self.case_number}（{self.get_kind_display()}）"

    @property
    def pending(self) -> bool:
        return not self.result

    @property
    def result_label(self) -> str:
        return self.get_result_display() if self.result else PENDING_LABEL

    def clean(self):
        errors: dict[str, list[str]] = {}
        self.case_number = (self.case_number or "").strip()
        self.body = (self.body or "").strip()
        # clean_fields() ran before the strip, so whitespace-only text is caught here.
        if not self.case_number:
            errors.setdefault("case_number", []).append("请填写案号。")
        if not self.body:
            errors.setdefault("body", []).append("请填写复议机关或法院。")
        if self.result and not self.decided_on:
            errors.setdefault("decided_on", []).append("已填写结果，请填写审结日期。")
        if self.decided_on and not self.result:
            errors.setdefault("result", []).append(f"已填写审结日期，请选择结果；{PENDING_LABEL}的案件不填审结日期。")
        # A future date would count the case in a year-end that has not come yet (table 四).
        today = timezone.localdate()
        for name, label in (("filed_on", "立案（申请）日期"), ("decided_on", "审结日期")):
            if getattr(self, name) and getattr(self, name) > today:
                errors.setdefault(name, []).append(f"{label}不能晚于今天。")
        if self.decided_on and self.filed_on and self.decided_on < self.filed_on:
            errors.setdefault("decided_on", []).append("审结日期不能早于立案（申请）日期。")
        if self.application_id and self.agency_id and self.application.agency_id != self.agency_id:
            errors.setdefault("application", []).append("相关申请不属于本机关。")
        if errors:
            raise ValidationError(errors)
