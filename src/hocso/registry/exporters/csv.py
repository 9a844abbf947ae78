"""Writing .csv: UTF-8 with a byte-order mark (Excel on Windows needs it to read Vietnamese),
comma-separated, dates as dd/mm/yyyy, formula-like text neutralised with a leading quote."""

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from ..importers.cells import neutralise


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.strftime("%d/%m/%Y")
    return neutralise(str(value))


def write_csv(output, headers: list[str], rows: Iterable[list]) -> int:
    """Write to a path or a binary file; return the number of data rows."""
    if isinstance(output, (str, Path)):
        with open(output, "w", encoding="utf-8-sig", newline="") as handle:
            return _write(handle, headers, rows)
    handle = io.TextIOWrapper(output, encoding="utf-8-sig", newline="")
    try:
        return _write(handle, headers, rows)
    finally:
        handle.flush()
        handle.detach()


def _write(handle, headers: list[str], rows: Iterable[list]) -> int:
    writer = csv.writer(handle)
    writer.writerow([_cell(h) for h in headers])
    count = 0
    for row in rows:
        writer.writerow([_cell(v) for v in row])
        count += 1
    return count
