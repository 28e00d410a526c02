"""The proactive-disclosure catalogue (主动公开目录, Art. 12, 19-21): items, categories, attachments,
privacy hits and sweep reports.

Models hold state; rules live in ``services.py`` (workflow, index numbers, scanning, report counts).
For the public portal: a visitor may see an ``Item`` only when ``state == "published"``
(``Item.objects.published()``); its public fields are index_number, title, document_number, issuer,
date_made, date_published, category, topic, summary, body (already sanitised HTML), validity /
validity_date, doc_kind and the attachments (``item.attachments.all()``, files under MEDIA_ROOT).
"""
from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone

from gongkai.agencies.distribution import AgencyFromParent


class CatalogSettings(models.Model):
    """Per-agency catalogue settings."""

    agency = models.OneToOneField("agencies.Agency", on_delete=models.CASCADE, related_name="catalog_settings")
    review_levels = models.PositiveSmallIntegerField(
        "审核级数", choices=[(1, "一级审核"), (2, "二级审核")], default=1,
        help_text="先审后发：拟稿后经一级或二级审核，再进行保密和隐私审查（《条例》第十七条）。",
    )

    class Meta:
        verbose_name = "目录设置"
        verbose_name_plural = "目录设置"

    @classmethod
    def for_agency(cls, agency) -> CatalogSettings:
        obj = cls.objects.filter(agency=agency).first()
        return obj or cls(agency=agency)


class Category(models.Model):
    """An agency's catalogue category; a tree (``parent``), ordered by ``position`` among siblings.

    ``art20_item`` (1-15) marks a category for one item of Art. 20; the seed's own categories
    (机构职能, 管理和服务公开 …) have none. Counts for the annual report are per root category,
    items of sub-categories included (``services.category_counts``)."""

    agency = models.ForeignKey("agencies.Agency", verbose_name="机关", on_delete=models.CASCADE,
                               related_name="catalog_categories")
    parent = models.ForeignKey("self", verbose_name="上级分类", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    name = models.CharField("分类名称", max_length=60)
    position = models.PositiveIntegerField("排序", default=0)
    art20_item = models.PositiveSmallIntegerField("对应《条例》第二十条第几项", null=True, blank=True)

    class Meta:
        verbose_name = "目录分类"
        verbose_name_plural = "目录分类"
        ordering = ["agency", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="catalog_category_unique_name")]

    def __str__(self) -> str:
        return self.name

    def root(self) -> Category:
        node, seen = self, {self.pk}
        while node.parent_id and node.parent_id not in seen:
            seen.add(node.parent_id)
            node = node.parent
        return node


