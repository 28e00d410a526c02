"""Applications for disclosure (依申请公开), their timeline, consultations, letters.

Workflow rules live in ``workflow.py`` (data) and ``services.py`` (execution); models hold state only.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

from gongkai.agencies.distribution import AgencyFromParent
from gongkai.law.outcomes import OUTCOMES
from gongkai.law.periods import CHANNELS, PAUSE_KINDS
from gongkai.report.layouts import APPLICANT_COLUMNS, APPLICANT_PARTS

from .workflow import STATES

APPLICANT_TYPES = [(c.key, c.label) for c in APPLICANT_COLUMNS if c.key in APPLICANT_PARTS]
OUTCOME_CHOICES = [(k, f"{o.group}·{o.label}" if o.group != o.label else o.label) for k, o in OUTCOMES.items()]
ID_TYPES = [("ric", "居民身份证"), ("uscc", "统一社会信用代码"), ("other", "其他证件")]
DELIVERY_METHODS = [("in_person", "当面领取"), ("post", "邮寄"), ("email", "电子邮件"), ("online", "网上获取"),
                    ("fax", "传真")]
FORMS_WANTED = [("paper", "纸质"), ("electronic", "电子文件"), ("view", "当场阅览、抄录")]


class Application(models.Model):
    agency = models.ForeignKey("agencies.Agency", verbose_name="机关", on_delete=models.PROTECT,
                               related_name="applications")
    number = models.CharField("登记号", max_length=30, blank=True)
    # Unique per agency (Meta); 60 random bits, checked city-wide when drawn (services._new_tracking_code).
    tracking_code = models.CharField("查询码", max_length=16)
    channel = models.CharField("申请方式", max_length=12, choices=list(CHANNELS.items()))
    # Art. 31 inputs; received_on is derived from them by law.periods.receipt_date.
    submitted_on = models.DateField("提交日期", null=True, blank=True)
    signed_for_on = models.DateField("签收日期", null=True, blank=True)
    confirmed_on = models.DateField("双方确认日期", null=True, blank=True)
    received_on = models.DateField("收到申请日期", null=True, blank=True, db_index=True)

    applicant_type = models.CharField("申请人类型", max_length=20, choices=APPLICANT_TYPES)
    applicant_name = models.CharField("申请人姓名或名称", max_length=100)
    id_type = models.CharField("证件类型", max_length=10, choices=ID_TYPES)
    id_encrypted = models.TextField("证件号码（加密）")
    id_masked = models.CharField("证件号码（脱敏）", max_length=40)
    # Keyed hash of the identity number: finds the same applicant (fees, duplicates, Art. 35) without
    # decrypting.
    applicant_key = models.CharField(max_length=64, db_index=True)
    phone = models.CharField("联系电话", max_length=40, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    address = models.CharField("通信地址", max_length=200, blank=True)

    title = models.CharField("所需信息名称", max_length=200)
    document_number = models.CharField("文号", max_length=100, blank=True)
    description = models.TextField("所需信息的内容描述")
    form_wanted = models.CharField("获取信息的方式", max_length=12, choices=FORMS_WANTED, default="paper")

    state = models.CharField("状态", max_length=24, choices=list(STATES.items()), default="registered",
                             db_index=True)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="承办人", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")

    # Art. 30
    supplement_requested_on = models.DateField("告知补正日期", null=True, blank=True)
    supplement_deadline = models.DateField("补正期限", null=True, blank=True)
    supplement_received_on = models.DateField("收到补正日期", null=True, blank=True)
    # Art. 33 ¶2
    extension_days = models.PositiveSmallIntegerField("延长工作日数", default=0)
    extended_on = models.DateField("延期决定日期", null=True, blank=True)
    # Art. 42 / 国办函〔2020〕109号
    fee_scheme = models.CharField("收费方式", max_length=20, blank=True)
    fee_amount = models.PositiveIntegerField("收费金额（元）", null=True, blank=True)
    fee_basis = models.JSONField("收费计算", default=dict, blank=True)
    fee_notice_received_on = models.DateField("收到收费通知日期", null=True, blank=True)
    fee_paid_on = models.DateField("缴费日期", null=True, blank=True)

    # Decision (one outcome per application: report table 三 counts it once).
    outcome = models.CharField("办理结果", max_length=40, choices=OUTCOME_CHOICES, blank=True, db_index=True)
    outcome_note = models.TextField("理由说明", blank=True)
    decided_on = models.DateField("拟定答复日期", null=True, blank=True)
    approved_on = models.DateField("审批日期", null=True, blank=True)
    replied_on = models.DateField("答复日期", null=True, blank=True, db_index=True)
    delivered_on = models.DateField("送达日期", null=True, blank=True)
    delivery_method = models.CharField("送达方式", max_length=12, choices=DELIVERY_METHODS, blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)

    # Answer deadline (Art. 33) with its derivation (law.periods.Derivation.to_dict()).
    due_on = models.DateField("答复期限", null=True, blank=True, db_index=True)
    due_provisional = models.BooleanField("期限为临时结果", default=False)
    due_derivation = models.JSONField("期限计算过程", default=dict, blank=True)

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # Optimistic lock: the case page carries the version it was loaded at; services.transition refuses a
    # stale one.
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    class Meta:
        verbose_name = "政府信息公开申请"
        verbose_name_plural = "政府信息公开申请"
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["agency", "received_on", "replied_on"]),
            # The workbench (services.dashboard_counts, urgent_cases): each box count is a range count
            # over the index alone, and the most urgent cases of a state are its first entries.
            models.Index(fields=["agency", "state", "due_on"], name="app_workbench_state_due"),
            models.Index(fields=["agency", "handler", "state"], name="app_workbench_handler"),
        ]
        # Code first: the public status lookup searches by code alone (one index probe per shard).
        constraints = [models.UniqueConstraint(fields=["tracking_code", "agency"],
                                               name="application_tracking_code")]

    def __str__(self) -> str:
        return f"{self.number or self.tracking_code} {self.title}"

    @property
    def is_open(self) -> bool:
        from .workflow import OPEN_STATES

        return self.state in OPEN_STATES

    @property
    def outcome_label(self) -> str:
        return OUTCOMES[self.outcome].label if self.outcome else ""


class Item(AgencyFromParent, models.Model):
    """One requested item and how it was handled; the application is still counted once (table 三)."""

    parent_field = "application"
    # Grown → grown: no database constraint (gongkai.agencies.distribution); written by services with
    # its application, in its agency.
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+", db_index=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="items", db_constraint=False)
    position = models.PositiveSmallIntegerField(default=1)
    description = models.CharField("申请事项", max_length=300)
    handling = models.CharField("处理情况", max_length=40, choices=OUTCOME_CHOICES)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "申请事项"
        verbose_name_plural = "申请事项"


class Consultation(AgencyFromParent, models.Model):
    """A third-party (Art. 32) or other-agency (Art. 34) consultation; its time is excluded (Art. 33 ¶3)."""

    parent_field = "application"
    # Grown → grown: no database constraint (gongkai.agencies.distribution); written by services with
    # its application, in its agency.
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+", db_index=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="consultations", db_constraint=False)
    kind = models.CharField("类型", max_length=12, choices=[(k, v[0]) for k, v in PAUSE_KINDS.items()])
    party = models.CharField("征求意见对象", max_length=200)
    sent_on = models.DateField("征求意见日期")
    answered_on = models.DateField("收到意见日期", null=True, blank=True)
    objection = models.BooleanField("对公开提出异议", default=False)
    note = models.TextField("意见摘要", blank=True)

    class Meta:
        ordering = ["sent_on", "pk"]
        verbose_name = "征求意见"
        verbose_name_plural = "征求意见"


class Event(AgencyFromParent, models.Model):
    """One step of the timeline (Art. 45): what happened, on which legal date, who did it."""

    parent_field = "application"
    # Grown → grown: no database constraint (gongkai.agencies.distribution); written by services with
    # its application, in its agency.
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+", db_index=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events", db_constraint=False)
    transition = models.CharField(max_length=40)
    label = models.CharField(max_length=100)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24)
    on = models.DateField("日期")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]


LETTER_KINDS = {
    "supplement": "补正告知书",
    "consult_third_party": "第三方意见征询函",
    "consult_agency": "征求意见函",
    "extension": "延期答复告知书",
    "fee_notice": "收费通知书",
    "reply": "政府信息公开申请答复书",
}


class LetterTemplate(models.Model):
    """An agency's own version of one letter (copy-on-write over the shared defaults in letters/defaults.py).

    ``title`` and ``body`` are sandboxed Jinja2 text over the documented fields of ``letters.vocabulary``
    only; ``outcome`` is set only for reply letters.
    """

    agency = models.ForeignKey("agencies.Agency", verbose_name="机关", on_delete=models.CASCADE,
                               related_name="letter_templates")
    kind = models.CharField("文书类型", max_length=24, choices=list(LETTER_KINDS.items()))
    outcome = models.CharField("办理结果", max_length=40, choices=OUTCOME_CHOICES, blank=True)
    title = models.CharField("标题", max_length=100)
    body = models.TextField("正文模板", help_text="只能使用本页列出的字段，如 {{ applicant_name }}。")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["agency", "kind", "outcome"]
        constraints = [models.UniqueConstraint(fields=["agency", "kind", "outcome"],
                                               name="letter_template_agency_unique")]
        verbose_name = "文书模板"
        verbose_name_plural = "文书模板"

    def __str__(self) -> str:
        return self.title


class LetterSettings(models.Model):
    """Per-agency letter settings: the 机关代字 of its 发文字号 and the fonts its letters are set in."""

    agency = models.OneToOneField("agencies.Agency", verbose_name="机关", on_delete=models.CASCADE,
                                  related_name="letter_settings")
    doc_prefix = models.CharField("发文字号机关代字", max_length=30, blank=True,
                                  help_text="如“临审批依申”，发文字号即为 临审批依申〔2026〕14号；留空则用机关简称加“公开”。")
    body_font = models.CharField("正文字体", max_length=200, blank=True,
                                 help_text="本机安装的字体名称，多个用逗号分隔，依次选用；留空用系统设置（仿宋_GB2312）。")
    title_font = models.CharField("标题字体", max_length=200, blank=True,
                                  help_text="同上；留空用系统设置（方正小标宋简体）。")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "文书设置"
        verbose_name_plural = "文书设置"


class LetterSequence(models.Model):
    """The last 发文顺序号 used by an agency in a year (GB/T 9704-2012 7.2.4); rows are locked to count."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="letter_sequence_unique")]


class IssuedLetterQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("已出具的文书不能修改。")


class IssuedLetter(AgencyFromParent, models.Model):
    """A letter as issued: text and rendered files are frozen (versioned per application and kind)."""

    parent_field = "application"
    # Grown → grown: no database constraint (gongkai.agencies.distribution); written by services with
    # its application, in its agency.
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+", db_index=False)
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="letters", db_constraint=False)
    kind = models.CharField(max_length=24, choices=list(LETTER_KINDS.items()))
    version = models.PositiveSmallIntegerField(default=1)
    doc_number = models.CharField("发文字号", max_length=60, blank=True)
    title = models.CharField(max_length=100)
    text = models.TextField()
    docx = models.BinaryField()
    pdf = models.BinaryField()
    issued_on = models.DateField()
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = IssuedLetterQuerySet.as_manager()

    class Meta:
        ordering = ["issued_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["agency", "application", "kind", "version"],
                                               name="letter_version_unique")]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("已出具的文书不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("已出具的文书不能删除。")
