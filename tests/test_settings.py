"""Settings come from the environment; production refuses to run half-configured."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    unset = {"SECRET_KEY", "ALLOWED_HOSTS", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def production_env(**overrides):
    env = {
        "DJANGO_SETTINGS_MODULE": "meydan.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "meydan.example.org",
    }
    env.update(overrides)
    return env


def test_production_passes_the_deployment_checklist_without_warnings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("missing", "message"),
    [("SECRET_KEY", "SECRET_KEY must be set"), ("ALLOWED_HOSTS", "ALLOWED_HOSTS must list")],
)
def test_production_refuses_to_start_without_secrets(missing, message):
    env = production_env()
    env.pop(missing)
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_a_short_secret_key():
    result = run_manage("check", **production_env(SECRET_KEY="short"))
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_redis_url_switches_channel_layer_and_cache():
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps({'layer': settings.CHANNEL_LAYERS['default'], 'cache': settings.CACHES['default']}))"
    )
    result = run_manage("shell", "-c", code, **production_env(REDIS_URL="redis://127.0.0.1:6379/3"))
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout.strip().splitlines()[-1])
    assert config["layer"]["BACKEND"].startswith("channels_redis.")
    assert config["layer"]["CONFIG"]["hosts"][0]["max_connections"] >= 1000
    assert config["cache"]["BACKEND"] == "meydan.cache.ResilientRedisCache"  # a Redis restart fails no request


def test_without_redis_the_embedded_defaults_are_used():
    code = "from django.conf import settings; print(settings.CHANNEL_LAYERS['default']['BACKEND'])"
    result = run_manage("shell", "-c", code, DJANGO_SETTINGS_MODULE="meydan.settings.dev")
    assert result.stdout.strip().endswith("InMemoryChannelLayer")


def test_request_bodies_are_limited_deliberately(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2 * 1024 * 1024
    assert settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS == settings.MEYDAN_MAX_IMAGE_PIXELS == 40_000_000
