import json

import pytest

from gongkai.agencies import demo as agencies_demo
from gongkai.agencies.models import Agency
from gongkai.applications import demo, services
from gongkai.applications.models import Application
from gongkai.applications.workflow import OPEN_STATES

pytestmark = pytest.mark.django_db


def test_demo_matches_seed_report_and_is_idempotent(shared):
    agencies_demo.load()
    demo.load()
    n = Application.objects.count()
    demo.load()
    assert Application.objects.count() == n == 15
    agency = Agency.objects.get(slug=agencies_demo.SEED_AGENCY)
    seed = json.loads((shared / "fixtures" / "seed-2024.json").read_text())
    assert services.table3(agency, 2024) == seed["applications"]
    states = set(Application.objects.values_list("state", flat=True))
    assert {"submitted", "registered", "supplement_requested", "in_progress", "consulting", "fee_notice",
            "decided", "approved", "replied", "closed"} <= states
    assert Application.objects.filter(state__in=OPEN_STATES).count() >= 10
    withheld = Application.objects.get(tracking_code="DEMO2024A001")
    assert withheld.outcome == "withheld_third_party" and withheld.consultations.get().objection
    # Replies carry the demo agency's own 发文字号 (GB/T 9704-2012 7.2.4).
    numbers = [n for n in withheld.letters.values_list("doc_number", flat=True)]
    assert numbers and all(n.startswith("临审批依申〔") and n.endswith("号") for n in numbers)
