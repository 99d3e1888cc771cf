"""Queries compiled to SQL once per process, run with new values on every request.

Building a queryset and compiling it (`filter()`, `values_list()`, `SQLCompiler.as_sql`) costs
an uncached page more than running it: the upcoming events' query takes ~0.8 ms through the
ORM and ~0.13 ms as its compiled SQL. A `CompiledQuery` builds its queryset once per shape,
with a placeholder for each value that changes between requests, keeps the SQL and its
parameters, and on each call puts the request's values in the placeholders' places, runs the
SQL through Django's cursor (so query counting, logging and the connection's rules apply) and
converts the rows as the ORM would.

The rules that keep it honest:
- Everything the SQL depends on is either a declared value or part of the key: the `shape`
  arguments (plain hashable values such as a row limit), the database vendor, the language and
  the time zone. Nothing else may vary: a queryset is built twice and must compile to the same
  SQL, which catches a clock read while building (`timezone.now()`) that would freeze.
- A value is only compared as itself (`end__gte=now`, `network=pk`): a lookup that transforms
  its value (`__year`, `__contains`, `__in`) leaves no placeholder to find, and the first
  call says so.
- Only `values_list()` querysets, read as tuples: no model instances to keep apart.

A standalone module like fragments.py: every app's selectors use it without importing another
app.
"""

import datetime
import threading
from collections import OrderedDict

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import IntegerField
from django.db.models.expressions import RawSQL
from django.db.models.query import ValuesListIterable
from django.utils import timezone
from django.utils.translation import get_language
from modeltranslation.manager import FallbackValuesListIterable

PLANS_PER_QUERY = 64  # shapes kept per query: a paginated list keeps one per page


def query(**value_fields):
    """A decorator: the function building the queryset becomes its CompiledQuery."""
    return lambda build: CompiledQuery(build, **value_fields)


class CompiledQuery:
    """`build(*shape, **values)` returns a values_list() queryset; `value_fields` names the
    model field that each value is compared with, which adapts it for the database."""

    def __init__(self, build, **value_fields):
        self.build = build
        self.value_fields = value_fields
        self._plans = OrderedDict()
        self._lock = threading.Lock()

    def rows(self, *shape, **values):
        """The query's rows for `values` as a list of tuples (1 query; none when the shape
        can match nothing)."""
        if values.keys() != self.value_fields.keys():
            raise TypeError(f"values {sorted(values)} != {sorted(self.value_fields)}")
        if None in values.values():  # the ORM compiles IS NULL for it, not "= %s"
            raise TypeError("a compiled query's value is never None: make it another query")
        connection = connections[DEFAULT_DB_ALIAS]
        plan = self._plan(connection, shape)
        if plan is None:  # the ORM found the SQL can match nothing: let it answer each time
            return list(self.build(*shape, **values))
        return plan.run(connection, values)

    def _plan(self, connection, shape):
        key = (connection.vendor, get_language(), timezone.get_current_timezone_name(), shape)
        with self._lock:
            plan = self._plans.get(key)
            if key in self._plans:
                self._plans.move_to_end(key)
                return plan
        plan = self._compile(connection, shape)
        with self._lock:
            self._plans[key] = plan
            while len(self._plans) > PLANS_PER_QUERY:
                self._plans.popitem(last=False)
        return plan

    def _compile(self, connection, shape):
        sentinels = {
            name: _sentinel(field, number, connection)
            for number, (name, field) in enumerate(self.value_fields.items())
        }
        compiled = _compiled(self.build(*shape, **sentinels), connection)
        again = _compiled(self.build(*shape, **sentinels), connection)
        if (compiled and compiled[:2]) != (again and again[:2]):
            raise ImproperlyConfigured(
                f"{self.build.__qualname__} compiles differently when built twice: a value "
                "it reads while building (the clock?) must be passed as a value"
            )
        if compiled is None:
            return None
        sql, params, queryset, compiler = compiled
        slots = []
        for name, field in self.value_fields.items():
            placeholder = field.get_db_prep_value(sentinels[name], connection, prepared=False)
            places = [i for i, param in enumerate(params) if param == placeholder]
            if not places:
                raise ImproperlyConfigured(
                    f"{self.build.__qualname__}: {name!r} is not compared as itself in the SQL"
                )
            slots.append((name, field, places))
        return _Plan(sql, params, slots, compiler, _column_order(queryset, compiler))


class _Plan:
    def __init__(self, sql, params, slots, compiler, order):
        self.sql = sql
        self.params = params
        self.slots = slots
        self.width = compiler.col_count if compiler.has_extra_select else None
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        self.converters = list(compiler.get_converters(fields).items())
        self.order = order

    def run(self, connection, values):
        params = list(self.params)
        for name, field, places in self.slots:
            value = field.get_db_prep_value(values[name], connection, prepared=False)
            for place in places:
                params[place] = value
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.width is not None:
            rows = [row[: self.width] for row in rows]
        if self.converters:
            rows = [self._converted(row, connection) for row in rows]
        if self.order:
            return [tuple(row[place] for place in self.order) for row in rows]
        return [tuple(row) for row in rows]

    def _converted(self, row, connection):
        row = list(row)
        for place, (converters, expression) in self.converters:
            for converter in converters:
                row[place] = converter(row[place], expression, connection)
        return tuple(row)


def count_of(queryset):
    """`queryset`'s number of rows as a values_list() query of one row: what `count()` asks,
    without the aggregate query it builds on every call."""
    count = RawSQL("COUNT(*)", (), output_field=IntegerField())
    return queryset.order_by().values_list(count)


def _compiled(queryset, connection):
    """(sql, params, queryset, compiler) of a values_list() queryset; None when it can match
    nothing."""
    if getattr(queryset, "translation_fields", None):
        raise ImproperlyConfigured(
            "a compiled query names each language's column (fragments.TranslatedFields), "
            "not a translated field that modeltranslation fills in"
        )
    if queryset._iterable_class not in (ValuesListIterable, FallbackValuesListIterable):
        raise ImproperlyConfigured("a compiled query reads values_list() rows as tuples")
    compiler = queryset.query.get_compiler(connection=connection)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    if not sql:
        return None
    return sql, tuple(params), queryset, compiler


def _column_order(queryset, compiler):
    """Where each asked-for column is in the SELECT, or None when in order: modeltranslation's
    values_list() selects its columns in a set's order and puts them back in order itself."""
    asked = list(getattr(queryset, "original_fields", None) or ())
    selected = [alias for _, _, alias in compiler.select[: compiler.col_count]]
    if not asked or asked == selected:
        return None
    return tuple(selected.index(name) for name in asked)


def _sentinel(field, number, connection):
    """A value of `field`'s type that no real query compares with, within the column's range:
    the ORM finds a query comparing a column with a value it cannot hold matches nothing."""
    field = getattr(field, "target_field", None) or field
    kind = field.get_internal_type()
    if kind.endswith(("AutoField", "IntegerField")):
        _low, high = connection.ops.integer_field_range(kind)
        return (high or 2**31 - 1) - 1111 - number
    if kind in ("DateTimeField",):
        return datetime.datetime(1111, 11, 11, 11, 11, 11, 111 + number, tzinfo=datetime.UTC)
    if kind in ("DateField",):
        return datetime.date(1111, 11, 1 + number)
    if kind in ("CharField", "TextField", "SlugField"):
        return f"\u2063compiledsql-placeholder-{number}\u2063"
    raise ImproperlyConfigured(f"no placeholder for a {kind}")
