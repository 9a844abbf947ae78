"""`hocso import students`: identity, classes and enrollments, modes, idempotence, exit codes."""

import subprocess
import unicodedata
from datetime import date

import pytest

from hocso.accounts.models import AuditEntry
from hocso.registry import services
from hocso.registry.models import (
    Enrollment,
    EnrollmentEnd,
    EnrollmentStart,
    Guardian,
    Guardianship,
    SchoolClass,
    Student,
)

from ._spreadsheets import STUDENT_HEADERS, citizen_id, run_import, student, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(tree, year):
    return tree.school_a  # THCS: grades 6–9


def counts():
    return (
        Student.objects.count(),
        Enrollment.objects.count(),
        SchoolClass.objects.count(),
        Guardian.objects.count(),
        Guardianship.objects.count(),
    )


def test_new_learners_are_created_with_class_enrollment_and_guardian(tmp_path, school):
    path = write_xlsx(
        tmp_path / "hs.xlsx", STUDENT_HEADERS, [student(1), student(2, **{"Lớp": "6a2"})]
    )

    code, out, err = run_import("students", path, school)

    assert (code, out[-1]) == (0, "created=2 updated=0 unchanged=0 rejected=0"), (out, err)
    learner = Student.objects.get(national_id=citizen_id(1))
    assert learner.full_name == "Thạch Sô Phal 1"
    assert (learner.gender, learner.ethnicity, learner.date_of_birth) == (
        "M",
        "05",
        date(2013, 3, 14),
    )
    assert learner.moet_code == "8400000001"
    assert learner.device_access == "shared_phone" and learner.internet_at_home is True
    enrollment = learner.enrollments.get()
    assert (enrollment.school_class.name, enrollment.school_class.grade) == ("6A1", 6)
    assert enrollment.end_date is None and enrollment.start_reason == EnrollmentStart.ADMISSION
    assert (
        Student.objects.get(national_id=citizen_id(2)).enrollments.get().school_class.name == "6A2"
    )
    guardian = learner.guardians.get()
    assert (guardian.full_name, guardian.phone) == ("Thạch Sa Rum 1", "0900000001")
    assert learner.guardianship_set.get().relationship == "father"


