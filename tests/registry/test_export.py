"""`hocso export`: the import's headers, formula neutralisation, audit, and the round trip."""

from datetime import date

import pytest

from hocso.accounts.models import AuditEntry
from hocso.registry import services
from hocso.registry.importers.columns import SPECS
from hocso.registry.models import Student

from ._spreadsheets import STUDENT_HEADERS, read_xlsx, run_export, run_import, student, write_xlsx
from .test_import_staff_classes_equipment import (
    CLASS_HEADERS,
    EQUIPMENT_HEADERS,
    STAFF_HEADERS,
    teacher,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(tree, year):
    return tree.school_a


@pytest.fixture
def learners(tmp_path, school):
    rows = [
        student(1),
        student(2, **{"Lớp": "7A1", "Khối": 7, "Ngày sinh": "01/02/2012",
                      "Số định danh cá nhân": "084212000002", "Họ tên phụ huynh": None,
                      "Số điện thoại phụ huynh": None, "Quan hệ": None, "Internet tại nhà": None}),
        student(3, **{"Số định danh cá nhân": None, "Dân tộc": "Kinh",
                      "Thiết bị học trực tuyến": None}),
    ]  # fmt: skip
    code, out, _ = run_import(
        "students", write_xlsx(tmp_path / "in.xlsx", STUDENT_HEADERS, rows), school
    )
    assert code == 0, out
    # Text a spreadsheet would run as a formula, typed into a form (openpyxl would write it as one).
    services.student_update(actor=None, student=Student.objects.get(moet_code="8400000003"),
                            address='=HYPERLINK("http://x")')  # fmt: skip
    return rows


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_exported_students_reimport_unchanged(tmp_path, school, learners, fmt):
    output = tmp_path / f"out.{fmt}"
    code, out, _ = run_export("students", school, output, fmt)
    assert code == 0, out

    code, out, _ = run_import("students", output, school)

    assert (code, out[-1]) == (0, "created=0 updated=0 unchanged=3 rejected=0"), out
    assert Student.objects.count() == 3


def test_export_uses_the_import_headers_and_keeps_identifiers_as_text(tmp_path, school, learners):
    output = tmp_path / "out.xlsx"

    run_export("students", school, output)

    header, *rows = read_xlsx(output)
    assert header == SPECS["students"].headers == STUDENT_HEADERS
    first = dict(zip(header, rows[0], strict=True))
    assert first["Số định danh cá nhân"] == "084213000001"  # a string: the zero survives
    assert first["Mã định danh Bộ GD&ĐT"] == "8400000001"
    assert first["Ngày sinh"].date() == date(2013, 3, 14)
    assert (first["Giới tính"], first["Dân tộc"], first["Quan hệ"]) == ("Nam", "Khơ-me", "Cha")
    assert [r[6] for r in rows] == ["6A1", "6A1", "7A1"]  # by grade, class, then name


def test_formula_like_cells_are_neutralised_in_xlsx_and_csv(tmp_path, school, learners):
    run_export("students", school, tmp_path / "out.xlsx")
    run_export("students", school, tmp_path / "out.csv", "csv")

    addresses = [row[8] for row in read_xlsx(tmp_path / "out.xlsx")[1:]]
    assert '\'=HYPERLINK("http://x")' in addresses
    assert "'=HYPERLINK" in (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    assert Student.objects.get(moet_code="8400000003").address == '=HYPERLINK("http://x")'


def test_csv_export_starts_with_a_utf8_byte_order_mark(tmp_path, school, learners):
    run_export("students", school, tmp_path / "out.csv", "csv")

    data = (tmp_path / "out.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfH\xe1\xbb\x8d v\xc3\xa0 t\xc3\xaan,")  # BOM + "Họ và tên,"


def test_every_export_is_audited(tmp_path, school, learners):
    run_export("students", school, tmp_path / "out.xlsx")

    entry = AuditEntry.objects.get(action="export")
    assert entry.org_unit == school
    assert entry.actor is None
    assert entry.detail == {"kind": "students", "school": school.code, "year": "2025-2026",
                            "format": "xlsx", "rows": 3}  # fmt: skip


def test_export_refuses_an_actor_outside_the_school(tmp_path, school, users):
    from django.core.exceptions import PermissionDenied

    from hocso.registry.exporters import export_records

    with pytest.raises(PermissionDenied):
        export_records(actor=users.admin_c, kind="students", school=school, year=None, fmt="csv",
                       output=tmp_path / "x.csv")  # fmt: skip
    assert not AuditEntry.objects.filter(action="export").exists()


def test_staff_classes_and_equipment_round_trip(tmp_path, school, year):
    run_import("staff", write_xlsx(tmp_path / "gv.xlsx", STAFF_HEADERS,
                                   [teacher(1), teacher(2, **{"Số điện thoại": "+84 912 345 678"})]),
               school, year=None)  # fmt: skip
    run_import("classes", write_xlsx(tmp_path / "lop.xlsx", CLASS_HEADERS,
                                     [["6A1", 6, None, "084188000001"], ["6A2", 6, None, None]]), school)  # fmt: skip
    services.room_save(
        actor=None, school=school, code="P.TH1", name="Phòng tin học", kind="computer"
    )
    run_import("equipment", write_xlsx(tmp_path / "tb.xlsx", EQUIPMENT_HEADERS,
                                       [["MT-001", "Máy tính", "Máy tính", "P.TH1", 20, "Tốt", "15/08/2024"],
                                        ["-BG-1", "Bàn ghế", "Bàn ghế", None, 40, "Hỏng", None]]),
               school, year=None)  # fmt: skip

    for kind, year_code in (("staff", None), ("classes", "2025-2026"), ("equipment", None)):
        output = tmp_path / f"{kind}.xlsx"
        assert run_export(kind, school, output, year=year_code)[0] == 0
        assert read_xlsx(output)[0] == SPECS[kind].headers
        code, out, _ = run_import(kind, output, school, year=year_code)
        total = {"staff": 2, "classes": 2, "equipment": 2}[kind]
        assert (code, out[-1]) == (0, f"created=0 updated=0 unchanged={total} rejected=0"), (
            kind,
            out,
        )
    assert read_xlsx(tmp_path / "equipment.xlsx")[1][0] == "'-BG-1"


def test_export_of_an_unknown_school_exits_2(tmp_path, school):
    from types import SimpleNamespace

    code, _, err = run_export("students", SimpleNamespace(code="nope"), tmp_path / "x.xlsx")

    assert code == 2
    assert "nope" in err
