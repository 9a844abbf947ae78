"""Importing learners: identity by national ID, else MOET code; class and enrollment per school year;
one guardian per row.

Rules beyond the cell checks:
- never a second record for one person: duplicates within the file are rejected, and an ID that
  matches one learner while the MOET code matches another is rejected;
- a learner whose active enrollment is at another school is rejected (imports never transfer:
  that is the transfer function's job); a learner recorded at another school without an active
  enrollment can be admitted here only by someone who may write at that school;
- the class named on the row is created for the school year when missing (its grade checked
  against the school type), and the learner's active enrollment is made to be in it: admission
  when there is none, a class change within the year, promotion/repeat from an earlier year;
- blank identifier cells never erase a stored identifier; a blank "Dân tộc" keeps the stored
  group (Kinh for a new learner); every other column present in the file is taken as written.
"""

import re
from datetime import date
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from hocso.core import bulk
from hocso.orgs.models import OrgUnit

from .. import rules
from ..models import (
    Enrollment,
    EnrollmentEnd,
    EnrollmentStart,
    Guardian,
    Guardianship,
    Relationship,
    SchoolClass,
    Student,
    StudentStatus,
)
from ..services import check_write, validate_grade
from . import cells as C
from .base import (
    CREATED,
    UNCHANGED,
    UPDATED,
    BaseImporter,
    Row,
    chunked,
    citizen_id_structure_ok,
    ethnicity_code,
    fetch_by,
    id_problem_messages,
    values_by,
)
from .cells import fast_fold
from .columns import DEVICE_ACCESS, RELATIONSHIP, STUDENT_SPEC

PERSON_FIELDS = (
    "full_name", "date_of_birth", "gender", "ethnicity", "national_id", "moet_code", "address",
    "device_access", "internet_at_home",
)  # fmt: skip
_KEEP_WHEN_BLANK = ("ethnicity", "national_id", "moet_code")
_LEADING_GRADE = re.compile(r"^(\d{1,2})")


class ActiveEnrollment(NamedTuple):
    """What the plan needs of a learner's open enrollment (read as plain values, not models)."""

    id: int
    student_id: int
    school_id: int
    year_id: int
    school_class_id: int
    start_date: date
    school_class__grade: int
    school__name: str
    year__code: str
    year__start_date: date
    year__end_date: date


class GuardianAction(NamedTuple):
    link_id: int | None  # the existing guardianship to update, or None to create one
    guardian_id: int | None  # the existing guardian, or None to create one
    name: str
    phone: str
    relationship: str  # for a new link: its relationship; for an existing one: the new one or ""
    rename: str  # the guardian's new name, or ""


def _other_name(name: str, other: str) -> bool:
    """Two names that differ beyond case and diacritics-insensitive spelling."""
    return bool(name and other and name != other and fast_fold(name) != fast_fold(other))


def effective_date(year) -> date:
    """The day enrollment changes take effect: today, kept within the school year."""
    return min(max(date.today(), year.start_date), year.end_date)