def test_reimporting_the_same_file_changes_nothing(tmp_path, school):
    path = write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, [student(n) for n in range(1, 6)])
    assert run_import("students", path, school)[0] == 0
    before = counts()
    stamps = list(Student.objects.order_by("pk").values_list("updated_at", flat=True))

    code, out, _ = run_import("students", path, school)

    assert (code, out[-1]) == (0, "created=0 updated=0 unchanged=5 rejected=0")
    assert counts() == before
    assert list(Student.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps


def test_edited_file_updates_only_the_changed_rows(tmp_path, school):
    rows = [student(n) for n in range(1, 5)]
    run_import("students", write_xlsx(tmp_path / "a.xlsx", STUDENT_HEADERS, rows), school)
    untouched = Student.objects.get(national_id=citizen_id(1)).updated_at
    rows[1]["Địa chỉ"] = "Khóm 3, phường 1"
    rows[2]["Lớp"] = "6A3"  # class change within the year
    rows[3]["Quan hệ"] = "Mẹ"

    code, out, _ = run_import(
        "students", write_xlsx(tmp_path / "b.xlsx", STUDENT_HEADERS, rows), school
    )

    assert (code, out[-1]) == (0, "created=0 updated=3 unchanged=1 rejected=0")
    assert Student.objects.count() == 4
    assert Student.objects.get(national_id=citizen_id(1)).updated_at == untouched
    assert Student.objects.get(national_id=citizen_id(2)).address == "Khóm 3, phường 1"
    moved = Student.objects.get(national_id=citizen_id(3))
    active = moved.enrollments.filter(end_date__isnull=True)
    assert [e.school_class.name for e in active] == ["6A3"]
    assert Guardianship.objects.get(student__national_id=citizen_id(4)).relationship == "mother"


def test_learner_matched_by_moet_code_when_national_id_is_blank(tmp_path, school):
    run_import("students", write_xlsx(tmp_path / "a.xlsx", STUDENT_HEADERS, [student(1)]), school)
    row = student(1, **{"Số định danh cá nhân": None, "Họ và tên": "Thạch Sô Phal Một"})

    code, out, _ = run_import(
        "students", write_xlsx(tmp_path / "b.xlsx", STUDENT_HEADERS, [row]), school
    )

    assert (code, out[-1]) == (0, "created=0 updated=1 unchanged=0 rejected=0")
    learner = Student.objects.get()
    assert learner.full_name == "Thạch Sô Phal Một"
    assert learner.national_id == citizen_id(1)  # a blank identifier cell never erases one


def test_national_id_of_one_learner_and_moet_code_of_another_is_rejected(tmp_path, school):
    run_import(
        "students",
        write_xlsx(tmp_path / "a.xlsx", STUDENT_HEADERS, [student(1), student(2)]),
        school,
    )
    mixed = student(1, **{"Mã định danh Bộ GD&ĐT": "8400000002"})

    code, out, _ = run_import(
        "students", write_xlsx(tmp_path / "b.xlsx", STUDENT_HEADERS, [mixed]), school
    )

    assert (code, out[-1]) == (1, "created=0 updated=0 unchanged=0 rejected=1")
    assert "Dòng 2, cột «Mã định danh Bộ GD&ĐT», giá trị «8400000002»" in out[0]
    assert "Thạch Sô Phal 2" in out[0]


def test_duplicate_learner_within_the_file_is_rejected_naming_the_first_row(tmp_path, school):
    rows = [student(1), student(2), student(3, **{"Số định danh cá nhân": citizen_id(1)})]

    code, out, _ = run_import(
        "students", write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, rows), school
    )

    assert (code, out[-1]) == (1, "created=0 updated=0 unchanged=0 rejected=1")
    assert out[0] == (
        f"Dòng 4, cột «Số định danh cá nhân», giá trị «{citizen_id(1)}»: Trùng với dòng 2 của tệp"
    )
    assert Student.objects.count() == 0


def test_learner_studying_at_another_school_is_rejected_not_transferred(
    tmp_path, tree, school, year
):
    other_class = services.class_create(
        actor=None, school=tree.school_c, year=year, grade=10, name="10A1"
    )
    learner = services.student_create(
        actor=None, school=tree.school_c, full_name="Sơn Thị Mo Ni", gender="F",
        date_of_birth=date(2010, 1, 2), national_id=citizen_id(7, female=True, year=2010),
    )  # fmt: skip
    services.student_enroll(
        actor=None, student=learner, school_class=other_class, start_date=year.start_date
    )
    row = student(7, **{"Họ và tên": "Sơn Thị Mo Ni", "Giới tính": "Nữ", "Ngày sinh": "02/01/2010",
                        "Số định danh cá nhân": learner.national_id})  # fmt: skip

    code, out, _ = run_import(
        "students", write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, [row]), school, "--partial"
    )

    assert (code, out[-1]) == (1, "created=0 updated=0 unchanged=0 rejected=1")
    assert "THPT Trà Cú" in out[0] and "chuyển trường" in out[0]
    learner.refresh_from_db()
    assert learner.school == tree.school_c
    assert learner.enrollments.get(end_date__isnull=True).school_class == other_class


def test_one_bad_row_writes_nothing_by_default(tmp_path, school):
    rows = [student(1), student(2, **{"Giới tính": "X"}), student(3)]
    before = counts()

    code, out, _ = run_import(
        "students", write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, rows), school
    )

    assert (code, out[-1]) == (1, "created=0 updated=0 unchanged=0 rejected=1")
    assert counts() == before
    assert not AuditEntry.objects.filter(action="import").exists()
    assert "Các dòng hợp lệ: 2 thêm mới, 0 cập nhật, 0 không đổi." in out


