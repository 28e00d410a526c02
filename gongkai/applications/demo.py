"""Demo cases for the seed agency (淄博市临淄区行政审批服务局).

Its two 2024 applications as in its 2024 annual report (one withheld to protect a third party after
consultation, one not held by the agency), both closed; and thirteen open cases in different states,
dated relative to today. Idempotent: each case has a fixed tracking code and is created only once.
Applicants and identity numbers are invented (valid check digits only).
"""
from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from stdnum.cn import ric

from gongkai.agencies.demo import SEED_AGENCY
from gongkai.agencies.models import Agency

from . import services
from .models import Application, LetterSettings
from .services import ApplicantData


def _ric(body17: str) -> str:
    return next(body17 + c for c in "0123456789X" if ric.is_valid(body17 + c))


def _person(n: int, **kw) -> ApplicantData:
    data = dict(applicant_type="natural_person", applicant_name=f"演示申请人{n:02d}", id_type="ric",
                id_number=_ric(f"370305199{n % 10}0101{n:03d}"), phone=f"1380000{n:04d}",
                title="", description="")
    data.update(kw)
    return ApplicantData(**data)


def _workdays_back(cal, day: date, n: int) -> date:
    while n:
        day -= timedelta(days=1)
        if cal.is_workday(day):
            n -= 1
    return day


def _case(code, agency, registrar, applicant, received, channel="in_person"):
    dates = {"signed_for_on": received} if channel == "post" else {"submitted_on": received}
    app = services.register_application(agency, applicant, channel=channel, actor=registrar, **dates)
    Application.objects.filter(pk=app.pk).update(tracking_code=code)
    app.tracking_code = code
    return app


