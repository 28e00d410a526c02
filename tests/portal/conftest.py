"""Portal fixtures: an agency with a clerk and a reviewer, and ``publish()`` that takes an item
through the real catalogue workflow (draft → review → secrecy → published), so the search index is
fed by the same signals as in production."""
import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum.cn import uscc

from gongkai.agencies.models import Agency, Staff
from gongkai.catalog import services as catalog
from gongkai.catalog.models import Category, Item

PASSWORD = "Correct-Horse-42"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _agency(slug, name, body, **kw):
    return Agency.objects.create(name=name, slug=slug, level=Agency.Level.DEPARTMENT,
                                 credit_code=body + uscc.calc_check_digit(body), **kw)


@pytest.fixture
def agency(db):
    return _agency("test-xzsp", "测试区行政审批服务局", "11370305MB0999999", office_name="测试区行政审批服务局办公室",
                   address="测试市测试区政务服务中心三楼", postcode="255400", phone="0533-7177006",
                   fax="0533-7177007", email="gk@test.example", hours="工作日 9:00–17:00")


@pytest.fixture
def other_agency(db):
    return _agency("test-zrzy", "测试区自然资源局", "11370305MB0888888")


@pytest.fixture
def people(agency, other_agency):
    User = get_user_model()

    def make(username, role, where):
        user = User.objects.create_user(username=username, password=PASSWORD, first_name=username)
        Staff.objects.create(user=user, agency=where, role=role)
        return user

    return {"clerk": make("clerk", Staff.Role.HANDLER, agency), "reviewer": make("reviewer", Staff.Role.REVIEWER, agency),
            "admin": make("admin", Staff.Role.ADMIN, agency),
            "other_clerk": make("oclerk", Staff.Role.HANDLER, other_agency),
            "other_reviewer": make("oreviewer", Staff.Role.REVIEWER, other_agency)}


@pytest.fixture
def categories(agency, other_agency):
    catalog.seed_categories(agency)
    catalog.seed_categories(other_agency)
    return {c.name: c for c in Category.objects.filter(agency=agency)}


@pytest.fixture
def make_item(agency, people, categories):
    """Draft an item (optionally with attachments) and, unless ``publish=False``, publish it."""

    def make(title, *, body="", summary="", category="业务工作", made=dt.date(2024, 3, 1), publish=True,
             files=(), where=None, validity=Item.Validity.VALID, validity_date=None, document_number=""):
        a = where or agency
        clerk, reviewer = ((people["clerk"], people["reviewer"]) if a == agency
                           else (people["other_clerk"], people["other_reviewer"]))
        cat = Category.objects.get(agency=a, name=category) if isinstance(category, str) else category
        item = catalog.save_item(Item(agency=a, title=title, body=body, summary=summary, category=cat, date_made=made,
                                      validity=validity, validity_date=validity_date,
                                      document_number=document_number), clerk)
        for name, data in files:
            catalog.add_attachment(item, SimpleUploadedFile(name, data), clerk)
        if publish:
            item = publish_item(item, clerk, reviewer)
        return item

    return make


def publish_item(item, clerk, reviewer):
    item = catalog.transition(item, "submit", clerk)
    item = catalog.transition(item, "approve", reviewer)
    return catalog.transition(item, "publish", reviewer, secrecy_confirmed=True)


def pdf_bytes(text: str) -> bytes:
    """A real one-page PDF made with WeasyPrint."""
    from weasyprint import HTML

    return HTML(string=f"<html><body><p>{text}</p></body></html>").write_pdf()
