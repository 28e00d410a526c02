"""Issue 7, item 5: the privacy scan reads what a reader of the file sees, and a file it cannot read is a
finding ("无法读取，需人工审查") that blocks publication until a reviewer clears it, never a 500."""
from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongkai.catalog import privacy, services
from gongkai.catalog.importer import import_catalog
from gongkai.catalog.models import Category, Item, PrivacyHit
from tests import hostile

from .conftest import VALID_ID, docx_bytes, pdf_bytes, xlsx_bytes

ROOT = Path(__file__).resolve().parents[2]
PHONES = [f"1381234{i:04d}" for i in range(10)]


def dimension_trick() -> bytes:
    return hostile.xlsx_understated_dimension([["姓名", "手机"]] + [[f"张{i}", p] for i, p in enumerate(PHONES)])


def test_xlsx_with_understated_dimension_is_read_in_full():
    normal = xlsx_bytes([["姓名", "手机"]] + [[f"张{i}", p] for i, p in enumerate(PHONES)])
    assert len(privacy.scan_xlsx(io.BytesIO(normal))) == 10
    found = privacy.scan_xlsx(io.BytesIO(dimension_trick()))
    assert [(f.where, f.hit.masked) for f in found] == [
        (f"工作表“名单” B{i + 2}", f"138****{p[-4:]}") for i, p in enumerate(PHONES)]


def _docx_everywhere() -> bytes:
    """A phone number in each place a reader sees outside the body's top-level paragraphs."""
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    d.add_paragraph("正文没有号码")
    section = d.sections[0]
    section.header.paragraphs[0].text = f"页眉 {PHONES[0]}"
    section.footer.add_table(1, 1, d.sections[0].page_width).cell(0, 0).text = f"页脚表格 {PHONES[1]}"
    outer = d.add_table(rows=1, cols=1)
    outer.cell(0, 0).add_table(1, 1).cell(0, 0).text = f"嵌套表格 {PHONES[2]}"
    anchor = d.add_paragraph("见文本框")
    anchor._p.append(parse_xml(
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:shape><v:textbox><w:txbxContent>'
        f'<w:p><w:r><w:t>文本框 {PHONES[3]}</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r>'))
    d.add_comment(anchor.runs[0], text=f"批注 {PHONES[4]}", author="审核人")
    deleted = d.add_paragraph()
    deleted._p.append(parse_xml(
        '<w:del xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:id="9" w:author="a">'
        f'<w:r><w:delText>修订删除 {PHONES[5]}</w:delText></w:r></w:del>'))
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_docx_headers_footers_comments_text_boxes_and_tables_are_scanned():
    found = {f.hit.masked: f.where for f in privacy.scan_docx(io.BytesIO(_docx_everywhere()))}
    assert found == {"138****0000": "页眉1", "138****0001": "页脚1", "138****0002": "嵌套表格",
                     "138****0003": "文本框", "138****0004": "批注", "138****0005": "第3段"}


def test_pdf_every_page_is_read_and_a_pdf_past_the_page_cap_is_unreadable():
    data = pdf_bytes(*["第一页"] * 1, f"<p style='page-break-before: always'>身份证号 {VALID_ID}</p>")
    assert [(f.where, f.hit.kind) for f in privacy.scan_pdf(io.BytesIO(data))] == [("第2页", "resident_id")]
    with pytest.raises(privacy.UnreadableFile, match="PDF 共 2001 页"):
        privacy.scan_pdf(io.BytesIO(hostile.pdf_pages(2001)))


def test_entity_bomb_and_zip_bomb_are_unreadable_not_expanded():
    for data in (hostile.docx_entity_bomb(PHONES[0]), hostile.docx_bomb(5)):
        with pytest.raises(privacy.UnreadableFile, match="无法读取 Word 文件"):
            privacy.scan_bounded("docx", data)


# -- through the catalogue ------------------------------------------------------------------------------
@pytest.fixture
def cat(agency):
    services.seed_categories(agency)
    return Category.objects.get(agency=agency, name="管理和服务公开")


def _draft(client, agency, cat, people, files):
    client.force_login(people["clerk"])
    resp = client.post(f"/staff/catalog/{agency.slug}/new/", {
        "title": "关于食品经营许可的公告", "date_made": "2024-09-25", "category": cat.pk, "validity": "valid",
        "doc_kind": "other", "body": "<p>正文</p>", "attachments": files})
    assert resp.status_code == 302, resp.content.decode()[:300]
    return Item.objects.get()


