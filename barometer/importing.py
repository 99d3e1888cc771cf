"""Import a survey tool's CSV export into a barometer survey: all rows or none.

Reads UTF-8 (with or without BOM) or Windows-1252, comma or semicolon delimited. The
header names the respondent id, the time, the organisation type, one column per statement
key and the open answer (the reference format is `barometer/demo_data/barometer_<year>.csv`).
Any bad row refuses the whole file with row-level errors; respondents already imported
are skipped, so importing the same file twice adds nothing.
"""

import csv
import io
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import DONT_KNOW, Answer, OrganisationType, Question, Response
from .services import survey_ensure_answers_open, survey_figures_store, survey_lock

# About 100,000 respondents × 6 statements (a real survey has a few hundred): measured to import
# in 6.6 s on SQLite and 5.5 s on PostgreSQL on a 2-core machine (a closed survey's figures
# recomputed included), well inside a worker's 30 s.
# Twice that took 21.5 s on PostgreSQL (docs/performance.md, "Barometer import").
MAX_IMPORT_BYTES = 5 * 1024 * 1024
ID_COLUMN, TIME_COLUMN, ORGANISATION_COLUMN, OPEN_COLUMN = (
    "vastaaja",
    "vastattu",
    "organisaatio",
    "avoin_palaute",
)
ID_MAX_LENGTH = Response._meta.get_field("external_id").max_length
TIME_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M"]
BATCH_SIZE = 20_000  # respondents per progress step
FIRST_YEAR, LAST_YEAR = 2000, 2100  # answer times outside are typos (and 0001 cannot be stored)
MAX_ERRORS_SHOWN = 200


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    reason: str

    def __str__(self):
        return _("rivi %(row)s, sarake %(column)s, arvo ”%(value)s”: %(reason)s") % {
            "row": self.row,
            "column": self.column or "–",
            "value": self.value[:60],
            "reason": self.reason,
        }


class ImportRefused(Exception):
    """The file was refused whole; `errors` tells why, row by row."""

    def __init__(self, errors):
        self.errors = errors[:MAX_ERRORS_SHOWN]
        self.total = len(errors)
        super().__init__(f"{self.total} virhettä")


@dataclass
class ImportSummary:
    created: int
    skipped_existing: int


def read_upload(handle):
    """At most one byte past the limit, so an oversized file is refused without reading it all."""
    return handle.read(MAX_IMPORT_BYTES + 1)


def survey_import_csv(*, survey, data, progress=None):
    """Validate the whole file, then store every new respondent in one transaction.

    The file is parsed once with the csv module into compact tuples (one per respondent, its
    statement answers as small codes) and written without model instances: multi-row INSERTs
    for the respondents, executemany (SQLite) or COPY (PostgreSQL) for the answers.
    Refused whole (SurveyFrozen) once the survey's results have been published (its answers
    are final); a closed survey's stored results are recomputed after."""
    survey_ensure_answers_open(survey)
    text = _decode(data)
    header, reader = _reader(text)
    columns = _columns(survey, header)
    try:
        rows, errors = _parse_rows(reader, columns)
    except csv.Error:  # a field past the csv module's limit, a stray NUL
        raise file_error(
            _(
                "Riviä %(line)s ei voi lukea: siinä on liian pitkä kenttä tai rikkinäiset "
                "lainausmerkit."
            )
            % {"line": reader.line_num}
        ) from None
    if errors:
        raise ImportRefused(errors)
    return _store(survey, rows, columns, progress)


def file_error(reason):
    return ImportRefused([RowError(0, "", "", reason)])


