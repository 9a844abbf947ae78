"""`hocso import staff|classes|equipment`: keys, validation, idempotent re-import."""

from datetime import date

import pytest

from hocso.registry import services
from hocso.registry.models import Equipment, Room, SchoolClass, Staff

from ._spreadsheets import run_import, write_xlsx

pytestmark = pytest.mark.django_db

STAFF_HEADERS = ["Họ và tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân", "Chức vụ", "Trình độ",
                 "Môn dạy", "Số điện thoại", "Đang công tác"]  # fmt: skip
CLASS_HEADERS = ["Lớp", "Khối", "Giáo viên chủ nhiệm", "Số định danh GVCN"]
EQUIPMENT_HEADERS = [
    "Mã thiết bị",
    "Tên thiết bị",
    "Loại",
    "Phòng",
    "Số lượng",
    "Tình trạng",
    "Ngày nhập",
]


def teacher(n, **overrides):
    row = {
        "Họ và tên": f"Kim Thị Chanh Đa {n}", "Ngày sinh": "12/07/1988", "Giới tính": "Nữ",
        "Số định danh cá nhân": f"0841880{n:05d}", "Chức vụ": "Giáo viên", "Trình độ": "Đại học",
        "Môn dạy": "Toán; Tin học", "Số điện thoại": f"098{n:07d}", "Đang công tác": "Có",
    }  # fmt: skip
    row.update(overrides)
    return row


# --- staff -----------------------------------------------------------------------------------


def test_staff_are_created_then_reimported_unchanged(tmp_path, tree):
    path = write_xlsx(
        tmp_path / "gv.xlsx", STAFF_HEADERS, [teacher(1), teacher(2, **{"Chức vụ": "Hiệu trưởng"})]
    )

    assert (
        run_import("staff", path, tree.school_a, year=None)[1][-1]
        == "created=2 updated=0 unchanged=0 rejected=0"
    )
    code, out, _ = run_import("staff", path, tree.school_a, year=None)

    assert (code, out[-1]) == (0, "created=0 updated=0 unchanged=2 rejected=0")
    head = Staff.objects.get(national_id="084188000002")
    assert (head.position, head.qualification, head.school) == (
        "principal",
        "bachelor",
        tree.school_a,
    )
    assert (head.phone, head.subjects, head.date_of_birth) == (
        "0980000002",
        "Toán; Tin học",
        date(1988, 7, 12),
    )


def test_edited_staff_file_updates_only_changed_rows(tmp_path, tree):
    rows = [teacher(1), teacher(2)]
    run_import(
        "staff", write_xlsx(tmp_path / "a.xlsx", STAFF_HEADERS, rows), tree.school_a, year=None
    )
    rows[1]["Trình độ"] = "Thạc sĩ"
    rows[1]["Đang công tác"] = "Không"

    code, out, _ = run_import(
        "staff", write_xlsx(tmp_path / "b.xlsx", STAFF_HEADERS, rows), tree.school_a, year=None
    )

    assert (code, out[-1]) == (0, "created=0 updated=1 unchanged=1 rejected=0")
    changed = Staff.objects.get(national_id="084188000002")
    assert (changed.qualification, changed.is_active) == ("master", False)


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("Số định danh cá nhân", "", "Ô «Số định danh cá nhân» không được để trống"),
        ("Chức vụ", "Bảo vệ", "«Bảo vệ» không có trong danh sách: Hiệu trưởng, Phó hiệu trưởng, Giáo viên, Nhân viên"),
        ("Số định danh cá nhân", "084088000001", "Chữ số thứ 4 (0) ứng với giới tính Nam, không khớp với giới tính đã khai"),
    ],
)  # fmt: skip
def test_invalid_staff_rows_are_rejected(tmp_path, tree, column, value, reason):
    path = write_xlsx(tmp_path / "gv.xlsx", STAFF_HEADERS, [teacher(1, **{column: value})])

    code, out, _ = run_import("staff", path, tree.school_a, year=None)

    assert (code, out[-1]) == (1, "created=0 updated=0 unchanged=0 rejected=1")
    assert out[0].endswith(reason)
    assert Staff.objects.count() == 0


def test_staff_member_of_another_school_is_rejected(tmp_path, tree):
    run_import(
        "staff",
        write_xlsx(tmp_path / "c.xlsx", STAFF_HEADERS, [teacher(1)]),
        tree.school_c,
        year=None,
    )

    code, out, _ = run_import(
        "staff",
        write_xlsx(tmp_path / "a.xlsx", STAFF_HEADERS, [teacher(1)]),
        tree.school_a,
        year=None,
    )

    assert (code, out[-1]) == (1, "created=0 updated=0 unchanged=0 rejected=1")
    assert "THPT Trà Cú" in out[0]
    assert Staff.objects.get().school == tree.school_c


def test_staff_id_repeated_in_the_file_is_rejected(tmp_path, tree):
    rows = [teacher(1), teacher(1, **{"Họ và tên": "Người khác"})]

    code, out, _ = run_import(
        "staff", write_xlsx(tmp_path / "gv.xlsx", STAFF_HEADERS, rows), tree.school_a, year=None
    )

    assert code == 1
    assert out[0].endswith("Trùng với dòng 2 của tệp")


# --- classes -----------------------------------------------------------------------------------