def load() -> list[str]:
    agency = Agency.objects.filter(slug=SEED_AGENCY).first()
    if agency is None:
        return ["未找到演示机关，跳过依申请公开演示数据"]
    # The demo agency's 发文字号 as 临淄区行政审批服务局 would number its replies (临审批依申〔2026〕14号).
    LetterSettings.objects.get_or_create(agency=agency, defaults={"doc_prefix": "临审批依申"})
    User = get_user_model()
    registrar, handler, head = (User.objects.get(username=u) for u in ("registrar", "handler", "head"))
    existing = set(Application.objects.filter(tracking_code__startswith="DEMO").values_list("tracking_code", flat=True))
    created = []

    def step(app, name, user, on, **kw):
        return services.transition(app, name, actor=user, on=on, **kw)

    def reply(app, on):
        app = step(app, "approve", head, on)
        return step(app, "issue_reply", head, on)

    # -- the two 2024 applications of the annual report ------------------------------------------
    if "DEMO2024A001" not in existing:
        app = _case("DEMO2024A001", agency, registrar, _person(
            1, title="某公司建设项目审批材料", description="请公开某公司2024年建设项目审批过程中提交的全部申请材料，包括财务报表。"),
            date(2024, 6, 3))
        app = step(app, "start", handler, date(2024, 6, 4))
        app = step(app, "consult_third_party", handler, date(2024, 6, 5), party="某某建设有限公司",
                   note="申请材料中含有该公司财务数据")
        app = step(app, "receive_opinion", handler, date(2024, 6, 17), objection="1",
                   note="该公司书面答复：材料涉及商业秘密，不同意公开")
        app = step(app, "decide", handler, date(2024, 6, 18), outcome="withheld_third_party",
                   note="第三方以涉及商业秘密为由不同意公开，理由合理，不公开不会对公共利益造成重大影响。")
        app = reply(app, date(2024, 6, 19))
        app = step(app, "deliver", handler, date(2024, 6, 20), method="post")
        step(app, "close", handler, date(2024, 6, 21))
        created.append("DEMO2024A001")
    if "DEMO2024A002" not in existing:
        app = _case("DEMO2024A002", agency, registrar, _person(
            2, title="某村土地征收补偿方案", description="请公开某村2023年土地征收补偿安置方案。"), date(2024, 9, 25), "post")
        app = step(app, "start", handler, date(2024, 9, 26))
        app = step(app, "decide", handler, date(2024, 10, 9), outcome="unavailable_not_held",
                   note="经检索，本机关未制作、获取该信息。土地征收补偿方案由区自然资源局负责，联系电话请咨询该局。")
        app = reply(app, date(2024, 10, 10))
        app = step(app, "deliver", handler, date(2024, 10, 11), method="post")
        step(app, "close", handler, date(2024, 10, 14))
        created.append("DEMO2024A002")

    # -- open cases, dated relative to today ---------------------------------------------------
    cal = services.calendar()
    today = services.today()

    def back(n):
        return _workdays_back(cal, today, n)

    subjects = [
        ("营业执照变更登记材料", "请公开某商贸公司营业执照变更登记的审批结果。"),
        ("施工许可证核发信息", "请公开某住宅项目建筑工程施工许可证的核发信息。"),
        ("政务服务事项清单", "请公开本局2025年度政务服务事项清单。"),
        ("食品经营许可审批", "请公开某餐饮店食品经营许可的审批材料。"),
        ("排水许可审批结果", "请公开某工业园排水许可的审批结果及依据。"),
        ("招投标备案材料", "请公开某学校改造项目的招投标备案材料。"),
        ("道路挖掘许可", "请公开某路段道路挖掘许可的批准文件。"),
        ("药品零售许可", "请公开某药店药品经营许可证的审批信息。"),
        ("户外广告设置审批", "请公开某商场户外广告设置审批文件。"),
        ("民办学校审批", "请公开某培训学校办学许可的审批结果。"),
        ("建设项目环评批复", "请公开某化工项目环境影响评价批复。"),
        ("人防工程审批", "请公开某小区人防工程建设审批意见。"),
        ("医疗机构执业许可", "请公开某诊所医疗机构执业许可证核发信息。"),
    ]
    plans = [
        # code suffix, subject index, received (working days ago), steps
        ("O01", 0, None, "submitted"),
        ("O02", 1, None, "submitted"),
        ("O03", 2, 1, "registered"),
        ("O04", 3, 17, "registered"),  # due within 3 working days
        ("O05", 4, 3, "supplement_requested"),
        ("O06", 5, 5, "in_progress"),
        ("O07", 6, 22, "in_progress"),  # overdue
        ("O08", 7, 8, "consulting"),
        ("O09", 8, 19, "extended"),
        ("O10", 9, 6, "fee_notice"),
        ("O11", 10, 10, "decided"),
        ("O12", 11, 12, "approved"),
        ("O13", 12, 14, "replied"),
    ]
    for suffix, i, ago, plan in plans:
        code = f"DEMOOPEN{suffix}"
        if code in existing:
            continue
        title, description = subjects[i]
        who = _person(10 + i, title=title, description=description)
        if plan == "submitted":
            app = services.submit_online(agency, who)
            Application.objects.filter(pk=app.pk).update(tracking_code=code)
            created.append(code)
            continue
        received = back(ago)
        app = _case(code, agency, registrar, who, received)
        d1 = back(max(ago - 1, 0))
        if plan == "supplement_requested":
            step(app, "request_supplement", handler, d1, note="请写明所需信息的具体项目名称或文号",
                 deadline=(today + timedelta(days=14)).isoformat())
        elif plan != "registered":
            app = step(app, "start", handler, d1)
            d2 = back(max(ago - 2, 0))
            if plan == "consulting":
                step(app, "consult_third_party", handler, d2, party="某大药房有限公司", note="涉及企业经营信息")
            elif plan == "extended":
                step(app, "extend", head, d2, days=15, note="需要调取历年档案，工作量较大")
            elif plan == "fee_notice":
                step(app, "send_fee_notice", handler, d2, scheme="per_page", pages=120)
            elif plan in ("decided", "approved", "replied"):
                app = step(app, "decide", handler, d2, outcome="partially_granted",
                           items=[("审批结果", "granted"), ("材料中的个人信息", "withheld_third_party")],
                           note="材料中的身份证号码等个人信息不予公开（第十五条），其余部分予以公开。")
                if plan in ("approved", "replied"):
                    app = step(app, "approve", head, d2)
                if plan == "replied":
                    step(app, "issue_reply", head, d2)
        created.append(code)
    lines = [f"依申请公开：{agency.name}，2024年2件已办结，另有在办案件13件"]
    if created:
        lines.append(f"本次新建案件：{len(created)}件")
    return lines
