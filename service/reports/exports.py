"""Reports as files for spreadsheets: CSV (plain, or for French Excel) and an XLSX
workbook with one sheet per table. Column names are the JSON report's keys, so a
program and a person read the same table. No I/O.

No export carries a live formula, whatever an OT typed in a site's name: a text cell
that a spreadsheet would read as a formula (OWASP's CSV injection: it starts with
`=`, `+`, `-`, `@`, a tab or a carriage return) is written as text — in CSV behind a
single quote, in XLSX as a string cell, never `<f>`. Numbers stay numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

# `rfc4180`: comma, dot decimals, no BOM (programs). `excel-fr`: what Excel set to
# French opens by a double click: UTF-8 with a byte order mark (else accents break),
# `;` between fields and a decimal comma (else 0.25 becomes a date or text).
Dialect = Literal["rfc4180", "excel-fr"]
CSV_MEDIA_TYPE = "text/csv"  # Litestar adds "; charset=utf-8" itself
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def columns_of(rows: Iterable[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    return columns


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: str) -> str:
    """A string a spreadsheet will show, not evaluate."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _csv_value(value: Any, dialect: Dialect) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return as_text(value)
    if isinstance(value, float) and dialect == "excel-fr":
        return repr(value).replace(".", ",")
    return value


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would make "=…" a formula
    return cell


def to_csv(rows: list[dict[str, Any]], dialect: Dialect = "rfc4180", columns: Iterable[str] | None = None) -> bytes:
    """The rows as CSV, under `columns` (by default every key of the rows, in their order)."""
    buffer = io.StringIO()
    columns = list(columns) if columns is not None else columns_of(rows)
    writer = csv.writer(buffer, delimiter=";" if dialect == "excel-fr" else ",", lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_value(row.get(column), dialect) for column in columns])
    text = buffer.getvalue()
    return ("\ufeff" + text if dialect == "excel-fr" else text).encode("utf-8")


def _sheet_title(name: str) -> str:
    # Excel's limits: 31 characters, none of []:*?/\
    return "".join("_" if char in "[]:*?/\\" else char for char in name)[:31]


def to_xlsx(sheets: dict[str, list[dict[str, Any]]]) -> bytes:
    """One sheet per table, in the given order, with a bold header row."""
    book = Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = book.create_sheet(_sheet_title(name))
        columns = columns_of(rows)
        header = []
        for column in columns:
            cell = _xlsx_cell(sheet, column)
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in rows:
            sheet.append([_xlsx_cell(sheet, row.get(column)) for column in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def flatten(prefix: str, values: dict[str, Any]) -> dict[str, Any]:
    """{"a": {"b": 1}} -> {"prefix.a.b": 1}: nested JSON as spreadsheet columns."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flat.update(flatten(name, value))
        else:
            flat[name] = value
    return flat
