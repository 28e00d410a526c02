"""Letters: editable templates → text → DOCX (python-docx) and PDF (WeasyPrint); frozen once issued."""
from __future__ import annotations

import io
from datetime import date
from html import escape

from django.db import transaction
from django.db.models import Max
from django.template import Context, Engine, TemplateSyntaxError

from gongkai.agencies import audit
from gongkai.law.calendar import format_date
from gongkai.law.outcomes import OUTCOMES

from ..models import LETTER_KINDS, IssuedLetter, LetterTemplate
from .defaults import defaults

ENGINE = Engine(autoescape=False)  # plain text; HTML escaping happens when rendering the PDF


def ensure_templates() -> None:
    """Create any missing default template (editable later; existing rows are never overwritten)."""
    have = set(LetterTemplate.objects.values_list("kind", "outcome"))
    LetterTemplate.objects.bulk_create([LetterTemplate(kind=k, outcome=o, title=t, body=b)
                                        for k, o, t, b in defaults() if (k, o) not in have])


def template_for(kind: str, outcome: str = "") -> LetterTemplate:
    if kind not in LETTER_KINDS:
        raise ValueError(kind)
    ensure_templates()
    return LetterTemplate.objects.get(kind=kind, outcome=outcome if kind == "reply" else "")


def context(app, on: date) -> dict:
    """Variables available to letter templates."""
    from ..services import calendar, derive
    from gongkai.law.fees import Fee  # noqa: F401  (documented shape of ``fee``)
    from gongkai.law.periods import consultation_due, fee_payment_due

    cal = calendar()
    events = {e.transition: e for e in app.events.all()}
    consultation = app.consultations.order_by("-sent_on", "-pk").first()
    d = derive(app, cal)
    outcome = OUTCOMES.get(app.outcome)
    return {
        "app": app,
        "agency": app.agency,
        "applicant_name": app.applicant_name,
        "received": format_date(app.received_on) if app.received_on else "",
        "issued": format_date(on),
        "outcome": outcome,
        "items": [{"description": i.description, "label": OUTCOMES[i.handling].label} for i in app.items.all()],
        "supplement_note": (events.get("request_supplement").data.get("note", "")
                            if "request_supplement" in events else ""),
        "supplement_deadline": format_date(app.supplement_deadline) if app.supplement_deadline else "",
        "consultation": consultation,
        "consultation_due": format_date(consultation_due(cal, consultation.sent_on).date) if consultation else "",
        "extension_reason": events["extend"].data.get("note", "") if "extend" in events else "",
        "due": format_date(d.due) if d else "",
        "fee": app.fee_basis or {},
        "fee_due": (format_date(fee_payment_due(cal, app.fee_notice_received_on).date)
                    if app.fee_notice_received_on else ""),
    }


def render_text(body: str, ctx: dict) -> str:
    from ..services import WorkflowError

    try:
        text = ENGINE.from_string(body).render(Context(ctx))
    except TemplateSyntaxError as exc:
        raise WorkflowError(f"文书模板有误，请修改模板：{exc}") from None
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def render_docx(title: str, text: str) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    from gongkai.report.render.docx import BODY_FONT, HEADING_FONT, add_font_table_entries, set_fonts

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    set_fonts(document.styles["Normal"], BODY_FONT, size=14)
    add_font_table_entries(document)
    document.core_properties.title = title
    document.core_properties.language = "zh-CN"
    head = document.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_fonts(head.add_run(title), HEADING_FONT, size=20, bold=True)
    lines = text.splitlines()
    for i, line in enumerate(lines):
        p = document.add_paragraph()
        # Salutation flush left; signature block (last two lines) right-aligned; body indented.
        if i >= len(lines) - 2:
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif i > 0:
            p.paragraph_format.first_line_indent = Pt(28)
        set_fonts(p.add_run(line), BODY_FONT, size=14)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def render_pdf(title: str, text: str) -> bytes:
    from gongkai.report.render.pdf import NO_FONT_MESSAGE, find_cjk_fonts

    from ..services import WorkflowError

    fonts = find_cjk_fonts()
    if fonts is None:
        raise WorkflowError(NO_FONT_MESSAGE)
    from weasyprint import HTML

    lines = text.splitlines()
    body = []
    for i, line in enumerate(lines):
        cls = "sign" if i >= len(lines) - 2 else ("salutation" if i == 0 else "")
        body.append(f'<p class="{cls}">{escape(line)}</p>')
    html = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title><style>'
            f'@page {{ size: A4; margin: 37mm 26mm 35mm 28mm; }}'
            f'html {{ font-family: "{fonts.body}"; font-size: 14pt; line-height: 1.8; }}'
            f'h1 {{ font-family: "{fonts.heading}"; font-size: 20pt; text-align: center; margin: 0 0 1em; }}'
            'p { margin: 0; text-indent: 2em; } p.salutation { text-indent: 0; } '
            'p.sign { text-align: right; text-indent: 0; }'
            f'</style></head><body><h1>{escape(title)}</h1>{"".join(body)}</body></html>')
    return HTML(string=html).write_pdf()


def preview(app, kind: str, on: date) -> tuple[str, str]:
    tpl = template_for(kind, app.outcome if kind == "reply" else "")
    return tpl.title, render_text(tpl.body, context(app, on))


def issue_letter(app, kind: str, *, actor, on: date, request=None) -> IssuedLetter:
    """Render and store a letter: the stored text and files never change; a re-issue is a new version."""
    from ..services import WorkflowError

    if kind == "reply" and not app.outcome:
        raise WorkflowError("尚未拟定办理结果，不能出具答复书。")
    title, text = preview(app, kind, on)
    docx, pdf = render_docx(title, text), render_pdf(title, text)
    with transaction.atomic():
        last = IssuedLetter.objects.filter(application=app, kind=kind).aggregate(m=Max("version"))["m"] or 0
        letter = IssuedLetter.objects.create(application=app, kind=kind, version=last + 1, title=title, text=text,
                                             docx=docx, pdf=pdf, issued_on=on, issued_by=actor)
        audit.record(actor=actor, action="letter.issue", agency=app.agency, target=letter,
                     summary=f"{app.number}：出具{title}（第{letter.version}版）",
                     data={"application": app.pk, "kind": kind, "version": letter.version}, request=request)
    return letter
