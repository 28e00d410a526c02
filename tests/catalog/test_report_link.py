"""Report link: the demo catalogue reproduces the seed's 465 items in 13 categories; table 二 counts
regulations and normative documents from the register fields."""
import json
import re
from datetime import date

import pytest

from gongkai.agencies import demo as agencies_demo
from gongkai.agencies.models import Agency
from gongkai.catalog import demo, services
from gongkai.catalog.models import Category, Item
from gongkai.report.layouts import LAYOUT_2021

SEED = "seeds/000_0e482e19bd443c5d.txt"


def seed_sentence(shared) -> tuple[int, list[tuple[str, int]]]:
    text = (shared / SEED).read_text(encoding="utf-8")
    m = re.search(r"主动公开信息共计(\d+)条，包含(.+?)。", text)
    parts = [re.fullmatch(r"(.+?)(\d+)条", p) for p in m[2].split("、")]
    return int(m[1]), [(p[1], int(p[2])) for p in parts]


@pytest.fixture
def seed_agency(db):
    agencies_demo.load()
    demo.load()
    return Agency.objects.get(slug=agencies_demo.SEED_AGENCY)


def test_demo_reproduces_the_seed_counts(seed_agency, shared):
    total, expected = seed_sentence(shared)
    assert total == 465 and len(expected) == 13
    assert services.category_counts(seed_agency, 2024) == expected
    assert Item.objects.filter(agency=seed_agency).count() == total
    narrative = services.narrative(seed_agency, 2024)
    assert narrative.startswith("2024年主动公开信息共计465条，包含机构职能6条、规划计划2条、")
    assert narrative in (shared / SEED).read_text(encoding="utf-8")  # the seed's own sentence, verbatim
    assert services.category_counts(seed_agency, 2023) == []


def test_demo_is_idempotent_and_unique(seed_agency):
    demo.load()
    assert Item.objects.filter(agency=seed_agency).count() == 465
    numbers = list(Item.objects.values_list("index_number", flat=True))
    assert len(set(numbers)) == 465
    assert all(n.startswith(f"{seed_agency.credit_code}/2024-") for n in numbers)
    titles = list(Item.objects.values_list("title", flat=True))
    assert len(set(titles)) == 465
    # Nothing personal in the demo catalogue.
    assert not any(services.scan_fields(i) for i in Item.objects.all())


def test_table2_matches_the_seed_fixture(seed_agency, shared):
    fixture = json.loads((shared / "fixtures/seed-2024.json").read_text(encoding="utf-8"))
    got = services.table2(seed_agency, 2024)
    assert got == {k: fixture["proactive"][k] for k in ("regulations", "normative_documents")}


def test_table2_from_register_fields(seed_agency):
    cat = Category.objects.get(agency=seed_agency, name="其他")
    n = [0]

    def doc(kind, issued, validity="valid", vdate=None, state="published", published=None):
        n[0] += 1
        return Item.objects.create(
            agency=seed_agency, index_number=f"X/{n[0]}", title=f"文件{n[0]}", issuer="x", date_made=issued,
            issued_on=issued, category=cat, doc_kind=kind, validity=validity, validity_date=vdate, state=state,
            date_published=published or issued)

    R, N = Item.DocKind.REGULATION, Item.DocKind.NORMATIVE
    doc(N, date(2022, 5, 1))                                   # in force
    doc(N, date(2023, 3, 1), "repealed", date(2024, 6, 1))     # repealed in 2024
    doc(N, date(2024, 2, 1))                                   # issued 2024, in force
    doc(N, date(2024, 4, 1), "expired", date(2024, 10, 1))     # issued 2024, expired: not in force, not repealed
    doc(N, date(2024, 8, 1), state="draft")                    # not published: not counted
    doc(N, date(2025, 1, 5))                                   # next year
    doc(R, date(2020, 1, 1), "repealed", date(2025, 3, 1))     # still in force at the end of 2024
    assert services.table2(seed_agency, 2024) == {
        "regulations": {"issued": 0, "repealed": 0, "in_force": 1},
        "normative_documents": {"issued": 2, "repealed": 1, "in_force": 2},
    }
    assert [c.key for c in LAYOUT_2021.proactive_row("regulations").columns] == ["issued", "repealed", "in_force"]
    # 2019 layout (report years 2019-2020): made / published / total published.
    assert services.table2(seed_agency, 2020)["regulations"] == {"made": 1, "published": 1, "total_published": 1}
    item = Item.objects.get(title="文件1")
    assert item.in_force_on(date(2024, 12, 31)) and not item.in_force_on(date(2022, 4, 30))
