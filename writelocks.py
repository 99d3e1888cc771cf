"""Two people writing at one moment: the pieces the apps' services use so that the second
writer waits for the first, then decides on what the first one committed.

A standalone module like csvutil.py, so every app can use it.
"""

import zlib

from django.db import connection


def advisory_lock(namespace, key):
    """Wait for, and hold until this transaction ends, the lock named (namespace, key): a
    small number, and an id or any text (hashed). PostgreSQL's advisory locks lock nothing
    else, so they can order writers that touch different tables in different orders. SQLite
    writes one transaction at a time: nothing to do there."""
    if not connection.in_atomic_block:
        raise RuntimeError("an advisory lock is held until the end of a transaction: open one")
    if connection.vendor != "postgresql":
        return
    if not isinstance(key, int):
        key = zlib.crc32(str(key).encode()) - 2**31  # into PostgreSQL's signed int4
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [namespace, key])


def save_fields(obj, names):
    """Save only the columns `names` (e.g. a change form's fields); the row's other columns
    are read again first. A form sent while another person closed, published or froze the
    row then leaves their change as it is, where a plain save() would write back every column
    as the form's request read it (and history would record that stale row). Call it under
    the row's lock."""
    fields = [f for f in obj._meta.concrete_fields if not f.primary_key]
    names = [f.name for f in fields if f.name in names or f.attname in names]
    others = [f.attname for f in fields if f.name not in names]
    if others:
        obj.refresh_from_db(fields=others)
    obj.save(update_fields=names)


def row_locked(model, pk):
    """The row read under its lock, held until this transaction ends; None when it is gone
    (another person deleted it meanwhile)."""
    return model.objects.select_for_update().filter(pk=pk).first()
