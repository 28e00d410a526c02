"""年报体检 with hostile uploads (issue 7, item 1): each is refused with one Chinese line, the other files of
the batch are still checked, and the web process's memory stays where it was (parsing is in a child)."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gongkai.report.limits import TOO_COMPLEX
from tests import hostile

pytestmark = pytest.mark.django_db

SEED = "seeds/000_0e482e19bd443c5d.txt"
AGENCY = "淄博市临淄区行政审批服务局"


def _status(key: str) -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(key)) * 1024


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as fh:  # the kernel's peak RSS (VmHWM) starts again from now
        fh.write("5")


def check(client, files: list[tuple[str, bytes]]) -> str:
    response = client.post(reverse("annual:index"), {"files": [SimpleUploadedFile(n, d) for n, d in files]}, follow=True)
    assert response.status_code == 200
    return BeautifulSoup(response.content.decode("utf-8"), "html.parser").get_text(" ")


def test_hostile_uploads_are_refused_and_the_batch_goes_on(client, shared):
    files = [("pages-1000.pdf", hostile.pdf_pages(1000)), ("pages-20000.pdf", hostile.pdf_pages(20_000)),
             ("bomb.docx", hostile.docx_bomb(190)), ("entities.docx", hostile.docx_entity_bomb()),
             ("seed.txt", (shared / SEED).read_bytes())]
    _reset_peak()
    before = _status("VmRSS")
    text = check(client, files)
    grown = _status("VmHWM") - before
    assert "PDF 共 1000 页，超过 200 页上限" in text and "PDF 共 20000 页，超过 200 页上限" in text
    assert "疑似压缩炸弹" in text and "DOCTYPE/实体声明" in text
    assert AGENCY in text  # the good file of the same batch was read and checked
    assert grown < 80 * 1024 * 1024, f"the web process grew by {grown // 2**20} MB"
    assert "Traceback" not in text


def test_a_file_past_every_guard_is_stopped_by_the_worker_limits(client, shared, monkeypatch):
    """19 MB of HTML table passes the size, type and format guards but parsing it takes ~10 s of CPU and
    ~900 MB (measured in-process): the child's CPU limit stops it with one line, the web process does not
    grow, and the next file of the batch is still read."""
    monkeypatch.setenv("GONGKAI_PARSE_CPU_SECONDS", "2")
    row = "<tr><td>一、本年新收政府信息公开申请数量</td>" + "<td>12</td>" * 8 + "</tr>"
    heavy = ("<html><body><table>" + row * (19 * 1024 * 1024 // len(row.encode())) + "</table></body></html>").encode()
    _reset_peak()
    before = _status("VmRSS")
    text = check(client, [("heavy.html", heavy), ("seed.txt", (shared / SEED).read_bytes())])
    grown = _status("VmHWM") - before
    assert TOO_COMPLEX in text
    assert AGENCY in text
    assert grown < 150 * 1024 * 1024, f"the web process grew by {grown // 2**20} MB"