def test_classes_are_created_with_homeroom_teachers_found_by_id_or_unique_name(
    tmp_path, tree, year
):
    run_import(
        "staff",
        write_xlsx(tmp_path / "gv.xlsx", STAFF_HEADERS, [teacher(1), teacher(2)]),
        tree.school_a,
        year=None,
    )
    rows = [
        ["6a1", 6, "Kim Thị Chanh Đa 1", "084188000001"],
        ["6A2", 6, "kim thi chanh da 2", None],  # by name, folded
        ["7A1", 7, None, None],
    ]
    path = write_xlsx(tmp_path / "lop.xlsx", CLASS_HEADERS, rows)

    code, out, _ = run_import("classes", path, tree.school_a)

    assert (code, out[-1]) == (0, "created=3 updated=0 unchanged=0 rejected=0"), out
    classes = {c.name: c for c in SchoolClass.objects.filter(school=tree.school_a, year=year)}
    assert classes["6A1"].homeroom_teacher.national_id == "084188000001"
    assert classes["6A2"].homeroom_teacher.national_id == "084188000002"
    assert classes["7A1"].homeroom_teacher is None
    assert (
        run_import("classes", path, tree.school_a)[1][-1]
        == "created=0 updated=0 unchanged=3 rejected=0"
    )


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (["10A1", 10, None, None], "Khối 10 không có ở THCS Lý Tự Trọng"),
        (["6A1", None, None, None], "Ô «Khối» không được để trống"),
        (["6A1", 6, "Không Có Ai", None], "Không có cán bộ nào của trường tên Không Có Ai"),
        (
            ["6A1", 6, None, "084188999999"],
            "Không có cán bộ nào của trường có số định danh 084188999999",
        ),
    ],
)
def test_invalid_class_rows_are_rejected(tmp_path, tree, year, row, reason):
    code, out, _ = run_import(
        "classes", write_xlsx(tmp_path / "lop.xlsx", CLASS_HEADERS, [row]), tree.school_a
    )

    assert (code, out[-1]) == (1, "created=0 updated=0 unchanged=0 rejected=1")
    assert out[0].endswith(reason)


def test_class_grade_edit_updates_the_class(tmp_path, tree, year):
    services.class_create(actor=None, school=tree.school_a, year=year, grade=6, name="6A1")

    code, out, _ = run_import(
        "classes",
        write_xlsx(tmp_path / "lop.xlsx", CLASS_HEADERS, [["6A1", 7, None, None]]),
        tree.school_a,
    )

    assert (code, out[-1]) == (0, "created=0 updated=1 unchanged=0 rejected=0")
    assert SchoolClass.objects.get().grade == 7


# --- equipment ---------------------------------------------------------------------------------


def test_equipment_is_keyed_by_asset_code_and_rooms_by_code(tmp_path, tree):
    services.room_save(
        actor=None, school=tree.school_a, code="P.TH1", name="Phòng tin học 1", kind="computer"
    )
    rows = [
        ["MT-001", "Máy tính để bàn", "Máy tính", "P.TH1", 20, "Tốt", "15/08/2024"],
        ["MC-001", "Máy chiếu", "projector", None, None, "Cần sửa chữa", None],
    ]
    path = write_xlsx(tmp_path / "tb.xlsx", EQUIPMENT_HEADERS, rows)

    code, out, _ = run_import("equipment", path, tree.school_a, year=None)

    assert (code, out[-1]) == (0, "created=2 updated=0 unchanged=0 rejected=0"), out
    computers = Equipment.objects.get(asset_code="MT-001")
    assert (computers.quantity, computers.room.code, computers.acquired_on) == (
        20,
        "P.TH1",
        date(2024, 8, 15),
    )
    projector = Equipment.objects.get(asset_code="MC-001")
    assert (projector.category, projector.condition, projector.quantity) == ("projector", "fair", 1)
    rows[1][5] = "Hỏng"
    code, out, _ = run_import(
        "equipment",
        write_xlsx(tmp_path / "b.xlsx", EQUIPMENT_HEADERS, rows),
        tree.school_a,
        year=None,
    )
    assert (code, out[-1]) == (0, "created=0 updated=1 unchanged=1 rejected=0")
    assert Equipment.objects.get(asset_code="MC-001").condition == "broken"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (["X1", "Bàn", "Ghế đá", None, 1, None, None], "«Ghế đá» không có trong danh sách"),
        (["X1", "Bàn", "Bàn ghế", "P.99", 1, None, None], "Trường không có phòng mã P.99"),
        (["X1", "Bàn", "Bàn ghế", None, 0, None, None], "Số lượng phải từ 1 trở lên"),
        (["X1", "Bàn", "Bàn ghế", None, 2.5, None, None], "«2.5» không phải là số nguyên"),
        (["X1", None, "Bàn ghế", None, 1, None, None], "Ô «Tên thiết bị» không được để trống"),
    ],
)
def test_invalid_equipment_rows_are_rejected(tmp_path, tree, row, reason):
    code, out, _ = run_import(
        "equipment",
        write_xlsx(tmp_path / "tb.xlsx", EQUIPMENT_HEADERS, [row]),
        tree.school_a,
        year=None,
    )

    assert (code, out[-1]) == (1, "created=0 updated=0 unchanged=0 rejected=1")
    assert reason in out[0]
    assert not Equipment.objects.exists() and Room.objects.count() == 0
