"""Opening an uploaded file: what it is (by content, never by its name), its rows, its header.

.xlsx is read with python-calamine; .csv must be UTF-8 (with or without BOM) and may use ',', ';'
or tab between fields. Anything else is refused before a row is read.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_noop as N_
from python_calamine import CalamineError, CalamineWorkbook

from .columns import IGNORED_HEADERS, KindSpec, header_key
from .problems import WARNING, ImportFileError, Problem

XLSX, CSV = "xlsx", "csv"
HEADER_SCAN_ROWS = 15
# Real .xlsx files inflate 5-10x; allow generous room before calling a file a zip bomb.
UNZIPPED_RATIO_LIMIT = 20


def sniff(path: Path) -> str:
    """ "xlsx" or "csv" judged by the bytes; ImportFileError for anything else."""
    size = path.stat().st_size
    limit = settings.HOCSO_MAX_UPLOAD_BYTES
    if size > limit:
        raise ImportFileError(
            N_("Tệp lớn %(size)s MB, vượt giới hạn %(limit)s MB"),
            size=round(size / 1048576, 1),
            limit=round(limit / 1048576, 1),
        )
    if size == 0:
        raise ImportFileError(N_("Tệp rỗng"))
    with path.open("rb") as handle:
        start = handle.read(65536)
    head = start[:8]
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                members = archive.infolist()
        except zipfile.BadZipFile:
            raise ImportFileError(N_("Tệp Excel bị hỏng, không mở được")) from None
        names = {member.filename for member in members}
        # A zip bomb: a small file that expands to gigabytes when calamine inflates it.
        if sum(member.file_size for member in members) > limit * UNZIPPED_RATIO_LIMIT:
            raise ImportFileError(
                N_("Tệp Excel giải nén ra quá lớn; hãy tách danh sách thành nhiều tệp")
            )
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return XLSX
        raise ImportFileError(
            N_(
                "Tệp nén này không phải bảng tính Excel (.xlsx); hãy lưu danh sách thành .xlsx hoặc .csv"
            )
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            N_(
                "Tệp Excel 97-2003 (.xls) không được hỗ trợ; hãy mở bằng Excel và lưu lại thành .xlsx"
            )
        )
    if b"\x00" in start:
        raise ImportFileError(N_("Tệp không phải bảng tính .xlsx hoặc .csv"))
    return CSV


def _xlsx_sheets(path: Path) -> Iterator[tuple[Iterator[list], int]]:
    """(rows, height) for each sheet, first sheet first. Rows start at A1 whatever is empty."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        for index in range(len(workbook.sheet_names)):
            sheet = workbook.get_sheet_by_index(index)
            yield sheet.iter_rows(), sheet.total_height
    except CalamineError as exc:
        raise ImportFileError(N_("Không đọc được tệp Excel: %(error)s"), error=str(exc)) from None
    except (OSError, ValueError) as exc:
        raise ImportFileError(N_("Không đọc được tệp Excel: %(error)s"), error=str(exc)) from None


def _csv_rows(path: Path) -> tuple[list[list[str]], int]:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        content = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ImportFileError(
            N_("Tệp CSV phải được lưu với bảng mã UTF-8 (trong Excel: Lưu thành › CSV UTF-8)")
        ) from None
    # The delimiter that splits the first lines into the most fields: ',' ';' or tab.
    sample = content[:65536].splitlines()[: HEADER_SCAN_ROWS + 5]
    best, best_width = ",", 0
    for delimiter in (",", ";", "\t"):
        try:
            width = max((len(r) for r in csv.reader(sample, delimiter=delimiter)), default=0)
        except csv.Error:
            continue
        if width > best_width:
            best, best_width = delimiter, width
    try:
        rows = list(csv.reader(io.StringIO(content, newline=""), delimiter=best))
    except csv.Error as exc:
        raise ImportFileError(N_("Tệp CSV sai cấu trúc: %(error)s"), error=str(exc)) from None
    return rows, len(rows)


