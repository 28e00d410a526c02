import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gongkai.agencies.models import Agency, Staff, validate_credit_code

from .conftest import make_code


@pytest.mark.parametrize("code", ["11370305004301517F", "91110000600037341L", make_code("12370300MB1234567")])
def test_valid_credit_codes(code):
    validate_credit_code(code)


@pytest.mark.parametrize(("code", "message"), [
    ("11370305004301517", "应为 18 位"),
    ("11370305004301517G", "校验位不正确"),
    ("1137030500430151IF", "格式不正确"),   # I is not used in the alphabet
    ("A1370305004301517F", "格式不正确"),   # first 8 must be digits
    ("11370305004301517f", "去掉空格并使用大写字母"),
    ("113703 05004301517F", "去掉空格并使用大写字母"),
])
def test_invalid_credit_codes(code, message):
    with pytest.raises(ValidationError) as info:
        validate_credit_code(code)
    assert message in info.value.messages[0]


@pytest.mark.django_db
def test_full_clean_requires_valid_credit_code():
    agency = Agency(name="某局", slug="mou", level=Agency.Level.DEPARTMENT, credit_code="")
    with pytest.raises(ValidationError) as info:
        agency.full_clean()
    assert "credit_code" in info.value.message_dict
    agency.credit_code = "11370305004301517G"
    with pytest.raises(ValidationError) as info:
        agency.full_clean()
    assert info.value.message_dict["credit_code"] == ["统一社会信用代码校验位不正确，请核对。"]
    agency.credit_code = "11370305004301517F"
    agency.full_clean()


@pytest.mark.django_db
def test_credit_code_unique(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        Agency.objects.create(name="重复", slug="dup", level="department", credit_code=tree["own"].credit_code)


@pytest.mark.django_db
def test_descendants_and_ancestors(tree, django_assert_max_num_queries):
    gov, own, other, sub = tree["gov"], tree["own"], tree["other"], tree["sub"]
    # One query per level (3 levels below gov incl. the empty last one) + the final queryset.
    with django_assert_max_num_queries(4):
        assert set(gov.descendants()) == {own, other, sub}
    assert set(own.descendants()) == {sub}
    assert list(sub.descendants()) == []
    assert sub.ancestors() == [own, gov]
    assert gov.ancestors() == []


@pytest.mark.django_db
def test_parent_cycle_rejected(tree):
    gov = tree["gov"]
    gov.parent = tree["sub"]
    with pytest.raises(ValidationError) as info:
        gov.full_clean()
    assert info.value.message_dict["parent"] == ["上级机关不能是本机关或其下级机关。"]
    gov.parent = gov
    with pytest.raises(ValidationError):
        gov.full_clean()


@pytest.mark.django_db
def test_postcode_checked(tree):
    own = tree["own"]
    own.postcode = "2554"
    with pytest.raises(ValidationError) as info:
        own.full_clean()
    assert info.value.message_dict["postcode"] == ["邮政编码应为 6 位数字。"]


@pytest.mark.django_db
def test_staff_role_unique(tree, make_user):
    user = make_user("u", (tree["own"], "handler"))
    Staff.objects.create(user=user, agency=tree["own"], role="head")  # another role: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        Staff.objects.create(user=user, agency=tree["own"], role="handler")
