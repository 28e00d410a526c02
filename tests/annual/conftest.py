"""Annual-report fixtures over the shared ``agencies``/``staff`` of tests/conftest.py: cases go through
the real applications workflow (register → decide → approve → reply)."""
from datetime import date

import pytest

from gongkai.applications import services
from tests.applications.conftest import applicant


def answer(app, staff, outcome, on):
    t = services.transition
    app = t(app, "start", actor=staff["handler"], on=on)
    app = t(app, "decide", actor=staff["handler"], on=on, outcome=outcome, note="理由")
    app = t(app, "approve", actor=staff["head"], on=on)
    return t(app, "issue_reply", actor=staff["head"], on=on)


@pytest.fixture
def make_case(agencies, staff):
    def make(received=date(2024, 9, 25), outcome=None, replied=None, agency=None, **kw):
        app = services.register_application(agency or agencies["own"], applicant(**kw), channel="in_person",
                                            actor=staff["registrar"], submitted_on=received)
        if outcome:
            app = answer(app, staff, outcome, replied or received)
        return app
    return make


@pytest.fixture
def stats(agencies, staff):
    from gongkai.annual import inputs

    def save(year=2024, agency=None, **values):
        v = {"licensing": 10, "punishment": 2, "coercion": 1, "fees_10k_yuan": 0, **values}
        agency = agency or agencies["own"]
        user = staff["handler"] if agency == agencies["own"] else staff["other_handler"]
        return inputs.save_stats(agency, year, v, user)
    return save
