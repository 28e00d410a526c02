import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from stdnum.cn import uscc

from gongkai.agencies import demo
from gongkai.agencies.models import Agency, Staff
from gongkai.agencies.permissions import can


def _counts():
    return Agency.objects.count(), Staff.objects.count(), get_user_model().objects.count()


@pytest.mark.django_db
def test_agencies_demo_is_idempotent_and_usable():
    demo.load()
    first = _counts()
    assert first == (3, len(demo.USERS), len(demo.USERS) + 1)  # + the superuser for /admin/
    demo.load()
    assert _counts() == first
    seed = Agency.objects.get(name="淄博市临淄区行政审批服务局")
    assert seed.parent.name == "淄博市临淄区人民政府" and seed.parent.level == Agency.Level.GOVERNMENT
    for agency in Agency.objects.all():
        assert uscc.is_valid(agency.credit_code)
    for username, _, role, slug in demo.USERS:
        user = authenticate(username=username, password=demo.DEMO_PASSWORD)
        assert user is not None, username
        assert Staff.objects.filter(user=user, role=role, agency__slug=slug).exists()
    User = get_user_model()
    assert can(User.objects.get(username="registrar"), "application.register", seed)
    assert can(User.objects.get(username="supervisor"), "application.view", seed)
    assert not can(User.objects.get(username="supervisor"), "application.handle", seed)
    assert can(User.objects.get(username="siteadmin"), "calendar.manage")


@pytest.mark.django_db
def test_existing_user_password_is_left_alone():
    User = get_user_model()
    User.objects.create_user("registrar", password="Somebody-Elses-Pass-1")
    demo.load()
    assert authenticate(username="registrar", password="Somebody-Elses-Pass-1") is not None
    assert Staff.objects.filter(user__username="registrar", role="registrar").exists()


@pytest.mark.django_db
def test_load_demo_command_prints_password_and_repeats(capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "[agencies] 演示数据已就绪" in out and demo.DEMO_PASSWORD in out and "本次新建账号" in out
    # Each user with role and agency; the superuser with its own password, which works for /admin/.
    assert "  registrar     登记  淄博市临淄区行政审批服务局" in out
    assert "  supervisor    监督  淄博市临淄区人民政府" in out
    password = out.split("平台超级用户（Django 管理后台 /admin/）：superadmin，密码 ")[1].split("（")[0]
    user = authenticate(username="superadmin", password=password)
    assert user is not None and user.is_superuser and user.is_staff
    before = _counts()
    call_command("load_demo")  # (``gongkai demo`` runs exactly this, then closes the connections)
    out = capsys.readouterr().out
    assert "本次新建账号" not in out and _counts() == before


@pytest.mark.django_db
def test_demo_creations_are_audited_once():
    from gongkai.agencies import audit
    from gongkai.agencies.models import AuditEntry

    demo.load()
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions.count("agency.create") == 3
    assert actions.count("user.create") == len(demo.USERS) + 1  # + the superuser
    assert actions.count("staff.grant") == len(demo.USERS)
    demo.load()  # nothing new, nothing recorded
    assert AuditEntry.objects.count() == len(actions)
    assert audit.verify_chain() == []
