"""Error pages speak Chinese and never show a traceback; our static files are served without DEBUG."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string

pytestmark = pytest.mark.django_db


def test_debug_is_off_by_default(settings):
    assert settings.DEBUG is False


def test_unknown_page_is_a_chinese_404(client):
    res = client.get("/no-such-page/")
    assert res.status_code == 404
    body = res.content.decode()
    assert "页面不存在" in body and "Traceback" not in body


def test_too_many_files_is_a_chinese_400(client):
    files = [SimpleUploadedFile(f"r{i}.txt", b"x") for i in range(120)]  # Django's cap is 100 per request
    res = client.post("/check/", {"files": files})
    assert res.status_code == 400
    assert "请求有误" in res.content.decode()


def test_csrf_failure_is_explained_in_chinese():
    from django.test import Client

    res = Client(enforce_csrf_checks=True).post("/check/", {})
    assert res.status_code == 403
    assert "页面已过期" in res.content.decode()


def test_server_error_page_is_standalone_chinese():
    html = render_to_string("500.html")
    assert "系统内部错误" in html and "{%" not in html


def test_site_css_is_served_without_debug(client):
    res = client.get("/static/gongkai/site.css")
    assert res.status_code == 200
    assert b"{" in b"".join(res.streaming_content)
