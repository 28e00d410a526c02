"""Catalogue test fixtures: an agency with a clerk (handler), two reviewers and a head; files with
personal numbers built with the real libraries (python-docx, openpyxl, WeasyPrint)."""
import io

import pytest
from django.contrib.auth import get_user_model
from stdnum.cn import ric, uscc

from gongkai.agencies.models import Agency, Staff

PASSWORD = "Correct-Horse-42"


def make_id(body17: str) -> str:
    """A resident ID number with a correct check character."""
    return body17 + ric.calc_check_digit(body17 + "0")


VALID_ID = make_id("37030519900101123")  # 临淄区, born 1990-01-01
VALID_CARD = "6222021234567890128"  # Luhn-valid


def wrong_check(number: str) -> str:
    last = number[-1]
    other = "0" if last != "0" else "1"
    return number[:-1] + other


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def agency(db):
    body = "11370305MB0999999"
    return Agency.objects.create(name="测试区行政审批服务局", slug="test-xzsp", level=Agency.Level.DEPARTMENT,
                                 credit_code=body + uscc.calc_check_digit(body), phone="0533-7177006")


@pytest.fixture
def other_agency(db):
    body = "11370305MB0888888"
    return Agency.objects.create(name="测试区自然资源局", slug="test-zrzy", level=Agency.Level.DEPARTMENT,
                                 credit_code=body + uscc.calc_check_digit(body))


@pytest.fixture
def people(agency, other_agency):
    User = get_user_model()

    def make(username, role, where=agency):
        user = User.objects.create_user(username=username, password=PASSWORD, first_name=username)
        Staff.objects.create(user=user, agency=where, role=role)
        return user

    return {
        "clerk": make("clerk", Staff.Role.HANDLER),
        "reviewer": make("reviewer", Staff.Role.REVIEWER),
        "reviewer2": make("reviewer2", Staff.Role.REVIEWER),
        "head": make("head", Staff.Role.HEAD),
        "registrar": make("registrar", Staff.Role.REGISTRAR),
        "admin": make("admin", Staff.Role.ADMIN),
        "outsider": make("outsider", Staff.Role.REVIEWER, other_agency),
    }


def docx_bytes(paragraphs=(), table=(), split_runs=()) -> bytes:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    for parts in split_runs:  # one paragraph whose text is spread over several runs
        para = d.add_paragraph()
        for i, part in enumerate(parts):
            run = para.add_run(part)
            run.bold = bool(i % 2)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def xlsx_bytes(rows, sheet="名单") -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def pdf_bytes(*paragraphs) -> bytes:
    from weasyprint import HTML

    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return HTML(string=f"<html><body style='font-family: Noto Sans CJK SC'>{body}</body></html>").write_pdf()
