import threading

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction
from django.test import RequestFactory

from gongkai import cli
from gongkai.agencies import audit
from gongkai.agencies.models import AuditChainHead, AuditEntry, Staff


def _sql(sql, params=()):
    with connection.cursor() as cur:
        cur.execute(sql, params)


def _write(n, actor=None, agency=None):
    return [audit.record(actor=actor, action="test.write", agency=agency, summary=f"测试记录 {i}",
                         data={"i": i, "中文": "值"}) for i in range(n)]


def _verify_cli(capsys):
    code = cli.main(["audit", "verify"])
    return code, capsys.readouterr().out


@pytest.mark.django_db
def test_record_chain_and_verify_ok(tree, make_user, capsys):
    user = make_user("reg", (tree["own"], "registrar"))
    staff = Staff.objects.get(user=user)
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    request.user = user
    e1 = audit.record(actor=user, action="application.register", agency=tree["own"], target=staff,
                      summary="登记申请", data={"when": __import__("datetime").date(2024, 5, 6)}, request=request)
    e2 = audit.record_identity_view(request, staff)
    assert (e1.seq, e2.seq) == (1, 2)
    assert e1.prev_hash == audit.GENESIS and e2.prev_hash == e1.hash
    assert e1.target_type == "agencies.staff" and e1.target_id == str(staff.pk)
    assert e1.ip == "10.1.2.3" and e1.actor_name == "reg"
    assert e1.data == {"when": "2024-05-06"}  # stored exactly as hashed
    assert e2.action == "identity.view" and e2.agency == tree["own"]
    assert audit.verify_chain() == []
    code, out = _verify_cli(capsys)
    assert code == 0 and out.splitlines()[0] == "审计日志完整，共 2 条"


@pytest.mark.django_db
def test_empty_log_verifies(capsys):
    code, out = _verify_cli(capsys)
    assert code == 0 and out.startswith("审计日志完整，共 0 条\n")


@pytest.mark.django_db
def test_orm_refuses_update_and_delete():
    entry = _write(1)[0]
    entry.summary = "改动"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="改动")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).summary == "测试记录 0"


