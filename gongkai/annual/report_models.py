"""What the annual report (Art. 49, 50) needs that no other app records: the agency's own inputs, its
working draft, its rectification ledger, and the reports a supervisor uploads for agencies not on the
platform. Published versions are ``portal.PublishedReport`` (frozen snapshots)."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

YEAR_VALIDATORS = [MinValueValidator(2008)]  # the first Regulations took effect on 2008-05-01


class StatsImport(models.Model):
    """One all-or-nothing import of table 二 statistics (CSV/XLSX): the record a drill-down points to."""

    filename = models.CharField("文件名", max_length=200)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField("行数", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "表二统计导入"
        verbose_name_plural = verbose_name
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename}（{self.created_at:%Y-%m-%d %H:%M}）"


class ProactiveStats(models.Model):
    """Table 二 counts kept in other systems (Art. 20 (5), (6), (8)): licensing, punishment and coercion
    decisions, and administrative fees in 万元 (two decimals)."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("年度", validators=YEAR_VALIDATORS)
    licensing = models.PositiveIntegerField("行政许可处理决定数量")
    punishment = models.PositiveIntegerField("行政处罚处理决定数量")
    coercion = models.PositiveIntegerField("行政强制处理决定数量")
    fees_10k_yuan = models.DecimalField("行政事业性收费金额（万元）", max_digits=14, decimal_places=2,
                                        validators=[MinValueValidator(Decimal("0"))])
    source_import = models.ForeignKey(StatsImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="stats")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "表二统计数据"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="annual_stats_unique_year")]


class PlatformFacts(models.Model):
    """Section 一（四）平台建设 and the free-text items of section 六, per agency and year."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("年度", validators=YEAR_VALIDATORS)
    print_count = models.PositiveIntegerField("内部刊物、简报刊发信息（条）", default=0)
    print_outlets = models.CharField("刊物名称", max_length=200, blank=True, help_text="如：《临淄信息》《政务要情》")
    new_media_count = models.PositiveIntegerField("政务新媒体发布信息（篇）", default=0)
    new_media_outlets = models.CharField("政务新媒体名称", max_length=200, blank=True, help_text="如：市局微信公众号")
    gazette_count = models.PositiveIntegerField("政府公报刊登（件）", default=0)
    media_count = models.PositiveIntegerField("新闻媒体刊发（篇）", default=0)
    media_outlets = models.CharField("媒体名称", max_length=200, blank=True, help_text="如：淄博日报、大众网")
    other_items = models.TextField(
        "其他需要报告的事项", blank=True,
        help_text="每段一项，如“年度政务公开工作创新情况。……”；草拟第六部分时依次编为（三）（四）……")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "平台建设和其他事项"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="annual_facts_unique_year")]


class Proposal(models.Model):
    """A 人大代表建议 or 政协委员提案 handled by the agency (reported in section 六)."""

    class Kind(models.TextChoices):
        NPC = "npc", "人大代表建议"
        CPPCC = "cppcc", "政协委员提案"

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    number = models.CharField("编号", max_length=40)
    title = models.CharField("标题", max_length=200)
    received_on = models.DateField("交办日期")
    answered_on = models.DateField("办复日期", null=True, blank=True)
    result = models.CharField("办理结果", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "建议提案"
        verbose_name_plural = verbose_name
        ordering = ["-received_on", "number"]
        constraints = [models.UniqueConstraint(fields=["agency", "kind", "number"], name="annual_proposal_unique")]


class LedgerEntry(models.Model):
    """整改台账: a problem in the agency's disclosure work, its measure and when it was closed (销号)."""

    class Source(models.TextChoices):
        SUPERVISOR = "supervisor", "上级检查发现"
        INSPECTION = "inspection", "专项检查"
        COMPLAINT = "complaint", "群众投诉"
        SELF = "self", "自查发现"

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    source = models.CharField("问题来源", max_length=12, choices=Source.choices)
    raised_by = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name="提出机关")
    found_on = models.DateField("发现日期")
    problem = models.TextField("存在问题")
    measure = models.TextField("整改措施", blank=True)
    responsible = models.CharField("责任人", max_length=60, blank=True)
    due_on = models.DateField("整改期限")
    closed_on = models.DateField("销号日期", null=True, blank=True)
    closing_note = models.TextField("整改情况", blank=True)
    # A finding of a report check that became this entry: the year and rule it came from.
    report_year = models.PositiveSmallIntegerField("所涉年报年度", null=True, blank=True)
    finding_rule = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "整改台账"
        verbose_name_plural = verbose_name
        ordering = ["closed_on", "due_on", "id"]
        indexes = [models.Index(fields=["agency", "found_on"])]

    def __str__(self) -> str:
        return self.problem[:40]

    def overdue(self, today=None) -> bool:
        return self.closed_on is None and self.due_on < (today or timezone.localdate())


class ReportDraft(models.Model):
    """The agency's working draft for a year: edited prose sections (1, 5, 6; empty = use the drafted
    text), whether staff marked it checked, and last year's report uploaded for the cross-year checks."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("年度", validators=YEAR_VALIDATORS)
    sections = models.JSONField("已编辑章节", default=dict, blank=True)
    checked_at = models.DateTimeField("核对时间", null=True, blank=True)
    checked_hash = models.CharField(max_length=64, blank=True)
    previous_data = models.JSONField("上年报告（上传）", null=True, blank=True)
    previous_filename = models.CharField(max_length=200, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "年度报告草稿"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="annual_draft_unique_year")]


class ExternalReport(models.Model):
    """A published report of an agency not on the platform, uploaded by its supervisor and audited."""

    supervisor = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    agency_name = models.CharField("机关名称", max_length=100)
    year = models.PositiveSmallIntegerField("年度")
    data = models.JSONField("报告数据")
    filename = models.CharField("文件名", max_length=200)
    sha256 = models.CharField(max_length=64)
    errors = models.PositiveIntegerField(default=0)
    warnings = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "外部机关年度报告"
        verbose_name_plural = verbose_name
        ordering = ["agency_name"]
        constraints = [models.UniqueConstraint(fields=["supervisor", "agency_name", "year"],
                                               name="annual_external_unique")]
