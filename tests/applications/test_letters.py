"""Letters: the sandboxed template vocabulary (issue 7), per-agency templates, and GB/T 9704-2012 output (issue 10).

PDFs are read back with poppler's pdftotext and pdfplumber's character boxes; DOCX files through their XML.
"""
import io
import subprocess
import threading
import zipfile
from datetime import date

import pdfplumber
import pytest
from django.db import transaction
from django.test import Client
from lxml import etree

from gongkai.agencies.models import AuditEntry, Staff
from gongkai.applications import services
from gongkai.applications.letters import compose, layout, next_doc_number, sandbox, vocabulary
from gongkai.applications.letters.defaults import defaults
from gongkai.applications.models import IssuedLetter, Item, LetterSequence, LetterSettings, LetterTemplate
from gongkai.applications.services import WorkflowError
from gongkai.law.outcomes import OUTCOMES

from .conftest import PASSWORD, applicant

pytestmark = pytest.mark.django_db

HOSTILE_NAME = "淄博A&B\"化工'<有限>公司"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PT = 25.4 / 72  # mm per point

# Issue 7: a template body that walked from the case to every staff member's password hash and to another
# agency's applicants. Each line alone is refused.
EXPLOIT = ("{% for m in agency.memberships.all %}{{ m.user.username }} {{ m.user.password }}\n{% endfor %}"
           "{% for a in agency.parent.children.all %}{% for x in a.applications.all %}"
           "{{ x.applicant_name }} {{ x.phone }} {{ x.email }} {{ x.address }}\n{% endfor %}{% endfor %}"
           "{{ app.__class__ }} {{ app.id_encrypted }}")
REFUSED = [
    EXPLOIT,
    "{{ agency.memberships }}",
    "{{ app.__class__.__mro__ }}",
    "{% include 'base.html' %}",
    "{% extends 'base.html' %}",
    "{% import 'x.html' as x %}",
    "{% from 'x.html' import y %}",
    "{% debug %}",
    "{% load static %}",
    "{% ssi '/etc/passwd' %}",
    "{%- include 'base.html' -%}",
    "{{ items.__class__ }}",
    "{{ items[0]['__class__'] }}",
    "{{ applicant_name.upper() }}",
    "{{ applicant_name.upper }}",
    "{{ applicant_name|attr('__class__') }}",
    "{{ applicant_name|format(1) }}",
    "{{ range(10) }}",
    "{{ lipsum() }}",
    "{{ cycler }}",
    "{{ self }}",
    "{{ settings.SECRET_KEY }}",
    "{{ 'a' * 1000000000 }}",
    "{{ 9 ** 999999 }}",
    "{{ '%999999999s' % applicant_name }}",
    "{% for c in outcome_note %}{% for d in outcome_note %}x{% endfor %}{% endfor %}",
    "{% macro m() %}{% endmacro %}",
    "{{ applicant_name|default:'x' }}",  # Django syntax: a syntax error, not a crash
    "{% if %}",
]


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def other_head(agencies, django_user_model):
    user = django_user_model.objects.create_user(username="u-other-head", password=PASSWORD)
    Staff.objects.create(user=user, agency=agencies["other"], role="head")
    return user


def decided_case(make_case, staff, outcome="granted", note="理由", items=None, **kw):
    h = staff["handler"]
    app = services.transition(make_case(**kw), "start", actor=h, on=date(2024, 9, 26))
    app = services.transition(app, "decide", actor=h, on=date(2024, 9, 26), outcome=outcome, note=note,
                              items=items or [])
    return services.transition(app, "approve", actor=staff["head"], on=date(2024, 9, 27))


def reply(make_case, staff, **kw) -> IssuedLetter:
    app = services.transition(decided_case(make_case, staff, **kw), "issue_reply", actor=staff["head"],
                              on=date(2024, 9, 27))
    return app.letters.get(kind="reply")