@pytest.mark.django_db
def test_database_trigger_refuses_raw_update_and_delete():
    entry = _write(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql(f"UPDATE {audit.TABLE} SET summary = %s WHERE id = %s", ["改动", entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql(f"DELETE FROM {audit.TABLE} WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).summary == "测试记录 0"
    assert audit.verify_chain() == []


@pytest.mark.django_db
def test_edit_with_trigger_disabled_is_caught(capsys):
    entries = _write(4)
    audit.remove_guard()  # an attacker with DDL rights; rolled back with the test transaction
    _sql(f"UPDATE {audit.TABLE} SET summary = %s WHERE id = %s", ["篡改后的摘要", entries[1].pk])
    problems = audit.verify_chain()
    assert problems == [f"第 2 条（ID {entries[1].pk}）：内容与哈希不符，记录被改动"]
    code, out = _verify_cli(capsys)
    assert code == 1
    assert "共 4 条" in out and f"第 2 条（ID {entries[1].pk}）：内容与哈希不符" in out


@pytest.mark.django_db
def test_edit_with_rehash_is_caught_by_next_link():
    entries = _write(3)
    audit.remove_guard()
    # Attacker edits row 2 and recomputes its own hash: row 3's prev_hash no longer matches.
    forged = AuditEntry.objects.get(pk=entries[1].pk)
    forged.summary = "伪造"
    forged_hash = audit.compute_hash(forged)
    _sql(f"UPDATE {audit.TABLE} SET summary = %s, hash = %s WHERE id = %s", ["伪造", forged_hash, forged.pk])
    problems = audit.verify_chain()
    assert len(problems) == 1 and problems[0].startswith(f"第 3 条（ID {entries[2].pk}）：与前一条的链接不符")


@pytest.mark.django_db
def test_deleted_rows_are_caught(capsys):
    entries = _write(5)
    audit.remove_guard()
    _sql(f"DELETE FROM {audit.TABLE} WHERE id = %s", [entries[2].pk])
    problems = audit.verify_chain()
    assert problems[0] == f"第 3 条缺失：记录被删除（位于第 4 条（ID {entries[3].pk}）之前）"
    assert any("与前一条的链接不符" in p for p in problems)
    code, out = _verify_cli(capsys)
    assert code == 1 and "第 3 条缺失" in out


@pytest.mark.django_db
def test_deleted_tail_is_caught():
    entries = _write(3)
    audit.remove_guard()
    _sql(f"DELETE FROM {audit.TABLE} WHERE id = %s", [entries[2].pk])
    assert audit.verify_chain() == ["末尾第 3 条缺失：记录被删除"]


@pytest.mark.django_db
def test_reordered_rows_are_caught():
    entries = _write(3)
    audit.remove_guard()
    # Swap the sequence numbers of rows 1 and 2 (via a temporary value to respect uniqueness).
    _sql(f"UPDATE {audit.TABLE} SET seq = -1 WHERE id = %s", [entries[0].pk])
    _sql(f"UPDATE {audit.TABLE} SET seq = 1 WHERE id = %s", [entries[1].pk])
    _sql(f"UPDATE {audit.TABLE} SET seq = 2 WHERE id = %s", [entries[0].pk])
    problems = audit.verify_chain()
    assert problems, "a reordering must be detected"
    assert problems[0].startswith(f"第 1 条（ID {entries[1].pk}）")
    assert any("记录被调换" in p for p in problems)


@pytest.mark.django_db
def test_verify_limit():
    entries = _write(6)
    audit.remove_guard()
    for e in entries:
        _sql(f"UPDATE {audit.TABLE} SET summary = 'x' WHERE id = %s", [e.pk])
    assert len(audit.verify_chain()) == 6
    assert len(audit.verify_chain(limit=2)) == 2


@pytest.mark.django_db
def test_cli_rejects_bad_max(capsys):
    assert cli.main(["audit", "verify", "--max", "0"]) == 2
    assert "--max 应为正整数" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_flush_wipes_log_and_keeps_guard():
    _write(2)
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEntry.objects.count() == 0 and not AuditChainHead.objects.exists()
    entry = _write(1)[0]
    assert entry.seq == 1 and audit.verify_chain() == []
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql(f"UPDATE {audit.TABLE} SET summary = 'x' WHERE id = %s", [entry.pk])


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain():
    if connection.vendor != "postgresql":
        pytest.skip("row locking is exercised on PostgreSQL; SQLite serialises writers")
    errors = []

    def writer(k):
        try:
            for i in range(15):
                audit.record(actor=None, action="test.concurrent", summary=f"线程 {k} 第 {i} 条")
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert AuditEntry.objects.count() == 60
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, 61))
    assert audit.verify_chain() == []


@pytest.mark.django_db
def test_awkward_data_survives_the_database_round_trip():
    import decimal

    data = {"big": 10**30, "float": 1e20, "tiny": 0.1 + 0.2, "nan": float("nan"), "dec": decimal.Decimal("1.50"),
            "tuple": (1, "二"), "nul": "a\x00b", 3: "int key", "nested": {"x": [1.0, None, True]}}
    entry = audit.record(actor=None, action="test.data", summary="含\x00空字符", data=data)
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.data == entry.data
    assert stored.data["float"] == "1e+20" and stored.data["nul"] == "ab" and stored.data["3"] == "int key"
    assert stored.summary == "含空字符"
    assert audit.verify_chain() == []



@pytest.mark.django_db
def test_migrate_puts_the_guard_back():
    entry = _write(1)[0]
    audit.remove_guard()  # as a SQLite table rebuild would
    call_command("migrate", verbosity=0)
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql(f"UPDATE {audit.TABLE} SET summary = 'x' WHERE id = %s", [entry.pk])
