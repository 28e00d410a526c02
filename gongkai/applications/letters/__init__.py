"""Letters: each agency's templates (sandboxed, fixed vocabulary) → GB/T 9704 PDF and DOCX; frozen once issued.

The shared defaults (``defaults.py``) are read-only; an agency's head edits the agency's own copy
(``LetterTemplate`` rows, copy-on-write). Issuing takes the agency's next 发文字号 of the year, renders and stores
the letter in one transaction, so numbers are neither skipped nor shared.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Max

from gongkai.agencies import audit

from ..models import LETTER_KINDS, IssuedLetter, LetterSequence, LetterSettings, LetterTemplate
from . import layout, sandbox, vocabulary
from .defaults import defaults
from .sandbox import TemplateRefused

__all__ = ["TemplateRefused", "issue_letter", "next_doc_number", "reset_template", "save_settings", "save_template",
           "template_for", "templates_of"]


@dataclass(frozen=True)
class Template:
    """The template in force for one letter of one agency: its own row, or the shared default."""

    kind: str
    outcome: str
    title: str
    body: str
    own: LetterTemplate | None  # None: the shared default

    @property
    def key(self) -> str:
        return f"{self.kind}.{self.outcome}" if self.outcome else self.kind

    @property
    def name(self) -> str:
        return f"{LETTER_KINDS[self.kind]}（{vocabulary.plain_label(self.outcome)}）" if self.outcome else LETTER_KINDS[self.kind]


def parse_key(key: str) -> tuple[str, str]:
    """"reply.granted" → ("reply", "granted"); KeyError when no such template exists."""
    kind, _, outcome = key.partition(".")
    if (kind, outcome) not in defaults():
        raise KeyError(key)
    return kind, outcome


def template_for(agency, kind: str, outcome: str = "") -> Template:
    if kind not in LETTER_KINDS:
        raise ValueError(kind)
    outcome = outcome if kind == "reply" else ""
    title, body = defaults()[(kind, outcome)]
    own = LetterTemplate.objects.filter(agency=agency, kind=kind, outcome=outcome).first()
    if own is not None:
        title, body = own.title, own.body
    return Template(kind, outcome, title, body, own)


def templates_of(agency) -> list[Template]:
    own = {(t.kind, t.outcome): t for t in LetterTemplate.objects.filter(agency=agency)}
    out = []
    for (kind, outcome), (title, body) in defaults().items():
        mine = own.get((kind, outcome))
        out.append(Template(kind, outcome, mine.title if mine else title, mine.body if mine else body, mine))
    return out


def doc_prefix(agency) -> str:
    settings = LetterSettings.objects.filter(agency=agency).first()
    return (settings.doc_prefix if settings and settings.doc_prefix else f"{agency.short_name or agency.name}公开")


def next_doc_number(agency, year: int) -> str:
    """The agency's next 发文字号 of ``year`` (代字〔年份〕序号号, GB/T 9704-2012 7.2.4).

    Call inside the transaction that stores the letter: the sequence row stays locked until it commits, so
    two letters issued at once get consecutive numbers, and a failed issue gives its number back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_doc_number must run inside the issuing transaction")
    # As catalog's IndexCounter: create the year's row if missing (a concurrent first letter may too), then lock it.
    LetterSequence.objects.bulk_create([LetterSequence(agency=agency, year=year)], ignore_conflicts=True)
    seq = LetterSequence.objects.select_for_update().get(agency=agency, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{doc_prefix(agency)}〔{year}〕{seq.last}号"


def compose(app, kind: str, on: date, doc_number: str) -> layout.Letter:
    """The letter's text from the agency's template (checked again here: a template is never trusted)."""
    from ..services import WorkflowError

    tpl = template_for(app.agency, kind, app.outcome if kind == "reply" else "")
    ctx = vocabulary.context(app, on, doc_number)
    try:
        title = sandbox.render(tpl.title, ctx)
        paragraphs = tuple(sandbox.render(tpl.body, ctx).splitlines())
    except TemplateRefused as exc:
        raise WorkflowError(f"文书模板有误，请负责人修改模板：{exc.message}") from None
    if not title or len(title) > IssuedLetter._meta.get_field("title").max_length:
        raise WorkflowError("文书标题为空或过长，请负责人修改模板。")
    addressee = ctx[vocabulary.ADDRESSEE.get(kind, "applicant_name")]
    return layout.Letter(title=title, doc_number=doc_number, addressee=addressee, paragraphs=paragraphs,
                         signature=app.agency.name, date=ctx["issued"])


def issue_letter(app, kind: str, *, actor, on: date, request=None) -> IssuedLetter:
    """Number, render and store a letter: the stored text and files never change; a re-issue is a new version
    with its own 发文字号."""
    from ..services import WorkflowError

    if kind == "reply" and not app.outcome:
        raise WorkflowError("尚未拟定办理结果，不能出具答复书。")
    fonts = layout.resolve_fonts(app.agency)
    compose(app, kind, on, "")  # refuse a broken template before taking a number
    with transaction.atomic():
        doc_number = next_doc_number(app.agency, on.year)
        letter_doc = compose(app, kind, on, doc_number)
        docx, pdf = layout.render_docx(letter_doc, fonts), layout.render_pdf(letter_doc, fonts)
        last = IssuedLetter.objects.filter(application=app, kind=kind).aggregate(m=Max("version"))["m"] or 0
        letter = IssuedLetter.objects.create(application=app, agency_id=app.agency_id, kind=kind, version=last + 1, doc_number=doc_number,
                                             title=letter_doc.title, text=letter_doc.text, docx=docx, pdf=pdf,
                                             issued_on=on, issued_by=actor)
        audit.record(actor=actor, action="letter.issue", agency=app.agency, target=letter,
                     summary=f"{app.number}：出具{letter.title}（{doc_number}，第{letter.version}版）",
                     data={"application": app.pk, "kind": kind, "version": letter.version,
                           "doc_number": doc_number}, request=request)
    return letter


# -- editing (the agency's head: permission "letter.manage", checked by the views) ---------------------

def check_template(title: str, body: str) -> dict[str, str]:
    """Field → Chinese reason for each part the sandbox refuses; empty when both may be saved."""
    errors = {}
    for field, source in (("title", title), ("body", body)):
        try:
            sandbox.check(source)
        except TemplateRefused as exc:
            errors[field] = exc.message
    return errors


def save_template(agency, key: str, *, title: str, body: str, actor, request=None) -> LetterTemplate:
    """Save the agency's own copy of a template (copy-on-write over the default), audited under the agency.
    Raises TemplateRefused when the sandbox refuses it; nothing is saved then."""
    kind, outcome = parse_key(key)
    errors = check_template(title, body)
    if errors:
        raise TemplateRefused(next(iter(errors.values())))
    with transaction.atomic():
        tpl, created = LetterTemplate.objects.select_for_update().get_or_create(
            agency=agency, kind=kind, outcome=outcome, defaults={"title": title, "body": body})
        if not created:
            tpl.title, tpl.body = title, body
            tpl.save()
        audit.record(actor=actor, action="letter.template_edit", agency=agency, target=tpl,
                     summary=f"修改文书模板：{Template(kind, outcome, title, body, tpl).name}",
                     data={"kind": kind, "outcome": outcome, "title": title, "body": body}, request=request)
    return tpl


def reset_template(agency, key: str, *, actor, request=None) -> bool:
    """Drop the agency's own copy: its letters use the shared default again. False when it had none."""
    kind, outcome = parse_key(key)
    with transaction.atomic():
        tpl = LetterTemplate.objects.filter(agency=agency, kind=kind, outcome=outcome).first()
        if tpl is None:
            return False
        name = Template(kind, outcome, tpl.title, tpl.body, tpl).name
        audit.record(actor=actor, action="letter.template_reset", agency=agency, target=tpl,
                     summary=f"文书模板恢复默认：{name}", data={"kind": kind, "outcome": outcome}, request=request)
        tpl.delete()
    return True


def save_settings(agency, *, doc_prefix: str, body_font: str, title_font: str, actor, request=None) -> LetterSettings:
    with transaction.atomic():
        obj, _ = LetterSettings.objects.select_for_update().get_or_create(agency=agency)
        obj.doc_prefix, obj.body_font, obj.title_font = doc_prefix, body_font, title_font
        obj.save()
        audit.record(actor=actor, action="letter.settings_edit", agency=agency, target=obj,
                     summary="修改文书设置（发文字号代字、字体）",
                     data={"doc_prefix": doc_prefix, "body_font": body_font, "title_font": title_font},
                     request=request)
    return obj