def _decode(data):
    if not data:
        raise file_error(_("Tiedosto on tyhjä."))
    if len(data) > MAX_IMPORT_BYTES:
        raise file_error(
            _("Tiedosto on liian suuri: enintään %(max)s Mt. Jaa vastaukset useampaan tiedostoon.")
            % {"max": MAX_IMPORT_BYTES // 1024 // 1024}
        )
    if b"\x00" in data:
        raise file_error(_("Tiedosto ei ole CSV-tekstitiedosto."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Windows-1252 (Excel's "CSV"), or a UTF-8 file with rows pasted from one: each line
        # is read as UTF-8 when it is that, so the UTF-8 rows keep their ä and ö.
        return "".join(_decode_line(line) for line in data.splitlines(keepends=True))


def _decode_line(line):
    try:
        return line.decode("utf-8-sig")
    except UnicodeDecodeError:
        return line.decode("cp1252", errors="replace")


def _reader(text):
    """The header's column names and a csv reader over the rows after it."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, [])
    except csv.Error:
        raise file_error(_("Otsikkoriviä ei voi lukea CSV-muodossa.")) from None
    if not any(name.strip() for name in header):
        raise file_error(_("Tiedostosta puuttuu otsikkorivi."))
    return header, reader


@dataclass
class Columns:
    width: int  # number of columns in the header
    id_index: int
    time_index: int
    organisation_index: int
    likert: list  # (column index, column name, question id), in the file's order
    open_index: int | None
    open_question: Question | None


def _columns(survey, header):
    questions = list(survey.questions.select_related("statement"))
    likert = {q.statement.key: q for q in questions if q.kind == Question.Kind.LIKERT}
    open_question = next((q for q in questions if q.kind == Question.Kind.OPEN_TEXT), None)
    known = {ID_COLUMN, TIME_COLUMN, ORGANISATION_COLUMN, OPEN_COLUMN, *likert}
    names = [name.strip() for name in header]
    errors = [
        RowError(1, name, name, _("tuntematon sarake: kyselyssä ei ole tätä väittämää"))
        for name in names
        if name not in known
    ]
    errors += [
        RowError(1, required, "", _("pakollinen sarake puuttuu"))
        for required in (ID_COLUMN, TIME_COLUMN, ORGANISATION_COLUMN)
        if required not in names
    ]
    if OPEN_COLUMN in names and open_question is None:
        errors.append(RowError(1, OPEN_COLUMN, "", _("kyselyssä ei ole avointa kysymystä")))
    if len(set(names)) != len(names):
        errors.append(RowError(1, "", ",".join(names), _("sama sarake on otsikossa kahdesti")))
    if errors:
        raise ImportRefused(errors)
    return Columns(
        width=len(names),
        id_index=names.index(ID_COLUMN),
        time_index=names.index(TIME_COLUMN),
        organisation_index=names.index(ORGANISATION_COLUMN),
        likert=[
            (index, name, likert[name].pk) for index, name in enumerate(names) if name in likert
        ],
        open_index=names.index(OPEN_COLUMN) if OPEN_COLUMN in names else None,
        open_question=open_question,
    )


ORGANISATIONS = {choice.value.casefold(): choice.value for choice in OrganisationType}
ORGANISATIONS.update({str(choice.label).casefold(): choice.value for choice in OrganisationType})
# A statement answer as a code: None = skipped, 0 = "en osaa sanoa", 1–5 = the value.
LIKERT_CODES = {"": None, **{str(value): value for value in range(1, 6)}}
BAD = object()


def _parse_rows(reader, columns):
    """Every row checked; the good ones as (id, time, organisation, codes, open text)."""
    rows, errors, seen_ids = [], [], set()
    parse_time = _time_parser()
    width = columns.width
    for line, raw in enumerate(reader, start=2):
        record = [value.strip() for value in raw]
        if not any(record):
            continue
        if len(record) != width:
            errors.append(_width_error(line, len(record), width))
            continue
        row_errors = []
        external_id = record[columns.id_index]
        if not external_id:
            row_errors.append(RowError(line, ID_COLUMN, "", _("vastaajatunnus puuttuu")))
        elif len(external_id) > ID_MAX_LENGTH:
            row_errors.append(
                RowError(
                    line,
                    ID_COLUMN,
                    external_id[:30],
                    _("vastaajatunnus on yli %(max)s merkkiä") % {"max": ID_MAX_LENGTH},
                )
            )
        elif external_id in seen_ids:
            row_errors.append(
                RowError(line, ID_COLUMN, external_id, _("sama vastaajatunnus on tiedostossa jo"))
            )
        seen_ids.add(external_id)
        time_text = record[columns.time_index]
        submitted = parse_time(time_text)
        if submitted is None:
            row_errors.append(
                RowError(line, TIME_COLUMN, time_text, _("aika ei ole muotoa VVVV-KK-PP TT:MM"))
            )
        elif not FIRST_YEAR <= submitted.year <= LAST_YEAR:
            row_errors.append(
                RowError(
                    line,
                    TIME_COLUMN,
                    time_text,
                    _("vastausajan vuoden on oltava %(first)s–%(last)s")
                    % {"first": FIRST_YEAR, "last": LAST_YEAR},
                )
            )
        organisation = record[columns.organisation_index]
        organisation_value = ORGANISATIONS.get(
            organisation.casefold(), None if organisation else ""
        )
        if organisation_value is None:
            row_errors.append(
                RowError(
                    line, ORGANISATION_COLUMN, organisation, _("tuntematon organisaation tyyppi")
                )
            )
        codes = []
        for index, key, _question_id in columns.likert:
            value = record[index]
            code = LIKERT_CODES.get(value, BAD)
            if code is BAD:
                code = 0 if value.upper() == DONT_KNOW else BAD
            if code is BAD:
                row_errors.append(
                    RowError(line, key, value, _("arvon on oltava 1–5, EOS tai tyhjä"))
                )
            codes.append(code)
        open_text = record[columns.open_index] if columns.open_index is not None else ""
        if len(open_text) > 4000:
            row_errors.append(
                RowError(line, OPEN_COLUMN, open_text[:30], _("vastaus on yli 4000 merkkiä"))
            )
        if row_errors:
            errors.extend(row_errors)
            continue
        rows.append((external_id, submitted, organisation_value, tuple(codes), open_text))
    if not rows and not errors:
        errors.append(RowError(0, "", "", _("Tiedostossa ei ole yhtään vastausriviä.")))
    return rows, errors


def _width_error(line, found, expected):
    return RowError(
        line,
        "",
        "",
        _("rivillä on %(found)s saraketta, otsikossa %(expected)s")
        % {"found": found, "expected": expected},
    )


ISO_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?")


def _time_parser():
    """A parser that remembers: an export has far fewer distinct times than rows."""
    seen = {}
    zone = timezone.get_current_timezone()

    def parse(value):
        if value not in seen:
            seen[value] = _parse_time(value, zone)
        return seen[value]

    return parse


def _parse_time(value, zone):
    if ISO_TIME.fullmatch(value):
        try:
            return timezone.make_aware(datetime.fromisoformat(value), zone)
        except ValueError:
            return None
    for time_format in TIME_FORMATS:
        try:
            return timezone.make_aware(datetime.strptime(value, time_format), zone)
        except ValueError:
            continue
    return None


@transaction.atomic
def _store(survey, rows, columns, progress):
    """Write the rows and, for a closed survey, its recomputed figures: all or nothing."""
    writer = _BulkWriter()
    # The survey's lock first, then the tables, before anything is read from them: two
    # imports, an import and people answering, or an import and an editor closing the survey
    # would otherwise each hold a lock the other one waits for.
    survey_lock(survey.pk)
    with connection.cursor() as cursor, _foreign_keys_checked_once(cursor, Response, Answer):
        # The survey read again under its lock: a review published, or the survey closed or
        # opened, while the file was being read counts, and none can happen before this commits.
        survey.refresh_from_db(fields=["state"])
        survey_ensure_answers_open(survey)
        existing = set(
            survey.responses.exclude(external_id="").values_list("external_id", flat=True)
        )
        new_rows = [row for row in rows if row[0] not in existing]
        del existing
        for start in range(0, len(new_rows), BATCH_SIZE):
            batch = new_rows[start : start + BATCH_SIZE]
            ids = writer.responses(cursor, survey.pk, batch)
            writer.answers(cursor, _answer_rows(batch, ids, columns))
            if progress:
                progress(start + len(batch), len(new_rows))
        _statistics_refreshed(cursor, Response, Answer)
    survey.responses_imported_at = timezone.now()
    survey.save(update_fields=["responses_imported_at"])
    if survey.state == survey.State.CLOSED:
        survey_figures_store(survey=survey)
    return ImportSummary(created=len(new_rows), skipped_existing=len(rows) - len(new_rows))


@contextmanager
def _foreign_keys_checked_once(cursor, *models):
    """PostgreSQL checks a deferred foreign key with one query per new row at commit: for
    600,000 answers most of the import's time. Dropping the tables' foreign keys for the
    writes and adding them back checks every row in one join instead. All of it inside the
    import's transaction: a failure anywhere leaves the keys as they were, and the rows are
    checked before anything is committed. Readers of these tables wait for the import.
    SQLite checks its keys as it goes, cheaply: nothing to do there."""
    if connection.vendor != "postgresql":
        yield
        return
    quote = connection.ops.quote_name
    keys = []
    for model in models:
        table = model._meta.db_table
        for name, constraint in connection.introspection.get_constraints(cursor, table).items():
            if constraint["foreign_key"]:
                keys.append((table, name, constraint["columns"][0], constraint["foreign_key"]))
    # Setting a key aside locks the table it points to (survey, question) too.
    tables = [m._meta.db_table for m in models]
    tables += sorted({key[3][0] for key in keys} - set(tables))
    _all_locked(cursor, tables)
    # Checks still pending from earlier writes in this transaction would forbid ALTER TABLE.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table, name, _column, _target in keys:
        cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield
    for table, name, column, (target_table, target_column) in keys:
        cursor.execute(
            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} FOREIGN KEY "
            f"({quote(column)}) REFERENCES {quote(target_table)} ({quote(target_column)})"
            f"{connection.ops.deferrable_sql()}"
        )


LOCK_WAIT_SECONDS = 30


def _all_locked(cursor, tables):
    """ACCESS EXCLUSIVE on all the tables or, while any is in use, on none: tried without
    waiting and again after a moment. Taking them one by one and waiting deadlocked with
    readers: a page's query that joins questions and surveys holds the one and waits for the
    other while the import held the other and waited for the one (PostgreSQL aborted one of
    the two, a 500). Readers and writers wait for the import once it holds them all; it needs
    no other table after that."""
    quote = connection.ops.quote_name
    statement = f"LOCK TABLE {', '.join(map(quote, tables))} IN ACCESS EXCLUSIVE MODE NOWAIT"
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            with transaction.atomic():  # a savepoint: a failed try releases what it got
                cursor.execute(statement)
            return
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) != "55P03":  # lock_not_available
                raise
            if time.monotonic() > deadline:
                raise file_error(
                    _("Kyselyn vastauksia luetaan juuri nyt. Yritä tuontia hetken kuluttua.")
                ) from None
            time.sleep(0.05)


def _statistics_refreshed(cursor, *models):
    """PostgreSQL plans the results' joins from table statistics, which a bulk write leaves
    stale until autovacuum comes by: right after a 100,000-respondent import the results
    query nested-looped half a million index lookups (2.0 s; 0.4 s after ANALYZE, which takes
    0.3 s). ANALYZE counts the rows this transaction wrote, and its statistics are committed
    with them."""
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        cursor.execute("ANALYZE " + ", ".join(quote(m._meta.db_table) for m in models))


def _answer_rows(rows, ids, columns):
    """(response id, question id, value, dont_know, text) for every answer of the rows."""
    question_ids = [question_id for _index, _key, question_id in columns.likert]
    open_id = columns.open_question.pk if columns.open_question else None
    for (_id, _time, _organisation, codes, open_text), response_id in zip(rows, ids, strict=True):
        for question_id, code in zip(question_ids, codes, strict=True):
            if code is not None:
                yield (response_id, question_id, code or None, code == 0, "")
        if open_text and open_id:
            yield (response_id, open_id, None, False, open_text)


def _table(model, fields):
    """The quoted table, its columns (`fields` first, then every other stored field) and the
    database values of those other fields' defaults, so a new field never breaks the import."""
    quote = connection.ops.quote_name
    others = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in fields and f.attname not in fields
    ]
    columns = [model._meta.get_field(name) for name in fields] + others
    defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in others)
    return quote(model._meta.db_table), ", ".join(quote(f.column) for f in columns), defaults


class _BulkWriter:
    """Raw bulk writes of the import, inside the caller's transaction: COPY on PostgreSQL,
    multi-row INSERTs on SQLite (a third faster there than executemany's row-by-row steps)."""

    RESPONSE_FIELDS = ("survey", "submitted", "organisation_type", "source", "external_id")
    ANSWER_FIELDS = ("response", "question", "value", "dont_know", "text")

    def __init__(self):
        self.adapt_time = connection.ops.adapt_datetimefield_value
        self.times = {}
        self.response_table = _table(Response, self.RESPONSE_FIELDS)
        self.answer_table = _table(Answer, self.ANSWER_FIELDS)

    def responses(self, cursor, survey_id, rows):
        """Insert the respondents; their new ids in the order of `rows`."""
        if connection.vendor == "postgresql":
            return self._copy_responses(cursor, survey_id, rows)
        table, names, _defaults = self.response_table
        returned = self._insert(
            cursor, table, names, self._response_rows(survey_id, rows), "RETURNING id, external_id"
        )
        ids = {external_id: pk for pk, external_id in returned}
        return [ids[row[0]] for row in rows]

    def _copy_responses(self, cursor, survey_id, rows):
        """PostgreSQL: a block of ids is taken from the table's own sequence in one step and
        the rows COPYed with them (a multi-row INSERT … RETURNING of 1,000 rows took ~50 ms to
        parse and bind; COPY takes the whole batch in about that). The block is safe because
        the import holds the table's ACCESS EXCLUSIVE lock: no other insert draws from the
        sequence meanwhile (nextval() per row took 0.15 s per 20,000)."""
        table, names, _defaults = self.response_table
        pk = Response._meta.pk.column
        cursor.execute(
            "SELECT setval(seq, nextval(seq) + %s - 1) FROM pg_get_serial_sequence(%s, %s) seq",
            [len(rows), table, pk],
        )
        last = cursor.fetchone()[0]
        ids = list(range(last - len(rows) + 1, last + 1))
        quote = connection.ops.quote_name
        with cursor.cursor.copy(f"COPY {table} ({quote(pk)}, {names}) FROM STDIN") as copy:
            for new_id, row in zip(ids, self._response_rows(survey_id, rows), strict=True):
                copy.write_row((new_id, *row))
        return ids

    def _response_rows(self, survey_id, rows):
        """Each respondent's column values in the table's column order."""
        defaults = self.response_table[2]
        source = Response.Source.IMPORT.value
        for external_id, submitted, organisation, _codes, _open in rows:
            yield (survey_id, self._time(submitted), organisation, source, external_id, *defaults)

    def answers(self, cursor, rows):
        table, names, defaults = self.answer_table
        if defaults:
            rows = (row + defaults for row in rows)
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            self._insert(cursor, table, names, rows)

    def _insert(self, cursor, table, names, rows, returning=""):
        """SQLite: multi-row INSERTs of `rows` (tuples of one width), as many rows per
        statement as its parameter limit allows; what `returning` returned, in order."""
        rows, returned = iter(rows), []
        first = next(rows, None)
        if first is None:
            return returned
        width = len(first)
        per_statement = connection.features.max_query_params // width
        row_sql = "(" + ", ".join(["%s"] * width) + ")"
        chunk = [first, *islice(rows, per_statement - 1)]
        while chunk:
            values = ", ".join([row_sql] * len(chunk))
            params = [value for row in chunk for value in row]
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES {values} {returning}", params)
            if returning:
                returned += cursor.fetchall()
            chunk = list(islice(rows, per_statement))
        return returned

    def _time(self, value):
        if value not in self.times:
            self.times[value] = self.adapt_time(value)
        return self.times[value]
