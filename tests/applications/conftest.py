"""Applications fixtures over the shared ``agencies``/``staff`` of tests/conftest.py."""
from datetime import date

import pytest

from gongkai.applications import services
from gongkai.applications.services import ApplicantData
from tests.conftest import PASSWORD, ROLES  # noqa: F401  (re-exported for the tests of this folder)

# Valid resident identity numbers (GB 11643 check digit).
RIC = "11010519491231002X"
RIC2 = "370305199001011231"


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
