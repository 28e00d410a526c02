import pytest

from gongkai.agencies import audit
from gongkai.agencies.models import AuditEntry, Staff


@pytest.fixture
def people(tree, make_user):
    return {
        "auditor": make_user("auditor", (tree["own"], "auditor")),
        "admin": make_user("admin", (tree["own"], "admin")),
        "other_admin": make_user("other_admin", (tree["other"], "admin")),
        "handler": make_user("handler", (tree["own"], "handler")),
        "top_auditor": make_user("top_auditor", (tree["gov"], "auditor")),
    }


def _entries(tree):
    audit.record(actor=None, action="application.register", agency=tree["own"], summary="甲局登记")
    audit.record(actor=None, action="identity.view", agency=tree["own"], summary="甲局查看身份")
    audit.record(actor=None, action="application.register", agency=tree["other"], summary="乙局登记")
    audit.record(actor=None, action="site.setting", summary="全站设置")


def test_audit_log_page_for_auditor_only(client, tree, people):
    _entries(tree)
    client.force_login(people["auditor"])
    html = client.get("/staff/audit/").content.decode()
    assert "甲局登记" in html and "甲局查看身份" in html
    assert "乙局登记" not in html and "全站设置" not in html
    html = client.get("/staff/audit/", {"action": "identity.view"}).content.decode()
    assert "甲局查看身份" in html and "甲局登记" not in html
    html = client.get("/staff/audit/", {"action": "application."}).content.decode()
    assert "甲局登记" in html and "甲局查看身份" not in html
    resp = client.get("/staff/audit/", {"date_from": "2030-01-02", "date_to": "2030-01-01"})
    assert "起始日期不能晚于截止日期" in resp.content.decode()
    assert "甲局登记" not in resp.content.decode()
    html = client.get("/staff/audit/", {"date_from": "2000-01-01"}).content.decode()
    assert "甲局登记" in html

    for name in ("admin", "handler"):
        client.force_login(people[name])
        assert client.get("/staff/audit/").status_code == 403, name


def test_top_level_auditor_sees_site_wide_entries_not_children(client, tree, people):
    _entries(tree)
    client.force_login(people["top_auditor"])
    html = client.get("/staff/audit/").content.decode()
    assert "全站设置" in html and "甲局登记" not in html


def test_audit_page_needs_login(client, db):
    resp = client.get("/staff/audit/")
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")


def test_staff_home_lists_roles_and_links(client, tree, people, make_user):
    client.force_login(people["auditor"])
    html = client.get("/staff/").content.decode()
    assert "测试区甲局" in html and "审计员" in html and "审计日志" in html and "人员与信息" not in html
    client.force_login(people["admin"])
    html = client.get("/staff/").content.decode()
    assert "人员与信息" in html and "审计日志" not in html
    sup = make_user("sup", (tree["gov"], "supervisor"))
    client.force_login(sup)
    html = client.get("/staff/").content.decode()
    assert "监督范围内的下级机关" in html and "测试区甲局下属中心" in html


def test_admin_grants_and_revokes_roles(client, tree, people):
    client.force_login(people["admin"])
    assert client.get("/staff/agencies/own/").status_code == 200
    resp = client.post("/staff/agencies/own/", {"grant": "", "grant-username": "handler", "grant-role": "reviewer"})
    assert resp.status_code == 302
    staff = Staff.objects.get(user=people["handler"], agency=tree["own"], role="reviewer")
    entry = AuditEntry.objects.get(action="staff.grant")
    assert entry.actor == people["admin"] and entry.agency == tree["own"] and entry.target_id == str(staff.pk)

    resp = client.post("/staff/agencies/own/", {"grant": "", "grant-username": "ghost", "grant-role": "reviewer"})
    assert "没有这个用户" in resp.content.decode()

    assert client.post(f"/staff/agencies/own/staff/{staff.pk}/revoke/").status_code == 302
    assert not Staff.objects.filter(pk=staff.pk).exists()
    assert AuditEntry.objects.filter(action="staff.revoke").count() == 1

    own_admin = Staff.objects.get(user=people["admin"], role="admin")
    client.post(f"/staff/agencies/own/staff/{own_admin.pk}/revoke/")
    assert Staff.objects.filter(pk=own_admin.pk).exists()  # cannot lock oneself out
    assert audit.verify_chain() == []


def test_admin_edits_office_contacts(client, tree, people):
    client.force_login(people["admin"])
    resp = client.post("/staff/agencies/own/", {"contact": "", "contact-office_name": "甲局办公室",
                                                "contact-postcode": "255400", "contact-phone": "0533-1234567"})
    assert resp.status_code == 302
    tree["own"].refresh_from_db()
    assert tree["own"].office_name == "甲局办公室" and tree["own"].postcode == "255400"
    assert AuditEntry.objects.get(action="agency.update").data["office_name"] == "甲局办公室"
    resp = client.post("/staff/agencies/own/", {"contact": "", "contact-postcode": "12"})
    assert "邮政编码应为 6 位数字" in resp.content.decode()


def test_manage_page_access(client, tree, people):
    client.force_login(people["auditor"])
    assert client.get("/staff/agencies/own/").status_code == 403  # auditor changes nothing
    client.force_login(people["other_admin"])
    assert client.get("/staff/agencies/own/").status_code == 404  # another agency: not even visible
    staff = Staff.objects.get(user=people["handler"])
    assert client.post(f"/staff/agencies/own/staff/{staff.pk}/revoke/").status_code == 404
    assert Staff.objects.filter(pk=staff.pk).exists()
