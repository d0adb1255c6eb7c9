"""The test database is set up for a test whose only database access is a module fixture, even
when `-k` selects that test alone (`tests/conftest.py: pytest_collection_modifyitems`): the
fixture must never reach the database of DATABASE_URL or the development db.sqlite3. In a
whole run other tests have the test database set up anyway: this test can fail only when it is
selected alone (`pytest tests/test_suite_database.py`), which is the case it guards."""

import pytest
from django.db import connection


@pytest.fixture(scope="module")
def database_name(django_db_setup, django_db_blocker) -> str:
    with django_db_blocker.unblock():
        connection.ensure_connection()
        return connection.settings_dict["NAME"]


def test_a_module_fixture_reaches_the_test_database(database_name):
    """Run alone (`pytest tests/test_suite_database.py`), this test asks for no database
    itself: its module fixture still finds the test database."""
    if connection.vendor == "sqlite":
        # Django's SQLite test database is in memory ("file:memorydb_default?mode=memory…")
        assert "memorydb" in str(database_name)
    else:
        assert str(database_name).startswith("test_")
