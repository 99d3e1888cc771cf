"""Import a survey tool's CSV export into a barometer survey: all rows or none.

Reads UTF-8 (with or without BOM) or Windows-1252, comma or semicolon delimited. The
header names the respondent id, the time, the organisation type, one column per statement
key and the open answer (the reference format is `barometer/demo_data/barometer_<year>.csv`).
Any bad row refuses the whole file with row-level errors; respondents already imported
are skipped, so importing the same file twice adds nothing.
"""

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import DONT_KNOW, Answer, OrganisationType, Question, Response
from .services import survey_ensure_not_frozen, survey_figures_store

MAX_IMPORT_BYTES = 10 * 1024 * 1024
ID_COLUMN, TIME_COLUMN, ORGANISATION_COLUMN, OPEN_COLUMN = (
    "vastaaja",
    "vastattu",
    "organisaatio",
    "avoin_palaute",
)
TIME_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M"]
BATCH_SIZE = 2000
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


@dataclass
class ParsedRow:
    external_id: str
    submitted: datetime
    organisation_type: str
    likert: list  # (question_id, value or None, dont_know)
    open_text: str


def read_upload(handle):
    """At most one byte past the limit, so an oversized file is refused without reading it all."""
    return handle.read(MAX_IMPORT_BYTES + 1)


def survey_import_csv(*, survey, data, progress=None):
    """Validate the whole file, then store every new respondent in one transaction.

    Refused whole (SurveyFrozen) while a published review uses the survey; a closed survey's
    stored results are recomputed after."""
    survey_ensure_not_frozen(survey)
    text = _decode(data)
    reader = _reader(text)
    questions = _columns(survey, reader.fieldnames or [])
    rows, errors = _parse_rows(reader, questions)
    if errors:
        raise ImportRefused(errors)
    summary = _store(survey, rows, questions, progress)
    if survey.state == survey.State.CLOSED:
        survey_figures_store(survey=survey)
    return summary


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
        return data.decode("cp1252", errors="replace")


def _reader(text):
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    if not reader.fieldnames or not any(name.strip() for name in reader.fieldnames):
        raise file_error(_("Tiedostosta puuttuu otsikkorivi."))
    return reader


@dataclass
class Columns:
    likert: dict  # column name → question
    open_question: Question | None


def _columns(survey, fieldnames):
    questions = list(survey.questions.select_related("statement"))
    likert = {q.statement.key: q for q in questions if q.kind == Question.Kind.LIKERT}
    open_question = next((q for q in questions if q.kind == Question.Kind.OPEN_TEXT), None)
    known = {ID_COLUMN, TIME_COLUMN, ORGANISATION_COLUMN, OPEN_COLUMN, *likert}
    names = [name.strip() for name in fieldnames]
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
        likert={k: q for k, q in likert.items() if k in names}, open_question=open_question
    )


ORGANISATIONS = {choice.value.casefold(): choice.value for choice in OrganisationType}
ORGANISATIONS.update({str(choice.label).casefold(): choice.value for choice in OrganisationType})


def _parse_rows(reader, columns):
    rows, errors, seen_ids = [], [], set()
    for line, raw in enumerate(reader, start=2):
        if None in raw:
            errors.append(RowError(line, "", "", _("rivillä on enemmän sarakkeita kuin otsikossa")))
            continue
        record = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        if not any(record.values()):
            continue
        row_errors = []
        external_id = record.get(ID_COLUMN, "")
        if not external_id:
            row_errors.append(RowError(line, ID_COLUMN, "", _("vastaajatunnus puuttuu")))
        elif external_id in seen_ids:
            row_errors.append(
                RowError(line, ID_COLUMN, external_id, _("sama vastaajatunnus on tiedostossa jo"))
            )
        seen_ids.add(external_id)
        submitted = _parse_time(record.get(TIME_COLUMN, ""))
        if submitted is None:
            row_errors.append(
                RowError(
                    line,
                    TIME_COLUMN,
                    record.get(TIME_COLUMN, ""),
                    _("aika ei ole muotoa VVVV-KK-PP TT:MM"),
                )
            )
        organisation = record.get(ORGANISATION_COLUMN, "")
        organisation_value = ORGANISATIONS.get(
            organisation.casefold(), None if organisation else ""
        )
        if organisation_value is None:
            row_errors.append(
                RowError(
                    line, ORGANISATION_COLUMN, organisation, _("tuntematon organisaation tyyppi")
                )
            )
        likert = []
        for key, question in columns.likert.items():
            value = record.get(key, "")
            parsed = _parse_likert(value)
            if parsed is False:
                row_errors.append(
                    RowError(line, key, value, _("arvon on oltava 1–5, EOS tai tyhjä"))
                )
            elif parsed is not None:
                likert.append((question.pk, *parsed))
        open_text = record.get(OPEN_COLUMN, "")
        if len(open_text) > 4000:
            row_errors.append(
                RowError(line, OPEN_COLUMN, open_text[:30], _("vastaus on yli 4000 merkkiä"))
            )
        if row_errors:
            errors.extend(row_errors)
            continue
        rows.append(ParsedRow(external_id, submitted, organisation_value, likert, open_text))
    if not rows and not errors:
        errors.append(RowError(0, "", "", _("Tiedostossa ei ole yhtään vastausriviä.")))
    return rows, errors


def _parse_time(value):
    for time_format in TIME_FORMATS:
        try:
            return timezone.make_aware(datetime.strptime(value, time_format))
        except ValueError:
            continue
    return None


def _parse_likert(value):
    """(value, dont_know) for an answer, None for skipped, False for a bad value."""
    if value == "":
        return None
    if value.upper() == DONT_KNOW:
        return (None, True)
    if value in {"1", "2", "3", "4", "5"}:
        return (int(value), False)
    return False


@transaction.atomic
def _store(survey, rows, columns, progress):
    existing = set(survey.responses.exclude(external_id="").values_list("external_id", flat=True))
    new_rows = [row for row in rows if row.external_id not in existing]
    for start in range(0, len(new_rows), BATCH_SIZE):
        batch = new_rows[start : start + BATCH_SIZE]
        responses = Response.objects.bulk_create(
            Response(
                survey=survey,
                submitted=row.submitted,
                organisation_type=row.organisation_type,
                source=Response.Source.IMPORT,
                external_id=row.external_id,
            )
            for row in batch
        )
        Answer.objects.bulk_create(_answers(batch, responses, columns))
        if progress:
            progress(start + len(batch), len(new_rows))
    survey.responses_imported_at = timezone.now()
    survey.save(update_fields=["responses_imported_at"])
    return ImportSummary(created=len(new_rows), skipped_existing=len(rows) - len(new_rows))


def _answers(rows, responses, columns):
    for row, response in zip(rows, responses, strict=True):
        for question_id, value, dont_know in row.likert:
            yield Answer(
                response=response, question_id=question_id, value=value, dont_know=dont_know
            )
        if row.open_text and columns.open_question:
            yield Answer(response=response, question=columns.open_question, text=row.open_text)
