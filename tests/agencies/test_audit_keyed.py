"""The keyed audit chain and its published head (issue 7, item 7).

Before: with write access to the database, rewriting an entry and recomputing every later hash (plain
SHA-256, computable by anyone), or deleting the tail and updating the head row, passed `gongkai audit verify`.
"""
import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from gongkai import cli
from gongkai.agencies import audit
from gongkai.agencies.models import AuditChainHead, AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def head_file(settings, tmp_path):
    settings.GONGKAI_AUDIT_HEAD_FILE = tmp_path / "audit-head.log"
    return settings.GONGKAI_AUDIT_HEAD_FILE


def _sql(sql, params=()):
    with connection.cursor() as cur:
        cur.execute(sql, params)


def _write(n, start=0):
    return [audit.record(actor=None, action="test.write", summary=f"测试记录 {i}", data={"i": i})
            for i in range(start, start + n)]


def _plain(prev_hash: str, entry: AuditEntry) -> str:
    """What an attacker computes: SHA-256 over the previous hash and the entry's canonical fields."""
    return hashlib.sha256((prev_hash + audit._canonical(audit._fields(entry))).encode("utf-8")).hexdigest()


def test_rewriting_an_entry_and_recomputing_every_later_hash_is_detected(head_file):
    entries = _write(5)
    audit.remove_guard()  # an attacker with full rights on the database (rolled back with the test)
    prev = entries[0].hash
    for e in AuditEntry.objects.filter(seq__gte=2).order_by("seq"):
        if e.seq == 2:
            e.summary = "伪造的摘要"
        e.prev_hash = prev
        e.hash = _plain(prev, e)
        _sql(f"UPDATE {audit.TABLE} SET summary = %s, prev_hash = %s, hash = %s WHERE id = %s",
             [e.summary, e.prev_hash, e.hash, e.pk])
        prev = e.hash
    _sql("UPDATE agencies_auditchainhead SET hash = %s WHERE id = 1", [prev])
    problems = audit.verify_chain(use_head_file=False)
    assert problems and problems[0] == f"第 2 条（ID {entries[1].pk}）：内容与哈希不符，记录被改动"
    # Rebuilt wholesale with plain hashes (no keyed entry left at all): refused as well.
    prev = audit.GENESIS
    for e in AuditEntry.objects.order_by("seq"):
        e.prev_hash, e.hash = prev, _plain(prev, e)
        _sql(f"UPDATE {audit.TABLE} SET prev_hash = %s, hash = %s WHERE id = %s", [e.prev_hash, e.hash, e.pk])
        prev = e.hash
    _sql("UPDATE agencies_auditchainhead SET hash = %s WHERE id = 1", [prev])
    assert audit.verify_chain(use_head_file=False) == [
        "全部记录均为不带密钥的哈希，没有换钥检查点：日志可能被整体重写（请运行 gongkai migrate）"]


def test_the_hash_needs_the_key(settings, head_file):
    _write(2)
    assert audit.verify_chain() == []
    settings.GONGKAI_AUDIT_KEY = "另一把密钥"
    assert audit.verify_chain()[0].endswith("内容与哈希不符，记录被改动")


def test_cutting_the_tail_and_updating_the_head_row_is_detected(head_file, django_capture_on_commit_callbacks, capsys):
    with django_capture_on_commit_callbacks(execute=True):
        entries = _write(5)
    lines = head_file.read_text().splitlines()
    assert [ln.split()[:2] for ln in lines] == [[str(e.seq), e.hash] for e in entries]
    noted = f"5:{entries[4].hash}"  # written down from the auditor's page
    audit.remove_guard()
    _sql(f"DELETE FROM {audit.TABLE} WHERE seq > 3")
    _sql("UPDATE agencies_auditchainhead SET seq = 3, hash = %s WHERE id = 1", [entries[2].hash])
    # The database alone cannot tell: what is left is a consistent, shorter chain.
    assert audit.verify_chain(use_head_file=False) == []
    assert audit.verify_chain() == ["链头文件公布的第 4–5 条中的 2 条不在日志中：末尾记录被删除"]
    assert audit.verify_chain(use_head_file=False, head=noted) == [f"指定的链头 {noted} 不在日志中：该条记录被删除或改写"]
    assert audit.verify_chain(use_head_file=False, head=f"3:{entries[2].hash}") == []

    assert cli.main(["audit", "verify"]) == 1
    assert "末尾记录被删除" in capsys.readouterr().out
    assert cli.main(["audit", "verify", "--no-head-file", "--head", noted]) == 1
    assert "不在日志中" in capsys.readouterr().out
    assert cli.main(["audit", "verify", "--head", "not-a-hash"]) == 2
    assert "--head" in capsys.readouterr().err


