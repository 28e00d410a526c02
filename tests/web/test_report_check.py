"""年报体检 through the Django test client: real uploads, real parsers, checks and renderers, real sessions."""
from __future__ import annotations

import io
import json
import re
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile

from gongkai.report.model import Report
from gongkai.report.parsers import parse_bytes
from gongkai.report.parsers.xlsx import read_xlsx

pytestmark = pytest.mark.django_db

SEED = "seeds/000_0e482e19bd443c5d.txt"
AGENCY = "淄博市临淄区行政审批服务局"
TOTAL_CELL = "applications.total_processed.total"


@pytest.fixture
def seed(shared) -> bytes:
    return (shared / SEED).read_bytes()


def broken_seed(seed: bytes) -> bytes:
    """The seed with one printed total changed: 表三 （七）总计 / 总计 from 2 to 3."""
    lines = seed.decode("utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() == "（七）总计")
    numbers = [i for i in range(start + 1, start + 12) if lines[i].strip().isdigit()]
    total = numbers[6]  # the seventh number of the row is its 总计 column
    assert lines[total].strip() == "2"
    lines[total] = lines[total].replace("2", "3")
    return "\n".join(lines).encode("utf-8")


def previous_year_json(shared, carried_forward: int, agency: str = AGENCY) -> bytes:
    """Last year's report of the same agency (canonical JSON) that carried ``carried_forward``
    applications into 2024 — while the seed says 上年结转 0."""
    data = json.loads((shared / "fixtures/seed-2024.json").read_text("utf-8"))
    report = Report.from_dict(data)
    report.year = 2023
    report.agency = agency
    for col in ("natural_person", "total"):
        report.set(f"applications.carried_forward.{col}", carried_forward)
        report.set(f"applications.new_received.{col}", report.get(f"applications.new_received.{col}") + carried_forward)
    return report.to_json().encode("utf-8")


def upload(client, *files: tuple[str, bytes]):
    response = client.post("/check/", {"files": [SimpleUploadedFile(name, data) for name, data in files]})
    assert response.status_code == 303, response.content.decode()[:500]
    assert response["Location"].endswith("/#results")
    page = client.get("/check/")
    assert page.status_code == 200
    return BeautifulSoup(page.content.decode("utf-8"), "html.parser")


def article(soup, index: int):
    art = soup.find("article", attrs={"data-entry": str(index)})
    assert art is not None, f"no result for file {index}"
    return art


def download_links(art) -> dict[str, str]:
    return {a["data-format"]: a["href"] for a in art.select("nav.downloads a")}


def test_index_shows_upload_form(client):
    response = client.get("/check/")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    field = soup.find("input", attrs={"type": "file"})
    assert field.has_attr("multiple")
    assert soup.find("label", attrs={"for": field["id"]}).get_text().startswith("年度报告文件")
    assert ".pdf" in field["accept"] and ".docx" in field["accept"]
    assert soup.find("html")["lang"] == "zh-CN"
    assert not soup.find(id="results")


def test_seed_report_shows_tables_and_no_findings(client, seed):
    soup = upload(client, ("临淄2024.txt", seed))
    art = article(soup, 1)
    assert AGENCY in art.find("h3").get_text()
    assert "2024年" in art.find("h3").get_text()
    # The three tables in the official layout: 2021 layout, 25 rows × 7 columns in 表三, 15 cells in 表四.
    assert len(art.select('table[data-table="applications"] td[data-cell]')) == 175
    assert len(art.select('table[data-table="appeals"] td[data-cell]')) == 15
    assert art.select_one(f'td[data-cell="{TOTAL_CELL}"]').get_text() == "2"
    assert not art.select("td.finding")
    assert "未发现问题" in art.select_one("aside.check-findings").get_text()
    summary = soup.select_one("table.summary tbody tr")
    assert AGENCY in summary.get_text() and "未发现问题" in summary.get_text()


def test_broken_total_is_listed_and_its_cell_highlighted(client, seed):
    soup = upload(client, ("broken.txt", broken_seed(seed)))
    art = article(soup, 1)
    cell = art.select_one(f'td[data-cell="{TOTAL_CELL}"]')
    assert cell.get_text() == "3"
    assert "finding-error" in cell["class"]
    assert "row_total" in cell["data-findings"].split()
    # Only cells named by a finding are marked: 予以公开/自然人 is in no failing rule.
    assert "finding" not in art.select_one('td[data-cell="applications.granted.natural_person"]')["class"]
    items = art.select("ol.findings li.finding-item")
    rules = {li["data-rule"] for li in items}
    assert {"row_total", "balance", "outcome_sum"} <= rules
    row_total = next(li for li in items if li["data-rule"] == "row_total")
    text = row_total.get_text(" ", strip=True)
    assert "错误" in text and "行合计" in text
    assert "表三 “（七）总计”“总计”" in text  # Chinese labels, not keys
    assert TOTAL_CELL not in text
    # The finding links to that very cell.
    link = row_total.select_one("a.cell-link")
    assert link["href"] == f"#{cell['id']}"
    assert "错误" in soup.select_one("table.summary").get_text()


def test_two_years_of_one_agency_are_checked_across_years(client, seed, shared):
    soup = upload(client, ("临淄2024.txt", seed), ("临淄2023.json", previous_year_json(shared, 1)))
    this_year = article(soup, 1)
    carry = [li for li in this_year.select("li.finding-item") if li["data-rule"] == "carry_over"]
    assert carry, "expected a carry_over finding"
    text = " ".join(li.get_text(" ", strip=True) for li in carry)
    assert "上年结转" in text
    cell = this_year.select_one('td[data-cell="applications.carried_over.natural_person"]')
    assert "carry_over" in cell["data-findings"].split()
    assert "finding-error" in cell["class"]
    assert "2023 年度报告" in this_year.select_one("p.cross-year").get_text()
    # Last year's report has no year before it in the batch: no cross-year rule there.
    last_year = article(soup, 2)
    assert not [li for li in last_year.select("li.finding-item") if li["data-rule"] == "carry_over"]
    assert not last_year.select("p.cross-year")


def test_consistent_years_give_no_carry_over_finding(client, seed, shared):
    soup = upload(client, ("临淄2024.txt", seed), ("临淄2023.json", previous_year_json(shared, 0)))
    assert article(soup, 1).select("p.cross-year")
    assert not [li for li in article(soup, 1).select("li.finding-item") if li["data-rule"] == "carry_over"]


def test_agency_named_without_its_city_is_the_same_agency(client, seed, shared):
    soup = upload(client, ("临淄2024.txt", seed), ("2023.json", previous_year_json(shared, 1, "临淄区行政审批服务局")))
    note = article(soup, 1).select_one("p.cross-year").get_text()
    assert "“临淄区行政审批服务局”" in note
    assert [li for li in article(soup, 1).select("li.finding-item") if li["data-rule"] == "carry_over"]


@pytest.mark.parametrize("a, b, same", [
    ("淮安市洪泽区人民政府", "洪泽区人民政府", True),
    ("淮安市洪泽区人民政府", " 淮安市洪泽区\n人民政府", True),
    ("淮安市洪泽区人民政府", "淮安市人民政府", False),
    ("淮安市洪泽区人民政府", "区人民政府", False),  # too short to name an agency
    ("淮安市人民政府", None, False),
    (None, None, False),
])
def test_same_agency(a, b, same):
    from gongkai.annual.services import same_agency

    assert same_agency(a, b) is same


def test_bad_files_get_chinese_errors_and_do_not_stop_the_others(client, seed):
    soup = upload(
        client,
        ("virus.exe", b"MZ\x90\x00binary"),
        ("fake.pdf", "这不是 PDF".encode()),
        ("notes.txt", "今天天气很好，没有任何表格。\n".encode()),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("empty.md", b""),
        ("临淄2024.txt", seed),
    )
    errors = {i: article(soup, i).select_one(".file-error").get_text() for i in range(1, 6)}
    assert "不支持的文件类型 .exe" in errors[1]
    assert "不是“PDF 文件”" in errors[2]
    assert "无法识别为政府信息公开工作年度报告" in errors[3] and errors[3].count("年度报告") == 1  # the reason said once
    assert "不是“文本文件”" in errors[4]
    assert "文件为空" in errors[5]
    for message in errors.values():
        assert "Traceback" not in message and re.search(r"[\u4e00-\u9fff]", message)
    good = article(soup, 6)
    assert not good.select(".file-error")
    assert AGENCY in good.find("h3").get_text()
    assert len(good.select("td[data-cell]")) > 190


def test_too_large_file_is_refused_unread(client, seed, settings):
    settings.GONGKAI_REPORT_UPLOAD_MAX_BYTES = len(seed) + 10
    soup = upload(client, ("big.txt", seed + b" " * 11), ("临淄2024.txt", seed))
    error = article(soup, 1).select_one(".file-error").get_text()
    assert "文件过大" in error and "不能超过" in error
    assert not article(soup, 1).select("table")
    assert article(soup, 2).select("table.gk-table")


def test_number_of_files_is_bounded(client, seed, settings):
    settings.GONGKAI_REPORT_UPLOAD_MAX_FILES = 2
    soup = upload(client, ("a.txt", seed), ("b.txt", seed), ("c.txt", seed))
    assert article(soup, 1).select("table.gk-table") and article(soup, 2).select("table.gk-table")
    assert "超出单次上传数量上限（2 个文件）" in article(soup, 3).select_one(".file-error").get_text()


def test_no_file_is_a_form_error(client):
    response = client.post("/check/", {})
    assert response.status_code == 400
    assert "请选择至少一个年度报告文件" in response.content.decode()


def test_downloads_have_right_types_and_parse_back(client, seed):
    soup = upload(client, ("broken.txt", broken_seed(seed)))
    links = download_links(article(soup, 1))
    assert set(links) == {"docx", "pdf", "xlsx", "json"}
    expected = parse_bytes(broken_seed(seed), "broken.txt")

    def get(fmt: str):
        response = client.get(links[fmt])
        assert response.status_code == 200
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert quote(f"{AGENCY}2024年政府信息公开工作年度报告.{fmt}") in disposition
        return response

    r = get("json")
    assert r["Content-Type"] == "application/json"
    assert Report.from_json(r.content).to_dict() == expected.to_dict()

    r = get("docx")
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    import docx

    document = docx.Document(io.BytesIO(r.content))
    assert len(document.tables) >= 3
    assert AGENCY in "\n".join(p.text for p in document.paragraphs)
    back = parse_bytes(r.content, "x.docx")
    assert back.applications == expected.applications and back.get(TOTAL_CELL) == 3

    r = get("xlsx")
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    back = read_xlsx(r.content)
    assert back.applications == expected.applications and back.agency == AGENCY

    r = get("pdf")
    assert r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    back = parse_bytes(r.content, "x.pdf")
    assert back.applications == expected.applications


def test_results_live_in_the_browsers_store_only(client, seed, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    soup = upload(client, ("临淄2024.txt", seed))
    link = download_links(article(soup, 1))["json"]
    assert not (tmp_path / "media").exists()  # no uploaded file kept on disk
    # Another browser (another session) cannot download it.
    from django.test import Client

    other = Client().get(link)
    assert other.status_code == 404
    assert "重新上传" in other.content.decode()
    # 清除结果 forgets it in this session too.
    assert client.post("/check/clear/").status_code == 303
    assert client.get(link).status_code == 404
    assert not BeautifulSoup(client.get("/check/").content.decode(), "html.parser").find(id="results")


def test_unknown_download_format_is_404(client, seed):
    soup = upload(client, ("临淄2024.txt", seed))
    link = download_links(article(soup, 1))["json"]
    assert client.get(link.replace("/json/", "/exe/")).status_code == 404


def test_large_font_toggle_works_without_js(client):
    soup = BeautifulSoup(client.get("/check/").content.decode(), "html.parser")
    toggle = soup.select_one(".display-toggle a")
    assert toggle.get_text() == "大字模式"
    response = client.get(toggle["href"])
    assert response.status_code == 302 and response["Location"] == "/check/"
    soup = BeautifulSoup(client.get("/check/").content.decode(), "html.parser")
    assert "large" in soup.find("html")["class"]
    assert soup.select_one(".display-toggle a").get_text() == "标准字号"
    client.get(soup.select_one(".display-toggle a")["href"])
    assert not BeautifulSoup(client.get("/check/").content.decode(), "html.parser").find("html").get("class")


def test_downloaded_json_restores_the_check(client, seed):
    """Nothing is saved on the server: the JSON download is the user's copy; uploading it again
    gives the same tables and findings."""
    first = article(upload(client, ("broken.txt", broken_seed(seed))), 1)
    data = client.get(download_links(first)["json"]).content
    again = article(upload(client, ("saved.json", data)), 1)
    rules = lambda art: sorted((li["data-rule"], li.get_text(" ", strip=True)) for li in art.select("li.finding-item"))
    assert rules(again) == rules(first) and rules(first)
    marked = lambda art: sorted(td["data-cell"] for td in art.select("td.finding"))
    assert marked(again) == marked(first)


def test_unreadable_cells_and_parser_notes_are_shown(client, shared):
    data = json.loads((shared / "fixtures/seed-2024.json").read_text("utf-8"))
    report = Report.from_dict(data)
    report.mark_unreadable("applications.granted.total", "扫描件中该数字模糊")
    report.notes.append("表三将“（六）其他处理”印为一行（未分三项），按一行记录")
    art = article(upload(client, ("scan.json", report.to_json().encode())), 1)
    cell = art.select_one('td[data-cell="applications.granted.total"]')
    assert cell.get_text() == "?" and "unreadable" in cell["class"]
    item = art.select_one("ul.unreadable li").get_text(" ", strip=True)
    assert "表三 “（一）予以公开”“总计”" in item and "扫描件中该数字模糊" in item
    assert art.select_one("ul.unreadable a")["href"] == f"#{cell['id']}"
    assert "按一行记录" in art.select_one("ul.parse-notes").get_text()


def test_a_report_too_large_for_the_session_is_refused_and_the_others_kept(client, seed, settings):
    # A report padded with megabytes of prose once went whole into the session, rewritten on every request.
    settings.GONGKAI_REPORT_SESSION_MAX_BYTES = 3 * len(seed)
    text = seed.decode("utf-8")
    cut = text.index("\n", text.index("一、") + 40)
    padded = (text[:cut] + "\n" + "本机关持续推进政务公开工作。\n" * 2000 + text[cut:]).encode("utf-8")
    soup = upload(client, ("临淄2024.txt", seed), ("padded.txt", padded), ("again.txt", seed))
    error = article(soup, 2).select_one(".file-error").get_text()
    assert "识别出的报告内容过大" in error and "分批上传" in error
    assert article(soup, 1).select("table.gk-table") and article(soup, 3).select("table.gk-table")
    from django.test import RequestFactory

    from gongkai.annual import store

    request = RequestFactory().get("/")
    request.COOKIES = {k: v.value for k, v in client.cookies.items()}
    stored = store.load(request)["entries"]
    assert [e["report"] is not None for e in stored] == [True, False, True]
