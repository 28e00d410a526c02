"""Statutory periods of the Regulations, each with its article, and a derivation a clerk can read.

All periods count working days from the day after the triggering date (see ``calendar``).
Articles cited are those of 《中华人民共和国政府信息公开条例》 (State Council Decree 711, 2019).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import date

from .calendar import (
    DueDate,
    WorkCalendar,
    add_working_days,
    format_date,
    format_date_weekday,
    uncovered_reason,
)

IN_FORCE = date(2019, 5, 15)  # Art. 56: the revised Regulations apply from this day
ANSWER_DAYS = 20            # Art. 33 ¶2: answer within 20 working days of receipt
EXTENSION_MAX_DAYS = 20     # Art. 33 ¶2: one extension of at most 20 working days
SUPPLEMENT_NOTICE_DAYS = 7  # Art. 30: tell the applicant once, within 7 working days, what to supplement
CONSULTATION_DAYS = 15      # Art. 32 (third party), Art. 34 (other agencies): answer within 15 working days
FEE_PAYMENT_DAYS = 20       # 国办函〔2020〕109号 under Art. 42: pay within 20 working days of the notice

PAUSE_KINDS = {
    # kind → (what happened, article of the consultation)
    "third_party": ("书面征求第三方意见", "第三十二条"),
    "agency": ("征求其他机关意见", "第三十四条"),
}

# Art. 31: how the receipt date is fixed, per channel.
CHANNELS = {
    "in_person": "当面提交",
    "post": "邮寄",
    "online": "互联网",
    "fax": "传真",
    "email": "电子邮件",
    "oral": "口头提出",
}


@dataclass(frozen=True)
class Pause:
    """A consultation whose time does not count toward the answer period (Art. 33 ¶3).

    ``start``: the day the consultation letter went out; ``end``: the day the opinion came back
    (None while it is outstanding). Working days after ``start`` up to and including ``end`` are
    excluded, but never past the consulted party's 15 working days (Art. 32/34): a late opinion
    does not stop the clock any longer.
    """

    kind: str
    start: date
    end: date | None = None


@dataclass
class Derivation:
    due: date
    provisional: bool
    reason: str | None
    start: date
    days: int
    excluded_days: int
    extension_days: int
    calendar_version: str
    steps: list[str] = field(default_factory=list)

    @property
    def due_date(self) -> DueDate:
        return DueDate(self.due, self.provisional, self.reason)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["due"] = self.due.isoformat()
        d["start"] = self.start.isoformat()
        return d

    @classmethod
    def from_dict(cls, data: dict) -> Derivation:
        """Inverse of ``to_dict``; keys it does not know (added later) are ignored."""
        d = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        d["due"] = date.fromisoformat(d["due"])
        d["start"] = date.fromisoformat(d["start"])
        d["steps"] = list(d.get("steps", []))
        return cls(**d)


def _require_date(value, what: str) -> date:
    if not isinstance(value, date):
        raise ValueError(f"请填写有效的{what}")
    return value


def _holiday_summary(cal: WorkCalendar, a: date, b: date) -> str | None:
    """The holidays skipped and make-up days counted in (a, b], grouped into the notice's ranges."""
    overrides = cal.overrides_between(a, b)
    if not overrides:
        return None
    ranges: list[list[date]] = []
    for d, working in overrides:
        if working:
            continue
        prev = ranges[-1][-1] if ranges else None
        # One range while only non-working days lie between (e.g. 10月1日—7日 around a weekend).
        if prev and not any(cal.is_workday_ordinal(o) for o in range(prev.toordinal() + 1, d.toordinal())):
            ranges[-1].append(d)
        else:
            ranges.append([d])
    parts = []
    if ranges:
        texts = []
        for r in ranges:
            names = list(dict.fromkeys(n for n in map(cal.name, r) if n))  # e.g. 国庆节、中秋节 (2025)
            name = "、".join(names) or "法定节假日"
            span = format_date(r[0])
            if len(r) > 1:
                span += "至" + (f"{r[-1].month}月{r[-1].day}日" if r[-1].year == r[0].year else format_date(r[-1]))
            texts.append(f"{name}（{span}）")
        parts.append("其间放假不计：" + "、".join(texts))
    makeup = [format_date_weekday(d) for d, working in overrides if working]
    if makeup:
        parts.append("调休上班日照常计算：" + "、".join(makeup))
    return "；".join(parts) + "。"


_MAX_ORDINAL = date.max.toordinal()


