"""Reports as files for spreadsheets. Column names are the JSON report's keys, so a
program and a person read the same table. No I/O."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

CSV_MEDIA_TYPE = "text/csv"  # Litestar adds "; charset=utf-8" itself


def columns_of(rows: Iterable[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    return columns


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    columns = columns_of(rows)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(column) is None else row.get(column) for column in columns])
    return buffer.getvalue().encode("utf-8")
