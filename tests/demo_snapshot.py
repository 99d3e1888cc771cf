"""The demo data, loaded once per test run and copied back into each test that asks for it.

`load_demo` takes seconds (it parses the demo files and computes the frozen years' figures);
hundreds of tests start from it. The first test that asks loads it for real, with the tests'
password hasher, and every table is copied aside as it stood before and after, into tables
beside the originals (`demo_after__<table>`): every connection sees them (SQLite's test
database is shared in memory, and Playwright's greenlets open connections of their own), and
Django's flush between transactional tests leaves them alone. A test then gets the very rows
`load_demo` wrote, restored with one INSERT … SELECT per table inside its own transaction (so
its changes still roll back). Nothing is converted on the way: the copy never leaves the
database.
"""

import io
from contextlib import contextmanager

from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test.utils import override_settings

BEFORE, AFTER = "demo_before__", "demo_after__"


def _tables():
    return sorted(connection.introspection.django_table_names(only_existing=True))


def _quoted(name):
    return connection.ops.quote_name(name)


def _copy_aside(cursor, prefix, tables):
    for table in tables:
        copy = _quoted(prefix + table)
        cursor.execute(f"DROP TABLE IF EXISTS {copy}")
        cursor.execute(f"CREATE TABLE {copy} AS SELECT * FROM {_quoted(table)}")


@contextmanager
def _unwatched():
    """Without the page cache's write watcher (kumppanuus.cache), which would write the content
    version between the copy's statements; `restore` moves the version on once at the end."""
    connection.ensure_connection()  # connecting is what adds the watcher
    wrappers = connection.execute_wrappers[:]
    connection.execute_wrappers.clear()
    try:
        yield
    finally:
        connection.execute_wrappers[:] = wrappers


def _copy_back(cursor, prefix, tables):
    for table in tables:
        cursor.execute(f"DELETE FROM {_quoted(table)}")
    for table in tables:
        cursor.execute(f"INSERT INTO {_quoted(table)} SELECT * FROM {_quoted(prefix + table)}")
    # PostgreSQL's sequences do not follow rows inserted with their ids; SQLite's do.
    for statement in connection.ops.sequence_reset_sql(no_style(), _models()):
        cursor.execute(statement)


def _models():
    from django.apps import apps

    return apps.get_models(include_auto_created=True)


def take(password_hashers):
    """Load the demo once, outside any test's transaction, copy every table aside and put the
    database back as it was. Returns the tables `restore` copies back."""
    tables = _tables()
    with connection.cursor() as cursor:
        _copy_aside(cursor, BEFORE, tables)
    with override_settings(PASSWORD_HASHERS=password_hashers):
        call_command("load_demo", verbosity=0, stdout=io.StringIO())
    with _unwatched(), connection.cursor() as cursor:
        _copy_aside(cursor, AFTER, tables)
        with transaction.atomic():
            _copy_back(cursor, BEFORE, tables)
    return tables


def restore(tables):
    """The database as `load_demo` left it, inside the caller's transaction."""
    from kumppanuus.cache import invalidate_pages

    with _unwatched(), transaction.atomic(), connection.cursor() as cursor:
        _copy_back(cursor, AFTER, tables)
    invalidate_pages()  # as load_demo does
