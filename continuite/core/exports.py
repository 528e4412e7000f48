"""The one CSV writer of the project: every export goes through it, so no cell runs as a formula.

A spreadsheet runs a cell starting with = + - @ (or a tab or carriage return before one) as a
formula: a name typed on a public form could make the agent's spreadsheet open links or leak
other cells. Such a text cell is written behind a single quote (OWASP "CSV injection"), which
spreadsheets show as text; numbers, and texts that are only a number, are written as they are.

Two dialects: open data (UTF-8, comma), and spreadsheets (UTF-8 with a byte order mark, semicolon:
what French spreadsheet software opens correctly with a double click).
"""

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.http import HttpResponse

# A leading character that makes a spreadsheet read the cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A text that is only a number (a negative figure, a phone number): harmless, left as it is.
_PLAIN_NUMBER = re.compile(r"[+-]?\d[\d .,]*")


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    byte_order_mark: bool


OPEN_DATA = Dialect(delimiter=",", byte_order_mark=False)
SPREADSHEET = Dialect(delimiter=";", byte_order_mark=True)


def safe_cell(value):
    """The value as a spreadsheet must show it: a text that would run as a formula gets a quote.

    Leading spaces do not protect a formula (some spreadsheets skip them), so they are looked
    past; numbers and texts that are only a number are kept as they are.
    """
    if not isinstance(value, str):
        return value
    if value.lstrip(" ").startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class CsvWriter:
    """csv.writer's writerow and writerows, every cell passed through `safe_cell`."""

    def __init__(self, stream, dialect: Dialect = OPEN_DATA):
        if dialect.byte_order_mark:
            stream.write("\ufeff")
        self._writer = csv.writer(stream, delimiter=dialect.delimiter)

    def writerow(self, row: Iterable):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable]):
        for row in rows:
            self.writerow(row)


def csv_download(filename: str, *, dialect: Dialect = OPEN_DATA) -> tuple[HttpResponse, CsvWriter]:
    """A CSV file to download, and the writer that fills it (the view returns the response)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response, CsvWriter(response, dialect)
