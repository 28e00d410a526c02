"""The case workflow of an application as data: states, transitions, who may take them.

``services.transition()`` is the only place that executes a transition: it checks the permission
(``agencies.permissions.can``), the guard of the transition (the statutory rule), records an Event for
the timeline and an audit entry (Art. 45: registration, handling, answer and archiving are recorded).
"""
from __future__ import annotations

from dataclasses import dataclass

# state → Chinese label, in workflow order.
STATES: dict[str, str] = {
    "submitted": "网上提交待登记",
    "registered": "已登记",
    "supplement_requested": "已告知补正，等待申请人补正",
    "in_progress": "办理中",
    "consulting": "征求意见中",
    "fee_notice": "已发收费通知，等待缴费",
    "decided": "已拟定答复，待负责人审批",
    "approved": "答复已审批，待出具答复书",
    "replied": "已答复",
    "delivered": "已送达",
    "closed": "已办结",
}
# Still counting toward the answer period (or waiting on someone): everything before the reply.
OPEN_STATES = ("registered", "supplement_requested", "in_progress", "consulting", "fee_notice", "decided", "approved")
REPLIED_STATES = ("replied", "delivered", "closed")
WAITING_APPLICANT = ("supplement_requested", "fee_notice")
WAITING_THIRD_PARTY = ("consulting",)


@dataclass(frozen=True)
class Transition:
    name: str
    label: str            # button / timeline text
    sources: tuple[str, ...]
    target: str
    action: str           # agencies.permissions action required
    article: str = ""     # the rule it follows, shown on the timeline


TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("register", "登记受理", ("submitted",), "registered", "application.register", "第三十一条"),
    Transition("start", "开始办理", ("registered",), "in_progress", "application.handle"),
    Transition("request_supplement", "告知补正", ("registered", "in_progress"), "supplement_requested",
               "application.handle", "第三十条"),
    Transition("receive_supplement", "收到补正", ("supplement_requested",), "in_progress",
               "application.handle", "第三十条"),
    Transition("withdraw_no_supplement", "逾期未补正，视为放弃申请", ("supplement_requested",), "decided",
               "application.handle", "第三十条"),
    Transition("consult_third_party", "书面征求第三方意见", ("in_progress",), "consulting",
               "application.handle", "第三十二条"),
    Transition("consult_agency", "征求其他机关意见", ("in_progress",), "consulting",
               "application.handle", "第三十四条"),
    Transition("receive_opinion", "收到意见（或答复期满）", ("consulting",), "in_progress",
               "application.handle", "第三十二条、第三十四条"),
    Transition("extend", "延期答复（负责人同意）", ("in_progress",), "in_progress",
               "application.approve", "第三十三条第二款"),
    Transition("send_fee_notice", "发出收费通知", ("in_progress",), "fee_notice",
               "application.handle", "第四十二条"),
    Transition("fee_paid", "已缴费", ("fee_notice",), "in_progress", "application.handle", "第四十二条"),
    Transition("withdraw_unpaid_fee", "逾期未缴费，视为放弃申请", ("fee_notice",), "decided",
               "application.handle", "第四十二条"),
    Transition("decide", "拟定答复", ("registered", "in_progress"), "decided", "application.handle",
               "第三十六条"),
    Transition("approve", "负责人审批同意", ("decided",), "approved", "application.approve", "第三十三条"),
    Transition("send_back", "退回重新办理", ("decided",), "in_progress", "application.approve"),
    Transition("issue_reply", "出具答复书", ("approved",), "replied", "letter.issue", "第三十六条"),
    Transition("deliver", "送达", ("replied",), "delivered", "application.handle", "第四十条"),
    Transition("close", "办结归档", ("delivered",), "closed", "application.handle", "第四十五条"),
)}


def available(state: str) -> list[Transition]:
    """Transitions leaving ``state``, in definition order."""
    return [t for t in TRANSITIONS.values() if state in t.sources]


def state_label(state: str) -> str:
    return STATES.get(state, state)
