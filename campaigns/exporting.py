"""CSV exports shared by every list page: streamed, and safe to open in a spreadsheet.

It lives in ``campaigns`` because that is the app every other one may import
(campaigns ← leads ← handoffs ← crm): the lead export and any later one reuse it.

* ``safe_cell(value)`` neutralises formula injection: a text cell that starts with
  ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return, which some spreadsheets strip
  before reading the formula) gets a leading apostrophe, so a lead named
  ``=HYPERLINK(...)`` is shown as text instead of run. Numbers, dates and booleans are
  written as values: a negative number stays a number.
* ``stream_csv(rows, filename, header=...)`` returns a ``StreamingHttpResponse`` that
  writes one row at a time, so exporting many rows never builds the file in memory.
  Pass a queryset's ``.iterator()`` (or a generator) as ``rows``.
"""

import csv
import datetime
from decimal import Decimal

from django.http import StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Return the value as a CSV cell that no spreadsheet will evaluate as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write returns the text, for csv.writer to stream through."""

    def write(self, value):
        return value


def csv_lines(rows, header=None):
    """Yield the CSV text of the header and each row, every cell made safe."""
    writer = csv.writer(_Echo())
    if header is not None:
        yield writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def stream_csv(rows, filename, header=None):
    """Return a streaming CSV download of the rows (iterables of cells)."""
    response = StreamingHttpResponse(csv_lines(rows, header), content_type="text/csv; charset=utf-8")
    safe_name = "".join(ch for ch in filename if ch.isalnum() or ch in "-_.") or "export.csv"
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    return response