def test_partial_writes_the_valid_rows_and_reports_the_rest(tmp_path, school):
    rows = [student(1), student(2, **{"Giới tính": "X"}), student(3)]

    code, out, _ = run_import(
        "students", write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, rows), school, "--partial"
    )

    assert (code, out[-1]) == (1, "created=2 updated=0 unchanged=0 rejected=1")
    assert (
        out[0]
        == "Dòng 3, cột «Giới tính», giá trị «X»: Giới tính «X» không hợp lệ; hãy ghi Nam hoặc Nữ"
    )
    assert set(Student.objects.values_list("national_id", flat=True)) == {
        citizen_id(1),
        citizen_id(3),
    }


def test_dry_run_reports_the_counts_and_writes_nothing(tmp_path, school):
    run_import("students", write_xlsx(tmp_path / "a.xlsx", STUDENT_HEADERS, [student(1)]), school)
    before = counts()
    rows = [student(1, **{"Địa chỉ": "Mới"}), student(2), student(3, **{"Lớp": "7A1", "Khối": 7})]

    code, out, _ = run_import(
        "students", write_xlsx(tmp_path / "b.xlsx", STUDENT_HEADERS, rows), school, "--dry-run"
    )

    assert (code, out[-1]) == (0, "created=2 updated=1 unchanged=0 rejected=0")
    assert counts() == before
    assert Student.objects.get().address == "Ấp Chợ, xã Phước Hưng"


def test_dry_run_does_not_leave_a_new_school_year_behind(tmp_path, school):
    from hocso.orgs.models import SchoolYear

    path = write_xlsx(
        tmp_path / "hs.xlsx", STUDENT_HEADERS, [student(1, **{"Ngày sinh": "14/03/2013"})]
    )

    code, out, _ = run_import("students", path, school, "--dry-run", year="2026-2027")

    assert (code, out[-1]) == (0, "created=1 updated=0 unchanged=0 rejected=0")
    assert not SchoolYear.objects.filter(code="2026-2027").exists()


def test_a_successful_import_writes_one_audit_entry(tmp_path, school):
    path = write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, [student(n) for n in range(1, 4)])

    run_import("students", path, school)

    entry = AuditEntry.objects.get(action="import")
    assert entry.org_unit == school
    assert entry.detail | {} == entry.detail and entry.detail["kind"] == "students"
    assert (entry.detail["created"], entry.detail["rejected"]) == (3, 0)


def test_nfd_input_is_stored_nfc_and_stray_spaces_trimmed(tmp_path, school):
    nfd = unicodedata.normalize("NFD", "  Nguyễn   Thị  Hoa  ")
    row = student(
        1,
        **{"Họ và tên": nfd, "Giới tính": "Nữ", "Số định danh cá nhân": citizen_id(1, female=True)},
    )

    code, out, _ = run_import(
        "students", write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, [row]), school
    )

    assert code == 0, out
    learner = Student.objects.get()
    assert learner.full_name == "Nguyễn Thị Hoa"
    assert unicodedata.is_normalized("NFC", learner.full_name)
    assert learner.search_name == "nguyen thi hoa"


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("Giới tính", "Không rõ", "Giới tính «Không rõ» không hợp lệ; hãy ghi Nam hoặc Nữ"),
        ("Dân tộc", "Kinhh", "Dân tộc «Kinhh» không có trong danh mục 54 dân tộc"),
        ("Số định danh cá nhân", "084313000001",
         "Chữ số thứ 4 (3) ứng với giới tính Nữ, không khớp với giới tính đã khai"),
        ("Số định danh cá nhân", "084212000001",
         "Số định danh ứng với năm sinh 2012, không khớp với năm sinh 2013"),
        ("Số định danh cá nhân", "099213000001", "Mã tỉnh 099 (3 chữ số đầu) không có trong danh mục"),
        ("Mã định danh Bộ GD&ĐT", "84-0001", "Mã định danh Bộ GD&ĐT phải gồm đúng 10 chữ số"),
        ("Họ và tên", "", "Ô «Họ và tên» không được để trống"),
        ("Quan hệ", "Hàng xóm", "«Hàng xóm» không có trong danh sách: Cha, Mẹ, Người giám hộ"),
        ("Internet tại nhà", "Đôi khi", "«Đôi khi» không hợp lệ; hãy ghi Có hoặc Không"),
        ("Số điện thoại phụ huynh", "12345",
         "Số điện thoại «12345» không hợp lệ; cần 10 hoặc 11 chữ số, bắt đầu bằng 0"),
        ("Khối", 10, "Khối 10 không có ở THCS Lý Tự Trọng"),
    ],
)  # fmt: skip
def test_invalid_cell_is_rejected_with_row_column_value_and_reason(
    tmp_path, school, column, value, reason
):
    path = write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, [student(1, **{column: value})])

    code, out, _ = run_import("students", path, school)

    assert (code, out[-1]) == (1, "created=0 updated=0 unchanged=0 rejected=1")
    shown = f", giá trị «{value}»" if value != "" else ""
    assert out[0] == f"Dòng 2, cột «{column}»{shown}: {reason}"
    assert Student.objects.count() == 0