class IndexCounter(models.Model):
    """Last serial used in index numbers per agency and year; locked (select_for_update) while allocating."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="catalog_counter_unique")]


class ItemQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=Item.State.PUBLISHED)


class Item(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "拟稿"
        REVIEW1 = "review1", "一级审核"
        REVIEW2 = "review2", "二级审核"
        SECRECY = "secrecy", "保密和隐私审查"
        PUBLISHED = "published", "已发布"
        WITHDRAWN = "withdrawn", "已撤回"

    class Validity(models.TextChoices):
        VALID = "valid", "有效"
        REPEALED = "repealed", "废止"
        EXPIRED = "expired", "失效"

    class DocKind(models.TextChoices):
        REGULATION = "regulation", "规章"
        NORMATIVE = "normative_document", "行政规范性文件"
        OTHER = "other", "其他"

    # Indexes are few on purpose (bulk imports of 100,000 rows): the natural-key constraint starts with
    # agency and serves as its index; (agency, state, date_published) serves the portal, (agency, date_made, id)
    # the staff list.
    agency = models.ForeignKey("agencies.Agency", verbose_name="机关", on_delete=models.PROTECT,
                               related_name="catalog_items", db_index=False)
    # Art. 12: index number = credit code "/" year "-" serial (services.allocate_index_numbers).
    index_number = models.CharField("索引号", max_length=60)  # unique per agency (Meta)
    title = models.CharField("标题", max_length=300)
    document_number = models.CharField("文号", max_length=100, blank=True)
    issuer = models.CharField("发布机构", max_length=100)
    date_made = models.DateField("成文日期")
    date_changed = models.DateField("变更日期", null=True, blank=True,
                                    help_text="信息变更的，自变更之日起重新计算公开期限（《条例》第二十六条）。")
    date_published = models.DateField("发布日期", null=True, blank=True)
    category = models.ForeignKey(Category, verbose_name="分类", on_delete=models.PROTECT, related_name="items")
    topic = models.CharField("主题词", max_length=100, blank=True)
    summary = models.TextField("摘要", blank=True)
    body = models.TextField("正文", blank=True, help_text="HTML，保存时经过清洗。")
    validity = models.CharField("有效性", max_length=10, choices=Validity.choices, default=Validity.VALID)
    validity_date = models.DateField("废止或失效日期", null=True, blank=True)
    # Register of regulations and normative documents (annual report table 二, Art. 20 item 1).
    doc_kind = models.CharField("文件类型", max_length=20, choices=DocKind.choices, default=DocKind.OTHER)
    issued_on = models.DateField("制发日期", null=True, blank=True,
                                 help_text="规章和行政规范性文件的制发日期，计入年度报告表二。")

    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.DRAFT)
    # Art. 26: published within 20 working days of being made or changed.
    due_on = models.DateField("公开期限", null=True, blank=True)
    due_provisional = models.BooleanField("期限为暂定", default=False)
    secrecy_confirmed = models.BooleanField("已通过保密审查", default=False)
    level1_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name="一级审核人", db_index=False)
    reject_reason = models.TextField("退回意见", blank=True)
    withdraw_reason = models.TextField("撤回理由", blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="拟稿人", db_index=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    imported = models.BooleanField("批量导入", default=False)
    # Optimistic lock: a form carries the version it was loaded at; services refuse a stale one.
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = "主动公开信息"
        verbose_name_plural = "主动公开信息"
        ordering = ["-date_made", "-id"]
        constraints = [
            # Natural key: re-importing a catalogue never duplicates an item.
            models.UniqueConstraint(fields=["agency", "title", "document_number", "date_made"],
                                    name="catalog_item_natural_key"),
            # The credit code in the number makes it unique city-wide; per agency keeps Citus able to enforce it.
            models.UniqueConstraint(fields=["agency", "index_number"], name="catalog_item_index_number"),
        ]
        indexes = [
                   # The portal list (newest published first, paged), its year filter and year list; with the
                   # id so that PostgreSQL reads a page in index order (many items share a publication date,
                   # and without the id every item of that date was fetched and sorted).
                   models.Index(fields=["agency", "state", "date_published", "id"], name="catalog_item_published"),
                   # The staff list (newest made first, paged) and its year filter and year list.
                   models.Index(fields=["agency", "date_made", "id"], name="catalog_item_agency_made")]

    def __str__(self) -> str:
        return f"{self.index_number} {self.title}"

    @property
    def repealed_on(self) -> date | None:
        return self.validity_date if self.validity == self.Validity.REPEALED else None

    def in_force_on(self, day: date) -> bool:
        """A regulation or normative document is in force on ``day`` if issued by then and not yet
        repealed or expired."""
        if self.doc_kind == self.DocKind.OTHER or not self.issued_on or self.issued_on > day:
            return False
        return not (self.validity != self.Validity.VALID and self.validity_date and self.validity_date <= day)

    @property
    def is_overdue(self) -> bool:
        """Art. 26: not published (or published late) after the 20th working day."""
        if not self.due_on:
            return False
        if self.state == self.State.PUBLISHED:
            return bool(self.date_published and self.date_published > self.due_on)
        return timezone.localdate() > self.due_on and self.state != self.State.WITHDRAWN


def attachment_path(instance, filename: str) -> str:
    return f"catalog/{instance.item.agency_id}/{instance.item_id}/{filename}"


class Attachment(AgencyFromParent, models.Model):
    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word 文档"
        XLSX = "xlsx", "Excel 表格"
        PNG = "png", "PNG 图片"
        JPEG = "jpeg", "JPEG 图片"
        GIF = "gif", "GIF 图片"

    parent_field = "item"
    # Grown → grown: no database constraint (gongkai.agencies.distribution); services.add_attachment
    # writes the row with its item, in its item's agency.
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+", db_index=False)
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="attachments", db_constraint=False)
    file = models.FileField("文件", upload_to=attachment_path, max_length=255)
    name = models.CharField("文件名", max_length=200)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)  # from the content, not the name
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)
    redacted = models.BooleanField("已脱敏", default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class SweepReport(models.Model):
    """One run of the periodic privacy sweep over published items."""

    agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+", verbose_name="机关（空为全部）")
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    items_scanned = models.PositiveIntegerField("检查条数", default=0)
    attachments_scanned = models.PositiveIntegerField("检查附件数", default=0)
    hits_found = models.PositiveIntegerField("发现问题数", default=0)
    new_hits = models.PositiveIntegerField("新发现问题数", default=0)
    errors = models.JSONField("无法读取的附件", default=list, blank=True)

    class Meta:
        verbose_name = "隐私巡检报告"
        verbose_name_plural = "隐私巡检报告"
        ordering = ["-started_at"]


class PrivacyHit(AgencyFromParent, models.Model):
    """A personal number found in an item (field or attachment). Only the masked form and a digest are
    stored, never the number. ``open`` hits block publication (Art. 17)."""

    class Status(models.TextChoices):
        OPEN = "open", "待处理"
        CLEARED = "cleared", "已确认可公开"
        REDACTED = "redacted", "已脱敏"

    FIELDS = {"title": "标题", "summary": "摘要", "body": "正文", "attachment": "附件"}

    parent_field = "item"
    # Grown → grown: no database constraints (gongkai.agencies.distribution); hits are written by
    # services._upsert_hits and the importer with their item, in its agency.
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+", db_index=False)
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="privacy_hits", db_constraint=False)
    attachment = models.ForeignKey(Attachment, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="privacy_hits", db_constraint=False)
    field = models.CharField("位置", max_length=12, choices=list(FIELDS.items()))
    where = models.CharField("具体位置", max_length=120, blank=True)
    kind = models.CharField("类型", max_length=12)
    masked = models.CharField("脱敏显示", max_length=40)
    digest = models.CharField(max_length=64)
    occurrences = models.PositiveIntegerField("出现次数", default=1)
    status = models.CharField("处理状态", max_length=10, choices=Status.choices, default=Status.OPEN,
                              db_index=True)
    reason = models.TextField("处理说明", blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    found_at = models.DateTimeField("发现时间", auto_now_add=True)
    sweep = models.ForeignKey(SweepReport, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="hits", verbose_name="发现于巡检")

    class Meta:
        verbose_name = "隐私检查发现"
        verbose_name_plural = "隐私检查发现"
        ordering = ["item", "id"]

    def __str__(self) -> str:
        return f"{self.kind_label} {self.masked}"

    @property
    def kind_label(self) -> str:
        from .privacy import KINDS

        return KINDS.get(self.kind, self.kind)

    @property
    def location(self) -> str:
        base = self.FIELDS.get(self.field, self.field)
        if self.attachment_id:
            base = f"附件“{self.attachment.name}”"
        return f"{base} {self.where}".strip()
