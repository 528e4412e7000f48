"""The one CSV writer: formulas come out as text, numbers as they are, in either dialect."""

import io

import pytest

from continuite.core.exports import OPEN_DATA, SPREADSHEET, CsvWriter, csv_download, safe_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("   =1+1", "'   =1+1"),
        ("Jeanne Martin", "Jeanne Martin"),
        ("Marie-Claire", "Marie-Claire"),
        ("-0.2500", "-0.2500"),
        ("+33612345678", "+33612345678"),
        ("", ""),
        (-3, -3),
        (None, None),
    ],
)
def test_a_cell_that_would_run_as_a_formula_gets_a_quote(value, written):
    assert safe_cell(value) == written


def test_the_open_data_dialect_is_comma_without_byte_order_mark():
    stream = io.StringIO()
    CsvWriter(stream, OPEN_DATA).writerow(["a", "=1+1", 2])
    assert stream.getvalue() == "a,'=1+1,2\r\n"


def test_the_spreadsheet_dialect_is_semicolon_after_a_byte_order_mark():
    stream = io.StringIO()
    CsvWriter(stream, SPREADSHEET).writerows([["a", "@x"], ["b", "c"]])
    assert stream.getvalue() == "\ufeffa;'@x\r\nb;c\r\n"


def test_a_download_names_its_file():
    response, writer = csv_download("export.csv")
    writer.writerow(["=x"])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="export.csv"'
    assert response.content.decode() == "'=x\r\n"