def test_learner_without_any_identifier_is_rejected(tmp_path, school):
    row = student(1, **{"Số định danh cá nhân": None, "Mã định danh Bộ GD&ĐT": None})

    code, out, _ = run_import(
        "students", write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, [row]), school
    )

    assert code == 1
    assert "Cần số định danh cá nhân hoặc mã định danh Bộ GD&ĐT" in out[0]


def test_new_class_needs_a_grade_the_school_teaches(tmp_path, tree, year):
    headers = [h for h in STUDENT_HEADERS if h != "Khối"]
    rows = [student(1, **{"Lớp": "6A9"}), student(2, **{"Lớp": "Chuyên Anh"})]

    code, out, _ = run_import(
        "students", write_xlsx(tmp_path / "hs.xlsx", headers, rows), tree.school_a, "--partial"
    )

    assert (code, out[-1]) == (1, "created=1 updated=0 unchanged=0 rejected=1")
    assert SchoolClass.objects.get().grade == 6  # read from the class name
    assert "Lớp CHUYÊN ANH chưa có trong năm học 2025-2026" in out[0]


def test_class_of_another_grade_than_written_is_rejected(tmp_path, school, year):
    services.class_create(actor=None, school=school, year=year, grade=7, name="7A1")
    row = student(1, **{"Lớp": "7A1", "Khối": 6})

    code, out, _ = run_import(
        "students", write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, [row]), school
    )

    assert code == 1
    assert out[0].endswith("Lớp 7A1 của năm học 2025-2026 thuộc khối 7")


def test_learner_of_last_year_is_promoted_into_this_years_class(tmp_path, school, year):
    from tests.factories import make_year

    last_year = make_year("2024-2025")
    old_class = services.class_create(
        actor=None, school=school, year=last_year, grade=6, name="6A1"
    )
    learner = services.student_create(
        actor=None, school=school, full_name="Thạch Sô Phal 1", gender="M",
        date_of_birth=date(2013, 3, 14), national_id=citizen_id(1), ethnicity="05",
    )  # fmt: skip
    services.student_enroll(
        actor=None, student=learner, school_class=old_class, start_date=last_year.start_date
    )

    row = student(1, **{"Lớp": "7A1", "Khối": 7})
    code, out, _ = run_import(
        "students", write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, [row]), school
    )

    assert (code, out[-1]) == (0, "created=0 updated=1 unchanged=0 rejected=0")
    old, new = learner.enrollments.order_by("start_date")
    assert (old.end_reason, old.end_date) == (EnrollmentEnd.YEAR_END, last_year.end_date)
    assert (new.school_class.name, new.year, new.start_reason) == (
        "7A1",
        year,
        EnrollmentStart.PROMOTION,
    )


def test_siblings_share_one_guardian_matched_by_phone(tmp_path, school):
    rows = [
        student(1, **{"Số điện thoại phụ huynh": "0912345678"}),
        student(
            2, **{"Họ tên phụ huynh": "Thạch Sa Rum 1", "Số điện thoại phụ huynh": "0912345678"}
        ),
    ]

    code, out, _ = run_import(
        "students", write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, rows), school
    )

    assert code == 0, out
    guardian = Guardian.objects.get()
    assert guardian.students.count() == 2


