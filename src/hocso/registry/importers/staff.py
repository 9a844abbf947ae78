"""Importing staff: matched by national ID, which every row must carry.

A staff member whose main school is another school is rejected: moving staff between schools is
a decision of the office, not a side effect of a spreadsheet.
"""

from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from hocso.orgs.models import OrgUnit

from ..models import Staff
from . import cells as C
from .base import (
    CREATED,
    UNCHANGED,
    UPDATED,
    BaseImporter,
    Row,
    citizen_id_structure_ok,
    fetch_by,
    id_problem_messages,
)
from .cells import fast_fold
from .columns import POSITION, QUALIFICATION, STAFF_SPEC

FIELDS = (
    "full_name", "date_of_birth", "gender", "national_id", "position", "qualification",
    "subjects", "phone", "is_active",
)  # fmt: skip


class StaffImporter(BaseImporter):
    spec = STAFF_SPEC

    def parse_row(self, row: Row, cells: dict) -> None:
        values = row.values
        values["full_name"] = self.read_text(row, cells, "full_name", max_length=150, required=True)
        dob = None
        if "date_of_birth" in self.index:
            dob = values["date_of_birth"] = self.read_birth_date(row, cells, "date_of_birth")
        gender = values["gender"] = self.read_gender(row, cells)
        raw_id = cells.get("national_id")
        count = len(row.problems)
        national_id = self.read(
            row, cells, "national_id", C.identifier, length=12, max_lost_zeros=2,
            valid=citizen_id_structure_ok,
        )  # fmt: skip
        if national_id:
            row.cells["national_id"] = raw_id
            for message, params in id_problem_messages(
                national_id, gender=gender, date_of_birth=dob
            ):
                self.reject(row, "national_id", raw_id, message, **params)
        elif len(row.problems) == count:
            self.reject(row, "national_id", "", N_("Ô «%(column)s» không được để trống"))
        values["national_id"] = national_id
        values["position"] = self.read_choice(row, cells, "position", POSITION, required=True)
        if "qualification" in self.index:
            values["qualification"] = self.read_choice(row, cells, "qualification", QUALIFICATION)
        if "subjects" in self.index:
            values["subjects"] = self.read_text(row, cells, "subjects", max_length=300)
        if "phone" in self.index:
            values["phone"] = self.read_phone(row, cells, "phone")
        if "is_active" in self.index:
            active = self.read(row, cells, "is_active", C.yes_no)
            if active is not None:
                values["is_active"] = active

    def plan(self) -> None:
        self.duplicates_within_file("national_id")
        rows = [r for r in self.rows if r.ok]
        existing = {
            s.national_id: s
            for s in fetch_by(Staff, "national_id", (r.values["national_id"] for r in rows))
        }
        for row in rows:
            staff = existing.get(row.values["national_id"])
            if staff is None:
                row.status = CREATED
                continue
            if staff.school_id != self.school.pk:
                school = OrgUnit.objects.get(pk=staff.school_id)
                self.reject(
                    row, "national_id", row.cells.get("national_id", ""),
                    N_("%(name)s đang công tác chính tại %(school)s; việc điều chuyển cán bộ "
                       "không thực hiện qua nhập tệp"),
                    name=staff.full_name, school=school.name,
                )  # fmt: skip
                continue
            row.target = staff
            row.changes = self.diff(staff, row.values, FIELDS)
            row.status = UPDATED if row.changes else UNCHANGED
        self.finish_plan()

    def write(self) -> None:
        now = timezone.now()
        created, updated, fields = [], [], set()
        for row in self.rows:
            if row.status == CREATED:
                values = row.values
                created.append(
                    Staff(
                        school=self.school,
                        search_name=fast_fold(values["full_name"]),
                        **{f: values[f] for f in FIELDS if f in values},
                    )
                )
            elif row.status == UPDATED:
                staff = row.target
                for field, value in row.changes.items():
                    setattr(staff, field, value)
                staff.search_name = fast_fold(staff.full_name)
                staff.updated_at = now
                fields.update(row.changes)
                updated.append(staff)
        Staff.objects.bulk_create(created, batch_size=2000)
        if updated:
            Staff.objects.bulk_update(
                updated, sorted(fields | {"search_name", "updated_at"}), batch_size=500
            )
