"""Index numbers, review workflow, permissions, audit, Art. 26 deadlines, attachments and the privacy gate."""
import io
import re
import threading
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections

from gongkai.agencies.models import AuditEntry
from gongkai.catalog import privacy, services
from gongkai.catalog.models import CatalogSettings, Category, Item, PrivacyHit, SweepReport

from .conftest import VALID_CARD, VALID_ID, docx_bytes, pdf_bytes, wrong_check, xlsx_bytes


def new_item(agency, user, **kw):
    services.seed_categories(agency)
    kw.setdefault("title", "关于行政许可事项的公告")
    kw.setdefault("date_made", date(2024, 9, 25))
    kw.setdefault("category", Category.objects.get(agency=agency, name="管理和服务公开"))
    return services.save_item(Item(agency=agency, **kw), user)


def upload(name, data):
    return SimpleUploadedFile(name, data)


def to_secrecy(item, people):
    item = services.transition(item, "submit", people["clerk"])
    return services.transition(item, "approve", people["reviewer"])


# -- index numbers --------------------------------------------------------------------------------------

def test_index_numbers_format_and_sequence(agency, people):
    a = new_item(agency, people["clerk"], title="甲")
    b = new_item(agency, people["clerk"], title="乙")
    c = new_item(agency, people["clerk"], title="丙", date_made=date(2025, 1, 3))
    assert a.index_number == f"{agency.credit_code}/2024-00001"
    assert b.index_number == f"{agency.credit_code}/2024-00002"
    assert c.index_number == f"{agency.credit_code}/2025-00001"
    assert re.fullmatch(r"[0-9A-Z]{18}/\d{4}-\d{5}", a.index_number)


def test_imported_numbers_raise_the_counter(agency, people):
    from django.db import transaction

    with transaction.atomic():
        services.note_index_numbers(agency, [f"{agency.credit_code}/2024-00120", "其他格式-1"])
    assert new_item(agency, people["clerk"]).index_number.endswith("/2024-00121")


@pytest.mark.django_db(transaction=True)
def test_index_numbers_race_safe(agency):
    """Eight threads allocate at once: every serial is distinct and the counter ends at the total."""
    if connection.vendor == "sqlite" and "mode=memory" in str(connection.settings_dict["TEST"].get("NAME") or
                                                              connection.settings_dict["NAME"]):
        pytest.skip("the in-memory SQLite test database locks whole tables between threads; "
                    "this test runs on PostgreSQL (file SQLite serialises writers: transaction_mode IMMEDIATE)")
    results, errors = [], []
    barrier = threading.Barrier(8)

    def work():
        try:
            barrier.wait()
            for _ in range(5):
                results.extend(services.allocate_index_numbers(agency, 2024, 3))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == len(set(results)) == 8 * 5 * 3
    serials = sorted(int(r.rsplit("-", 1)[1]) for r in results)
    assert serials == list(range(1, 121))


def test_index_number_unique_constraint(agency, people):
    from django.db import IntegrityError, transaction

    a = new_item(agency, people["clerk"], title="甲")
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.create(agency=agency, index_number=a.index_number, title="乙", issuer="x",
                            date_made=date(2024, 1, 1), category=a.category)


# -- workflow -------------------------------------------------------------------------------------------

def test_one_level_workflow_with_audit(agency, people):
    item = new_item(agency, people["clerk"], body="<p>正文</p><script>alert(1)</script>")
    assert item.body == "<p>正文</p>"  # sanitised
    assert item.issuer == agency.name and item.state == "draft"
    item = services.transition(item, "submit", people["clerk"])
    assert item.state == "review1"
    item = services.transition(item, "approve", people["reviewer"])
    assert item.state == "secrecy"
    with pytest.raises(ValidationError, match="保密审查"):
        services.transition(item, "publish", people["reviewer"])
    item = services.transition(item, "publish", people["reviewer"], secrecy_confirmed=True)
    assert item.state == "published" and item.date_published and item.published_at
    item = services.transition(item, "withdraw", people["head"], reason="内容有误")
    assert item.state == "withdrawn" and item.withdraw_reason == "内容有误"
    actions = list(AuditEntry.objects.filter(target_id=str(item.pk), target_type="catalog.item")
                   .values_list("action", flat=True))
    assert actions == ["catalog.create", "catalog.submit", "catalog.approve", "catalog.publish", "catalog.withdraw"]


