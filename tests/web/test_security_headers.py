"""The CSP allows exactly what our pages carry: no inline script or event handler anywhere, and every
inline style (the report tables' CSS block, column widths) allowed by its hash, never 'unsafe-inline'.
Also: no-store on every page but the public portal, in development settings too."""
import base64
import hashlib

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def assert_allowed_by_csp(response):
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    styles = next(d for d in csp.split("; ") if d.startswith("style-src ")).split()
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    for script in soup.find_all("script"):
        assert script.get("src"), f"inline script: {script}"
    checked = 0
    for tag in soup.find_all(True):
        assert not [a for a in tag.attrs if a.lower().startswith("on")], f"inline event handler: {tag.name}"
        assert not str(tag.get("href", "")).lower().startswith("javascript:")
        if tag.get("style") is not None:
            assert _hash(tag["style"]) in styles, f"style attribute not allowed by CSP: {tag['style']!r}"
            checked += 1
    for style in soup.find_all("style"):
        assert _hash(style.string or "") in styles, "inline <style> not allowed by CSP"
        checked += 1
    return checked


def test_pages_run_under_the_csp(agencies, shared, settings):
    settings.GONGKAI_SECURITY_HEADERS = True
    c = Client()
    seed = (shared / "seeds/000_0e482e19bd443c5d.txt").read_bytes()
    c.post(reverse("annual:index"), {"files": [SimpleUploadedFile("临淄2024.txt", seed)]})
    results = c.get(reverse("annual:index"))
    assert "gk-table" in results.content.decode()
    assert assert_allowed_by_csp(results) >= 5  # the CSS block and the column widths were checked
    for url in ("/accounts/login/", "/apply/t-own/", "/apply/status/?code=NOPE", "/gk/"):
        response = c.get(url, follow=True)
        assert response.status_code == 200, url
        assert_allowed_by_csp(response)


def test_no_store_everywhere_but_the_portal(agencies, staff):
    c = Client()
    for url in ("/", "/accounts/login/", "/apply/t-own/", "/apply/status/?code=NOPE"):
        assert c.get(url)["Cache-Control"] == "no-store", url
    c.force_login(staff["handler"])
    assert c.get("/staff/")["Cache-Control"] == "no-store"
    assert c.get("/gk/", follow=True).get("Cache-Control") != "no-store"


def test_staff_and_admin_pages_run_under_the_csp(agencies, staff, settings, django_user_model):
    settings.GONGKAI_SECURITY_HEADERS = True
    pages = {
        # The statistics page carries server-rendered SVG charts (colours as attributes, no inline CSS).
        "head": ["/staff/", "/staff/applications/", "/staff/applications/statistics/",
                 reverse("catalog:categories", args=["t-own"])],
        "auditor": ["/staff/audit/"],
    }
    for role, urls in pages.items():
        c = Client()
        c.force_login(staff[role])
        for url in urls:
            response = c.get(url)
            assert response.status_code == 200, url
            assert response["Cache-Control"] == "no-store"
            assert_allowed_by_csp(response)
    root = django_user_model.objects.create_superuser("root", password="Root-Pass-2024x")
    c = Client()
    assert_allowed_by_csp(c.get("/admin/login/"))
    c.force_login(root)
    for url in ("/admin/", "/admin/agencies/agency/", "/admin/agencies/agency/add/"):
        assert_allowed_by_csp(c.get(url))
