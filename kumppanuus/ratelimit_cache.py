"""The rate-limit counters' store, shared by every worker and instance.

The database backend for CACHES["ratelimit"] (settings.RATELIMIT_CACHE_URL), Django's
database cache with an atomic increment (the default); Redis is cache_backends'
FailSafeRedisCache. Either one fails open: a
store error is logged as a warning and the request is let through (django-ratelimit's
RATELIMIT_FAIL_OPEN), so an outage of the store never takes the forms down.
"""

import base64
import logging
import pickle

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router, transaction

logger = logging.getLogger(__name__)


class FailOpen:
    """add/incr/get that log a store error and answer "no count" instead of raising."""

    def _guarded(self, call, failed):
        try:
            return call()
        except ValueError:
            raise  # a missing key, as the cache API says
        except Exception as error:  # the store is down or refuses: let the request through
            logger.warning(
                "rate-limit store unavailable (%s): limits are off", type(error).__name__
            )
            return failed

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(lambda: super(FailOpen, self).add(key, value, timeout, version), False)

    def incr(self, key, delta=1, version=None):
        return self._guarded(lambda: super(FailOpen, self).incr(key, delta, version), None)

    def get(self, key, default=None, version=None):
        return self._guarded(lambda: super(FailOpen, self).get(key, default, version), default)


class DatabaseCache(FailOpen, DjangoDatabaseCache):
    def incr(self, key, delta=1, version=None):
        return self._guarded(lambda: self._locked_incr(key, delta, version), None)

    def _locked_incr(self, key, delta=1, version=None):
        """Read, add and write back under a row lock, keeping the key's expiry: two workers
        counting the same client at once both count (Django's own incr is get + set)."""
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(f"SELECT value FROM {table} WHERE cache_key = %s{lock}", [key])
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(row[0].encode())) + delta
            pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET value = %s WHERE cache_key = %s", [pickled, key])
        return value
