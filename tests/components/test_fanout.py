"""The widget fan-out's Redis client (components/channels/fanout.py) is set up as the lock store's."""

import asyncio

import redis
from rasa.core.lock_store import RedisLockStore

from components.channels.fanout import WidgetFanout


def started_with(lock_store):
    async def start():
        fanout = WidgetFanout()
        fanout.start(sio=None, lock_store=lock_store)
        client = fanout.redis
        await fanout.stop()
        return client

    return asyncio.run(start())


def test_a_lock_store_over_tls_gives_a_fan_out_over_tls_with_its_settings():
    # Only address and credentials were copied: a managed Redis that wants TLS refused every
    # publish, and staff messages never reached browsers on the other replicas.
    client = started_with(
        RedisLockStore(host="redis.example", port=6380, password="pw", use_ssl=True, socket_timeout=7)
    )
    pool = client.connection_pool
    assert issubclass(pool.connection_class, redis.asyncio.connection.SSLConnection)
    given = pool.connection_kwargs
    assert (given["host"], given["port"], given["password"], given["socket_timeout"]) == (
        "redis.example",
        6380,
        "pw",
        7,
    )


def test_a_plain_lock_store_gives_a_plain_fan_out_and_no_lock_store_none():
    client = started_with(RedisLockStore(host="localhost", port=6399))
    assert not issubclass(client.connection_pool.connection_class, redis.asyncio.connection.SSLConnection)
    assert started_with(None) is None
