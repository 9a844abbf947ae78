"""Import 100,000 learners from one xlsx, against a floor.

Figure: `registry.importers.run_import` (what `hocso import students` runs), all-or-nothing mode,
into an empty school: reading, validating every cell and ID, matching, and writing the learners
plus their enrollments, classes, guardians and guardian links.
Floor: the most direct way to put the same rows in the same table — python-calamine reads the
file, and one `executemany` inserts the learner rows into registry_student in one transaction
(no validation, no enrollments or guardians).

Prints: import_students: 100000 rows X s; floor Y s; ratio R   (then a re-import line)
Set N to change the row count; HOCSO_BENCH_DATABASE_URL to run on PostgreSQL.
"""

import os
import random
import sys
from datetime import date, datetime

from _setup import BENCH_DIR, Stopwatch, say, use_database

N = int(os.environ.get("N", "100000"))
HEADERS = ["Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Số định danh cá nhân",
           "Mã định danh Bộ GD&ĐT", "Lớp", "Khối", "Địa chỉ", "Họ tên phụ huynh",
           "Số điện thoại phụ huynh", "Quan hệ", "Thiết bị học trực tuyến", "Internet tại nhà"]  # fmt: skip


def make_file(path) -> None:
    from openpyxl import Workbook

    rng = random.Random(1)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADERS)
    for n in range(N):
        female = n % 2
        grade = 6 + n % 4
        year = 2013 - (grade - 6)
        sheet.append([
            f"Nguyễn {'Thị' if female else 'Văn'} Học {n}", date(year, 1 + n % 12, 1 + n % 28),
            "Nữ" if female else "Nam", rng.choice(["Kinh", "Khơ-me", "Hoa"]),
            f"084{2 + female}{year % 100:02d}{n:06d}", f"84{n:08d}", f"{grade}A{1 + (n // 4) % 40}",
            grade, f"Ấp {n % 50}, xã Phước Hưng", f"Nguyễn Văn Cha {n}", f"09{n:08d}", "Cha",
            "Dùng chung điện thoại", "Có",
        ])  # fmt: skip
    workbook.save(path)


def fresh_database() -> None:
    """Drop every row the previous run left, keeping the migrated schema."""
    from django.db import transaction

    from hocso.accounts.models import AuditEntry
    from hocso.orgs.models import OrgUnit, SchoolYear
    from hocso.registry.models import (
        Enrollment,
        Guardian,
        Guardianship,
        ImportJob,
        SchoolClass,
        Student,
    )  # fmt: skip

    with transaction.atomic():
        for model in (Guardianship, Enrollment, Guardian, Student, SchoolClass, ImportJob,
                      AuditEntry, OrgUnit, SchoolYear):  # fmt: skip
            model.objects.all().delete()


def floor(path, school_id: int) -> float:
    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    with Stopwatch() as watch:
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[1:]
        now = datetime.now().astimezone()
        params = [
            (r[0], r[0].lower(), r[1], "F" if r[2] == "Nữ" else "M", r[4], now, now, school_id,
             "01", r[5], r[8], "shared_phone", True, "studying")
            for r in rows
        ]  # fmt: skip
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO registry_student (full_name, search_name, date_of_birth, gender, "
                "national_id, created_at, updated_at, school_id, ethnicity, moet_code, address, "
                "device_access, internet_at_home, status) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                params,
            )
    from hocso.registry.models import Student

    Student.objects.all().delete()
    return watch.seconds


def main() -> None:
    use_database("import")
    from hocso.orgs.models import OrgKind, SchoolType
    from hocso.orgs.services import orgunit_create, schoolyear_get_or_create
    from hocso.registry.importers import run_import

    path = BENCH_DIR / f"students_{N}.xlsx"
    if not path.exists():
        say(f"bench_import: writing {path.name} once…")
        make_file(path)
    fresh_database()
    province = orgunit_create(actor=None, code="84", name="Trà Vinh", kind="province")
    school = orgunit_create(
        actor=None, code="84000001", name="Trường THCS Bench", kind=OrgKind.SCHOOL,
        parent=province, school_type=SchoolType.LOWER_SECONDARY,
    )  # fmt: skip
    schoolyear_get_or_create(code="2025-2026")

    floor_seconds = floor(path, school.pk)
    with Stopwatch() as watch:
        result = run_import(
            kind="students", path=path, school=school, year_code="2025-2026", actor=None
        )
    assert result.summary_line == f"created={N} updated=0 unchanged=0 rejected=0", (
        result.summary_line
    )
    print(
        f"import_students: {N} rows {watch.seconds:.1f} s; floor {floor_seconds:.1f} s; "
        f"ratio {watch.seconds / floor_seconds:.1f}"
    )
    with Stopwatch() as again:
        result = run_import(
            kind="students", path=path, school=school, year_code="2025-2026", actor=None
        )
    assert result.summary_line == f"created=0 updated=0 unchanged={N} rejected=0"
    print(
        f"reimport_students_unchanged: {N} rows {again.seconds:.1f} s; floor {floor_seconds:.1f} s; "
        f"ratio {again.seconds / floor_seconds:.1f}"
    )


if __name__ == "__main__":
    sys.exit(main())
