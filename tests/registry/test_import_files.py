"""What an import makes of the file itself: its type by content, its header, its formats."""

import zipfile
from datetime import date, datetime

import pytest

from hocso.__main__ import main
from hocso.registry.models import Student

from ._spreadsheets import STUDENT_HEADERS, citizen_id, run_import, student, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(tree, year):
    return tree.school_a


def test_a_file_that_is_not_a_spreadsheet_exits_2(tmp_path, school):
    path = tmp_path / "hs.xlsx"
    path.write_bytes(b"%PDF-1.7\n\x00\x01binary")

    code, out, err = run_import("students", path, school)

    assert code == 2
    assert "không phải bảng tính" in err
    assert out[-1] == "created=0 updated=0 unchanged=0 rejected=0"


def test_a_zip_that_is_not_a_workbook_exits_2_whatever_its_name(tmp_path, school):
    path = tmp_path / "hs.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("[Content_Types].xml", "<Types/>")

    code, _, err = run_import("students", path, school)

    assert code == 2
    assert ".xlsx" in err


def test_a_workbook_that_inflates_far_beyond_the_upload_limit_is_refused_unread(
    tmp_path, school, settings
):
    settings.HOCSO_MAX_UPLOAD_BYTES = 10_000
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", " " * 300_000)  # compresses to ~300 bytes

    code, _, err = run_import("students", path, school)

    assert path.stat().st_size < 10_000
    assert code == 2
    assert "giải nén ra quá lớn" in err


def test_a_legacy_xls_file_exits_2_with_advice(tmp_path, school):
    path = tmp_path / "hs.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)

    code, _, err = run_import("students", path, school)

    assert code == 2
    assert "lưu lại thành .xlsx" in err


def test_a_damaged_workbook_exits_2(tmp_path, school):
    path = tmp_path / "hs.xlsx"
    path.write_bytes(b"PK\x03\x04 truncated")

    assert run_import("students", path, school)[0] == 2


def test_a_csv_that_is_not_utf8_exits_2(tmp_path, school):
    path = tmp_path / "hs.csv"
    path.write_bytes("Ho va ten,Gioi tinh,Lop\nLê Thành,Nam,6A1\n".encode("latin-1"))

    code, _, err = run_import("students", path, school)

    assert code == 2
    assert "UTF-8" in err


def test_a_file_over_the_size_limit_exits_2(tmp_path, school, settings):
    settings.HOCSO_MAX_UPLOAD_BYTES = 1024
    path = write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, [student(1)])

    code, _, err = run_import("students", path, school)

    assert code == 2
    assert "vượt giới hạn" in err


def test_a_missing_required_column_exits_2_naming_it(tmp_path, school):
    headers = [h for h in STUDENT_HEADERS if h != "Giới tính"]
    path = write_xlsx(tmp_path / "hs.xlsx", headers, [student(1)])

    code, out, err = run_import("students", path, school)

    assert code == 2
    assert "Thiếu cột bắt buộc: Giới tính" in err
    assert out[-1] == "created=0 updated=0 unchanged=0 rejected=0"
    assert Student.objects.count() == 0


def test_a_staff_list_imported_as_students_exits_2(tmp_path, school):
    path = write_xlsx(tmp_path / "gv.xlsx", ["Họ và tên", "Giới tính", "Số định danh cá nhân", "Chức vụ"],
                      [["Kim Thị Chanh Đa", "Nữ", "084188004321", "Giáo viên"]])  # fmt: skip

    code, _, err = run_import("students", path, school)

    assert code == 2
    assert "Lớp" in err


def test_a_sheet_without_any_known_header_exits_2(tmp_path, school):
    path = write_xlsx(tmp_path / "x.xlsx", ["a", "b"], [[1, 2]])

    code, _, err = run_import("students", path, school)

    assert code == 2
    assert "Không tìm thấy dòng tiêu đề" in err