def pdftotext(data: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def docx_xml(data: bytes, part: str = "word/document.xml") -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(part)


def docx_texts(data: bytes) -> str:
    root = etree.fromstring(docx_xml(data))
    return "\n".join("".join(t.text or "" for t in p.iter(f"{W}t")) for p in root.iter(f"{W}p"))


def pages_chars(data: bytes) -> list[dict]:
    """Per page: size in mm and the characters (mm) inside and below the type area."""
    out = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            chars = [{"text": c["text"], "x0": c["x0"] * PT, "x1": c["x1"] * PT, "top": c["top"] * PT,
                      "bottom": c["bottom"] * PT, "size": round(c["size"], 1), "font": c["fontname"]}
                     for c in page.chars if c["text"].strip()]
            out.append({"width": page.width * PT, "height": page.height * PT,
                        "body": [c for c in chars if c["top"] < layout.TOP_MM + layout.AREA_MM[1]],
                        "foot": [c for c in chars if c["top"] >= layout.TOP_MM + layout.AREA_MM[1]]})
    return out


# -- the sandbox (issue 7) -------------------------------------------------------------------------------

@pytest.mark.parametrize("source", REFUSED)
def test_sandbox_refuses_everything_outside_the_vocabulary(source):
    with pytest.raises(sandbox.TemplateRefused) as exc:
        sandbox.check(source)
    assert any("\u4e00" <= c <= "\u9fff" for c in exc.value.message)  # a Chinese reason


def test_every_default_template_passes_and_uses_only_documented_fields():
    for title, body in defaults().values():
        sandbox.check(title)
        sandbox.check(body)
    assert {f.name for f in vocabulary.FIELDS} == vocabulary.NAMES


def test_context_is_flat_plain_values_without_model_objects(make_case, staff):
    app = decided_case(make_case, staff, "partially_granted",
                       items=[("立项批复", "granted"), ("施工人员名单", "withheld_third_party")])
    ctx = vocabulary.context(app, date(2024, 9, 27), "X〔2024〕1号")
    assert set(ctx) == vocabulary.NAMES
    for key, value in ctx.items():
        assert type(value) in (str, int, list), key
        for v in value if isinstance(value, list) else ():
            assert type(v) in (str, dict)
            assert all(type(x) in (str, int) for x in (v.values() if isinstance(v, dict) else ()))
    assert ctx["items"][1] == {"description": "施工人员名单", "label": "不予公开（保护第三方合法权益）"}
    # Even a template that slipped past check() cannot reach the agency: the name is not there.
    with pytest.raises(sandbox.TemplateRefused):
        sandbox.render(EXPLOIT, ctx, checked=True)


def test_exploit_refused_at_save_and_leaks_nothing_at_render(make_case, staff, agencies):
    # Another agency's applicant with data the old exploit printed.
    services.register_application(agencies["other"], applicant(applicant_name="乙局申请人", phone="13912345678",
                                                               address="乙局申请人的家"),
                                  channel="in_person", actor=staff["other_registrar"], submitted_on=date(2024, 9, 25))
    head = client_for(staff["head"])
    r = head.post("/staff/applications/templates/t-own/supplement/", {"title": "补正告知书", "body": EXPLOIT})
    page = r.content.decode()
    assert r.status_code == 200 and "没有属性“all”" in page  # the first thing refused, on the field
    assert not LetterTemplate.objects.exists()
    assert not AuditEntry.objects.filter(action="letter.template_edit").exists()
    r = head.post("/staff/applications/templates/t-own/supplement/",
                  {"title": "{% include 'base.html' %}", "body": "正文"})
    assert "不允许使用 {% include %}" in r.content.decode() and not LetterTemplate.objects.exists()

    # A row written around the form (an old row, a database edit) is checked again when a letter is issued.
    LetterTemplate.objects.create(agency=agencies["own"], kind="supplement", title="补正告知书", body=EXPLOIT)
    app = services.transition(make_case(), "request_supplement", actor=staff["handler"], on=date(2024, 9, 27),
                              note="请写明文号", deadline="2024-10-18")
    with pytest.raises(WorkflowError, match="文书模板有误"):
        services.issue_notice(app, "supplement", actor=staff["handler"], on=date(2024, 9, 27))
    assert not IssuedLetter.objects.exists()
    assert not LetterSequence.objects.filter(last__gt=0).exists()  # no 发文字号 spent on a refused letter


# -- per-agency templates ---------------------------------------------------------------------------------

def test_head_edits_own_agency_copy_audited_under_the_agency(make_case, staff, agencies):
    head = client_for(staff["head"])
    url = "/staff/applications/templates/t-own/supplement/"
    page = head.get(url).content.decode()
    for field in vocabulary.FIELDS:  # the documented fields, from the one definition
        assert f"<code>{field.name}</code>" in page
    body = "请于{{ supplement_deadline }}前补正：{{ supplement_note }}（第三十条）。"
    r = head.post(url, {"title": "{{ agency_name }}补正告知书", "body": body})
    assert r.status_code == 302
    own = LetterTemplate.objects.get()
    assert own.agency == agencies["own"] and own.body == body
    entry = AuditEntry.objects.get(action="letter.template_edit")
    assert entry.agency == agencies["own"] and entry.actor == staff["head"]
    assert "修改文书模板" in client_for(staff["auditor"]).get("/staff/audit/").content.decode()

    app = services.transition(make_case(), "request_supplement", actor=staff["handler"], on=date(2024, 9, 27),
                              note="请写明文号", deadline="2024-10-18")
    letter = services.issue_notice(app, "supplement", actor=staff["handler"], on=date(2024, 9, 27))
    assert letter.title == "测试区甲局补正告知书"
    assert "请于2024年10月18日前补正：请写明文号（第三十条）。" in letter.text
    # The other agency still prints the shared default.
    other = services.register_application(agencies["other"], applicant(), channel="in_person",
                                          actor=staff["other_registrar"], submitted_on=date(2024, 9, 25))
    other = services.transition(other, "request_supplement", actor=staff["other_handler"], on=date(2024, 9, 27),
                                note="请写明文号", deadline="2024-10-18")
    other_letter = services.issue_notice(other, "supplement", actor=staff["other_handler"], on=date(2024, 9, 27))
    assert other_letter.title == "补正告知书" and "视为放弃申请" in other_letter.text

    # Back to the default: audited too; the issued letter stays as it was.
    assert head.post(url + "reset/").status_code == 302
    assert not LetterTemplate.objects.exists()
    assert AuditEntry.objects.get(action="letter.template_reset").agency == agencies["own"]
    assert IssuedLetter.objects.get(pk=letter.pk).title == "测试区甲局补正告知书"


def test_other_agency_head_gets_404_and_other_roles_403(staff, agencies, other_head):
    c = client_for(other_head)
    for url in ("/staff/applications/templates/t-own/supplement/",
                "/staff/applications/templates/t-own/reply.granted/",
                "/staff/applications/letter-settings/t-own/"):
        assert c.get(url).status_code == 404
        assert c.post(url, {"title": "x", "body": "x", "doc_prefix": "x"}).status_code == 404
    assert c.post("/staff/applications/templates/t-own/supplement/reset/").status_code == 404
    listing = c.get("/staff/applications/templates/").content.decode()
    assert "测试区乙局" in listing and "测试区甲局" not in listing
    assert not LetterTemplate.objects.exists() and not LetterSettings.objects.exists()
    assert client_for(staff["handler"]).get("/staff/applications/templates/t-own/supplement/").status_code == 403
    assert client_for(staff["head"]).get("/staff/applications/templates/t-own/no-such-kind/").status_code == 404


# -- escaping (issue 10: 淄博A&amp;B化工有限公司) --------------------------------------------------------------

def test_hostile_names_print_once_escaped_in_pdf_and_docx(make_case, staff, tmp_path):
    note = "说明中的 <b>标签</b> 与 & 符号 \"原样\" '保留'"
    letter = reply(make_case, staff, note=note, applicant_name=HOSTILE_NAME, applicant_type="commercial",
                   id_type="other", id_number="营业执照123456")
    assert HOSTILE_NAME in letter.text and note in letter.text
    text = pdftotext(bytes(letter.pdf), tmp_path)
    flat = text.replace("\n", "")
    assert HOSTILE_NAME + "：" in text
    assert note.replace(" ", "") in flat.replace(" ", "")
    for artefact in ("&amp;B", "&quot;", "&#x27;", "&#39;", "&lt;", "&gt;", "&amp;amp;"):
        assert artefact not in text
    texts = docx_texts(bytes(letter.docx))
    assert HOSTILE_NAME + "：" in texts and note in texts
    xml = docx_xml(bytes(letter.docx)).decode()
    assert "淄博A&amp;B\"化工'&lt;有限&gt;公司" in xml  # escaped exactly once, as XML requires
    assert "&amp;amp;" not in xml and "&amp;quot;" not in xml and "&amp;lt;" not in xml


# -- GB/T 9704-2012 geometry ----------------------------------------------------------------------------------

def sample(paragraphs) -> layout.Letter:
    return layout.Letter(title="政府信息公开申请答复书", doc_number="临审批依申〔2026〕14号",
                         addressee=HOSTILE_NAME, paragraphs=tuple(paragraphs), signature="测试区甲局",
                         date="2026年11月27日")


def test_pdf_geometry_follows_gb_t_9704():
    tol = 1.0
    pdf = layout.render_pdf(sample(["本" * 28 * 70, "第二段。"]), layout.resolve_fonts(None))
    pages = pages_chars(pdf)
    assert len(pages) >= 3
    right_edge = layout.LEFT_MM + layout.AREA_MM[0]
    bottom_edge = layout.TOP_MM + layout.AREA_MM[1]
    for n, page in enumerate(pages, start=1):
        assert abs(page["width"] - 210) < 0.5 and abs(page["height"] - 297) < 0.5  # A4
        body = page["body"]
        # Nothing outside the type area 156 × 225 mm at 28 mm / 37 mm.
        assert min(c["x0"] for c in body) >= layout.LEFT_MM - tol
        assert max(c["x1"] for c in body) <= right_edge + tol
        assert min(c["top"] for c in body) >= layout.TOP_MM - tol
        assert max(c["bottom"] for c in body) <= bottom_edge + tol
        # Text starts on the left margin and full lines reach the right one.
        assert abs(min(c["x0"] for c in body) - layout.LEFT_MM) <= tol
        assert abs(max(c["x1"] for c in body) - right_edge) <= tol
        # The first line sits in the first line of the type area.
        assert min(c["top"] for c in body) <= layout.TOP_MM + layout.LINE_PT * PT
        # Page number "— n —": 4号, 7 mm below the type area, one character in from the outside edge.
        foot = page["foot"]
        assert "".join(c["text"] for c in foot) == f"—{n}—"
        assert {c["size"] for c in foot} == {14.0}
        assert min(c["top"] for c in foot) >= bottom_edge + layout.PAGE_NUMBER_GAP_MM - tol
        one_char = layout.PAGE_NUMBER_PT * PT
        if n % 2:  # odd page: right
            assert abs(max(c["x1"] for c in foot) - (right_edge - one_char)) <= tol
        else:
            assert abs(min(c["x0"] for c in foot) - (layout.LEFT_MM + one_char)) <= tol
    # Sizes: title 2号 (22 pt), body 3号 (16 pt).
    first = pages[0]["body"]
    assert first[0]["text"] == "政" and first[0]["size"] == 22.0
    assert {c["size"] for c in pages[1]["body"]} == {16.0}
    # A full body page: 22 lines of 28 characters.
    lines: dict[int, int] = {}
    for c in pages[1]["body"]:
        lines[round(c["top"])] = lines.get(round(c["top"]), 0) + 1
    assert len(lines) == layout.LINES and set(lines.values()) == {layout.CHARS}
    # Signature at the seal: the date four characters in from the right, the agency's name centred over it.
    last = pages[-1]["body"]
    date_chars = [c for c in last if c["top"] == max(x["top"] for x in last)]
    name_chars = [c for c in last if abs(c["top"] - date_chars[0]["top"] + layout.LINE_PT * PT) < 1]
    assert "".join(c["text"] for c in date_chars) == "2026年11月27日"
    assert "".join(c["text"] for c in name_chars) == "测试区甲局"
    assert abs(max(c["x1"] for c in date_chars) - (right_edge - 4 * layout.PITCH_PT * PT)) <= 1.5
    centre = lambda cs: (min(c["x0"] for c in cs) + max(c["x1"] for c in cs)) / 2  # noqa: E731
    assert abs(centre(name_chars) - centre(date_chars)) <= 2


def test_docx_geometry_fonts_and_page_numbers():
    data = layout.render_docx(sample(["正文。"]), layout.resolve_fonts(None))
    root = etree.fromstring(docx_xml(data))
    twips = lambda mm: round(mm / 25.4 * 1440)  # noqa: E731
    size, margins = root.find(f".//{W}pgSz"), root.find(f".//{W}pgMar")
    assert (int(size.get(f"{W}w")), int(size.get(f"{W}h"))) == (twips(210), twips(297))
    for side, mm in (("top", 37), ("left", 28), ("right", 26), ("bottom", 35)):
        assert abs(int(margins.get(f"{W}{side}")) - twips(mm)) <= 2, side
    assert b"evenAndOddHeaders" in docx_xml(data, "word/settings.xml")
    styles = etree.fromstring(docx_xml(data, "word/styles.xml"))
    normal = next(s for s in styles.iter(f"{W}style") if s.get(f"{W}styleId") == "Normal")
    assert normal.find(f".//{W}rFonts").get(f"{W}eastAsia") == "Noto Serif CJK SC"
    assert normal.find(f".//{W}sz").get(f"{W}val") == "32"  # 3号
    title_run = root.find(f".//{W}r")
    assert title_run.find(f".//{W}sz").get(f"{W}val") == "44"  # 2号
    assert title_run.find(f".//{W}rFonts").get(f"{W}eastAsia") == "Noto Serif CJK SC"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        footers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/footer")]
    assert len(footers) == 2
    for xml in footers:
        assert "PAGE" in xml and "— " in xml and " —" in xml and 'w:val="28"' in xml  # 4号


def test_configured_fonts_are_used_when_installed_else_noto(agencies, settings):
    from gongkai.applications.letters.layout import resolve_fonts

    settings.GONGKAI_LETTER_FONTS = {"body": ("仿宋_GB2312",), "title": ("方正小标宋简体",), "number": ("宋体",)}
    fonts = resolve_fonts(agencies["own"])  # none of them on this machine
    assert (fonts.body, fonts.title, fonts.title_bold) == ("Noto Serif CJK SC", "Noto Serif CJK SC", True)
    LetterSettings.objects.create(agency=agencies["own"], body_font="仿宋_GB2312，Noto Sans CJK SC",
                                  title_font="Noto Sans CJK SC")
    own = type(agencies["own"]).objects.get(pk=agencies["own"].pk)
    fonts = resolve_fonts(own)
    assert (fonts.body, fonts.title, fonts.title_bold) == ("Noto Sans CJK SC", "Noto Sans CJK SC", False)
    pdf = layout.render_pdf(sample(["正文。"]), fonts)
    assert {c["font"].split("+")[-1] for c in pages_chars(pdf)[0]["body"]} == {"Noto-Sans-CJK-SC"}
    settings.GONGKAI_LETTER_FONTS = {"body": ("Noto Sans CJK SC",)}
    assert resolve_fonts(agencies["other"]).body == "Noto Sans CJK SC"


# -- long text, titles and wording ----------------------------------------------------------------------------

def test_ten_thousand_character_note_wraps_and_paginates(make_case, staff):
    unit = "因该信息涉及第三方，" + "A" * 300 + "，" + "0123456789" * 20 + "。"
    note = (unit * 40)[:10_000]
    letter = reply(make_case, staff, outcome="other_misc", note=note)
    pages = pages_chars(bytes(letter.pdf))
    # At least as many pages as the note fills at 22 × 28 (half-width letters counted as half a character).
    assert len(pages) >= layout._width_chars(note) // (layout.LINES * layout.CHARS) >= 8
    right_edge = layout.LEFT_MM + layout.AREA_MM[0]
    for page in pages:
        assert max(c["x1"] for c in page["body"]) <= right_edge + 1
        assert min(c["x0"] for c in page["body"]) >= layout.LEFT_MM - 1
        assert max(c["bottom"] for c in page["body"]) <= layout.TOP_MM + layout.AREA_MM[1] + 1
    printed = "".join(c["text"] for page in pages for c in page["body"])
    assert note in printed  # every character, in order, nowhere cut off


def test_reply_titles_and_wording_without_artefacts(make_case):
    app = make_case()
    item = Item.objects.create(application=app, description="事项一", handling="granted")
    for outcome in OUTCOMES:  # the text of each outcome's reply (the workflow's own rules are tested elsewhere)
        app.outcome = item.handling = outcome
        item.save()
        letter = compose(app, "reply", date(2024, 9, 27), "临审批依申〔2024〕1号")
        assert letter.title == "政府信息公开申请答复书"
        for artefact in ("（（", "））", "（或", "{{", "{%", "None", "：（一）", "1.属于"):
            assert artefact not in letter.text, (outcome, artefact)
        assert OUTCOMES[outcome].letter_text in letter.text
        assert f"1. 事项一：{vocabulary.plain_label(outcome)}。" in letter.text
        assert letter.text.startswith("临审批依申〔2024〕1号\n张三：\n")
        assert letter.text.endswith("测试区甲局\n2024年9月27日")


def test_plain_labels_come_from_the_outcome_table():
    assert vocabulary.plain_label("granted") == "予以公开"
    assert vocabulary.plain_label("partially_granted") == "部分公开"
    assert vocabulary.plain_label("withheld_state_secret") == "不予公开（属于国家秘密）"
    assert vocabulary.plain_label("other_misc") == "其他处理"
    for key in OUTCOMES:
        label = vocabulary.plain_label(key)
        assert not label[0].isdigit() and not label.startswith("（") and "（（" not in label


# -- 发文字号 -----------------------------------------------------------------------------------------------------

def test_doc_numbers_per_agency_and_year_from_the_agency_prefix(make_case, staff, agencies):
    head = client_for(staff["head"])
    r = head.post("/staff/applications/letter-settings/t-own/", {"doc_prefix": "临审批依申", "body_font": "",
                                                                  "title_font": ""})
    assert r.status_code == 302
    assert AuditEntry.objects.get(action="letter.settings_edit").agency == agencies["own"]
    bad = head.post("/staff/applications/letter-settings/t-own/",
                    {"doc_prefix": "临审批〔", "body_font": "x\";} body{color:red", "title_font": ""})
    assert "机关代字不能含有" in bad.content.decode() and "不允许的字符" in bad.content.decode()
    app = services.transition(make_case(), "request_supplement", actor=staff["handler"], on=date(2024, 9, 27),
                              note="请写明文号", deadline="2024-10-18")
    first = services.issue_notice(app, "supplement", actor=staff["handler"], on=date(2024, 9, 27))
    second = services.issue_notice(app, "supplement", actor=staff["handler"], on=date(2024, 9, 27))
    assert (first.doc_number, second.doc_number) == ("临审批依申〔2024〕1号", "临审批依申〔2024〕2号")
    assert first.text.startswith("临审批依申〔2024〕1号\n") and second.version == 2
    with transaction.atomic():
        assert next_doc_number(agencies["own"], 2025) == "临审批依申〔2025〕1号"  # a new year starts at 1
        assert next_doc_number(agencies["other"], 2024) == "测试区乙局公开〔2024〕1号"  # own sequence, default prefix


@pytest.mark.django_db(transaction=True)
def test_concurrent_letters_get_distinct_consecutive_numbers(agencies):
    from django.db import connection

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # Shared-cache in-memory SQLite fails a second writer at once ("table is locked") instead of waiting;
        # a file database serialises writers (transaction_mode IMMEDIATE). The PostgreSQL run races for real.
        pytest.skip("concurrent writers need PostgreSQL or a file database")
    with pytest.raises(RuntimeError):
        next_doc_number(agencies["own"], 2026)  # only inside the transaction that stores the letter
    numbers, errors = [], []

    def take():
        from django.db import connection as conn
        try:
            for _ in range(5):
                with transaction.atomic():
                    numbers.append(next_doc_number(agencies["own"], 2026))
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(numbers, key=lambda s: int(s.split("〕")[1][:-1])) == [f"测试区甲局公开〔2026〕{i}号"
                                                                      for i in range(1, 21)]


@pytest.mark.django_db(transaction=True)
def test_migration_drops_the_old_shared_django_syntax_templates():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("applications", "0001_initial")])
    old = executor.loader.project_state([("applications", "0001_initial")]).apps
    old.get_model("applications", "LetterTemplate").objects.create(
        kind="supplement", outcome="", title="补正告知书", body="{{ agency.memberships.all }}")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert not LetterTemplate.objects.exists()  # nothing unattributable and unchecked survives
