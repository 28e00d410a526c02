"""Agencies (tenants), staff memberships with roles, the append-only audit log, login attempts."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError as StdnumError


def validate_credit_code(value: str) -> None:
    """统一社会信用代码 (GB 32100-2015): 18 characters, the last one a check character."""
    try:
        uscc.validate(value)
    except InvalidLength:
        raise ValidationError("统一社会信用代码应为 18 位。", code="credit_code_length") from None
    except InvalidChecksum:
        raise ValidationError("统一社会信用代码校验位不正确，请核对。", code="credit_code_checksum") from None
    except StdnumError:
        raise ValidationError(
            "统一社会信用代码格式不正确：前 8 位应为数字，其余为数字或大写字母（不含 I、O、Z、S、V）。",
            code="credit_code_format",
        ) from None
    if uscc.compact(value) != value:
        raise ValidationError("统一社会信用代码请去掉空格并使用大写字母。", code="credit_code_compact")


class Agency(models.Model):
    class Level(models.TextChoices):
        DEPARTMENT = "department", "部门"
        GOVERNMENT = "government", "人民政府"
        TOWNSHIP = "township", "乡镇（街道）"

    name = models.CharField("机关名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=40, blank=True)
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, validators=[validate_credit_code],
        help_text="18 位，含校验位；也用于主动公开目录索引号。",
    )
    level = models.CharField("层级", max_length=20, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级机关", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    slug = models.SlugField("网址标识", max_length=60, unique=True, help_text="用于网址，仅限字母、数字、连字符。")
    # Disclosure office contacts: published in the disclosure guide (Art. 12, Art. 24).
    office_name = models.CharField("政府信息公开工作机构", max_length=100, blank=True)
    address = models.CharField("办公地址", max_length=200, blank=True)
    postcode = models.CharField("邮政编码", max_length=6, blank=True)
    phone = models.CharField("联系电话", max_length=40, blank=True)
    fax = models.CharField("传真", max_length=40, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    hours = models.CharField("办公时间", max_length=100, blank=True)
    website = models.URLField("网站", blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "机关"
        verbose_name_plural = "机关"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.postcode and not (len(self.postcode) == 6 and self.postcode.isdigit()):
            raise ValidationError({"postcode": "邮政编码应为 6 位数字。"})
        if self.parent_id and self.pk:
            if self.parent_id == self.pk or self.parent_id in {a.pk for a in self.descendants()}:
                raise ValidationError({"parent": "上级机关不能是本机关或其下级机关。"})

    def descendants(self) -> models.QuerySet[Agency]:
        """All subordinate agencies (not self): one query per level of the tree."""
        ids: set[int] = set()
        frontier = [self.pk]
        while frontier:
            frontier = [
                pk for pk in Agency.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
                if pk not in ids and pk != self.pk  # guards against a cycle written around clean()
            ]
            ids.update(frontier)
        return Agency.objects.filter(pk__in=ids)

    def ancestors(self) -> list[Agency]:
        """Superior agencies, nearest first."""
        out: list[Agency] = []
        seen = {self.pk}
        node = self.parent
        while node is not None and node.pk not in seen:
            out.append(node)
            seen.add(node.pk)
            node = node.parent
        return out


class Staff(models.Model):
    """A user's role in an agency. A user may hold several roles in several agencies."""

    class Role(models.TextChoices):
        REGISTRAR = "registrar", "登记"
        HANDLER = "handler", "承办"
        REVIEWER = "reviewer", "审核"
        HEAD = "head", "负责人"
        ADMIN = "admin", "管理员"
        AUDITOR = "auditor", "审计员"
        SUPERVISOR = "supervisor", "监督"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(Agency, verbose_name="机关", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    created_at = models.DateTimeField("授予时间", auto_now_add=True)

    class Meta:
        verbose_name = "岗位"
        verbose_name_plural = "岗位"
        ordering = ["agency__name", "role"]
        constraints = [models.UniqueConstraint(fields=["user", "agency", "role"], name="staff_unique_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.agency} · {self.get_role_display()}"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("审计日志只能追加，不能修改。")

    def delete(self):
        raise PermissionError("审计日志只能追加，不能删除。")


class AuditEntry(models.Model):
    """One append-only, hash-chained audit record. Write it through ``audit.record()`` only."""

    seq = models.BigIntegerField("序号", unique=True, editable=False)
    created_at = models.DateTimeField("时间", editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField("操作人账号", max_length=150, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name="机关", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField("操作", max_length=60, db_index=True)
    target_type = models.CharField("对象类型", max_length=100, blank=True)
    target_id = models.CharField("对象编号", max_length=64, blank=True)
    summary = models.TextField("摘要")
    data = models.JSONField("详细数据", default=dict, blank=True)
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.summary}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("审计日志只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计日志只能追加，不能删除。")


class AuditChainHead(models.Model):
    """Single row (pk=1): the last sequence number and hash. Locked while appending so that
    concurrent writers never fork the chain; also reveals rows deleted from the tail."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)


class LoginAttempt(models.Model):
    """A failed login, kept for the lockout window (5 failures per username + IP → 15 minutes)."""

    username = models.CharField(max_length=150)
    ip = models.GenericIPAddressField(null=True, blank=True)
    failed_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["username", "ip", "failed_at"])]


class RateCount(models.Model):
    """One fixed-window request counter of ``gongkai.ratelimit`` when no Redis is configured.

    Counted with one atomic upsert per request (``INSERT … ON CONFLICT DO UPDATE … RETURNING``), which the
    database cache (a read, then a write, then a COUNT(*) to cull) could not do. The key holds the window's
    start, so a row is dead once ``expires`` has passed; dead rows are swept now and then.
    """

    key = models.CharField(max_length=128, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires = models.FloatField(db_index=True)

    class Meta:
        verbose_name = "访问频率计数"
        verbose_name_plural = "访问频率计数"
