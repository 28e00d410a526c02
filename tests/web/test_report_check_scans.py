"""年报体检 of a scan: the upload returns at once, the worker reads it by OCR in the background, and the
page's status endpoint reports its progress and then the result (real parser, store, task queue, worker)."""
from __future__ import annotations

import signal

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from tests.report.scans import compact_html, image_pdf, rasterise, seed_report, weasy_pdf

from .test_report_check import AGENCY

pytestmark = pytest.mark.django_db(transaction=True)


def scanned_seed(shared) -> bytes:
    """The seed report printed on one A4 page and scanned: a PDF without a text layer."""
    return image_pdf([rasterise(weasy_pdf(compact_html(seed_report(shared))))])


def run_worker_once() -> None:
    """``gongkai worker --batch``: the real worker, until the queue is empty."""
    from gongkai import worker

    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        worker.run(batch=True, interval=0.1)
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)


def test_a_scan_is_read_in_the_background_with_progress(client, shared):
    response = client.post("/check/", {"files": [SimpleUploadedFile("扫描件.pdf", scanned_seed(shared)),
                                                 SimpleUploadedFile("图.txt", b"not a report")]})
    assert response.status_code == 303
    # The request did no OCR: the scan waits for the worker as one queued task.
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "gongkai.annual.tasks.check_scans"
    assert client.cookies["gk_check"].value not in str(queued.args_kwargs)  # the batch token stays in the cookie

    status = client.get("/check/status/")
    assert status.status_code == 200 and status["Cache-Control"] == "no-store"
    assert status.json() == {"pending": [{"index": 1, "done": 0, "total": 0}]}
    soup = BeautifulSoup(client.get("/check/").content.decode(), "html.parser")
    box = soup.select_one('article[data-entry="1"] [data-pending="1"]')
    assert box.select_one("progress") is not None and "排队等候识别" in box.get_text()
    assert box.select_one("a.refresh-link")["href"] == "/check/#r1"  # without JS: reload by hand
    assert soup.select_one("#results")["data-status-url"] == "/check/status/"
    assert "无法识别为政府信息公开工作年度报告" in soup.select_one('article[data-entry="2"]').get_text()  # read at once

    run_worker_once()

    DBTaskResult.objects.get(status="SUCCESSFUL")
    assert client.get("/check/status/").json() == {"pending": []}
    soup = BeautifulSoup(client.get("/check/").content.decode(), "html.parser")
    assert soup.select_one("#results").get("data-status-url") is None  # nothing left to poll
    scan = soup.select_one('article[data-entry="1"]')
    assert not scan.select("[data-pending], .file-error")
    assert AGENCY in scan.select_one("h3").get_text()
    assert scan.select("table.gk-table") and scan.select("nav.downloads a")
    assert client.get(scan.select_one('nav.downloads a[data-format="json"]')["href"]).status_code == 200


def test_status_is_rate_limited_and_empty_without_a_batch(client, settings):
    settings.GONGKAI_RATE_LIMITS = {**settings.GONGKAI_RATE_LIMITS, "annual_status": {"ip": [(2, 600)]}}
    assert client.get("/check/status/").json() == {"pending": []}
    assert client.get("/check/status/").status_code == 200
    assert client.get("/check/status/").status_code == 429


@pytest.fixture
def worker_thread(live_server):
    """The real worker loop in a thread of this process, bound to the live server's test database."""
    import threading

    from django.db import connection
    from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS

    from gongkai.worker import _worker_class, new_worker_id

    w = _worker_class()(queue_names=["*"], interval=0.2, batch=False, backend_name=DEFAULT_TASK_BACKEND_ALIAS,
                        startup_delay=False, max_tasks=None, worker_id=new_worker_id(), excluded_queue_names=[])

    def loop():
        try:
            w.run()
        finally:
            connection.close()

    thread = threading.Thread(target=loop, name="gongkai-test-worker", daemon=True)
    thread.start()
    yield w
    w.running = False
    thread.join(timeout=120)


