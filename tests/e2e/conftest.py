import os
from contextlib import contextmanager

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def demo_data(transactional_db, demo):
    # A fresh copy of the demo seeded once per worker (tests/demo_database.py).
    pass


@contextmanager
def launched_chromium(args=CHROMIUM_ARGS):
    """Chromium through Playwright's sync API; every browser fixture starts it here."""
    from playwright.sync_api import sync_playwright

    # Playwright runs an event loop in this thread, which makes Django refuse ORM calls
    # here; the tests make none while a page runs, but fixtures and teardowns do.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
            try:
                yield browser
            finally:
                browser.close()
                # While Playwright runs, its event loop counts as running in this thread,
                # and Django (asgiref's thread-critical Local) then keeps this thread's
                # database connections apart from the ones it has without a running loop;
                # the next Playwright session gets the same ones back. A connection left
                # open here is out of reach of every close_all() after the session: the
                # demo copy's teardown dropped its database under it (WITH (FORCE)), and
                # the next browser test's first query went through the dead connection.
                connections.close_all()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(scope="module")
def chromium():
    """One Chromium per test module: each test opens its own context (cookies, storage)."""
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def browser(demo_data, chromium):
    yield chromium
    # What a test left open goes with it, not into the next test.
    for context in chromium.contexts:
        context.close()


@pytest.fixture
def log_in(live_server):
    def log_in_as(page, email, password="vakwerk-demo"):
        page.goto(f"{live_server.url}/")
        page.get_by_label("E-mailadres").fill(email)
        page.get_by_label("Wachtwoord").fill(password)
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_load_state()

    return log_in_as
