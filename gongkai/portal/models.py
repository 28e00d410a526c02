"""The public portal (政府信息公开专栏): per-agency guide settings, published annual reports and the
search index of published catalogue items.

``SearchDoc`` is one row per *published* catalogue item holding its jieba tokens (space-joined);
``search.py`` keeps it in sync and queries it. On SQLite an FTS5 table (external content over this
table, kept by triggers) indexes it; on PostgreSQL a generated ``tsvector`` column with a GIN index.
Both are created in migration 0002 (vendor-specific).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models


class PortalSettings(models.Model):
    """What the disclosure guide (指南, Art. 12) says beyond the office contacts kept on ``Agency``."""

    agency = models.OneToOneField("agencies.Agency", on_delete=models.CASCADE, related_name="portal_settings")
    # Art. 29: an application is made in writing — letter, online form, e-mail, fax; in person it is written down.
    accepts_online = models.BooleanField("接受网上申请", default=True)
    accepts_post = models.BooleanField("接受信函申请", default=True)
    accepts_in_person = models.BooleanField("接受当面申请", default=True)
    accepts_email = models.BooleanField("接受电子邮件申请", default=False)
    accepts_fax = models.BooleanField("接受传真申请", default=False)
    guide_note = models.TextField("指南补充说明", blank=True)
    rules = models.TextField(
        "政府信息公开制度", blank=True,
        help_text="每行一项制度，格式“制度名称：简要说明”；显示在“政府信息公开制度”栏目。")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "公开专栏设置"
        verbose_name_plural = "公开专栏设置"

    def __str__(self) -> str:
        return f"{self.agency} 公开专栏设置"

    @classmethod
    def for_agency(cls, agency) -> PortalSettings:
        return cls.objects.filter(agency=agency).first() or cls(agency=agency)

    def rule_list(self) -> list[tuple[str, str]]:
        out = []
        for line in self.rules.splitlines():
            line = line.strip()
            if line:
                name, _, text = line.replace(":", "：").partition("：")
                out.append((name.strip(), text.strip()))
        return out


class PublishedReport(models.Model):
    """One published version of an annual report (Art. 49, 50): a frozen snapshot of the canonical JSON
    of ``gongkai.report.model.Report.to_dict()`` with its SHA-256, rendered with ``gongkai.report.render``.
    A correction is a new version with a 更正说明; earlier versions are kept."""

    agency = models.ForeignKey("agencies.Agency", verbose_name="机关", on_delete=models.CASCADE,
                               related_name="published_reports")
    year = models.PositiveSmallIntegerField("年度")
    version = models.PositiveSmallIntegerField("版本", default=1)
    data = models.JSONField("报告数据")
    content_hash = models.CharField("内容摘要（SHA-256）", max_length=64, blank=True)
    correction_note = models.TextField("更正说明", blank=True)
    published_at = models.DateTimeField("发布时间")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        verbose_name = "已发布年度报告"
        verbose_name_plural = "已发布年度报告"
        ordering = ["agency", "-year", "-version"]
        constraints = [models.UniqueConstraint(fields=["agency", "year", "version"], name="portal_report_unique_version")]

    def __str__(self) -> str:
        return f"{self.agency} {self.year}年度报告（第{self.version}版）"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("已发布的年度报告不能修改，请发布更正版本。")
        super().save(*args, **kwargs)

    def report(self):
        from gongkai.report.model import Report

        return Report.from_dict(self.data)

    @classmethod
    def latest(cls, agency, year):
        """The version in force (the highest), or None."""
        return cls.objects.filter(agency=agency, year=year).order_by("-version").first()

    @classmethod
    def current(cls):
        """The version in force of every published report (one row per agency and year)."""
        newer = cls.objects.filter(agency=models.OuterRef("agency"), year=models.OuterRef("year"),
                                   version__gt=models.OuterRef("version"))
        return cls.objects.filter(~models.Exists(newer))


class SearchDoc(models.Model):
    """Search tokens of one published catalogue item (see module docstring)."""

    # Grown → grown: no database constraint (gongkai.agencies.distribution); search.py writes the row
    # from its item, with its agency.
    item = models.OneToOneField("catalog.Item", primary_key=True, on_delete=models.CASCADE, related_name="+",
                                db_constraint=False)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+", db_index=False)
    category = models.ForeignKey("catalog.Category", on_delete=models.CASCADE, related_name="+", db_index=False)
    year = models.PositiveSmallIntegerField()
    date_published = models.DateField(null=True)
    title = models.TextField()  # jieba tokens of the title, space-joined
    body = models.TextField()   # jieba tokens of document number, topic, summary and body text

    class Meta:
        indexes = [models.Index(fields=["agency", "year"], name="portal_sdoc_agency_year")]
