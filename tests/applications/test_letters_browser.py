"""In Debian chromium: the head issues a reply for an applicant whose name holds & " < and downloads both files."""
import io
import subprocess
import zipfile
from datetime import timedelta

import pytest
from lxml import etree

from gongkai.applications import services

from .conftest import applicant
from .test_browser import login

pytestmark = pytest.mark.browser

NAME = '淄博A&B"化工<有限>公司'
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.mark.django_db(transaction=True)
def test_reply_letter_for_hostile_name_downloads_clean_pdf_and_docx(live_server, page, agencies, staff, tmp_path):
    today = services.today()
    app = services.register_application(
        agencies["own"], applicant(applicant_name=NAME, applicant_type="commercial", id_type="other",
                                   id_number="营业执照123456"),
        channel="in_person", actor=staff["registrar"], submitted_on=today - timedelta(days=1))
    app = services.transition(app, "start", actor=staff["handler"], on=today)
    app = services.transition(app, "decide", actor=staff["handler"], on=today, outcome="granted",
                              note='附件见"清单"<1>', items=[])
    base = live_server.url
    login(page, base, staff["head"])
    page.goto(f"{base}/staff/applications/{app.pk}/")
    page.locator("#do-approve").get_by_role("button", name="负责人审批同意").click()
    page.locator("#do-issue_reply").get_by_role("button", name="出具答复书").click()
    letters = page.locator("#letters")
    assert "政府信息公开申请答复书" in letters.inner_text() and "测试区甲局公开〔" in letters.inner_text()

    with page.expect_download() as info:
        letters.get_by_role("link", name="PDF").click()
    pdf = tmp_path / "reply.pdf"
    info.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert NAME + "：" in text and '附件见"清单"<1>' in text
    for artefact in ("&amp;", "&quot;", "&lt;", "&gt;", "&#"):
        assert artefact not in text

    with page.expect_download() as info:
        letters.get_by_role("link", name="DOCX").click()
    docx = tmp_path / "reply.docx"
    info.value.save_as(docx)
    with zipfile.ZipFile(io.BytesIO(docx.read_bytes())) as z:
        xml = z.read("word/document.xml")
    root = etree.fromstring(xml)
    paragraphs = ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in root.iter(f"{W}p")]
    assert NAME + "：" in paragraphs and any('附件见"清单"<1>' in p for p in paragraphs)
    assert b"&amp;amp;" not in xml and b"&amp;quot;" not in xml and b"&amp;lt;" not in xml

    # The head's template page lists the documented fields and refuses a tag that reads other templates.
    page.goto(f"{base}/staff/applications/templates/")
    page.locator("#agency-t-own").locator("xpath=..").get_by_role("link", name="补正告知书").click()
    assert "applicant_name" in page.locator("#fields").inner_text()
    page.get_by_label("正文").fill("{% include 'base.html' %}{{ agency.memberships }}")
    page.get_by_role("button", name="保存").click()
    assert "不允许使用 {% include %}" in page.locator(".error").first.inner_text()
