"""Agency management for platform administrators: add, move in the tree (no cycles), deactivate; audited
under the agency; everyone else gets 403 and sees no link."""
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from gongkai.agencies.models import Agency, AuditEntry, Staff
from tests.conftest import PASSWORD, credit_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_admin(agencies):
    user = get_user_model().objects.create_user("u-platform", password=PASSWORD)
    Staff.objects.create(user=user, agency=agencies["gov"], role="admin")
    c = Client()
    c.force_login(user)
    return c


def new_agency(**kw):
    data = {"name": "测试区丙局", "short_name": "丙局", "credit_code": credit_code("11370305000000041"),
            "level": "department", "parent": "", "slug": "t-third"}
    data.update(kw)
    return data


def test_add_move_deactivate(platform_admin, agencies):
    home = platform_admin.get("/staff/").content.decode()
    assert "机关管理" in home
    r = platform_admin.post("/staff/platform/agencies/new/", new_agency(parent=agencies["gov"].pk))
    assert r.status_code == 302
    third = Agency.objects.get(slug="t-third")
    assert third.parent == agencies["gov"]
    entry = AuditEntry.objects.get(action="agency.create")
    assert entry.agency == third and "测试区丙局" in entry.summary
    # Move it under 甲局.
    data = new_agency(parent=agencies["own"].pk)
    r = platform_admin.post(f"/staff/platform/agencies/{third.pk}/", data)
    assert r.status_code == 302
    third.refresh_from_db()
    assert third.parent == agencies["own"]
    assert "上级由“测试区人民政府”改为“测试区甲局”" in AuditEntry.objects.get(action="agency.edit").summary
    # The tree page shows it under its parent.
    html = platform_admin.get("/staff/platform/agencies/").content.decode().split('id="agency-tree"')[1]
    assert html.index("测试区甲局") < html.index("测试区丙局") and 'class="depth-2"' in html
    # No cycles: 人民政府 cannot go under its own subordinate.
    gov = agencies["gov"]
    r = platform_admin.post(f"/staff/platform/agencies/{gov.pk}/", {
        "name": gov.name, "short_name": "", "credit_code": gov.credit_code, "level": gov.level,
        "parent": third.pk})
    assert r.status_code == 200 and "上级机关不能是本机关或其下级机关" in r.content.decode()
    assert Agency.objects.get(pk=gov.pk).parent is None
    # Deactivate: refused while an active subordinate remains; then allowed, audited, public form closed.
    r = platform_admin.post(f"/staff/platform/agencies/{agencies['own'].pk}/active/", {"active": "0"}, follow=True)
    assert "还有启用中的下级机关" in r.content.decode() and Agency.objects.get(pk=agencies["own"].pk).is_active
    platform_admin.post(f"/staff/platform/agencies/{third.pk}/active/", {"active": "0"})
    assert not Agency.objects.get(pk=third.pk).is_active
    assert AuditEntry.objects.get(action="agency.deactivate").agency_id == third.pk
    assert Client().get("/apply/t-third/").status_code == 404


def test_bad_input_in_chinese(platform_admin, agencies):
    r = platform_admin.post("/staff/platform/agencies/new/", new_agency(credit_code="123"))
    assert r.status_code == 200 and "统一社会信用代码应为 18 位" in r.content.decode()
    assert not Agency.objects.filter(slug="t-third").exists()


@pytest.mark.parametrize("role", ["registrar", "handler", "head", "admin", "auditor", "supervisor"])
def test_others_may_not(client, staff, agencies, role):
    client.force_login(staff[role])
    assert client.get("/staff/platform/agencies/").status_code == 403
    assert client.post(f"/staff/platform/agencies/{agencies['own'].pk}/active/", {"active": "0"}).status_code == 403
    assert Agency.objects.get(pk=agencies["own"].pk).is_active
    assert "机关管理" not in client.get("/staff/").content.decode()
