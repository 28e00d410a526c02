"""Appeals fixtures: real applications of the shared ``agencies``/``staff`` (tests/conftest.py)."""
from datetime import date

import pytest

from gongkai.applications import services as applications
from gongkai.applications.services import ApplicantData


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
