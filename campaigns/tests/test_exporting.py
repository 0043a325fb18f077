"""The shared CSV export: formula injection neutralised, rows streamed."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse

from campaigns.exporting import safe_cell, stream_csv


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("Spring launch", "Spring launch"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
    ],
)
def test_text_that_a_spreadsheet_would_run_gets_an_apostrophe(value, cell):
    assert safe_cell(value) == cell


def test_numbers_dates_and_booleans_stay_values():
    assert safe_cell(Decimal("-12.50")) == Decimal("-12.50")
    assert safe_cell(-3) == -3
    assert safe_cell(datetime.date(2026, 3, 2)) == "2026-03-02"
    assert safe_cell(True) == "yes"


def test_stream_csv_streams_a_header_and_safe_rows():
    rows = iter([["=1+1", Decimal("5.00")], ["plain", None]])
    response = stream_csv(rows, "my export.csv", header=["name", "amount"])
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="myexport.csv"'
    text = b"".join(response.streaming_content).decode()
    assert list(csv.reader(io.StringIO(text))) == [["name", "amount"], ["'=1+1", "5.00"], ["plain", ""]]
