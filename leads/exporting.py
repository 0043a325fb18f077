"""Streamed CSV that spreadsheets cannot execute.

The campaigns branch writes the same helpers in campaigns/exporting.py; once both are
merged one of them should go (leads may import campaigns, so leads can use that one).
"""

import csv
import datetime
from decimal import Decimal

from django.http import StreamingHttpResponse

# A cell a spreadsheet would read as a formula: "=HYPERLINK(…)", "+1+cmd", "-2", "@SUM(…)",
# and the tab/carriage-return tricks that hide one behind leading whitespace.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Return the value as CSV text, with a leading apostrophe on anything a spreadsheet would evaluate."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, bool | int | float | Decimal | datetime.date):
        # Numbers are data, not formulas: a negative number keeps its sign.
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write returns the line, for csv.writer to stream through."""

    def write(self, value):
        return value


def stream_csv(filename, header, rows):
    """Return a streaming CSV download of the header and the rows (iterables of cells), made safe."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow([safe_cell(cell) for cell in header])
        for row in rows:
            yield writer.writerow([safe_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
