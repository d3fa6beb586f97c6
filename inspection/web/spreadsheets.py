"""Rows to CSV (streamed) and XLSX (written in constant memory), with no cell a spreadsheet would run."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

# A cell starting with one of these is a formula to Excel and LibreOffice, even in a CSV file.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(row: Iterable) -> list:
    """Return the row with text that would start a formula made inert (a leading apostrophe), JSON as text."""
    cells = []
    for value in row:
        if isinstance(value, (dict, list)):
            value = json.dumps(value, ensure_ascii=False)
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            value = "'" + value
        cells.append(value)
    return cells


def csv_stream(rows: Iterable[Iterable]) -> Iterator[str]:
    """Yield a CSV document row by row, with a byte-order mark so that Excel reads UTF-8 Chinese text."""
    yield "\ufeff"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(neutralised(row))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def xlsx_file(rows: Iterable[Iterable], title: str):
    """Return a spooled XLSX file of the rows; text cells are stored as text, never as formulas."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for row in rows:
        sheet.append([_cell(sheet, value) for value in neutralised(row)])
    # Spooled: small exports stay in memory, large ones go to disk rather than growing the process.
    output = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(output)
    output.seek(0)
    return output


def _cell(sheet, value):
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would take "=…" for a formula otherwise
    return cell
