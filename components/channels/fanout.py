"""Rasa glue: a message for a widget conversation reaches its browsers on whichever replica they
are connected to. A browser's socket lives on one replica, but a staff member's message (issue
26) arrives at any replica through the load balancer. When Rasa's lock store is Redis (several
replicas, production), the message is published on a Redis channel that every replica listens
to, and each emits it to its own sockets in the conversation's room; otherwise (one process,
make run) it is emitted here directly. JSON on the channel, not pickle: whoever can publish on
Redis cannot make a replica run code.
"""

import asyncio
import inspect
import json
import logging
from typing import Any

from socketio import AsyncServer

logger = logging.getLogger(__name__)
RECONNECT_SECONDS = (1, 2, 5, 10)


def async_client_like(client: Any) -> Any:
    """An asyncio Redis client with the settings of the lock store's (synchronous) one: address,
    database, credentials, timeouts and TLS (which redis-py keeps as the pool's connection class)."""
    import redis
    from redis import asyncio as redis_asyncio

    pool = client.connection_pool
    accepted = inspect.signature(redis_asyncio.Redis.__init__).parameters
    settings = {key: value for key, value in pool.connection_kwargs.items() if key in accepted}
    if issubclass(pool.connection_class, redis.SSLConnection):
        settings["ssl"] = True
    return redis_asyncio.Redis(**settings)


class WidgetFanout:
    def __init__(self, event: str = "bot_uttered") -> None:
        self.event = event
        self.sio: AsyncServer | None = None
        self.redis: Any = None  # redis.asyncio.Redis while shared through Redis
        self.channel = ""
        self.listening: asyncio.Task | None = None
        self.subscribed = asyncio.Event()

    def start(self, sio: AsyncServer, lock_store: Any) -> None:
        """Shares through Redis when the server's lock store is Redis; call once the agent is loaded."""
        from rasa.core.lock_store import RedisLockStore

        self.sio = sio
        if not isinstance(lock_store, RedisLockStore):
            return
        self.redis = async_client_like(lock_store.red)
        self.channel = f"{lock_store.key_prefix}widget_fanout"
        self.listening = asyncio.create_task(self._listen())

    async def stop(self) -> None:
        if self.listening is not None:
            self.listening.cancel()
        if self.redis is not None:
            await self.redis.close()

    async def emit(self, room: str, payload: dict[str, Any]) -> None:
        """Sends `payload` to the browsers in `room`, on every replica."""
        if self.redis is not None:
            try:
                await self.redis.publish(self.channel, json.dumps({"room": room, "payload": payload}))
                return
            except Exception as error:  # redis.RedisError, OSError: this replica's browsers at least
                logger.warning(
                    "Publishing a widget message failed (%s); sent on this replica only", type(error).__name__
                )
        if self.sio is not None:
            await self.sio.emit(self.event, payload, room=room)

    async def _listen(self) -> None:
        attempt = 0
        while True:
            try:
                pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                await pubsub.subscribe(self.channel)
                self.subscribed.set()
                attempt = 0
                async for message in pubsub.listen():
                    await self._deliver(message.get("data"))
            except asyncio.CancelledError:
                raise
            except Exception as error:  # Redis went away: listen again once it is back
                self.subscribed.clear()
                delay = RECONNECT_SECONDS[min(attempt, len(RECONNECT_SECONDS) - 1)]
                logger.warning("Widget fan-out lost Redis (%s); listening again in %d s", type(error).__name__, delay)
                attempt += 1
                await asyncio.sleep(delay)

    async def _deliver(self, data: Any) -> None:
        try:
            found = json.loads(data)
            room, payload = found["room"], found["payload"]
        except (TypeError, ValueError, KeyError):
            logger.warning("Ignored a malformed widget fan-out message")
            return
        if self.sio is not None and isinstance(room, str) and isinstance(payload, dict):
            await self.sio.emit(self.event, payload, room=room)
