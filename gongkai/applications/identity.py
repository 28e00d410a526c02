"""Applicant identity numbers: validation, encryption at rest, masking, matching key.

The number is personal information: stored only encrypted (Fernet, key derived from SECRET_KEY), shown
masked in lists; showing it in full is audited (agencies.audit.record_identity_view).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ValidationError
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError


def _secret(purpose: bytes) -> bytes:
    return hashlib.sha256(b"gongkai.applications." + purpose + b":" + settings.SECRET_KEY.encode()).digest()


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_secret(b"identity")))


def normalize(id_type: str, number: str) -> str:
    """Validated, compact form of the number; ValidationError with a Chinese message otherwise."""
    value = (number or "").strip()
    if not value:
        raise ValidationError("请填写证件号码。")
    if id_type == "ric":
        try:
            value = ric.validate(value)
        except StdnumError:
            raise ValidationError("居民身份证号码不正确（应为 18 位，含出生日期和校验位），请核对。") from None
        check_birth_date(ric.get_birth_date(value))
        return value
    if id_type == "uscc":
        try:
            return uscc.validate(value)
        except StdnumError:
            raise ValidationError("统一社会信用代码不正确（应为 18 位，含校验位），请核对。") from None
    if id_type == "other":
        compact = "".join(value.split()).upper()
        if not 4 <= len(compact) <= 40:
            raise ValidationError("证件号码长度应为 4 至 40 个字符。")
        return compact
    raise ValidationError("请选择证件类型。")


EARLIEST_BIRTH = date(1900, 1, 1)


def check_birth_date(born: date, today: date | None = None) -> None:
    """The birth date inside a resident identity number (GB 11643) must be a date a living applicant has."""
    from django.utils import timezone

    today = today or timezone.localdate()
    if born > today:
        raise ValidationError(f"居民身份证号码中的出生日期（{born:%Y年%m月%d日}）晚于今天，请核对。")
    if born < EARLIEST_BIRTH:
        raise ValidationError(f"居民身份证号码中的出生日期（{born:%Y年%m月%d日}）早于1900年，请核对。")


def encrypt(number: str) -> str:
    return _fernet().encrypt(number.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return "（无法解密：密钥已更换）"


def mask(number: str) -> str:
    """370305********1234: keep the region part and the last four characters."""
    n = len(number)
    if n >= 14:
        return number[:6] + "*" * (n - 10) + number[-4:]
    if n > 4:
        return "*" * (n - 4) + number[-4:]
    return "*" * n


def applicant_key(id_type: str, number: str) -> str:
    """Keyed hash identifying the applicant across applications without storing the number in clear."""
    return hmac.new(_secret(b"applicant"), f"{id_type}:{number}".encode(), hashlib.sha256).hexdigest()
