"""Helpers for the import/export tests: spreadsheets built in code, the command run in-process."""

import csv
from datetime import date
from io import StringIO

import openpyxl
from django.core.management import call_command

STUDENT_HEADERS = [
    "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Số định danh cá nhân",
    "Mã định danh Bộ GD&ĐT", "Lớp", "Khối", "Địa chỉ", "Họ tên phụ huynh",
    "Số điện thoại phụ huynh", "Quan hệ", "Thiết bị học trực tuyến", "Internet tại nhà",
]  # fmt: skip


def citizen_id(n: int, *, female: bool = False, year: int = 2013, province: str = "084") -> str:
    century = (0 if year < 2000 else 2) + (1 if female else 0)
    return f"{province}{century}{year % 100:02d}{n:06d}"


def student(n: int, **overrides) -> dict:
    """A valid learner of a lower-secondary school (grade 6), as a header → value mapping."""
    row = {
        "Họ và tên": f"Thạch Sô Phal {n}",
        "Ngày sinh": "14/03/2013",
        "Giới tính": "Nam",
        "Dân tộc": "Khơ-me",
        "Số định danh cá nhân": citizen_id(n),
        "Mã định danh Bộ GD&ĐT": f"84{n:08d}",
        "Lớp": "6A1",
        "Khối": 6,
        "Địa chỉ": "Ấp Chợ, xã Phước Hưng",
        "Họ tên phụ huynh": f"Thạch Sa Rum {n}",
        "Số điện thoại phụ huynh": f"09{n:08d}",
        "Quan hệ": "Cha",
        "Thiết bị học trực tuyến": "Dùng chung điện thoại",
        "Internet tại nhà": "Có",
    }
    row.update(overrides)
    return row


def write_xlsx(path, headers: list[str], rows: list, *, title_rows: list[list] = ()) -> str:
    """rows: lists of cell values, or dicts keyed by header (missing keys → empty)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for title in title_rows:
        sheet.append(title)
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers] if isinstance(row, dict) else row)
    workbook.save(path)
    return str(path)


def write_csv(path, headers: list[str], rows: list, *, delimiter=",", bom=True) -> str:
    buffer = StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    for row in rows:
        values = [row.get(h) for h in headers] if isinstance(row, dict) else row
        writer.writerow(["" if v is None else v for v in values])
    data = buffer.getvalue().encode("utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return str(path)


def read_xlsx(path) -> list[list]:
    workbook = openpyxl.load_workbook(path)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def run_import(kind: str, path, school, *args, year: str | None = "2025-2026"):
    """(exit status, stdout lines, stderr) of `hocso import` run in-process."""
    out, err = StringIO(), StringIO()
    argv = [kind, str(path), "--school", school.code, *args]
    if year:
        argv += ["--year", year]
    try:
        call_command("import_records", *argv, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().splitlines(), err.getvalue()


def run_export(kind: str, school, output, fmt: str = "xlsx", year: str | None = "2025-2026"):
    out, err = StringIO(), StringIO()
    argv = [kind, "--school", school.code, "--format", fmt, "--output", str(output)]
    if year:
        argv += ["--year", year]
    try:
        call_command("export_records", *argv, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().splitlines(), err.getvalue()


BIRTHDAY = date(2013, 3, 14)
