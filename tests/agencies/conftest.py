import pytest
from django.contrib.auth import get_user_model
from stdnum.cn import uscc

from gongkai.agencies.models import Agency, Staff

PASSWORD = "Correct-Horse-42"


def make_code(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


@pytest.fixture
def tree(db):
    """gov ─┬─ own ── sub
            └─ other"""
    gov = Agency.objects.create(name="测试区人民政府", slug="gov", level=Agency.Level.GOVERNMENT,
                                credit_code=make_code("11370305000000011"))
    own = Agency.objects.create(name="测试区甲局", slug="own", level=Agency.Level.DEPARTMENT, parent=gov,
                                credit_code=make_code("11370305000000021"))
    other = Agency.objects.create(name="测试区乙局", slug="other", level=Agency.Level.DEPARTMENT, parent=gov,
                                  credit_code=make_code("11370305000000031"))
    sub = Agency.objects.create(name="测试区甲局下属中心", slug="sub", level=Agency.Level.DEPARTMENT, parent=own,
                                credit_code=make_code("11370305000000041"))
    return {"gov": gov, "own": own, "other": other, "sub": sub}


@pytest.fixture
def make_user(db):
    def make(username, *memberships, **extra):
        user = get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)
        for agency, role in memberships:
            Staff.objects.create(user=user, agency=agency, role=role)
        return user

    return make
