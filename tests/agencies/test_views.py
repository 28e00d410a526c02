import pytest
from django.contrib.auth import authenticate, get_user_model

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
    # Dates at the ends of the calendar overflowed into a 500 once turned into local datetimes.
    for params in ({"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}):
        resp = client.get("/staff/audit/", params)
        assert resp.status_code == 200, params
        assert "日期应在 1990-01-01 至 2100-12-31 之间" in resp.content.decode()
        assert "甲局登记" not in resp.content.decode()

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


def test_django_admin_changes_are_audited(client, tree, make_user):
    root = make_user("root", is_superuser=True, is_staff=True)
    target = make_user("bob")
    client.force_login(root)
    resp = client.post("/admin/agencies/staff/add/", {"user": target.pk, "agency": tree["own"].pk, "role": "head"})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    staff = Staff.objects.get(user=target, role="head")
    entry = AuditEntry.objects.get(action="admin.add")
    assert entry.actor == root and entry.agency == tree["own"] and entry.target_id == str(staff.pk)
    resp = client.post(f"/admin/agencies/staff/{staff.pk}/delete/", {"post": "yes"})
    assert resp.status_code == 302 and not Staff.objects.filter(pk=staff.pk).exists()
    assert AuditEntry.objects.filter(action="admin.delete", target_id=str(staff.pk)).exists()
    assert audit.verify_chain() == []


def test_admin_creates_user_with_role(client, tree, people):
    client.force_login(people["admin"])
    form = {"create": "", "create-username": "newbie", "create-full_name": "新同事", "create-role": "registrar",
            "create-password1": "Strong-Pass-2024", "create-password2": "Strong-Pass-2024"}
    assert client.post("/staff/agencies/own/", form).status_code == 302
    user = authenticate(username="newbie", password="Strong-Pass-2024")
    assert user is not None and user.first_name == "新同事"
    assert Staff.objects.filter(user=user, agency=tree["own"], role="registrar").exists()
    # (the admin's own login is recorded under the agency too, since logins went under agencies)
    assert list(AuditEntry.objects.filter(agency=tree["own"]).exclude(action="auth.login")
                .values_list("action", flat=True)) == ["user.create", "staff.grant"]

    html = client.post("/staff/agencies/own/", form).content.decode()
    assert "该用户名已存在" in html
    weak = {**form, "create-username": "weak", "create-password1": "12345678901", "create-password2": "12345678901"}
    html = client.post("/staff/agencies/own/", weak).content.decode()
    assert not get_user_model().objects.filter(username="weak").exists()
    assert 'class="error"' in html and "密码" in html
    mismatch = {**form, "create-username": "other1", "create-password2": "Different-Pass-2024"}
    assert "两次输入的密码不一致" in client.post("/staff/agencies/own/", mismatch).content.decode()


def test_admin_unlocks_a_locked_colleague(client, tree, people):
    from .conftest import PASSWORD

    other = client.__class__()
    for _ in range(5):
        other.post("/accounts/login/", {"username": "handler", "password": "wrong-password"}, REMOTE_ADDR="192.0.2.5")
    assert "已锁定" in other.post("/accounts/login/", {"username": "handler", "password": PASSWORD},
                                 REMOTE_ADDR="192.0.2.5").content.decode()
    client.force_login(people["admin"])
    html = client.get("/staff/agencies/own/").content.decode()
    assert "登录锁定" in html and 'value="handler"' in html
    # A username outside the agency cannot be unlocked from here.
    client.post("/staff/agencies/own/", {"unlock": "other_admin"})
    assert not AuditEntry.objects.filter(action="auth.unlock").exists()
    assert client.post("/staff/agencies/own/", {"unlock": "handler"}).status_code == 302
    assert AuditEntry.objects.get(action="auth.unlock").data == {"username": "handler"}
    resp = other.post("/accounts/login/", {"username": "handler", "password": PASSWORD}, REMOTE_ADDR="192.0.2.5")
    assert resp.status_code == 302
