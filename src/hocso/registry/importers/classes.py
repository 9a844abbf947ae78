"""Importing the classes of a school year: keyed by (school, year, class name), grade checked
against the school type, homeroom teacher found among the school's staff by national ID or by a
name that only one of them has.
"""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop as N_

from ..models import SchoolClass, Staff
from ..services import validate_grade
from . import cells as C
from .base import CREATED, UNCHANGED, UPDATED, BaseImporter, Row, citizen_id_structure_ok
from .cells import fast_fold
from .columns import CLASS_SPEC


class ClassImporter(BaseImporter):
    spec = CLASS_SPEC

    def parse_row(self, row: Row, cells: dict) -> None:
        values = row.values
        name = self.read_text(row, cells, "class_name", max_length=20, required=True)
        values["class_name"] = name.upper()
        raw_grade = cells.get("grade")
        grade = self.read(row, cells, "grade", C.integer)
        if grade is None and C.is_blank(raw_grade):
            self.reject(row, "grade", "", N_("Ô «%(column)s» không được để trống"))
        elif grade is not None:
            try:
                validate_grade(self.school, grade)
            except ValidationError:
                self.reject(row, "grade", raw_grade, N_("Khối %(grade)s không có ở %(school)s"),
                            grade=grade, school=self.school.name)  # fmt: skip
        values["grade"] = grade
        if "homeroom_teacher" in self.index:
            values["homeroom_teacher"] = self.read_text(
                row, cells, "homeroom_teacher", max_length=150
            )
        if "homeroom_national_id" in self.index:
            raw = cells.get("homeroom_national_id")
            row.cells["homeroom_national_id"] = raw
            values["homeroom_national_id"] = self.read(
                row, cells, "homeroom_national_id", C.identifier, length=12, max_lost_zeros=2,
                valid=citizen_id_structure_ok,
            )  # fmt: skip

    def plan(self) -> None:
        self.duplicates_within_file("class_name")
        existing = {
            c.name: c for c in SchoolClass.objects.filter(school=self.school, year=self.year)
        }
        staff = list(Staff.objects.filter(school=self.school))
        by_id = {s.national_id: s for s in staff if s.national_id}
        by_name = defaultdict(list)
        for member in staff:
            by_name[member.search_name].append(member)
        teacher_columns = {"homeroom_teacher", "homeroom_national_id"} & set(self.index)
        for row in self.rows:
            if not row.ok:
                continue
            values = row.values
            wanted = {"grade": values["grade"]}
            if teacher_columns:
                teacher = self._teacher(row, by_id, by_name)
                if not row.ok:
                    continue
                wanted["homeroom_teacher_id"] = teacher.pk if teacher else None
            school_class = existing.get(values["class_name"])
            if school_class is None:
                row.status = CREATED
                row.changes = wanted
                continue
            row.target = school_class
            row.changes = self.diff(school_class, wanted, wanted)
            row.status = UPDATED if row.changes else UNCHANGED
        self.finish_plan()

    def _teacher(self, row: Row, by_id: dict, by_name: dict) -> Staff | None:
        name = row.values.get("homeroom_teacher", "")
        national_id = row.values.get("homeroom_national_id")
        if national_id:
            teacher = by_id.get(national_id)
            if teacher is None:
                self.reject(row, "homeroom_national_id", row.cells.get("homeroom_national_id", ""),
                            N_("Không có cán bộ nào của trường có số định danh %(id)s"),
                            id=national_id)  # fmt: skip
            elif name and fast_fold(name) != teacher.search_name:
                self.reject(row, "homeroom_teacher", name,
                            N_("Số định danh GVCN là của %(name)s, không khớp với họ tên đã ghi"),
                            name=teacher.full_name)  # fmt: skip
            return teacher
        if not name:
            return None
        found = by_name.get(fast_fold(name), [])
        if not found:
            self.reject(row, "homeroom_teacher", name,
                        N_("Không có cán bộ nào của trường tên %(name)s"), name=name)  # fmt: skip
            return None
        if len(found) > 1:
            self.reject(row, "homeroom_teacher", name,
                        N_("Trường có %(count)s cán bộ tên %(name)s; hãy ghi thêm số định danh GVCN"),
                        count=len(found), name=name)  # fmt: skip
            return None
        return found[0]

    def write(self) -> None:
        created, updated, fields = [], [], set()
        for row in self.rows:
            if row.status == CREATED:
                created.append(
                    SchoolClass(
                        school=self.school,
                        year=self.year,
                        name=row.values["class_name"],
                        **row.changes,
                    )  # fmt: skip
                )
            elif row.status == UPDATED:
                for field, value in row.changes.items():
                    setattr(row.target, field, value)
                fields.update(row.changes)
                updated.append(row.target)
        SchoolClass.objects.bulk_create(created, batch_size=1000)
        if updated:
            SchoolClass.objects.bulk_update(updated, sorted(fields), batch_size=500)
