"""Turkish, English and Finnish: catalogues compiled and current, pages rendered in each language."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ["Open now", "Take part", "Skip to main content", "Log in", "Sign up"]


def test_compiled_catalogues_match_their_sources():
    result = subprocess.run(
        [sys.executable, "scripts/compile_messages.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("language", ["tr", "fi"])
def test_catalogues_translate_the_interface(language):
    with translation.override(language):
        translated = [translation.gettext(text) for text in SAMPLES]
    assert all(t != s for t, s in zip(translated, SAMPLES, strict=True)), translated


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["tr", "en", "fi"])
def test_home_page_renders_in_each_language(client, home_site, language):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
    content = response.content.decode()
    assert f'<html lang="{language}">' in content
    with translation.override(language):
        for text in SAMPLES:
            assert translation.gettext(text) in content


@pytest.mark.django_db
def test_language_cookie_wins_over_the_browser(client, home_site, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"
    content = client.get("/", HTTP_ACCEPT_LANGUAGE="tr").content.decode()
    assert '<html lang="fi">' in content
