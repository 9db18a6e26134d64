import pytest

from meydan import health

pytestmark = pytest.mark.django_db


def test_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "channel_layer": "ok"}}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.parametrize("broken", ["database", "channel_layer"])
def test_a_broken_dependency_gives_503(client, monkeypatch, broken):
    def fail():
        raise ConnectionError("down")

    monkeypatch.setitem(health.CHECKS, broken, fail)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"][broken] == "error"


def test_unreachable_redis_gives_503(client, settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    channel_layers.backends.clear()
    try:
        response = client.get("/healthz")
    finally:
        channel_layers.backends.clear()
    assert response.status_code == 503
    assert response.json()["checks"]["channel_layer"] == "error"


def test_healthz_only_answers_get(client):
    assert client.post("/healthz").status_code == 405
