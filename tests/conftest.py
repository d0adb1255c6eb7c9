import pytest
from django.db import transaction
from django.http import HttpRequest
from django.test import Client

# The shared helpers of the budget-import tests assert inside `refused`: report those asserts
# like a test's own.
pytest.register_assert_rewrite("tests.budget_workbooks")


#: test files about the PDF's layout (WeasyPrint and Chromium), which no database changes
LAYOUT_FILES = frozenset({"test_pdf.py", "test_pdf_parts.py", "test_benchmark_pdf.py"})


def pytest_collection_modifyitems(config, items):
    """The journeys in real Chromium (`tests/test_*_browser.py`) are marked `browser`, the
    PDF layout tests (`LAYOUT_FILES`) `layout`: `scripts/test.sh` runs them once, on SQLite,
    and leaves them out of the PostgreSQL run (`-m "not browser and not layout"`), where every
    database difference is already covered by the tests of the services and pages they go
    through.

    A test that reaches the database only through a module or session fixture (`demo_pdf`,
    `module_db`, `seed_budget_data` …) is marked `django_db` too: pytest-django sets up the
    test database only when a selected test asks for it, so `-k` picking such tests alone
    would otherwise run their fixtures against the database of DATABASE_URL or db.sqlite3."""
    for item in items:
        if item.path.name.endswith("_browser.py"):
            item.add_marker(pytest.mark.browser)
        elif item.path.name in LAYOUT_FILES:
            item.add_marker(pytest.mark.layout)
        if "django_db_setup" in item.fixturenames and item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db)


#: data the migrations write that tests rely on (module, function(apps, schema_editor)),
#: written again after a transactional test flushed every table
MIGRATION_DATA = (("performance.migrations.0002_default_indicator_framework", "load"),)


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(
        (marker is not None and marker.kwargs.get("transaction"))
        or {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test (browser journeys, concurrency) Django has flushed every
    table, the migrations' data with them (the default 绩效指标体系, the search 简称); write them
    again, committed, so that the tests after it in the same process find the database as
    migrated whatever order they run in. pytest-django runs transactional tests last in one
    process; spread over several (`scripts/test.sh`, pytest-xdist), a file of ordinary tests
    may come after one."""
    yield
    # the last test of a process: nothing follows, and the test database is already gone
    if nextitem is None or not _transactional(item):
        return
    import importlib

    from django.apps import apps
    from pytest_django.plugin import blocking_manager_key

    from tests.factories import search_aliases_seed

    with item.config.stash[blocking_manager_key].unblock():
        for module, function in MIGRATION_DATA:
            getattr(importlib.import_module(module), function)(apps, None)
        search_aliases_seed()


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _public_page_cache_cleared():
    """Each test starts with no cached public page: the database is rolled back after a test
    and SQLite hands out the same ids again, so a page cached in one test could match the
    publication generation of the next."""
    from django.conf import settings
    from django.core.cache import caches

    from tables.public.cache import public_pages_clear

    public_pages_clear()
    # and no API request counted against the test client's address (tables.api.throttling)
    caches[settings.API_THROTTLE_CACHE].clear()


@pytest.fixture(autouse=True)
def _published_file_cache(settings, tmp_path_factory):
    """Each test serves published files from its own cache directory, never the working tree's."""
    settings.PUBLISHED_FILE_CACHE_DIR = str(tmp_path_factory.mktemp("published-files"))


@pytest.fixture(autouse=True)
def _client_login_passes_a_request(monkeypatch):
    """django-axes refuses to authenticate without a request, and `Client.login` passes none
    (axes documents passing `request=HttpRequest()`); supply one so login throttling stays on in
    every test rather than being switched off for the suite."""
    login = Client.login

    def login_with_request(self, **credentials):
        credentials.setdefault("request", HttpRequest())
        return login(self, **credentials)

    monkeypatch.setattr(Client, "login", login_with_request)


@pytest.fixture
def demo_approved(db):
    """The demo with the seed's two 绩效目标 errors corrected, submitted and approved through the
    workflow; with its 填报人, 审核人 and a 管理员 (by role)."""
    from performance.demo import demo_load, demo_target_faults_fix
    from tests.factories import user_with
    from units.models import SubmissionStatus
    from units.permissions import ADMIN, FILLER, REVIEWER
    from units.services import submission_transition

    submission = demo_load()
    demo_target_faults_fix(submission=submission)
    people = {
        FILLER: user_with(FILLER, [submission.unit]),
        REVIEWER: user_with(REVIEWER, [submission.unit]),
        ADMIN: user_with(ADMIN),
    }
    for actor, status in (
        (people[FILLER], SubmissionStatus.SUBMITTED),
        (people[REVIEWER], SubmissionStatus.APPROVED),
    ):
        submission_transition(submission_id=submission.pk, actor=actor, to_status=status)
    return submission, people


@pytest.fixture
def demo(db):
    """The demo submission (unit 003, 2025, with the year's codes), as the budget-import tests
    use it (`tests/test_budget_import.py`, `tests/test_budget_import_inputs.py`)."""
    from performance.demo import demo_load

    return demo_load()


@pytest.fixture
def exported(demo) -> bytes:
    """The demo's budget lines exported in the import layout (.xlsx bytes)."""
    from units.budget_import import budget_export_workbook

    return budget_export_workbook(submission=demo)


@pytest.fixture
def draft_world(db):
    """The admin permission matrix's world (`tests/admin_url_matrix.py`) in 草稿, as the URL and
    the form tests use it (`tests/test_permissions_admin_urls.py`,
    `tests/test_permissions_admin_forms.py`)."""
    from tests.admin_url_matrix import build_world
    from units.models import SubmissionStatus

    return build_world(SubmissionStatus.DRAFT)


@pytest.fixture
def fast_pdf(monkeypatch):
    """Publishing renders the PDF with WeasyPrint (seconds); tests that only read a published
    snapshot get a stub PDF instead."""
    from tables.document.render import pdf

    monkeypatch.setattr(pdf, "document_pdf", lambda document, **kwargs: b"%PDF-1.7 stub")


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker, tmp_path_factory):
    """One transaction around a test module, rolled back at its end: a module fixture that
    depends on this builds its data once (publishing takes seconds) and every test of the
    module nests its own transaction inside, so what a test adds is gone after it. Inside,
    publishing prints stub PDFs (as `fast_pdf`), tasks run at once and stored files are cached
    in a temporary folder (the function-scoped autouse fixtures above are not active yet while
    a module fixture is built). The migration's 简称 are there (`search_aliases_seed`). Not for
    `transaction=True` tests."""
    from django.test import override_settings

    from tables.document.render import pdf
    from tests.factories import search_aliases_seed

    overrides = override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        PUBLISHED_FILE_CACHE_DIR=str(tmp_path_factory.mktemp("module-files")),
    )
    with pytest.MonkeyPatch.context() as patch, django_db_blocker.unblock(), overrides:
        patch.setattr(pdf, "document_pdf", lambda document, **kwargs: b"%PDF-1.7 stub")
        with transaction.atomic():
            search_aliases_seed()
            yield
            transaction.set_rollback(True)


