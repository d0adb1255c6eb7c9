"""The CJK font system check (tables.system_checks): the PDF needs a Chinese font."""

from __future__ import annotations

from django.core import checks

from tables import system_checks


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def test_this_machine_has_the_preferred_font():
    """On a machine set up by scripts/setup.sh the check passes, and Django runs it."""
    assert "Noto Sans CJK SC" in system_checks.cjk_font_families()
    assert system_checks.cjk_font_check() == []
    registered = checks.run_checks(tags=[checks.Tags.compatibility])
    assert not [m for m in registered if m.id and m.id.startswith("tables.")]


def test_no_cjk_font_is_an_error_saying_what_to_install(monkeypatch):
    """Without any CJK font the check fails, in Chinese and English, naming fonts-noto-cjk."""
    monkeypatch.setattr(system_checks, "cjk_font_families", lambda: [])
    messages = system_checks.cjk_font_check()
    assert ids(messages) == ["tables.E001"]
    error = messages[0]
    assert error.level == checks.ERROR
    assert "中文" in error.msg and "No CJK font" in error.msg
    assert "fonts-noto-cjk" in error.hint


def test_missing_fontconfig_is_an_error(monkeypatch):
    """Without fc-list the fonts cannot be found: an error, not a silent pass."""
    monkeypatch.setattr(system_checks.shutil, "which", lambda name: None)
    assert ids(system_checks.cjk_font_check()) == ["tables.E002"]


def test_other_cjk_font_is_a_warning(monkeypatch):
    """Another Chinese font works but is not the one the stylesheet asks for: a warning."""
    monkeypatch.setattr(system_checks, "cjk_font_families", lambda: ["WenQuanYi Zen Hei"])
    messages = system_checks.cjk_font_check()
    assert ids(messages) == ["tables.W001"] and messages[0].level == checks.WARNING
    assert "WenQuanYi Zen Hei" in messages[0].msg


def test_check_is_registered():
    """The check is registered with Django's framework (in TablesConfig.ready)."""
    assert system_checks.cjk_font_check in checks.registry.registry.get_checks()