def test_entity_bomb_attachment_is_a_finding_that_blocks_publication_until_cleared(client, agency, people, cat):
    item = _draft(client, agency, cat, people, [SimpleUploadedFile("名单.docx", hostile.docx_entity_bomb())])
    hit = item.privacy_hits.get()
    assert (hit.kind, hit.masked, hit.status) == ("unreadable", "无法读取，需人工审查", "open")
    assert "DOCTYPE" in hit.where
    url = f"/staff/catalog/{agency.slug}/{item.pk}/"
    html = client.get(url).content.decode()
    assert "无法读取，需人工审查" in html and "处理完毕前不能发布" in html
    client.post(url + "transition/", {"action": "submit"})
    client.force_login(people["reviewer"])
    client.post(url + "transition/", {"action": "approve"})
    resp = client.post(url + "transition/", {"action": "publish", "secrecy_confirmed": "1"}, follow=True)
    assert "1 处个人信息尚未处理" in resp.content.decode()
    resp = client.post(url + f"hits/{hit.pk}/redact/", follow=True)
    assert "不能自动脱敏" in resp.content.decode()
    client.post(url + f"hits/{hit.pk}/clear/", {"reason": "已人工打开核对，不含个人信息"})
    resp = client.post(url + "transition/", {"action": "publish", "secrecy_confirmed": "1"}, follow=True)
    item.refresh_from_db()
    assert item.state == "published", resp.content.decode()[:500]
    assert PrivacyHit.objects.get(pk=hit.pk).status == "cleared"  # re-scan at publication kept the decision


def test_dimension_trick_attachment_gives_ten_hits(client, agency, people, cat):
    item = _draft(client, agency, cat, people, [SimpleUploadedFile("名单.xlsx", dimension_trick())])
    assert sorted(h.masked for h in item.privacy_hits.all()) == sorted(f"138****{p[-4:]}" for p in PHONES)


def test_import_reads_every_row_of_a_workbook_with_understated_dimension(agency, people, cat):
    header = ["标题", "成文日期", "发布日期", "分类"]
    rows = [[f"信息{i}", "2024-01-02", "2024-01-03", "管理和服务公开"] for i in range(12)]
    data = hostile.xlsx_understated_dimension([header] + rows, sheet="目录")
    result = import_catalog(agency, io.BytesIO(data), "目录.xlsx", people["reviewer"])
    assert result.ok and (result.rows, result.created) == (12, 12)


def test_import_refuses_a_zip_bomb_workbook(agency, people, cat):
    from gongkai.catalog.importer import ImportFileError

    with pytest.raises(ImportFileError, match="无法读取 Excel 文件：.*疑似压缩炸弹"):
        import_catalog(agency, io.BytesIO(hostile.docx_bomb(3)), "目录.xlsx", people["reviewer"])


# -- gongkai catalog scan ----------------------------------------------------------------------------
def gongkai(*args):
    return subprocess.run([sys.executable, "-m", "gongkai.cli", "catalog", "scan", *map(str, args)],
                          capture_output=True, cwd=ROOT, timeout=120)


def test_catalog_scan_prints_masked_hits_with_where_exit_1(tmp_path):
    sheet, clean, text = tmp_path / "名单.xlsx", tmp_path / "通知.docx", tmp_path / "说明.txt"
    sheet.write_bytes(dimension_trick())
    clean.write_bytes(docx_bytes(paragraphs=["没有个人信息"]))
    text.write_text(f"第一行\n联系人 {VALID_ID}\n", encoding="gb18030")
    res = gongkai(sheet, clean, text)
    out = res.stdout.decode()
    assert res.returncode == 1, res.stderr.decode()
    lines = out.splitlines()
    assert len(lines) == 11
    assert lines[0] == f"{sheet}\t工作表“名单” B2\t手机号码\t138****0000"
    assert lines[-1] == f"{text}\t第2行\t居民身份证号码\t{VALID_ID[:4]}{'*' * 10}{VALID_ID[-4:]}"
    assert not any(p in out for p in PHONES) and VALID_ID not in out
    assert gongkai(clean).returncode == 0


def test_catalog_scan_unreadable_file_exit_2_one_line_others_still_scanned(tmp_path):
    bomb, sheet = tmp_path / "bomb.docx", tmp_path / "名单.xlsx"
    bomb.write_bytes(hostile.docx_entity_bomb())
    sheet.write_bytes(dimension_trick())
    res = gongkai(bomb, sheet, tmp_path / "missing.pdf")
    err = res.stderr.decode()
    assert res.returncode == 2 and "Traceback" not in err
    assert f"{bomb}：无法读取，需人工审查（无法读取 Word 文件：" in err and "missing.pdf：无法读取，需人工审查" in err
    assert len(res.stdout.decode().splitlines()) == 10


def test_xlsx_cell_comments_and_text_boxes_are_scanned():
    import openpyxl
    from openpyxl.comments import Comment

    wb = openpyxl.Workbook()
    wb.active.title = "名单"
    wb.active["A1"] = "姓名"
    wb.active["A1"].comment = Comment(f"联系人手机 {PHONES[0]}", "审核人")
    out = io.BytesIO()
    wb.save(out)
    drawing = ('<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
               'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><xdr:twoCellAnchor><xdr:sp>'
               f'<xdr:txBody><a:p><a:r><a:t>文本框 {PHONES[1]}</a:t></a:r></a:p></xdr:txBody></xdr:sp>'
               '</xdr:twoCellAnchor></xdr:wsDr>')
    with zipfile.ZipFile(out, "a") as zf:
        zf.writestr("xl/drawings/drawing1.xml", drawing)
    assert [(f.where, f.hit.masked) for f in privacy.scan_xlsx(io.BytesIO(out.getvalue()))] == [
        ("批注 A1", "138****0000"), ("文本框", "138****0001")]
