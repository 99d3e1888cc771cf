"""A Redis cache that fails safe: a cache is a cache, so a Redis that is down or slow never
turns a page, an idea or a rate limit into a 500.

Every operation that raises a Redis or socket error is answered as a miss (get → default,
add/set → not stored, incr → None), and a warning is logged. After an error the backend stops
asking Redis for CACHE_RETRY_SECONDS (per process and server), so a dead Redis costs one
connect timeout (CACHE_SOCKET_TIMEOUT, ~0.2 s) per retry period, not one per request.
`probe()` is the one call that does not swallow errors: /healthz uses it.
"""

import logging
import time

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

CACHE_ERRORS = (RedisError, OSError)
_down_until = {}  # server location → time.monotonic() before which Redis is not asked


class FailSafeRedisCache(RedisCache):
    def _location(self):
        return ",".join(self._servers)

    def _guarded(self, operation, default, *args, **kwargs):
        location = self._location()
        if time.monotonic() < _down_until.get(location, 0.0):
            return default
        try:
            return getattr(super(), operation)(*args, **kwargs)
        except CACHE_ERRORS as error:
            _down_until[location] = time.monotonic() + settings.CACHE_RETRY_SECONDS
            logger.warning(
                "cache unavailable (%s on %s): serving uncached, rate limits fail open for %ss",
                type(error).__name__,
                operation,
                settings.CACHE_RETRY_SECONDS,
            )
            return default

    def probe(self):
        """Write and read back a key; raises the Redis error if that fails."""
        super().set("healthz-probe", "ok", 10)
        if super().get("healthz-probe") != "ok":
            raise RedisError("the probe key did not come back")
        _down_until.pop(self._location(), None)

    def get(self, key, default=None, version=None):
        return self._guarded("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._guarded("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._guarded("has_key", False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded("add", False, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded("set_many", list(data), data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded("touch", False, key, timeout, version)

    def incr(self, key, delta=1, version=None):
        return self._guarded("incr", None, key, delta, version)

    def delete(self, key, version=None):
        return self._guarded("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._guarded("delete_many", None, keys, version)

    def clear(self):
        return self._guarded("clear", False)
