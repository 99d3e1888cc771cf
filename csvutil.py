"""Every CSV the portal hands out is written here, so one rule holds for all of them.

A standalone module outside the apps, not an app itself: `barometer` may import no other app
and no app may import `kumppanuus`, yet the open data, the idea export (feedback admin) and the
open-answers export (barometer admin) must share one formula-injection rule. A top-level
module that imports nothing from the project is importable by every app without bending the
import direction, and no copy of the rule can drift.

- Formula injection: a text cell starting with `=`, `+`, `-`, `@`, tab or carriage return is
  prefixed with an apostrophe, so a spreadsheet shows it as text and never runs it (OWASP's
  CSV injection advice). Numbers stay numbers.
- Every text cell is quoted, and inside a text cell a would-be formula right after either
  dialect's separator or a line break gets the same apostrophe: a spreadsheet that reads the
  comma file with semicolons (or the other way round) ignores the quotes of a cell it has
  already split, so `x;=cmd…` or `x⏎=cmd…` would otherwise become a cell `=cmd…`.
- Complete or nothing: the whole body is built before the response is returned, so a lost
  database answers the 503 page instead of a 200 cut off mid-file.
- Two dialects: the standard one (UTF-8, comma, dot decimals) and one for Excel with Finnish
  regional settings (UTF-8 with a byte-order mark, semicolon, comma decimals).
"""

import csv
import io
import re

from django.http import HttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A separator of either dialect or a line break (and any quotes after it) followed by a
# formula start: where a spreadsheet reading with the other separator starts a new cell.
FORMULA_AFTER_SEPARATOR = re.compile(r'([,;\n\r]"*)(?=[=+\-@\t\r])')


def safe_cell(value):
    """The value as a spreadsheet should see it, whichever separator it splits on: a would-be
    formula, at the start or where the other dialect would cut the cell, becomes text."""
    if not isinstance(value, str):
        return value
    value = FORMULA_AFTER_SEPARATOR.sub(r"\1'", value)
    return "'" + value if value.startswith(FORMULA_START) else value


def _excel_cell(value):
    if isinstance(value, float):
        return str(value).replace(".", ",")
    return value


def csv_text(header, rows, *, excel=False):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if excel else ",", quoting=csv.QUOTE_NONNUMERIC)
    for row in [header, *rows]:
        cells = (safe_cell(value) for value in row)
        writer.writerow([_excel_cell(value) for value in cells] if excel else cells)
    return ("\ufeff" if excel else "") + buffer.getvalue()


def csv_response(filename, header, rows, *, excel=False):
    """A complete CSV download; rows are read in full before anything is sent."""
    response = HttpResponse(
        csv_text(header, rows, excel=excel).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