def test_replacing_the_tail_is_caught_by_the_published_hash(head_file, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        entries = _write(3)
    audit.remove_guard()
    _sql(f"DELETE FROM {audit.TABLE} WHERE seq = 3")
    _sql("UPDATE agencies_auditchainhead SET seq = 2, hash = %s WHERE id = 1", [entries[1].hash])
    audit.record(actor=None, action="test.write", summary="换上的第 3 条")  # needs the key: the app itself
    problems = audit.verify_chain()
    assert problems == [f"第 3 条（ID {AuditEntry.objects.get(seq=3).pk}）：与链头文件公布的哈希不符，记录被改写"]


def test_a_legacy_chain_is_closed_by_a_keyed_checkpoint(head_file, monkeypatch):
    with monkeypatch.context() as m:  # entries written before the keyed chain (plain SHA-256)
        m.setattr(audit, "compute_hash", audit.legacy_hash)
        legacy = _write(3)
    assert audit.verify_chain()[0].startswith("全部记录均为不带密钥的哈希")
    checkpoint = audit.rekey_checkpoint(AuditEntry, AuditChainHead)  # what migration 0003 does
    assert checkpoint.action == "audit.rekey" and checkpoint.data == {"legacy_seq": 3, "legacy_hash": legacy[2].hash}
    assert audit.rekey_checkpoint(AuditEntry, AuditChainHead) is None  # idempotent
    _write(2, start=3)
    assert audit.verify_chain() == []
    # Rewriting a legacy entry and recomputing the legacy hashes breaks the link to the checkpoint.
    audit.remove_guard()
    prev = legacy[0].hash
    for e in AuditEntry.objects.filter(seq__in=(2, 3)).order_by("seq"):
        e.summary = "伪造" if e.seq == 2 else e.summary
        e.prev_hash, e.hash = prev, _plain(prev, e)
        _sql(f"UPDATE {audit.TABLE} SET summary = %s, prev_hash = %s, hash = %s WHERE id = %s",
             [e.summary, e.prev_hash, e.hash, e.pk])
        prev = e.hash
    problems = audit.verify_chain()
    assert any(p.startswith(f"第 4 条（ID {checkpoint.pk}）：与前一条的链接不符") for p in problems)
    # A plain hash after the checkpoint is never accepted.
    last = AuditEntry.objects.get(seq=5)
    last.summary = "伪造"
    _sql(f"UPDATE {audit.TABLE} SET summary = %s, hash = %s WHERE id = %s", ["伪造", _plain(last.prev_hash, last), last.pk])
    assert any(p.startswith(f"第 5 条（ID {last.pk}）：内容与哈希不符") for p in audit.verify_chain())


def test_the_auditors_page_shows_the_published_head(client, tree, make_user, head_file,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        entries = _write(2)
    client.force_login(make_user("auditor", (tree["own"], "auditor")))
    html = client.get("/staff/audit/").content.decode()
    assert f"2:{entries[1].hash}" in html and "gongkai audit verify --head" in html


# -- agency-less entries -------------------------------------------------------------------------------
def test_logins_are_audited_under_the_users_agencies(tree, make_user, client):
    make_user("handler", (tree["own"], "handler"), (tree["other"], "handler"))
    auditor = make_user("auditor", (tree["own"], "auditor"))
    other_auditor = make_user("other_auditor", (tree["other"], "auditor"))
    c = Client(REMOTE_ADDR="192.0.2.10")
    c.post("/accounts/login/", {"username": "handler", "password": "wrong-password"})
    c.post("/accounts/login/", {"username": "nosuchuser", "password": "wrong-password"})
    assert c.post("/accounts/login/", {"username": "handler", "password": PASSWORD}).status_code == 302
    rows = set(AuditEntry.objects.filter(action__startswith="auth.").values_list("action", "agency_id"))
    assert rows == {("auth.login_failed", tree["own"].pk), ("auth.login_failed", tree["other"].pk),
                    ("auth.login", tree["own"].pk), ("auth.login", tree["other"].pk),
                    ("auth.login_failed", None)}
    for user in (auditor, other_auditor):
        client.force_login(user)
        html = client.get("/staff/audit/", {"action": "auth."}).content.decode()
        assert "handler 登录" in html and "账号 handler 登录失败" in html
        assert "nosuchuser" not in html  # a platform-level entry


def test_platform_entries_are_visible_to_superusers(tree, make_user, client):
    audit.record(actor=None, action="auth.login_failed", summary="账号 nosuchuser 登录失败")
    audit.record(actor=None, action="test.write", agency=tree["own"], summary="甲局的记录")
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    client.force_login(root)
    resp = client.get("/staff/audit/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "账号 nosuchuser 登录失败" in html and "甲局的记录" not in html