def test_two_level_review_needs_two_people(agency, people):
    CatalogSettings.objects.create(agency=agency, review_levels=2)
    item = new_item(agency, people["clerk"])
    item = services.transition(item, "submit", people["clerk"])
    item = services.transition(item, "approve", people["reviewer"])
    assert item.state == "review2"
    with pytest.raises(ValidationError, match="一级审核人以外"):
        services.transition(item, "approve", people["reviewer"])
    item = services.transition(item, "approve", people["head"])
    assert item.state == "secrecy"


def test_reject_returns_to_draft_with_reason(agency, people):
    item = services.transition(new_item(agency, people["clerk"]), "submit", people["clerk"])
    with pytest.raises(ValidationError, match="理由"):
        services.transition(item, "reject", people["reviewer"])
    item = services.transition(item, "reject", people["reviewer"], reason="文号有误")
    assert item.state == "draft" and item.reject_reason == "文号有误"
    item.document_number = "临审批发〔2024〕1号"
    services.save_item(item, people["clerk"])


def test_permissions(agency, people):
    item = new_item(agency, people["clerk"])
    for who in ("reviewer", "registrar", "admin", "outsider"):
        with pytest.raises(PermissionDenied):
            services.transition(item, "submit", people[who])
    with pytest.raises(PermissionDenied):
        services.save_item(Item(agency=agency, title="x", date_made=date(2024, 1, 1), category=item.category),
                           people["reviewer"])
    item = services.transition(item, "submit", people["clerk"])
    for who in ("clerk", "registrar", "admin", "outsider"):
        with pytest.raises(PermissionDenied):
            services.transition(item, "approve", people[who])
    with pytest.raises(ValidationError, match="不能"):
        services.transition(item, "publish", people["reviewer"], secrecy_confirmed=True)
    item.refresh_from_db()
    with pytest.raises(ValidationError, match="只有拟稿"):
        services.save_item(item, people["clerk"])
    assert [k for k, _ in services.available_transitions(item, people["reviewer"])] == ["approve", "reject"]
    assert services.available_transitions(item, people["clerk"]) == []


def test_art26_deadline_and_overdue(agency, people):
    item = new_item(agency, people["clerk"], date_made=date(2024, 9, 25))
    # 20 working days after 2024-09-25, skipping the National Day holiday (Art. 26).
    assert item.due_on == date(2024, 10, 28) and not item.due_provisional
    assert item.is_overdue  # still a draft long after
    item.date_changed = date(2024, 12, 2)
    services.save_item(item, people["clerk"])
    assert item.due_on == date(2024, 12, 30)
    today = date.today()
    fresh = new_item(agency, people["clerk"], title="新", date_made=today)
    assert not fresh.is_overdue and services.working_days_left(fresh) > 0


# -- attachments and the privacy gate -----------------------------------------------------------------

def test_attachment_type_checked_by_content_and_size(agency, people, monkeypatch):
    item = new_item(agency, people["clerk"])
    with pytest.raises(ValidationError, match="不是可接受的文件类型"):
        services.add_attachment(item, upload("名单.pdf", b"just text pretending"), people["clerk"])
    with pytest.raises(ValidationError, match="不是可接受的文件类型"):
        services.add_attachment(item, upload("a.docx", b"PK\x03\x04broken zip"), people["clerk"])
    monkeypatch.setattr(services, "ATTACHMENT_MAX_BYTES", 1000)
    with pytest.raises(ValidationError, match="超过"):
        services.add_attachment(item, upload("big.pdf", b"%PDF-1.7" + b"0" * 2000), people["clerk"])
    monkeypatch.undo()
    att = services.add_attachment(item, upload("表.bin", xlsx_bytes([["a"]])), people["clerk"])
    assert att.kind == "xlsx" and att.name == "表.xlsx"
    assert item.attachments.count() == 1


