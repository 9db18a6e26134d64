"""CSV downloads that spreadsheet programs open safely and read as UTF-8."""

import csv

from django.http import HttpResponse
from django.utils.text import get_valid_filename

# Spreadsheets run cells starting with these as formulas; a leading quote keeps them text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value[:1] in _FORMULA_STARTS:
        return "'" + value
    return value


def csv_response(filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{get_valid_filename(filename)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response.write("\ufeff")  # spreadsheet programs need the BOM to read UTF-8
    return response


def write_rows(response, header, rows):
    """Write `header` then each row (a sequence), every cell made formula-safe."""
    writer = csv.writer(response)
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return response