def answer_due(
    cal: WorkCalendar,
    received: date,
    *,
    supplement_received: date | None = None,
    pauses: Iterable[Pause] = (),
    extension_days: int = 0,
) -> Derivation:
    """The answer deadline of an application (Art. 33), with every step spelled out.

    The clock starts the day after receipt, or after receipt of the supplemented application (Art. 30);
    consultation time is not counted (Art. 33 ¶3); one extension of at most 20 working days (Art. 33 ¶2).
    """
    _require_date(received, "收到申请日期")
    if supplement_received is not None:
        _require_date(supplement_received, "收到补正日期")
        if supplement_received < received:
            raise ValueError("收到补正的日期不能早于收到申请的日期")
    if isinstance(extension_days, bool) or not isinstance(extension_days, int):
        raise ValueError("延长天数必须是整数")
    if not 0 <= extension_days <= EXTENSION_MAX_DAYS:
        raise ValueError(f"延长答复期限最长不得超过{EXTENSION_MAX_DAYS}个工作日（第三十三条第二款）")
    start = supplement_received or received

    pauses = list(pauses)
    for p in pauses:
        if not isinstance(p, Pause) or p.kind not in PAUSE_KINDS:
            raise ValueError(f"未知的征求意见类型：{getattr(p, 'kind', p)}")
        _require_date(p.start, "征求意见日期")
    windows: list[tuple[int, int, Pause, bool]] = []  # (first excluded ordinal, last, pause, open)
    for p in sorted(pauses, key=lambda p: p.start):
        if p.start < start:
            raise ValueError(f"征求意见日期（{format_date(p.start)}）早于答复期限起算日（{format_date(start)}）")
        if p.end is not None:
            _require_date(p.end, "收到意见日期")
            if p.end < p.start:
                raise ValueError(f"收到意见日期（{format_date(p.end)}）早于征求意见日期（{format_date(p.start)}）")
            # A late opinion: only the consulted party's 15 working days are excluded (Art. 32/34),
            # the agency may decide once they have run out.
            limit = consultation_due(cal, p.start).date
            windows.append((p.start.toordinal() + 1, min(p.end, limit).toordinal(), p, False))
        else:
            # Still outstanding: Art. 32/34 give the consulted party 15 working days, after which the
            # agency decides; count to that day for now.
            until = consultation_due(cal, p.start)
            windows.append((p.start.toordinal() + 1, until.date.toordinal(), p, True))

    total = ANSWER_DAYS + extension_days
    excluded: dict[int, int] = {}  # window index → working days skipped in it
    o = start.toordinal()
    left = total
    workday, top = cal.is_workday_ordinal, _MAX_ORDINAL
    while left:
        o += 1
        if o >= top:
            raise ValueError("答复期限超出了可计算的日期范围")
        if not workday(o):
            continue
        # Most cases have no consultation: no window to look through (this loop runs ~25 times a case).
        hit = next((i for i, w in enumerate(windows) if w[0] <= o <= w[1]), None) if windows else None
        if hit is None:
            left -= 1
        else:
            excluded[hit] = excluded.get(hit, 0) + 1
    due = date.fromordinal(o)

    steps = []
    if supplement_received is None:
        steps.append(f"{format_date(received)}收到申请（第三十一条），自次日起算{ANSWER_DAYS}个工作日（第三十三条第二款）。")
    else:
        steps.append(f"{format_date(received)}收到申请（第三十一条），因申请内容不明确告知补正。")
        steps.append(f"{format_date(supplement_received)}收到补正后的申请，答复期限自收到补正之日起计算（第三十条），"
                     f"自次日起算{ANSWER_DAYS}个工作日（第三十三条第二款）。")
    open_pause = False
    for i, (_, last, p, is_open) in enumerate(windows):
        what, article = PAUSE_KINDS[p.kind]
        n = excluded.get(i, 0)
        if is_open:
            open_pause = True
            head = (f"{format_date(p.start)}{what}（{article}），尚未收到意见，暂按{CONSULTATION_DAYS}个工作日的"
                    f"答复期限（至{format_date(date.fromordinal(last))}）计算")
        else:
            head = f"{format_date(p.start)}{what}（{article}），{format_date(p.end)}收到意见"
            if p.end.toordinal() > last:
                head += (f"，已超过{CONSULTATION_DAYS}个工作日的答复期限（{format_date(date.fromordinal(last))}），"
                         "逾期部分计入答复期限")
        if p.start >= due:
            steps.append(f"{head}；征求意见时答复期限已用尽，不再扣除。")
        else:
            steps.append(f"{head}，其间{n}个工作日不计入答复期限（第三十三条第三款）。")
    if extension_days:
        steps.append(f"经政府信息公开工作机构负责人同意并告知申请人，延长答复期限{extension_days}个工作日"
                     f"（第三十三条第二款，延长最长不超过{EXTENSION_MAX_DAYS}个工作日）。")
    summary = _holiday_summary(cal, start, due)
    if summary:
        steps.append(summary)
    steps.append(f"答复期限届满日：{format_date_weekday(due)}。")

    last = max([due] + [date.fromordinal(w[1]) for w in windows])
    missing = sorted({y for y in range(start.year, last.year + 1) if not cal.covers(y)})
    reasons = []
    if missing:
        reasons.append(uncovered_reason(missing))
        steps.append(f"{uncovered_reason(missing)}，暂按星期一至星期五为工作日计算，录入后自动重新计算。")
    if open_pause:
        reasons.append("征求意见尚未结束" if reasons else "临时结果：征求意见尚未结束")
    return Derivation(
        due=due,
        provisional=bool(reasons),
        reason="；".join(reasons) or None,
        start=start,
        days=ANSWER_DAYS,
        excluded_days=sum(excluded.values()),
        extension_days=extension_days,
        calendar_version=cal.version,
        steps=steps,
    )