@pytest.mark.parametrize("kind", ["pdf", "docx", "xlsx"])
def test_hits_inside_attachments_block_publication(agency, people, kind):
    data = {
        "pdf": lambda: pdf_bytes("许可决定", f"申请人身份证号码：{VALID_ID}", f"无效号码 {wrong_check(VALID_ID)}"),
        "docx": lambda: docx_bytes(paragraphs=["许可决定", f"申请人身份证号码：{VALID_ID}"]),
        "xlsx": lambda: xlsx_bytes([["姓名", "证件号"], ["张三", VALID_ID]]),
    }[kind]()
    item = new_item(agency, people["clerk"])
    services.add_attachment(item, upload(f"附件.{kind}", data), people["clerk"])
    item = to_secrecy(item, people)
    hits = list(services.open_hits(item))
    assert [(h.kind, h.masked) for h in hits] == [("resident_id", VALID_ID[:4] + "*" * 10 + VALID_ID[-4:])]
    assert not PrivacyHit.objects.filter(masked__contains=VALID_ID).exists()
    with pytest.raises(ValidationError, match="1 处个人信息"):
        services.transition(item, "publish", people["reviewer"], secrecy_confirmed=True)
    if kind == "pdf":
        with pytest.raises(ValidationError, match="上传脱敏后的替换文件"):
            services.redact_hit(hits[0], people["reviewer"])
        att = item.attachments.get()
        old_path = att.file.path
        services.replace_attachment(att, upload("附件.pdf", pdf_bytes("许可决定", "申请人身份证号码：（已删除）")),
                                    people["reviewer"])
        import os

        assert not os.path.exists(old_path)
    else:
        services.redact_hit(hits[0], people["reviewer"])
        att = item.attachments.get()
        assert att.redacted
        with att.file.open("rb") as fp:
            assert privacy.SCANNERS[kind](io.BytesIO(fp.read())) == []
    assert not services.open_hits(item).exists()
    item = services.transition(item, "publish", people["reviewer"], secrecy_confirmed=True)
    assert item.state == "published"
    assert AuditEntry.objects.filter(target_id=str(item.pk), action__in=[
        "catalog.privacy_redact", "catalog.attachment_replace"]).count() == 1


def test_body_hits_cleared_with_reason_or_redacted(agency, people):
    item = new_item(agency, people["clerk"], summary="服务热线13800001111",
                    body=f"<p>联系人身份证{VALID_ID}，账号{VALID_CARD}；单号{wrong_check(VALID_ID)}</p>")
    item = to_secrecy(item, people)
    hits = {h.kind: h for h in services.open_hits(item)}
    assert set(hits) == {"resident_id", "bank_card", "mobile"}
    with pytest.raises(ValidationError, match="理由"):
        services.clear_hit(hits["mobile"], people["reviewer"], "  ")
    with pytest.raises(PermissionDenied):
        services.clear_hit(hits["mobile"], people["clerk"], "公开热线")
    services.clear_hit(hits["mobile"], people["reviewer"], "单位公开的服务热线")
    services.redact_hit(hits["resident_id"], people["reviewer"])
    services.redact_hit(hits["bank_card"], people["reviewer"])
    item.refresh_from_db()
    assert VALID_ID not in item.body and VALID_CARD not in item.body
    assert "3703**********" in item.body and wrong_check(VALID_ID) in item.body
    assert item.summary == "服务热线13800001111"
    # A cleared hit stays cleared when scanned again.
    services.scan_item(item)
    assert not services.open_hits(item).exists()
    assert PrivacyHit.objects.get(pk=hits["mobile"].pk).status == "cleared"
    services.transition(item, "publish", people["reviewer"], secrecy_confirmed=True)


def test_agency_phone_is_not_a_hit(agency, people):
    item = new_item(agency, people["clerk"], body="<p>咨询电话：0533-7177006</p>")
    assert not item.privacy_hits.exists()


def test_sweep_reports_hits_in_published_items(agency, people, other_agency):
    item = to_secrecy(new_item(agency, people["clerk"]), people)
    item = services.transition(item, "publish", people["reviewer"], secrecy_confirmed=True)
    clean = to_secrecy(new_item(agency, people["clerk"], title="无问题"), people)
    services.transition(clean, "publish", people["reviewer"], secrecy_confirmed=True)
    # A legacy edit outside the workflow put a mobile number into a published item.
    Item.objects.filter(pk=item.pk).update(body="<p>经办人手机 13912345678</p>")
    report = services.sweep(agency)
    assert (report.items_scanned, report.new_hits, report.hits_found) == (2, 1, 1)
    hit = report.hits.get()
    assert hit.item_id == item.pk and hit.masked == "139****5678"
    again = services.sweep()
    assert (again.new_hits, again.hits_found) == (0, 1)
    assert SweepReport.objects.count() == 2


def test_sweep_command_and_task(agency, people, capsys):
    from django.core.management import call_command

    item = to_secrecy(new_item(agency, people["clerk"]), people)
    services.transition(item, "publish", people["reviewer"], secrecy_confirmed=True)
    call_command("catalog_sweep", "--agency", agency.slug)
    assert "检查已发布信息 1 条" in capsys.readouterr().out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有找到机关"):
        call_command("catalog_sweep", "--agency", "nope")
    from gongkai.catalog.tasks import privacy_sweep

    result = privacy_sweep.call(agency.pk)
    assert result["items"] == 1 and result["open_hits"] == 0
