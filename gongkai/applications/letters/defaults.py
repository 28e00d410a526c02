"""The shared default letters (read-only; an agency edits its own copy, see ``letters.template_for``).

Sandboxed Jinja2 over the fields of ``vocabulary.FIELDS``; plain text, one paragraph per line. The body only:
the print layout adds the 发文字号, the addressee (主送), the agency's name and the date (GB/T 9704-2012).
Each letter cites its article of the Regulations.
"""
from __future__ import annotations

from gongkai.law.outcomes import DISCLOSED, OUTCOMES, REGULATIONS

REMEDY = ("如对本答复不服，可以自收到本答复之日起六十日内依法申请行政复议，"
          "或者自收到本答复之日起六个月内依法提起行政诉讼。")

CONTACT = "\n联系人：{{ office_name }}{% if agency_phone %}　联系电话：{{ agency_phone }}{% endif %}"

RECEIVED = "本机关于{{ received }}收到您提出的政府信息公开申请（登记号：{{ number }}），申请公开“{{ title }}”。"

SUPPLEMENT = RECEIVED + (
    "\n经审查，您的申请内容不明确。根据" + REGULATIONS + "第三十条的规定，请您对以下事项作出补正：\n"
    "{{ supplement_note }}\n"
    "请于{{ supplement_deadline }}前提交补正材料。答复期限自本机关收到补正后的申请之日起计算。"
    "无正当理由逾期不补正的，视为放弃申请，本机关不再处理该政府信息公开申请。"
) + CONTACT

CONSULT_THIRD_PARTY = (
    "本机关于{{ received }}收到政府信息公开申请（登记号：{{ number }}），申请公开“{{ title }}”。"
    "经审查，该信息可能涉及贵方的商业秘密、个人隐私等合法权益，公开可能损害贵方合法权益。"
    "根据" + REGULATIONS + "第三十二条的规定，现书面征求贵方意见。\n"
    "请于{{ consultation_due }}前（自收到本函之日起15个工作日内）书面提出意见。"
    "逾期未提出意见的，由本机关依照条例的规定决定是否公开。"
    "第三方不同意公开且有合理理由的，本机关不予公开；本机关认为不公开可能对公共利益造成重大影响的，"
    "可以决定予以公开，并将决定公开的内容和理由书面告知贵方。"
) + CONTACT

CONSULT_AGENCY = (
    "本机关于{{ received }}收到政府信息公开申请（登记号：{{ number }}），申请公开“{{ title }}”。"
    "该信息由本机关与贵机关共同制作。根据" + REGULATIONS + "第三十四条的规定，现征求贵机关意见。\n"
    "请于{{ consultation_due }}前（自收到本函之日起15个工作日内）提出意见；逾期未提出意见的，视为同意公开。"
) + CONTACT

EXTENSION = RECEIVED + (
    "\n因{{ extension_reason }}，本机关不能在规定期限内作出答复。根据" + REGULATIONS
    + "第三十三条第二款的规定，经本机关政府信息公开工作机构负责人同意，答复期限延长{{ extension_days }}个工作日，"
    "本机关将于{{ due }}前作出答复。"
) + CONTACT

FEE_NOTICE = RECEIVED + (
    "您申请公开政府信息的数量、频次明显超过合理范围，根据" + REGULATIONS
    + "第四十二条和《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）的规定，本机关依法收取信息处理费。\n"
    "收费依据：{{ fee_basis }}\n"
    "计算过程：{{ fee_steps|join('；') }}\n"
    "应缴金额：{{ fee_amount }}元。\n"
    "请自收到本通知之日起20个工作日内（即{{ fee_due }}前）缴纳。逾期未缴纳的，视为放弃申请，"
    "本机关不再处理该政府信息公开申请。"
) + CONTACT

REPLY_HEAD = RECEIVED + "现答复如下：\n"
REPLY_ITEMS = "{% for item in items %}{{ loop.index }}. {{ item.description }}：{{ item.label }}。\n{% endfor %}"
REPLY_PROVIDE = "本机关按您要求的{{ form_wanted }}形式提供。\n"  # Art. 40: the form the applicant asked for
REPLY_NOTE = "{% if outcome_note %}{{ outcome_note }}\n{% endif %}"
REPLY_TITLE = "政府信息公开申请答复书"


def reply_body(outcome: str) -> str:
    provide = REPLY_PROVIDE if outcome in DISCLOSED else ""
    return REPLY_HEAD + "{{ outcome_text }}\n" + provide + REPLY_ITEMS + REPLY_NOTE + REMEDY + CONTACT


def defaults() -> dict[tuple[str, str], tuple[str, str]]:
    """(kind, outcome) → (title, body) of every default template; ``outcome`` is "" except for replies."""
    out = {
        ("supplement", ""): ("补正告知书", SUPPLEMENT),
        ("consult_third_party", ""): ("第三方意见征询函", CONSULT_THIRD_PARTY),
        ("consult_agency", ""): ("征求意见函", CONSULT_AGENCY),
        ("extension", ""): ("延期答复告知书", EXTENSION),
        ("fee_notice", ""): ("收费通知书", FEE_NOTICE),
    }
    for key in OUTCOMES:
        out[("reply", key)] = (REPLY_TITLE, reply_body(key))
    return out