@pytest.mark.browser
def test_the_page_shows_progress_then_the_result_without_a_manual_reload(live_server, worker_thread, page, shared):
    page.goto(live_server.url + "/check/")
    page.get_by_label("年度报告文件（可多选）").set_input_files(
        [{"name": "扫描件.pdf", "mimeType": "application/pdf", "buffer": scanned_seed(shared)}])
    # A listener registered after the page's own records the button as the upload starts (kept across the
    # navigation in sessionStorage).
    page.evaluate("""document.addEventListener('submit', () => { const b = document.querySelector(
        '.upload-form button[type=submit]'); sessionStorage.gkButton = b.disabled + ':' + b.textContent; })""")
    page.get_by_role("button", name="开始体检").click()
    page.wait_for_url("**/#results")
    assert page.evaluate("sessionStorage.gkButton") == "true:正在上传…"

    # The page polls the status: the bar moves to the scan's page count without a reload.
    page.evaluate("window.gkSameDocument = true")
    bar = page.locator('article[data-entry="1"] [data-pending] progress')
    assert bar.is_visible()
    page.wait_for_function("() => window.gkSameDocument && document.querySelector('[data-pending] progress').max == 1"
                           " && /已识别 [01] \\/ 1 页/.test(document.querySelector('.progress-text').textContent)",
                           timeout=240000)  # the worker picks the task up between other tests on a loaded machine
    # Done: the script loads the results by itself (no click).
    # OCR of the page runs in the worker thread: minutes on a loaded machine, seconds on an idle one.
    page.locator('article[data-entry="1"] h3', has_text=AGENCY).wait_for(timeout=240000)
    assert page.locator("[data-pending]").count() == 0
    assert page.locator('article[data-entry="1"] table.gk-table').count() >= 1
    assert page.locator('.upload-form button[type=submit]').is_enabled()


def _noise_png(kib: int) -> bytes:
    """A PNG of random pixels (it does not compress): about ``kib`` KiB, an image the check sends to OCR."""
    import io
    import os as _os

    from PIL import Image

    side = int((kib * 1024 / 3) ** 0.5)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), _os.urandom(side * side * 3)).save(out, "PNG", compress_level=0)
    return out.getvalue()


def test_waiting_scans_are_bounded_in_bytes_per_address_and_in_all(client, settings):
    """Before: scans waited in the store bounded only by its 500 entries of up to 20 MB (about 10 GB)."""
    from django.test import Client

    from gongkai.annual import store

    settings.GONGKAI_CHECK_SCAN_ADDRESS_MB, settings.GONGKAI_CHECK_SCAN_TOTAL_MB = 1, 2
    png = _noise_png(700)  # one fits 1 MB, three do not fit 2 MB
    assert 2 * 1024 * 1024 < 3 * len(png) and len(png) < 1024 * 1024

    def upload(c, n):
        assert c.post("/check/", {"files": [SimpleUploadedFile(f"图{i}.png", png) for i in range(n)]}).status_code == 303
        soup = BeautifulSoup(c.get("/check/").content.decode(), "html.parser")
        return [("pending" if a.select("[data-pending]") else a.select_one(".file-error").get_text(" ", strip=True))
                for a in soup.select("article[data-entry]")]

    first = upload(client, 2)
    assert first[0] == "pending" and "本地址排队等待文字识别的扫描件已达上限（1 MB）" in first[1]
    assert DBTaskResult.objects.count() == 1
    other = Client(REMOTE_ADDR="198.51.100.33")
    assert upload(other, 1) == ["pending"]  # another address has its own quota
    third = upload(Client(REMOTE_ADDR="198.51.100.34"), 1)  # but 2 MB wait in all
    assert "当前排队等待文字识别的扫描件过多" in third[0]

    # Replacing a batch frees its waiting bytes; so does the worker taking them.
    assert upload(client, 1) == ["pending"]
    run_worker_once()
    cache = store._cache()
    assert cache.get(store.ALL) == 0 and cache.get(store._owner(type("R", (), {"META": {"REMOTE_ADDR": "127.0.0.1"}})())) == 0
    assert upload(Client(REMOTE_ADDR="198.51.100.34"), 1) == ["pending"]
