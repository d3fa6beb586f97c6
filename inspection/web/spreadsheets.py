"""Rows to CSV (streamed) and XLSX (written in constant memory), with no cell a spreadsheet would run.

Cells are typed: text, numbers, booleans, dates and times. A time is written as the wall-clock time it
carries (callers pass it in the zone where the branches are): `YYYY-MM-DD HH:MM` in CSV (ISO 8601 with its
offset when asked for machine-readable times), a real date cell in XLSX, which has no time zones.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from itertools import chain

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

# A cell starting with one of these is a formula to Excel and LibreOffice, even in a CSV file.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TIME = "%Y-%m-%d %H:%M"
XLSX_TIME, XLSX_DATE = "yyyy-mm-dd hh:mm", "yyyy-mm-dd"
XLSX_WIDTH = (8, 50)  # narrowest and widest column, in characters


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


def _csv_cell(value, iso_times: bool):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat() if iso_times else value.strftime(CSV_TIME)
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_stream(rows: Iterable[Iterable], iso_times: bool = False) -> Iterator[str]:
    """Yield a CSV document row by row, with a byte-order mark so that Excel reads UTF-8 Chinese text.

    Times are written `YYYY-MM-DD HH:MM` as given (ISO 8601 with their offset if `iso_times`), booleans
    `true`/`false`.
    """
    yield "\ufeff"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([_csv_cell(value, iso_times) for value in neutralised(row)])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def xlsx_file(rows: Iterable[Iterable], title: str):
    """Return a spooled XLSX file of the rows, the first being the header.

    Text cells are stored as text, never as formulas; times are date cells holding their wall-clock time.
    """
    rows = iter(rows)
    header, first = list(next(rows, [])), next(rows, None)
    first = None if first is None else list(first)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    # Set before any row is written (write-only mode): the header stays in view, columns fit their content.
    sheet.freeze_panes = "A2"
    for index, width in enumerate(_widths(header, first), 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in chain([header], [] if first is None else [first], rows):
        sheet.append([_cell(sheet, value) for value in neutralised(row)])
    # Spooled: small exports stay in memory, large ones go to disk rather than growing the process.
    output = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(output)
    output.seek(0)
    return output


def _widths(header: list, first: list | None) -> list[float]:
    """Return a width per column from its header and first row (a CJK character takes two places)."""
    widths = []
    for index, name in enumerate(header):
        value = first[index] if first and index < len(first) else None
        text = value.strftime(CSV_TIME) if isinstance(value, datetime) else str(value if value is not None else "")
        wanted = max(_display_width(str(name)), _display_width(text)) + 2
        widths.append(min(max(wanted, XLSX_WIDTH[0]), XLSX_WIDTH[1]))
    return widths


def _display_width(text: str) -> int:
    return sum(2 if ord(character) > 0x2E7F else 1 for character in text)


def _cell(sheet, value):
    if isinstance(value, datetime):
        # XLSX has no time zones: the cell holds the wall-clock time the caller chose (where the branches are).
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
        cell.number_format = XLSX_TIME
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = XLSX_DATE
        return cell
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would take "=…" for a formula otherwise
    return cell
