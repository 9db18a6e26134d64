"""Behaviour that only the production services can show: Redis across processes, Postgres under
concurrent writes."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.db import connections

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.redis
def test_channel_layer_messages_cross_processes_through_redis():
    from channels_redis.pubsub import RedisPubSubChannelLayer

    layer = RedisPubSubChannelLayer(hosts=[os.environ["REDIS_URL"]])
    group = f"healthcheck-{os.getpid()}"

    async def listen_then_receive():
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        sender = (
            "import asyncio, os, sys; from channels_redis.pubsub import RedisPubSubChannelLayer; "
            "layer = RedisPubSubChannelLayer(hosts=[os.environ['REDIS_URL']]); "
            f"asyncio.run(layer.group_send('{group}', {{'type': 'comment.new', 'text': 'merhaba'}}))"
        )
        process = subprocess.run([sys.executable, "-c", sender], capture_output=True, text=True, timeout=30)
        assert process.returncode == 0, process.stderr
        import asyncio

        message = await asyncio.wait_for(layer.receive(channel), timeout=5)
        await layer.flush()
        return message

    assert async_to_sync(listen_then_receive)() == {"type": "comment.new", "text": "merhaba"}


@pytest.mark.redis
@pytest.mark.django_db
def test_healthz_round_trips_through_redis(client, settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": os.environ["REDIS_URL"], "max_connections": 1000}]},
        }
    }
    channel_layers.backends.clear()
    try:
        response = client.get("/healthz")
    finally:
        channel_layers.backends.clear()
    assert response.status_code == 200, response.content


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_sign_ups_with_one_address_make_one_account():
    from meydan.accounts import services
    from meydan.accounts.models import User

    barrier = threading.Barrier(8)
    errors = []

    def sign_up(number):
        try:
            barrier.wait()
            services.sign_up(email="Same@Example.org", password="x-long-password-9", display_name=f"n{number}")
        except Exception as error:  # the test reports any error, whatever its kind
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert User.objects.filter(email__iexact="same@example.org").count() == 1
