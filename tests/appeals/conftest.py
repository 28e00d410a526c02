"""Appeals fixtures: a government with two departments (``own``, ``other``), one user per role in
``own`` (supervisor at the government), a handler of ``other``, and real applications."""
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from stdnum.cn import uscc

from gongkai.agencies.models import Agency, Staff
from gongkai.applications import services as applications
from gongkai.applications.services import ApplicantData

PASSWORD = "Correct-Horse-42"
ROLES = ("registrar", "handler", "reviewer", "head", "admin", "auditor", "supervisor")


def _code(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


@pytest.fixture
def agencies(db):
    gov = Agency.objects.create(name="测试区人民政府", slug="t-gov", level="government",
                                credit_code=_code("11370305000000011"))
    own = Agency.objects.create(name="测试区甲局", slug="t-own", level="department", parent=gov,
                                credit_code=_code("11370305000000021"))
    other = Agency.objects.create(name="测试区乙局", slug="t-other", level="department", parent=gov,
                                  credit_code=_code("11370305000000031"))
    return {"gov": gov, "own": own, "other": other}


@pytest.fixture
def staff(agencies):
    User = get_user_model()
    users = {}
    for role in ROLES:
        u = User.objects.create_user(username=f"u-{role}", password=PASSWORD, first_name=role)
        Staff.objects.create(user=u, agency=agencies["gov" if role == "supervisor" else "own"], role=role)
        users[role] = u
    u = User.objects.create_user(username="u-other-handler", password=PASSWORD)
    Staff.objects.create(user=u, agency=agencies["other"], role="handler")
    users["other_handler"] = u
    u = User.objects.create_user(username="u-other-registrar", password=PASSWORD)
    Staff.objects.create(user=u, agency=agencies["other"], role="registrar")
    users["other_registrar"] = u
    return users


@pytest.fixture
def make_case(agencies, staff):
    def make(agency=None):
        agency = agency or agencies["own"]
        actor = staff["registrar" if agency == agencies["own"] else "other_registrar"]
        data = ApplicantData(applicant_type="natural_person", applicant_name="张三", id_type="ric",
                             id_number="11010519491231002X", title="某道路建设项目环评批复",
                             description="请公开某道路建设项目的环境影响评价批复文件。", phone="13800000000")
        return applications.register_application(agency, data, channel="in_person", actor=actor, submitted_on=date(2024, 9, 25))
    return make


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client
    return as_user
