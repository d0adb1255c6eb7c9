import pytest
from django.http import HttpRequest
from django.test import Client


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


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