@pytest.fixture(scope="module")
def published_county(module_db):
    """`tests.factories.published_county_create`, built once per test module, with the
    administrator who published it as `admin`."""
    from tests.factories import published_county_create, user_with
    from units.permissions import ADMIN

    admin = user_with(ADMIN)
    county = published_county_create(actor=admin)
    county["admin"] = admin
    return county


@pytest.fixture
def seeded_aliases(db):
    """The migration's 简称, present again after a transactional test emptied the tables."""
    from tests.factories import search_aliases_seed

    search_aliases_seed()


@pytest.fixture(scope="session")
def seed_budget_data(django_db_setup, django_db_blocker):
    """The seed's budget (the demo unit 003, 2025) as its loaded `BudgetData`, read once per
    test process with the data rolled back: pure tests (the 决算 tables and rules) build on it
    without a database."""
    from performance.demo import demo_load
    from tables.figures.load import budget_data_load

    with django_db_blocker.unblock(), transaction.atomic():
        data = budget_data_load(submission=demo_load())
        transaction.set_rollback(True)
    return data


@pytest.fixture(autouse=True)
def _pdf_cache_in_tmp(settings, tmp_path_factory):
    """Each test has its own, empty PDF-piece cache (the file cache "pdf", shared by the
    processes of a machine), in a temporary folder, never the working tree's var/cache/pdf."""
    settings.CACHES = {
        **settings.CACHES,
        "pdf": {**settings.CACHES["pdf"], "LOCATION": str(tmp_path_factory.mktemp("pdf-cache"))},
    }
