"""Property: whatever the history of cases, catalogue documents and appeals over two years, the compiled
reports of both years pass every check, including the carry-over from the first year to the second."""
from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings, strategies as st

from gongkai.annual import compile as compiler
from gongkai.appeals.models import Appeal
from gongkai.applications.models import Application
from gongkai.catalog import services as catalog
from gongkai.catalog.models import Category, Item
from gongkai.law.outcomes import OUTCOMES
from gongkai.report import checks
from gongkai.report.layouts import APPEAL_GROUPS, APPLICANT_PARTS

pytestmark = pytest.mark.django_db

Y = 2023
START, END = date(Y - 1, 6, 1), date(Y + 2, 3, 31)
days = st.integers(0, (END - START).days).map(lambda n: START + timedelta(days=n))

cases = st.lists(st.tuples(st.sampled_from(APPLICANT_PARTS), days, st.one_of(st.none(), st.integers(0, 200)),
                           st.sampled_from(sorted(OUTCOMES))), max_size=12)
docs = st.lists(st.tuples(st.sampled_from([Item.DocKind.REGULATION, Item.DocKind.NORMATIVE]), days,
                          st.one_of(st.none(), st.integers(1, 400))), max_size=6)
appeals = st.lists(st.tuples(st.sampled_from([k for k, _ in APPEAL_GROUPS]), days, st.one_of(st.none(), st.integers(0, 300)),
                             st.sampled_from(["upheld", "corrected", "other"])), max_size=6)


class Rollback(Exception):
    pass


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=cases, docs=docs, appeals=appeals)
def test_two_years_of_history_always_give_consistent_reports(agencies, cases, docs, appeals):
    own = agencies["own"]
    try:
        with transaction.atomic():
            _history(own, cases, docs, appeals)
            first = compiler.build(own, Y)
            second = compiler.build(own, Y + 1)
            assert checks.check(first) == []
            assert checks.check(second, first) == []  # carry_over and in_force_trend included
            raise Rollback
    except Rollback:
        pass


def _history(own, cases, docs, appeals):
    for i, (part, received, answer_after, outcome) in enumerate(cases):
        replied = received + timedelta(days=answer_after) if answer_after is not None else None
        Application.objects.create(
            agency=own, tracking_code=f"P{i:06d}", channel="in_person", applicant_type=part, applicant_name="某",
            id_type="other", id_encrypted="x", id_masked="x", applicant_key=f"k{i}", title="t", description="d",
            received_on=received, replied_on=replied, outcome=outcome if replied else "",
            state="closed" if replied else "in_progress")
    if docs:
        catalog.seed_categories(own)
        cat = Category.objects.filter(agency=own).first()
    for i, (kind, issued, repealed_after) in enumerate(docs):
        repealed = issued + timedelta(days=repealed_after) if repealed_after else None
        Item.objects.create(
            agency=own, title=f"文件{i}", category=cat, date_made=issued, date_published=issued, issued_on=issued,
            index_number=f"{own.credit_code}/{issued.year}-{i:05d}", state=Item.State.PUBLISHED, doc_kind=kind,
            validity=Item.Validity.REPEALED if repealed else Item.Validity.VALID, validity_date=repealed)
    for i, (kind, filed, decided_after, result) in enumerate(appeals):
        decided = filed + timedelta(days=decided_after) if decided_after is not None else None
        Appeal.objects.create(agency=own, kind=kind, case_number=f"案{i}", body="复议机关", filed_on=filed,
                              result=result if decided else "", decided_on=decided)
