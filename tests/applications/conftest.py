from datetime import date

import pytest
from django.contrib.auth import get_user_model
from stdnum.cn import uscc

from gongkai.agencies.models import Agency, Staff
from gongkai.applications import services
from gongkai.applications.services import ApplicantData

PASSWORD = "Correct-Horse-42"
ROLES = ("registrar", "handler", "reviewer", "head", "admin", "auditor", "supervisor")
# Valid resident identity numbers (GB 11643 check digit).
RIC = "11010519491231002X"
RIC2 = "370305199001011231"


def code(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


@pytest.fixture
def agencies(db):
    gov = Agency.objects.create(name="测试区人民政府", slug="t-gov", level="government",
                                credit_code=code("11370305000000011"))
    own = Agency.objects.create(name="测试区甲局", slug="t-own", level="department", parent=gov,
                                credit_code=code("11370305000000021"), phone="0533-1234567")
    other = Agency.objects.create(name="测试区乙局", slug="t-other", level="department", parent=gov,
                                  credit_code=code("11370305000000031"))
    return {"gov": gov, "own": own, "other": other}


@pytest.fixture
def staff(agencies):
    """One user per role in ``own`` (supervisor at ``gov``), plus a handler of ``other``."""
    User = get_user_model()
    users = {}
    for role in ROLES:
        u = User.objects.create_user(username=f"u-{role}", password=PASSWORD)
        Staff.objects.create(user=u, agency=agencies["gov" if role == "supervisor" else "own"], role=role)
        users[role] = u
    u = User.objects.create_user(username="u-other-handler", password=PASSWORD)
    Staff.objects.create(user=u, agency=agencies["other"], role="handler")
    users["other_handler"] = u
    return users


def applicant(**kw) -> ApplicantData:
    data = dict(applicant_type="natural_person", applicant_name="张三", id_type="ric", id_number=RIC,
                title="2024年某道路建设项目环评批复", description="请公开某道路建设项目的环境影响评价批复文件。",
                phone="13800000000")
    data.update(kw)
    return ApplicantData(**data)


@pytest.fixture
def make_case(agencies, staff):
    def make(received=date(2024, 9, 25), channel="in_person", agency=None, **kw):
        return services.register_application(agency or agencies["own"], applicant(**kw), channel=channel,
                                             actor=staff["registrar"], submitted_on=received)
    return make
