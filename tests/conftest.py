"""Shared test set-up.

``make test`` runs the suite on SQLite, then once more with ``GONGKAI_DB_TESTS_ONLY=1`` and
``DATABASE_URL`` pointing at PostgreSQL: that second run keeps only tests that touch the database.
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


def pytest_collection_modifyitems(config, items):
    if os.environ.get("GONGKAI_DB_TESTS_ONLY") == "1":
        # A database test either carries the django_db mark or requests a fixture built on django_db_setup.
        keep = [i for i in items if i.get_closest_marker("django_db") or "django_db_setup" in getattr(i, "fixturenames", ())]
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