def test_title_rows_above_the_header_are_tolerated_and_rows_numbered_as_in_the_sheet(
    tmp_path, school
):
    titles = [["SỞ GIÁO DỤC VÀ ĐÀO TẠO TRÀ VINH"], [], ["DANH SÁCH HỌC SINH NĂM HỌC 2025-2026"], []]
    rows = [student(1), student(2, **{"Giới tính": "?"})]
    path = write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, rows, title_rows=titles)

    code, out, _ = run_import("students", path, school, "--partial")

    assert (code, out[-1]) == (1, "created=1 updated=0 unchanged=0 rejected=1")
    assert out[0].startswith("Dòng 7, cột «Giới tính»")  # 4 title rows, the header, then row 7


def test_an_extra_column_is_ignored_with_a_warning(tmp_path, school):
    headers = [*STUDENT_HEADERS, "Ghi chú"]
    path = write_xlsx(tmp_path / "hs.xlsx", headers, [student(1, **{"Ghi chú": "=HYPERLINK(1)"})])

    code, out, _ = run_import("students", path, school)

    assert (code, out[-1]) == (0, "created=1 updated=0 unchanged=0 rejected=0")
    assert out[0] == "Cảnh báo: Dòng 1, cột «Ghi chú»: Cột không được nhận diện nên bị bỏ qua"


def test_headers_match_in_english_and_without_diacritics_or_case(tmp_path, school):
    headers = [
        "STT",
        "FULL NAME",
        "date of birth",
        "Gioi tinh",
        "National ID",
        "MOET code",
        "class",
        "Khối (*)",
    ]
    row = [
        1,
        "Lâm Thị Sa Rum",
        "05/09/2013",
        "nu",
        citizen_id(1, female=True),
        "8400000001",
        "6a1",
        6,
    ]

    code, out, _ = run_import("students", write_xlsx(tmp_path / "hs.xlsx", headers, [row]), school)

    assert (code, out[-1]) == (0, "created=1 updated=0 unchanged=0 rejected=0"), out
    learner = Student.objects.get()
    assert (learner.full_name, learner.gender, learner.date_of_birth) == (
        "Lâm Thị Sa Rum",
        "F",
        date(2013, 9, 5),
    )


@pytest.mark.parametrize(
    "cell",
    [
        "14/03/2013",
        "14/3/2013",
        "2013-03-14",
        date(2013, 3, 14),
        datetime(2013, 3, 14, 0, 0),
        41347,
    ],
    ids=["dd/mm/yyyy", "d/m/yyyy", "iso", "excel-date", "excel-datetime", "excel-serial"],
)
def test_dates_in_every_accepted_form(tmp_path, school, cell):
    path = write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, [student(1, **{"Ngày sinh": cell})])

    code, out, _ = run_import("students", path, school)

    assert code == 0, out
    assert Student.objects.get().date_of_birth == date(2013, 3, 14)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("31/02/2013", "Ngày «31/02/2013» không tồn tại"),
        ("03/14/2013", "Ngày «03/14/2013» không tồn tại"),
        (
            "14.03.13",
            "Ngày «14.03.13» không đúng định dạng; hãy ghi ngày/tháng/năm, ví dụ 14/03/2012",
        ),
        ("01/01/2099", "Ngày sinh 01/01/2099 nằm ngoài khoảng hợp lệ"),
    ],
)
def test_impossible_or_ambiguous_dates_are_rejected(tmp_path, school, cell, reason):
    path = write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, [student(1, **{"Ngày sinh": cell})])

    code, out, _ = run_import("students", path, school)

    assert code == 1
    assert out[0].endswith(reason)


@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        (84213000001, "084213000001"),  # a number cell: the leading zero is put back
        (84213000001.0, "084213000001"),
        ("84213000001", "084213000001"),  # digits of a CSV saved by Excel
        ("84213000001.0", "084213000001"),
        ("8.4213000001E+10", "084213000001"),  # every digit still there
        ("'084213000001", "084213000001"),  # the apostrophe that marks text in a spreadsheet
        (" 084 213 000 001 ", "084213000001"),
    ],
)
def test_national_ids_that_excel_turned_into_numbers_are_recovered_when_unambiguous(
    tmp_path, school, cell, stored
):
    path = write_xlsx(
        tmp_path / "hs.xlsx", STUDENT_HEADERS, [student(1, **{"Số định danh cá nhân": cell})]
    )

    code, out, _ = run_import("students", path, school)

    assert code == 0, out
    assert Student.objects.get().national_id == stored