class StudentImporter(BaseImporter):
    spec = STUDENT_SPEC

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.on: date | None = None  # when enrollment changes take effect
        self.active: dict[int, ActiveEnrollment] = {}  # student id → open enrollment
        self.with_history: set[int] = (
            set()
        )  # students without an open enrollment but with past ones
        self.classes: dict[str, SchoolClass] = {}  # this school year's classes by name
        self.new_classes: dict[str, SchoolClass] = {}  # classes the file needs, to create

    # --- parse --------------------------------------------------------------------------------

    def parse_row(self, row: Row, cells: dict) -> None:
        values = row.values
        values["full_name"] = self.read_text(row, cells, "full_name", max_length=150, required=True)
        dob = None
        if "date_of_birth" in self.index:
            dob = values["date_of_birth"] = self.read_birth_date(row, cells, "date_of_birth")
        gender = values["gender"] = self.read_gender(row, cells)
        if "ethnicity" in self.index:
            raw = cells.get("ethnicity")
            code = None
            if not C.is_blank(raw):
                code = ethnicity_code(C.text(raw))
                if code is None:
                    self.reject(row, "ethnicity", raw,
                                N_("Dân tộc «%(value)s» không có trong danh mục 54 dân tộc"),
                                value=C.shown(raw))  # fmt: skip
            values["ethnicity"] = code
        national_id = moet = None
        id_error = False
        if "national_id" in self.index:
            raw = cells.get("national_id")
            count = len(row.problems)
            national_id = self.read(
                row, cells, "national_id", C.identifier, length=12, max_lost_zeros=2,
                valid=citizen_id_structure_ok,
            )  # fmt: skip
            id_error = len(row.problems) > count
            if national_id:
                row.cells["national_id"] = raw
                for message, params in id_problem_messages(
                    national_id, gender=gender, date_of_birth=dob
                ):
                    self.reject(row, "national_id", raw, message, **params)
            values["national_id"] = national_id
        if "moet_code" in self.index:
            raw = cells.get("moet_code")
            count = len(row.problems)
            moet = self.read(
                row, cells, "moet_code", C.identifier, length=10, max_lost_zeros=1,
                valid=lambda value: True,
            )  # fmt: skip
            id_error = id_error or len(row.problems) > count
            if moet:
                row.cells["moet_code"] = raw
                if rules.moet_code_problems(moet):
                    self.reject(row, "moet_code", raw,
                                N_("Mã định danh Bộ GD&ĐT phải gồm đúng 10 chữ số"))  # fmt: skip
            values["moet_code"] = moet
        if not national_id and not moet and not id_error:
            key = "national_id" if "national_id" in self.index else "moet_code"
            self.reject(row, key, "",
                        N_("Cần số định danh cá nhân hoặc mã định danh Bộ GD&ĐT để nhận diện học sinh"))  # fmt: skip
        class_name = self.read_text(row, cells, "class_name", max_length=20, required=True)
        values["class_name"] = class_name.upper()
        if "grade" in self.index:
            grade = self.read(row, cells, "grade", C.integer)
            if grade is not None and not 0 <= grade <= 18:
                self.reject(row, "grade", grade, N_("Khối %(grade)s không hợp lệ"), grade=grade)
                grade = None
            values["grade"] = grade
        if "address" in self.index:
            values["address"] = self.read_text(row, cells, "address", max_length=300)
        if "guardian_name" in self.index:
            values["guardian_name"] = self.read_text(row, cells, "guardian_name", max_length=150)
        if "guardian_phone" in self.index:
            values["guardian_phone"] = self.read_phone(row, cells, "guardian_phone")
        if "relationship" in self.index:
            values["relationship"] = self.read_choice(row, cells, "relationship", RELATIONSHIP)
        if "device_access" in self.index:
            values["device_access"] = self.read_choice(row, cells, "device_access", DEVICE_ACCESS)
        if "internet_at_home" in self.index:
            values["internet_at_home"] = self.read(row, cells, "internet_at_home", C.yes_no)

    # --- plan ---------------------------------------------------------------------------------

    def plan(self) -> None:
        self.on = effective_date(self.year)
        self.duplicates_within_file("national_id")
        self.duplicates_within_file("moet_code")
        rows = [r for r in self.rows if r.ok]
        self._match_students(rows)
        rows = [r for r in rows if r.ok]
        self._check_enrollments(rows)
        rows = [r for r in rows if r.ok]
        self._plan_classes(rows)
        rows = [r for r in rows if r.ok]
        self._plan_guardians(rows)
        for row in rows:
            if not row.ok:
                continue
            if row.target is None:
                row.status = CREATED
                continue
            row.changes = self._person_changes(row)
            if row.ok:
                changed = row.changes or row.enrollment_action or row.guardian_action
                row.status = UPDATED if changed else UNCHANGED
        self.finish_plan()

    def _match_students(self, rows: list[Row]) -> None:
        by_id = {
            s.national_id: s
            for s in fetch_by(Student, "national_id",
                              (r.values["national_id"] for r in rows if r.values.get("national_id")))
        }  # fmt: skip
        # The MOET code is looked up only where the national ID did not already settle it.
        by_code_wanted = set()
        for row in rows:
            moet = row.values.get("moet_code")
            found = by_id.get(row.values.get("national_id"))
            if moet and (found is None or found.moet_code != moet):
                by_code_wanted.add(moet)
        by_moet = {s.moet_code: s for s in fetch_by(Student, "moet_code", by_code_wanted)}
        claimed: dict[int, int] = {}
        for row in rows:
            national_id, moet = row.values.get("national_id"), row.values.get("moet_code")
            by_national = by_id.get(national_id) if national_id else None
            by_code = by_moet.get(moet) if moet else None
            if by_national and by_code and by_national.pk != by_code.pk:
                self.reject(
                    row, "moet_code", row.cells.get("moet_code", moet),
                    N_("Số định danh cá nhân là của học sinh %(first)s, còn mã định danh Bộ GD&ĐT "
                       "là của học sinh khác (%(second)s); hãy kiểm tra lại hai mã"),
                    first=by_national.full_name, second=by_code.full_name,
                )  # fmt: skip
                continue
            student = by_national or by_code
            if student is not None:
                first = claimed.setdefault(student.pk, row.number)
                if first != row.number:
                    key = "national_id" if by_national else "moet_code"
                    self.reject(row, key, row.cells.get(key, ""),
                                N_("Dòng này và dòng %(row)s cùng là học sinh %(name)s"),
                                row=first, name=student.full_name)  # fmt: skip
                    continue
                row.target, row.target_id = student, student.pk

    def _identity_key(self, row: Row) -> str:
        if row.values.get("national_id") and row.values["national_id"] == row.target.national_id:
            return "national_id"
        return "moet_code" if "moet_code" in self.index else "national_id"

    def _check_enrollments(self, rows: list[Row]) -> None:
        matched = [r for r in rows if r.target is not None]
        for ids in chunked([r.target_id for r in matched]):
            for values in Enrollment.objects.filter(
                student_id__in=ids, end_date__isnull=True
            ).values_list(*ActiveEnrollment._fields):
                active = ActiveEnrollment(*values)
                self.active[active.student_id] = active
        without_active = [r.target_id for r in matched if r.target_id not in self.active]
        for ids in chunked(without_active):
            self.with_history.update(
                Enrollment.objects.filter(student_id__in=ids).values_list("student_id", flat=True)
            )
        elsewhere = {r.target.school_id for r in matched} - {self.school.pk}
        schools = {s.pk: s for s in OrgUnit.objects.filter(pk__in=elsewhere)}
        for row in matched:
            student = row.target
            current = self.active.get(student.pk)
            key = self._identity_key(row)
            if current is not None and current.school_id != self.school.pk:
                self.reject(
                    row, key, row.cells.get(key, ""),
                    N_("Học sinh %(name)s đang học tại %(school)s; nhập tệp không chuyển trường, "
                       "hãy dùng chức năng chuyển trường"),
                    name=student.full_name, school=current.school__name,
                )  # fmt: skip
            elif current is None and student.school_id != self.school.pk:
                try:
                    check_write(self.actor, schools[student.school_id])
                except PermissionDenied:
                    self.reject(
                        row, key, row.cells.get(key, ""),
                        N_("Học sinh %(name)s thuộc %(school)s; bạn không có quyền cập nhật hồ sơ "
                           "ở trường đó"),
                        name=student.full_name, school=schools[student.school_id].name,
                    )  # fmt: skip
            elif (
                current is not None
                and current.year_id != self.year.pk
                and current.year__start_date > self.year.start_date
            ):
                self.reject(
                    row, "class_name", row.values["class_name"],
                    N_("Học sinh đã có lượt học năm học %(later)s, sau năm học đang nhập"),
                    later=current.year__code,
                )  # fmt: skip

    def _plan_classes(self, rows: list[Row]) -> None:
        self.classes = {
            c.name: c for c in SchoolClass.objects.filter(school=self.school, year=self.year)
        }
        first_row: dict[str, int] = {}
        for row in rows:
            name, grade = row.values["class_name"], row.values.get("grade")
            existing = self.classes.get(name)
            if existing is not None:
                if grade is not None and grade != existing.grade:
                    self.reject(row, "grade", grade,
                                N_("Lớp %(name)s của năm học %(year)s thuộc khối %(grade)s"),
                                name=name, year=self.year.code, grade=existing.grade)  # fmt: skip
                continue
            planned = self.new_classes.get(name)
            if planned is not None:
                if grade is not None and grade != planned.grade:
                    self.reject(row, "grade", grade,
                                N_("Lớp %(name)s đã được ghi khối %(grade)s ở dòng %(row)s"),
                                name=name, grade=planned.grade, row=first_row[name])  # fmt: skip
                continue
            if grade is None:
                match = _LEADING_GRADE.match(name)
                grade = int(match[1]) if match else None
            if grade is None:
                self.reject(row, "class_name", name,
                            N_("Lớp %(name)s chưa có trong năm học %(year)s; hãy ghi cột Khối để tạo lớp"),
                            name=name, year=self.year.code)  # fmt: skip
                continue
            try:
                validate_grade(self.school, grade)
            except ValidationError:
                key = "grade" if "grade" in self.index else "class_name"
                self.reject(row, key, grade if key == "grade" else name,
                            N_("Khối %(grade)s không có ở %(school)s"),
                            grade=grade, school=self.school.name)  # fmt: skip
                continue
            self.new_classes[name] = SchoolClass(
                school=self.school, year=self.year, grade=grade, name=name
            )
            first_row[name] = row.number
        for row in rows:
            if row.ok:
                row.enrollment_action = self._enrollment_action(row)

    def _enrollment_action(self, row: Row):
        """None when the learner is already in the class; else (what, active enrollment) with
        what = open (no active enrollment), move (other class, same year) or promote (a stay
        of an earlier school year)."""
        current = self.active.get(row.target_id) if row.target_id is not None else None
        if current is None:
            return ("open", None)
        existing = self.classes.get(row.values["class_name"])
        if existing is not None and current.school_class_id == existing.pk:
            return None
        if current.year_id == self.year.pk:
            return ("move", current)
        return ("promote", current)

    def _plan_guardians(self, rows: list[Row]) -> None:
        if "guardian_name" not in self.index and "guardian_phone" not in self.index:
            return
        by_phone: dict[str, tuple[int, str]] = {}  # phone → (guardian id, name), oldest first
        phones = {r.values.get("guardian_phone") for r in rows} - {"", None}
        for pk, phone, name in sorted(
            values_by(Guardian, "phone", phones, ["id", "phone", "full_name"]), reverse=True
        ):
            by_phone[phone] = (pk, name)
        # student → [(link id, guardian id, relationship, guardian name, guardian phone)]
        links: dict[int, list[tuple]] = {}
        columns = ("pk", "student_id", "guardian_id", "relationship", "guardian__full_name",
                   "guardian__phone")  # fmt: skip
        for ids in chunked([r.target_id for r in rows if r.target_id is not None]):
            for link_id, student_id, *rest in (
                Guardianship.objects.filter(student_id__in=ids).order_by("pk").values_list(*columns)
            ):
                links.setdefault(student_id, []).append((link_id, *rest))
        name_in_file: dict[str, tuple[str, int]] = {}
        for row in rows:
            name = row.values.get("guardian_name", "")
            phone = row.values.get("guardian_phone", "")
            relationship = row.values.get("relationship", "")
            if not name and not phone:
                continue
            guardian_id, stored_name = None, ""
            if phone:
                first_name, first_row = name_in_file.setdefault(phone, (name, row.number))
                if first_row != row.number and _other_name(name, first_name):
                    self.reject(
                        row, "guardian_phone", phone,
                        N_("Số điện thoại này đã ghi cho phụ huynh %(name)s ở dòng %(row)s"),
                        name=first_name, row=first_row,
                    )  # fmt: skip
                    continue
                guardian_id, stored_name = by_phone.get(phone, (None, ""))
                if guardian_id is None and not name:
                    self.reject(row, "guardian_name", "",
                                N_("Cần họ tên phụ huynh cho số điện thoại %(phone)s"),
                                phone=phone)  # fmt: skip
                    continue
            student_links = links.get(row.target_id, []) if row.target_id is not None else []
            if not phone:
                # No phone: the same name among this learner's guardians without a phone.
                guardian_id, stored_name = next(
                    (
                        (g, n)
                        for _, g, _, n, p in student_links
                        if not p and not _other_name(n, name)
                    ),
                    (None, ""),
                )
            link = next((lk for lk in student_links if guardian_id and lk[1] == guardian_id), None)
            rename = name if guardian_id and name and stored_name != name else ""
            if link is None:
                row.guardian_action = GuardianAction(
                    None, guardian_id, name, phone, relationship or Relationship.GUARDIAN, rename
                )
            else:
                new_relationship = relationship if relationship and relationship != link[2] else ""
                if new_relationship or rename:
                    row.guardian_action = GuardianAction(
                        link[0], guardian_id, name, phone, new_relationship, rename
                    )

    def _person_changes(self, row: Row) -> dict:
        student, values = row.target, row.values
        wanted = {}
        for field in PERSON_FIELDS:
            if field not in values:
                continue
            value = values[field]
            if value is None and field in _KEEP_WHEN_BLANK:
                continue
            wanted[field] = value
        changes = self.diff(student, wanted, PERSON_FIELDS)
        if (
            not values.get("national_id")
            and student.national_id
            and ("gender" in changes or "date_of_birth" in changes)
        ):
            key = "gender" if "gender" in changes else "date_of_birth"
            for message, params in id_problem_messages(
                student.national_id,
                gender=wanted.get("gender", student.gender),
                date_of_birth=wanted.get("date_of_birth", student.date_of_birth),
            ):
                self.reject(row, key, row.values.get(key) or "", message, **params)
        return changes

    # --- write --------------------------------------------------------------------------------

    def write(self) -> None:
        rows = [r for r in self.rows if r.status in (CREATED, UPDATED)]
        needed = {r.values["class_name"] for r in rows}
        new_classes = [c for name, c in self.new_classes.items() if name in needed]
        SchoolClass.objects.bulk_create(new_classes)
        classes = self.classes | {c.name: c for c in new_classes}
        self._create_students([r for r in rows if r.status == CREATED])
        self._update_students([r for r in rows if r.status == UPDATED])
        self._write_enrollments(rows, classes)
        self._write_guardians(rows)

    def _create_students(self, rows: list[Row]) -> None:
        school_id = self.school.pk
        new = []
        for row in rows:
            values = row.values
            new.append({
                "school_id": school_id,
                "full_name": values["full_name"],
                "search_name": fast_fold(values["full_name"]),
                "date_of_birth": values.get("date_of_birth"),
                "gender": values["gender"],
                "ethnicity": values.get("ethnicity") or rules.KINH,
                "national_id": values.get("national_id") or None,
                "moet_code": values.get("moet_code") or None,
                "address": values.get("address", ""),
                "device_access": values.get("device_access", ""),
                "internet_at_home": values.get("internet_at_home"),
                "status": StudentStatus.STUDYING,
            })  # fmt: skip
        for row, pk in zip(rows, bulk.create(Student, new), strict=True):
            row.target_id = pk

    def _update_students(self, rows: list[Row]) -> None:
        now = timezone.now()
        updated, fields = [], set()
        for row in rows:
            student = row.target
            changes = dict(row.changes)
            if (
                row.enrollment_action
                and row.enrollment_action[0] == "open"
                and (
                    student.school_id != self.school.pk or student.status != StudentStatus.STUDYING
                )
            ):
                changes |= {"school": self.school, "status": StudentStatus.STUDYING}
            if not changes:
                continue
            for field, value in changes.items():
                setattr(student, field, value)
            student.search_name = fast_fold(student.full_name)
            student.updated_at = now
            fields.update(changes)
            updated.append(student)
        if updated:
            Student.objects.bulk_update(
                updated, sorted(fields | {"search_name", "updated_at"}), batch_size=500
            )

    def _write_enrollments(self, rows: list[Row], classes: dict[str, SchoolClass]) -> None:
        on = self.on
        closed, corrected, opened = [], [], []
        for row in rows:
            action = row.enrollment_action
            if not action:
                continue
            what, current = action
            school_class = classes[row.values["class_name"]]
            reason = EnrollmentStart.ADMISSION
            if what == "open":
                if row.status == UPDATED and row.target_id in self.with_history:
                    reason = EnrollmentStart.READMISSION
            elif what == "move":
                if current.start_date >= on:
                    # Corrected on the day it was opened: fix the row, no zero-length stay.
                    corrected.append(Enrollment(pk=current.id, school_class=school_class))
                    continue
                closed.append(Enrollment(pk=current.id, end_date=on,
                                         end_reason=EnrollmentEnd.CLASS_CHANGE))  # fmt: skip
                reason = EnrollmentStart.CLASS_CHANGE
            else:  # promote: the stay of an earlier school year ends with that year
                end = max(current.start_date, min(on, current.year__end_date))
                closed.append(Enrollment(pk=current.id, end_date=end,
                                         end_reason=EnrollmentEnd.YEAR_END))  # fmt: skip
                old_grade, new_grade = current.school_class__grade, school_class.grade
                reason = (
                    EnrollmentStart.PROMOTION if new_grade > old_grade
                    else EnrollmentStart.REPEAT if new_grade == old_grade
                    else EnrollmentStart.CLASS_CHANGE
                )  # fmt: skip
            opened.append({
                "student_id": row.target_id, "school_id": self.school.pk,
                "year_id": self.year.pk, "school_class_id": school_class.pk,
                "start_date": on, "start_reason": reason,
            })  # fmt: skip
        if closed:
            Enrollment.objects.bulk_update(closed, ["end_date", "end_reason"], batch_size=500)
        if corrected:
            Enrollment.objects.bulk_update(corrected, ["school_class"], batch_size=500)
        bulk.insert(Enrollment, opened)

    def _write_guardians(self, rows: list[Row]) -> None:
        new_by_key: dict[str, dict] = {}  # by phone; a guardian without a phone is its own
        renamed: dict[int, str] = {}
        relinked: list[Guardianship] = []
        links: list[tuple[Row, object, str]] = []
        for row in rows:
            action = row.guardian_action
            if action is None:
                continue
            if action.rename:
                renamed[action.guardian_id] = action.rename
            if action.link_id is not None:
                if action.relationship:
                    relinked.append(
                        Guardianship(pk=action.link_id, relationship=action.relationship)
                    )
                continue
            guardian = action.guardian_id
            if guardian is None:
                key = action.phone or f"#{row.number}"
                guardian = new_by_key.setdefault(
                    key, {"full_name": action.name, "phone": action.phone}
                )
            links.append((row, guardian, action.relationship))
        new = list(new_by_key.values())
        bulk.create(Guardian, new)
        if renamed:
            Guardian.objects.bulk_update(
                [Guardian(pk=pk, full_name=name) for pk, name in renamed.items()],
                ["full_name"], batch_size=500,
            )  # fmt: skip
        bulk.insert(
            Guardianship,
            [
                {
                    "student_id": row.target_id,
                    "guardian_id": guardian["id"] if isinstance(guardian, dict) else guardian,
                    "relationship": relationship,
                }  # fmt: skip
                for row, guardian, relationship in links
            ],
        )
        if relinked:
            Guardianship.objects.bulk_update(relinked, ["relationship"], batch_size=500)