@dataclass
class Table:
    """The part of a sheet below its header row."""

    header_row: int  # 1-based
    index: dict[str, int]  # column key → position
    headers: dict[str, str]  # column key → header as written in the file
    rows: Iterator[tuple[int, list]]  # (row number, cells) of the non-empty rows
    estimated_rows: int
    problems: list[Problem] = field(default_factory=list)

    def header(self, key: str) -> str:
        return self.headers.get(key, key)


def _score(row: list, spec: KindSpec) -> int:
    return len({spec.lookup[k] for k in (header_key(c) for c in row if c) if k in spec.lookup})


def _non_empty(rows: Iterator[list], start: int) -> Iterator[tuple[int, list]]:
    for number, cells in enumerate(rows, start=start):
        for cell in cells:
            if cell is not None and cell != "" and not (isinstance(cell, str) and cell.isspace()):
                yield number, cells
                break


def _table(rows: Iterator[list], height: int, spec: KindSpec) -> Table | None:
    """The table below the row (among the first 15) naming the most known columns, or None."""
    head = []
    for row in rows:
        head.append(row)
        if len(head) == HEADER_SCAN_ROWS:
            break
    scores = [_score(row, spec) for row in head]
    if not scores or max(scores) == 0:
        return None
    position = scores.index(max(scores))
    header_cells = head[position]
    index: dict[str, int] = {}
    headers: dict[str, str] = {}
    problems: list[Problem] = []
    header_row = position + 1
    for column, cell in enumerate(header_cells):
        written = "" if cell is None else str(cell).strip()
        key = header_key(written)
        if not key or key in IGNORED_HEADERS:
            continue
        field_key = spec.lookup.get(key)
        if field_key is None:
            problems.append(
                Problem(header_row, written, "", N_("Cột không được nhận diện nên bị bỏ qua"),
                        level=WARNING)
            )  # fmt: skip
        elif field_key in index:
            problems.append(
                Problem(header_row, written, "",
                        N_("Cột trùng với cột «%(first)s»; chỉ dùng cột đầu tiên"),
                        {"first": headers[field_key]}, level=WARNING)
            )  # fmt: skip
        else:
            index[field_key] = column
            headers[field_key] = written
    rest = chain(head[position + 1 :], rows)
    return Table(
        header_row=header_row,
        index=index,
        headers=headers,
        rows=_non_empty(rest, start=header_row + 1),
        estimated_rows=max(height - header_row, 0),
        problems=problems,
    )


def _missing(table: Table, spec: KindSpec) -> list[str]:
    missing = [c.header for c in spec.columns if c.required and c.key not in table.index]
    for group in spec.one_of:
        if not any(key in table.index for key in group):
            missing.append(" / ".join(spec.column(key).header for key in group))
    return missing


def read_table(path: Path, spec: KindSpec) -> Table:
    """The first sheet whose header has the kind's required columns, ready to be read row by row.

    The header is the row among the first 15 that names the most known columns, so title rows
    ("DANH SÁCH HỌC SINH NĂM HỌC 2025-2026") above it are tolerated.
    """
    path = Path(path)
    sheets = _xlsx_sheets(path) if sniff(path) == XLSX else iter([_csv_rows(path)])
    best: Table | None = None
    for rows, height in sheets:
        found = _table(iter(rows), height, spec)
        if found is not None:
            if not _missing(found, spec):
                return found
            if best is None or len(found.index) > len(best.index):
                best = found
    if best is None:
        raise ImportFileError(
            N_("Không tìm thấy dòng tiêu đề của danh sách %(kind)s trong %(rows)s dòng đầu; "
               "tiêu đề cần có các cột: %(columns)s"),
            kind=str(spec.label), rows=HEADER_SCAN_ROWS,
            columns=", ".join(c.header for c in spec.columns if c.required),
        )  # fmt: skip
    raise ImportFileError(
        N_("Thiếu cột bắt buộc: %(columns)s (dòng tiêu đề là dòng %(row)s)"),
        columns=", ".join(_missing(best, spec)),
        row=best.header_row,
    )
