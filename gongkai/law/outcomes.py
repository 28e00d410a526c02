"""Outcome codes of an application = the outcome rows of table 三 of the annual report (layout 2021).

Keys and labels come from ``gongkai.report.layouts``; this module adds, per outcome, the article of
《中华人民共和国政府信息公开条例》 it rests on and the reason as worded in the reply letter.
"""
from __future__ import annotations

from dataclasses import dataclass

from gongkai.report.layouts import LAYOUT_2021

REGULATIONS = "《中华人民共和国政府信息公开条例》"


@dataclass(frozen=True)
class Outcome:
    key: str
    label: str              # the report row label, verbatim
    group: str              # e.g. "（三）不予公开"; the label itself for top-level rows
    articles: tuple[str, ...]
    reason: str             # reply-letter wording (without the legal citation); one case, no "（或…）" alternatives

    @property
    def citation(self) -> str:
        """e.g. 《中华人民共和国政府信息公开条例》第十四条; empty when no article applies."""
        return f"{REGULATIONS}{'、'.join(self.articles)}" if self.articles else ""

    @property
    def letter_text(self) -> str:
        """The reason sentence for the reply letter, citing the article(s)."""
        return f"{self.reason}根据{self.citation}的规定，特此告知。" if self.articles else f"{self.reason}特此告知。"


# key → (articles, reply-letter reason). Articles checked against the Regulations (2019 text).
_LAW: dict[str, tuple[tuple[str, ...], str]] = {
    "granted": (("第十三条", "第三十六条第（一）项", "第三十六条第（二）项"),
                "您申请公开的政府信息属于公开范围，本机关予以公开。"),
    "partially_granted": (("第三十七条",),
                          "您申请公开的信息中含有不应当公开的内容，但能够作区分处理，本机关向您提供可以公开的部分，"
                          "对不予公开的部分说明理由如下。"),
    "withheld_state_secret": (("第十四条", "第三十六条第（三）项"),
                              "您申请公开的政府信息依法确定为国家秘密，不予公开。"),
    "withheld_prohibited_by_law": (("第十四条", "第三十六条第（三）项"),
                                   "您申请公开的政府信息属于法律、行政法规禁止公开的政府信息，不予公开。"),
    "withheld_security_stability": (("第十四条", "第三十六条第（三）项"),
                                    "您申请公开的政府信息公开后可能危及国家安全、公共安全、经济安全、社会稳定，不予公开。"),
    "withheld_third_party": (("第十五条", "第三十二条", "第三十六条第（三）项"),
                             "您申请公开的政府信息涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害，不予公开。"),
    "withheld_internal_affairs": (("第十六条第一款", "第三十六条第（三）项"),
                                  "您申请公开的信息属于行政机关的内部事务信息（人事管理、后勤管理、内部工作流程等），不予公开。"),
    "withheld_deliberative": (("第十六条第二款", "第三十六条第（三）项"),
                              "您申请公开的信息属于行政机关在履行行政管理职能过程中形成的讨论记录、过程稿、磋商信函、"
                              "请示报告等过程性信息，不予公开。"),
    "withheld_enforcement_files": (("第十六条第二款", "第三十六条第（三）项"),
                                   "您申请公开的信息属于行政执法案卷信息，不予公开。"),
    "withheld_inquiry_matters": (("第三十六条第（七）项",),
                                 "您申请公开的信息属于工商、不动产登记资料等信息，有关法律、行政法规对信息的获取有特别规定，"
                                 "请依照有关法律、行政法规的规定办理。"),
    "unavailable_not_held": (("第三十六条第（四）项", "第三十六条第（五）项"),
                             # A reply states one case: which agency holds the information goes in 理由说明.
                             "经检索，本机关不掌握您申请公开的政府信息。"),
    "unavailable_needs_creation": (("第三十八条",),
                                   "本机关向申请人提供的信息应当是已制作或者获取的政府信息，您的申请需要本机关对现有政府信息"
                                   "进行加工、分析，本机关不予提供。"),
    "unavailable_still_unclear": (("第三十条",),
                                  "经告知补正后，您的申请内容仍不明确，本机关无法确定您申请公开的政府信息，无法提供。"),
    "declined_petition": (("第三十九条第一款",),
                          "您以政府信息公开申请的形式进行信访、投诉、举报等活动，本机关不作为政府信息公开申请处理，"
                          "您可以通过相应渠道提出。"),
    "declined_duplicate": (("第三十六条第（六）项",),
                           "本机关已就您提出的政府信息公开申请作出答复，您重复申请公开相同政府信息，本机关不予重复处理。"),
    "declined_publication": (("第三十九条第二款",),
                             "您申请的内容为要求提供政府公报、报刊、书籍等公开出版物，请通过相应途径获取。"),
    "declined_excessive": (("第三十五条",),
                           "您申请公开政府信息的数量、频次明显超过合理范围，经要求说明理由，本机关认为申请理由不合理，不予处理。"),
    # No article of the Regulations names this case; the spec cites none, so neither do we.
    "declined_reconfirm": ((), "您要求本机关确认或者重新出具您已获取的信息，本机关不作为政府信息公开申请处理。"),
    "other_no_supplement": (("第三十条",),
                            "您无正当理由逾期未补正，视为放弃申请，本机关不再处理该政府信息公开申请。"),
    "other_unpaid_fee": (("第四十二条",),
                         "您逾期未按收费通知要求缴纳信息处理费，视为放弃申请，本机关不再处理该政府信息公开申请"
                         "（《政府信息公开信息处理费管理办法》，国办函〔2020〕109号）。"),
    "other_misc": ((), "本机关对您的申请作其他处理，具体情况说明如下。"),
}


def _build() -> dict[str, Outcome]:
    out: dict[str, Outcome] = {}
    for key in LAYOUT_2021.outcome_rows:
        row = LAYOUT_2021.application_row(key)
        articles, reason = _LAW[key]  # KeyError here means the layout gained a row: add it above
        group = row.groups[-1] if len(row.groups) > 1 else row.label
        out[key] = Outcome(key, row.label, group, articles, reason)
    return out


OUTCOMES: dict[str, Outcome] = _build()
# Outcomes that end the case with information (fully or partly) provided.
DISCLOSED = ("granted", "partially_granted")
