"""Shared test set-up.

``make test`` runs the suite in three parts side by side: the tests that touch no database
(``GONGKAI_NO_DB_TESTS=1``), the database tests on SQLite (``GONGKAI_DB_TESTS_ONLY=1``), and the database
tests once more with ``DATABASE_URL`` pointing at PostgreSQL.
"""
import os
from pathlib import Path

import hypothesis
import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

# Playwright's sync API runs an event loop in the test thread; Django would refuse ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Under CI the property tests replay the same examples on every run (a red build must be reproducible);
# on a developer's machine they explore new ones each time.
hypothesis.settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI") == "true":
    hypothesis.settings.load_profile("ci")

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CHROMIUM = "/usr/bin/chromium"


def _uses_db(item) -> bool:
    # A database test either carries the django_db mark or requests a fixture built on django_db_setup.
    return bool(item.get_closest_marker("django_db")) or "django_db_setup" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config, items):
    only_db, no_db = os.environ.get("GONGKAI_DB_TESTS_ONLY") == "1", os.environ.get("GONGKAI_NO_DB_TESTS") == "1"
    if only_db or no_db:
        keep = [i for i in items if _uses_db(i) == only_db]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 at its cheapest: test users are hashed hundreds of times, production keeps full cost."""

    time_cost = 1
    memory_cost = 8
    parallelism = 1


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    settings.PASSWORD_HASHERS = ["tests.conftest.FastArgon2PasswordHasher", *settings.PASSWORD_HASHERS]


# -- agencies and staff shared by the app tests ---------------------------------------------------------
PASSWORD = "Correct-Horse-42"
ROLES = ("registrar", "handler", "reviewer", "head", "admin", "auditor", "supervisor")


def credit_code(body17: str) -> str:
    """A unified social credit code with a correct check character (GB 32100-2015)."""
    from stdnum.cn import uscc

    return body17 + uscc.calc_check_digit(body17)


@pytest.fixture
def agencies(db):
    """A government with two departments: ``own`` (where the staff work) and ``other``."""
    from gongkai.agencies.models import Agency

    gov = Agency.objects.create(name="测试区人民政府", slug="t-gov", level="government",
                                credit_code=credit_code("11370305000000011"))
    own = Agency.objects.create(name="测试区甲局", slug="t-own", level="department", parent=gov,
                                credit_code=credit_code("11370305000000021"), phone="0533-1234567")
    other = Agency.objects.create(name="测试区乙局", slug="t-other", level="department", parent=gov,
                                  credit_code=credit_code("11370305000000031"))
    return {"gov": gov, "own": own, "other": other}


@pytest.fixture
def staff(agencies):
    """One user per role in ``own`` (the supervisor at ``gov``), plus a handler and a registrar of ``other``."""
    from django.contrib.auth import get_user_model

    from gongkai.agencies.models import Staff

    User = get_user_model()
    users = {}

    def add(key, username, agency, role):
        users[key] = User.objects.create_user(username=username, password=PASSWORD, first_name=key)
        Staff.objects.create(user=users[key], agency=agency, role=role)

    for role in ROLES:
        add(role, f"u-{role}", agencies["gov" if role == "supervisor" else "own"], role)
    add("other_handler", "u-other-handler", agencies["other"], "handler")
    add("other_registrar", "u-other-registrar", agencies["other"], "registrar")
    return users


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"../shared is missing: expected at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def chromium_browser():
    """Debian's chromium driven by Playwright; never a downloaded browser."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: run `make test`, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser):
    context = chromium_browser.new_context(locale="zh-CN", accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()