def supplement_notice_due(cal: WorkCalendar, received: date) -> DueDate:
    """Last day to tell the applicant, once, what to supplement (Art. 30: 7 working days)."""
    return add_working_days(cal, _require_date(received, "收到申请日期"), SUPPLEMENT_NOTICE_DAYS)


def consultation_due(cal: WorkCalendar, sent: date) -> DueDate:
    """Last day for the consulted third party (Art. 32) or agency (Art. 34) to answer: 15 working days.

    ``sent``: the day the consultation letter is delivered; silence after this day lets the agency
    decide (Art. 32) or counts as consent (Art. 34).
    """
    return add_working_days(cal, _require_date(sent, "征求意见日期"), CONSULTATION_DAYS)


def fee_payment_due(cal: WorkCalendar, notice_received: date) -> DueDate:
    """Last day to pay the processing fee: 20 working days from the day after receiving the notice
    (国办函〔2020〕109号, under Art. 42); unpaid → treated as withdrawn (report row other_unpaid_fee)."""
    return add_working_days(cal, _require_date(notice_received, "收到收费通知日期"), FEE_PAYMENT_DAYS)


def receipt_date(
    channel: str,
    *,
    submitted: date | None = None,
    signed_for: date | None = None,
    confirmed: date | None = None,
) -> date:
    """The receipt date of an application under Art. 31.

    in_person: the day submitted; post: the day the agency signs for it, or for an ordinary letter
    that needs no signature the day the office confirms with the applicant; online, fax, e-mail: the
    day both sides confirm; oral: the day it is made and written down by the office (Art. 29).
    Not before the Regulations took effect (Art. 56): the periods here are theirs.
    """
    received = _receipt(channel, submitted, signed_for, confirmed)
    if received < IN_FORCE:
        raise ValueError(f"收到申请日期（{format_date(received)}）早于本条例施行日期{format_date(IN_FORCE)}"
                         "（第五十六条），不能按本条例计算期限")
    return received


def _receipt(channel: str, submitted, signed_for, confirmed) -> date:
    if channel not in CHANNELS:
        raise ValueError(f"未知的申请方式：{channel}")
    if channel in ("in_person", "oral"):
        if submitted is None:
            what = "当面提交申请的日期" if channel == "in_person" else "口头提出申请并由工作人员代为填写的日期"
            raise ValueError(f"请填写{what}（第三十一条）")
        return _require_date(submitted, "提交日期")
    if channel == "post":
        if signed_for is not None:
            return _require_date(signed_for, "签收日期")
        if confirmed is not None:
            return _require_date(confirmed, "确认日期")
        raise ValueError("邮寄申请请填写本机关签收日期；平常信函等无需签收的，填写与申请人确认的日期（第三十一条）")
    if confirmed is None:
        raise ValueError(f"以{CHANNELS[channel]}方式提交的申请，请填写双方确认的日期（第三十一条）")
    return _require_date(confirmed, "确认日期")


__all__: Sequence[str] = (
    "IN_FORCE", "ANSWER_DAYS", "EXTENSION_MAX_DAYS", "SUPPLEMENT_NOTICE_DAYS", "CONSULTATION_DAYS", "FEE_PAYMENT_DAYS",
    "CHANNELS", "PAUSE_KINDS", "Pause", "Derivation", "answer_due", "supplement_notice_due",
    "consultation_due", "fee_payment_due", "receipt_date",
)