@pytest.mark.parametrize("cell", ["8.4213E+10", "8.42130001E+10", 9213000001])
def test_national_ids_whose_digits_excel_lost_are_rejected_with_advice(tmp_path, school, cell):
    path = write_xlsx(
        tmp_path / "hs.xlsx", STUDENT_HEADERS, [student(1, **{"Số định danh cá nhân": cell})]
    )

    code, out, _ = run_import("students", path, school)

    assert code == 1
    assert "đã bị Excel chuyển thành số" in out[0]
    assert "định dạng cột «Số định danh cá nhân» là Văn bản (Text)" in out[0]
    assert Student.objects.count() == 0


def test_moet_code_that_lost_its_leading_zero_is_recovered(tmp_path, school):
    row = student(1, **{"Mã định danh Bộ GD&ĐT": 112345678})  # "0112345678" typed in a number cell

    code, out, _ = run_import(
        "students", write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, [row]), school
    )

    assert code == 0, out
    assert Student.objects.get().moet_code == "0112345678"


@pytest.mark.parametrize(
    ("delimiter", "bom"), [(",", True), (",", False), (";", True), (";", False)]
)
def test_csv_in_utf8_with_or_without_bom_and_either_delimiter(tmp_path, school, delimiter, bom):
    path = write_csv(
        tmp_path / "hs.csv", STUDENT_HEADERS, [student(1), student(2)], delimiter=delimiter, bom=bom
    )

    code, out, _ = run_import("students", path, school)

    assert (code, out[-1]) == (0, "created=2 updated=0 unchanged=0 rejected=0"), out
    assert Student.objects.get(national_id=citizen_id(1)).full_name == "Thạch Sô Phal 1"


def test_the_kind_is_judged_by_content_not_by_extension(tmp_path, school):
    path = write_xlsx(
        tmp_path / "danh-sach.csv", STUDENT_HEADERS, [student(1)]
    )  # an xlsx named .csv

    code, out, _ = run_import("students", path, school)

    assert (code, out[-1]) == (0, "created=1 updated=0 unchanged=0 rejected=0")


def test_blank_rows_are_skipped(tmp_path, school):
    rows = [student(1), [None] * len(STUDENT_HEADERS), student(2)]

    code, out, _ = run_import(
        "students", write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, rows), school
    )

    assert (code, out[-1]) == (0, "created=2 updated=0 unchanged=0 rejected=0")


def test_students_without_a_school_year_exit_2(tmp_path, school):
    path = write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, [student(1)])

    code, _, err = run_import("students", path, school, year=None)

    assert code == 2
    assert "năm học" in err


def test_an_unknown_school_exits_2(tmp_path, school):
    from types import SimpleNamespace

    path = write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, [student(1)])

    code, out, err = run_import("students", path, SimpleNamespace(code="99999999"))

    assert code == 2
    assert "99999999" in err


def test_the_hocso_command_prints_the_counts_last_and_sets_the_exit_status(
    tmp_path, school, capsys, monkeypatch
):
    from django.db import connections

    # run_from_argv closes every connection when a command ends; keep the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    path = write_xlsx(
        tmp_path / "hs.xlsx", STUDENT_HEADERS, [student(1), student(2, **{"Giới tính": "?"})]
    )
    argv = [
        "hocso",
        "import",
        "students",
        path,
        "--school",
        school.code,
        "--year",
        "2025-2026",
        "--partial",
    ]

    with pytest.raises(SystemExit) as exit_info:
        main(argv)

    assert exit_info.value.code == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == "created=1 updated=0 unchanged=0 rejected=1"
    ok = write_xlsx(tmp_path / "ok.xlsx", STUDENT_HEADERS, [student(1)])

    main(
        ["hocso", "import", "students", ok, "--school", school.code, "--year", "2025-2026"]
    )  # exit 0: returns

    assert (
        capsys.readouterr().out.strip().splitlines()[-1]
        == "created=0 updated=0 unchanged=1 rejected=0"
    )


def test_a_missing_file_exits_2(tmp_path, school):
    code, out, err = run_import("students", tmp_path / "khong-co.xlsx", school)

    assert code == 2
    assert "Không tìm thấy tệp" in err
    assert out[-1] == "created=0 updated=0 unchanged=0 rejected=0"