def test_one_phone_written_for_two_guardian_names_is_rejected(tmp_path, school):
    rows = [
        student(1, **{"Số điện thoại phụ huynh": "0912345678"}),
        student(2, **{"Số điện thoại phụ huynh": "0912345678"}),
    ]

    code, out, _ = run_import(
        "students", write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, rows), school
    )

    assert code == 1
    assert out[0].startswith("Dòng 3, cột «Số điện thoại phụ huynh», giá trị «0912345678»")
    assert "Thạch Sa Rum 1" in out[0] and "dòng 2" in out[0]


def test_messages_are_available_in_english(tmp_path, school, settings):
    # A catalogue with the two messages this row produces (the project's own English catalogue
    # is made in one pass at release time; this checks the messages go through gettext).
    po = tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Dòng %(row)s, cột «%(column)s», giá trị «%(value)s»: %(reason)s"\n'
        'msgstr "Row %(row)s, column “%(column)s”, value “%(value)s”: %(reason)s"\n\n'
        'msgid "Giới tính «%(value)s» không hợp lệ; hãy ghi Nam hoặc Nữ"\n'
        'msgstr "Gender “%(value)s” is not valid; write Nam (male) or Nữ (female)"\n',
        encoding="utf-8",
    )
    subprocess.run(["msgfmt", "-o", str(po.with_suffix(".mo")), str(po)], check=True)
    settings.LOCALE_PATHS = [tmp_path / "locale", *settings.LOCALE_PATHS]
    path = write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, [student(1, **{"Giới tính": "X"})])

    code, out, _ = run_import("students", path, school, "--lang", "en")

    assert code == 1
    assert out[0] == (
        "Row 2, column “Giới tính”, value “X”: Gender “X” is not valid; write Nam (male) or Nữ (female)"
    )
    assert out[-1] == "created=0 updated=0 unchanged=0 rejected=1"


def test_a_learner_recorded_at_another_school_needs_write_access_there(
    tmp_path, tree, school, users
):
    from hocso.registry.importers import run_import as import_file

    learner = services.student_create(
        actor=None, school=tree.school_c, full_name="Danh Thị Sô Phia", gender="F",
        date_of_birth=date(2013, 4, 5), national_id=citizen_id(9, female=True),
    )  # fmt: skip
    row = student(9, **{"Họ và tên": "Danh Thị Sô Phia", "Giới tính": "Nữ", "Ngày sinh": "05/04/2013",
                        "Số định danh cá nhân": learner.national_id})  # fmt: skip
    path = write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, [row])

    refused = import_file(
        kind="students", path=path, school=school, year_code="2025-2026", actor=users.admin_a
    )
    admitted = import_file(
        kind="students", path=path, school=school, year_code="2025-2026", actor=users.province
    )

    assert refused.rejected == 1 and "bạn không có quyền" in refused.errors[0].reason
    assert (admitted.updated, admitted.rejected) == (1, 0)
    learner.refresh_from_db()
    assert learner.school == school
    assert learner.enrollments.get().school_class.name == "6A1"


def test_records_created_after_an_import_get_fresh_ids(tmp_path, school):
    run_import(
        "students",
        write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, [student(1), student(2)]),
        school,
    )
    imported = set(Student.objects.values_list("pk", flat=True))

    later = services.student_create(actor=None, school=school, full_name="Lý Văn Tư", gender="M",
                                    moet_code="8499999999")  # fmt: skip

    assert later.pk > max(imported)


def test_the_import_refuses_an_actor_without_write_access_at_the_school(
    tmp_path, tree, school, users
):
    from django.core.exceptions import PermissionDenied

    from hocso.registry.importers import run_import as import_file

    path = write_xlsx(tmp_path / "hs.xlsx", STUDENT_HEADERS, [student(1)])

    with pytest.raises(PermissionDenied):
        import_file(
            kind="students", path=path, school=school, year_code="2025-2026", actor=users.admin_c
        )
    assert Student.objects.count() == 0
