"""Write a DemoPlan to the database.

The org tree goes through hocso.orgs.services (so paths, validity dates, successor links and
OrgUnitMove rows are exactly what a real reform would leave). People, classes, enrollments,
rooms and equipment are inserted with bulk_create in batches: the services validate one row at a
time, which would take hours at province scale. The plan makes those rows valid by construction
(the tests run full_clean() on a sample of them), and this module fills in what the services
would have computed, such as search_name.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction

from hocso.core.text import fold
from hocso.orgs.models import OrgKind, OrgUnit, Ownership
from hocso.orgs.services import (
    orgunit_close,
    orgunit_create,
    orgunit_move,
    schoolyear_get_or_create,
)
from hocso.registry.models import (
    Enrollment,
    Equipment,
    Guardian,
    Guardianship,
    Room,
    SchoolClass,
    Staff,
    Student,
)

from .accounts import DemoAccount, create_demo_accounts
from .data.geography import (
    DISTRICTS,
    PROVINCE_CODE,
    PROVINCE_NAME,
    SUCCESSOR_CODE,
    SUCCESSOR_NAME,
)
from .plan import CURRENT_YEAR, PREVIOUS_YEAR, DemoPlan, Scale

REFORM_DAY = date(2025, 7, 1)
LAST_DAY_BEFORE_REFORM = date(2025, 6, 30)
REFORM_REASON = (
    "Nghị quyết 202/2025/QH15: bỏ cấp huyện; tỉnh Trà Vinh hợp nhất vào tỉnh Vĩnh Long từ 01/7/2025"
)
BATCH = 2000

Progress = Callable[[str, int, int], None]


@dataclass
class Summary:
    scale: str
    seed: int
    org_units: int = 0
    communes: int = 0
    schools: dict[str, int] = field(default_factory=dict)  # school type → count
    learners_studying: int = 0
    learners_total: int = 0
    khmer_share: float = 0.0
    staff: int = 0
    classes: int = 0
    enrollments: int = 0
    guardians: int = 0
    rooms: int = 0
    equipment: int = 0
    seconds: float = 0.0
    accounts: list[DemoAccount] = field(default_factory=list)


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def load_demo(*, scale: Scale, seed: int, progress: Progress = _no_progress) -> Summary:
    """Generate the demo province and write it in one transaction (all or nothing)."""
    started = time.monotonic()
    plan = DemoPlan(scale, seed)
    summary = Summary(scale=scale.name, seed=seed)
    with transaction.atomic():
        progress("org", 0, len(plan.schools))
        schools = _build_tree(plan)
        progress("org", len(plan.schools), len(plan.schools))
        years = {
            code: schoolyear_get_or_create(code=code) for code in (PREVIOUS_YEAR, CURRENT_YEAR)
        }
        staff_ids = _load_staff(plan, schools, progress)
        class_ids = _load_classes(plan, schools, years, staff_ids)
        summary.enrollments, summary.guardians = _load_students(
            plan, schools, years, class_ids, progress
        )
        _load_facilities(plan, schools, progress)
        summary.accounts = create_demo_accounts()
    _refresh_planner_statistics()
    _count(summary, plan)
    summary.seconds = time.monotonic() - started
    return summary


def _refresh_planner_statistics() -> None:
    """A bulk load leaves the query planner's statistics stale until autovacuum runs; with them
    PostgreSQL misjudges the scope filter (path LIKE 'prefix%') and scans every learner."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- org tree and the 2025 reform ---------------------------------------------------------------


def _build_tree(plan: DemoPlan) -> dict[str, OrgUnit]:
    """Trà Vinh as it was until 30 June 2025, then the reform as data: Vĩnh Long opens, Trà
    Vinh and its districts close with Vĩnh Long as successor, communes move under Vĩnh Long."""
    province = orgunit_create(
        actor=None, code=PROVINCE_CODE, name=PROVINCE_NAME, kind=OrgKind.PROVINCE
    )
    districts, communes = [], []
    hosting = {}
    for spec in plan.schools:
        hosting.setdefault(spec.commune.code, []).append(spec)
    for district in DISTRICTS:
        district_unit = orgunit_create(
            actor=None, code=district.code, name=district.name, kind=OrgKind.DISTRICT,
            parent=province,
        )  # fmt: skip
        districts.append(district_unit)
        for commune in plan.communes[district.code]:
            commune_unit = orgunit_create(
                actor=None, code=commune.code, name=commune.name, kind=OrgKind.COMMUNE,
                parent=district_unit,
            )  # fmt: skip
            communes.append(commune_unit)
            for spec in hosting.get(commune.code, ()):
                orgunit_create(
                    actor=None, code=spec.code, name=spec.name, kind=OrgKind.SCHOOL,
                    parent=commune_unit, school_type=spec.school_type,
                    ownership=Ownership.PRIVATE if spec.private else Ownership.PUBLIC,
                    address=spec.address,
                )  # fmt: skip

    successor = orgunit_create(
        actor=None, code=SUCCESSOR_CODE, name=SUCCESSOR_NAME, kind=OrgKind.PROVINCE,
        valid_from=REFORM_DAY,
    )  # fmt: skip
    orgunit_close(
        actor=None, unit=province, valid_to=LAST_DAY_BEFORE_REFORM, successors=[successor]
    )
    for district_unit in districts:
        orgunit_close(
            actor=None, unit=district_unit, valid_to=LAST_DAY_BEFORE_REFORM, successors=[successor]
        )
    for commune_unit in communes:
        orgunit_move(
            actor=None, unit=commune_unit, new_parent=successor, effective_on=REFORM_DAY,
            reason=REFORM_REASON,
        )  # fmt: skip
    return {unit.code: unit for unit in OrgUnit.objects.filter(kind=OrgKind.SCHOOL)}


# --- staff and classes --------------------------------------------------------------------------


def _load_staff(
    plan: DemoPlan, schools: dict[str, OrgUnit], progress: Progress
) -> dict[str, list[int]]:
    """Every school's staff; returns school code → staff primary keys in plan order."""
    rows, owners = [], []
    for spec in plan.schools:
        for rec in plan.staff_for(spec):
            rows.append(
                Staff(
                    school=schools[spec.code],
                    full_name=rec.full_name,
                    search_name=fold(rec.full_name),
                    date_of_birth=rec.date_of_birth,
                    gender=rec.gender,
                    national_id=rec.national_id,
                    position=rec.position,
                    qualification=rec.qualification,
                    subjects=rec.subjects,
                    phone=rec.phone,
                )  # fmt: skip
            )
            owners.append((spec.code, rec.other_school))
    Staff.objects.bulk_create(rows, batch_size=BATCH)
    ids: dict[str, list[int]] = {spec.code: [] for spec in plan.schools}
    through = Staff.other_schools.through
    visits = []
    for row, (code, other) in zip(rows, owners, strict=True):
        ids[code].append(row.pk)
        if other is not None:
            visits.append(through(staff_id=row.pk, orgunit_id=schools[other].pk))
    through.objects.bulk_create(visits, batch_size=BATCH)
    progress("staff", len(rows), len(rows))
    return ids


def _load_classes(plan, schools, years, staff_ids) -> dict[tuple[str, str, str], int]:
    rows = []
    for spec in plan.schools:
        for rec in plan.classes_for(spec):
            rows.append(
                SchoolClass(
                    school=schools[spec.code],
                    year=years[rec.year],
                    grade=rec.grade,
                    name=rec.name,
                    homeroom_teacher_id=(
                        staff_ids[spec.code][rec.homeroom] if rec.homeroom is not None else None
                    ),
                )  # fmt: skip
            )
    SchoolClass.objects.bulk_create(rows, batch_size=BATCH)
    return {(row.school.code, row.year.code, row.name): row.pk for row in rows}


# --- learners, families, enrollments ------------------------------------------------------------


def _load_students(plan, schools, years, class_ids, progress: Progress) -> tuple[int, int]:
    """School by school: learners, then the guardians of new families, then the links and the
    enrollment history. Returns (enrollments, guardians) written."""
    family_guardians: dict[int, list[tuple[int, str]]] = {}
    pending_links: list[Guardianship] = []
    pending_enrollments: list[Enrollment] = []
    n_enrollments = n_guardians = 0
    total = len(plan.schools)
    step = max(1, total // 20)
    for index, spec in enumerate(plan.schools, start=1):
        people = plan.students_for(spec)
        students = [
            Student(
                school=schools[rec.school],
                full_name=rec.full_name,
                search_name=fold(rec.full_name),
                date_of_birth=rec.date_of_birth,
                gender=rec.gender,
                ethnicity=rec.ethnicity,
                national_id=rec.national_id,
                moet_code=rec.moet_code,
                address=rec.address,
                device_access=rec.device_access,
                internet_at_home=rec.internet_at_home,
                status=rec.status,
            )  # fmt: skip
            for rec in people.students
        ]
        Student.objects.bulk_create(students, batch_size=BATCH)

        guardians, owners = [], []
        for family in people.new_families:
            for rec in family.guardians:
                guardians.append(Guardian(full_name=rec.full_name, phone=rec.phone))
                owners.append((family.id, rec.relationship))
        Guardian.objects.bulk_create(guardians, batch_size=BATCH)
        n_guardians += len(guardians)
        for guardian, (family_id, relationship) in zip(guardians, owners, strict=True):
            family_guardians.setdefault(family_id, []).append((guardian.pk, relationship))

        for student, rec in zip(students, people.students, strict=True):
            for guardian_id, relationship in family_guardians[rec.family.id]:
                pending_links.append(
                    Guardianship(
                        student_id=student.pk, guardian_id=guardian_id, relationship=relationship
                    )  # fmt: skip
                )
            for enr in rec.enrollments:
                pending_enrollments.append(
                    Enrollment(
                        student_id=student.pk,
                        school_id=schools[enr.school].pk,
                        year_id=years[enr.year].pk,
                        school_class_id=class_ids[(enr.school, enr.year, enr.class_name)],
                        start_date=enr.start_date,
                        start_reason=enr.start_reason,
                        end_date=enr.end_date,
                        end_reason=enr.end_reason,
                        note=enr.note,
                    )  # fmt: skip
                )
        if len(pending_enrollments) >= 20_000 or index == total:
            n_enrollments += len(pending_enrollments)
            Guardianship.objects.bulk_create(pending_links, batch_size=BATCH)
            Enrollment.objects.bulk_create(pending_enrollments, batch_size=BATCH)
            pending_links, pending_enrollments = [], []
        if index % step == 0 or index == total:
            progress("students", index, total)
    return n_enrollments, n_guardians


# --- rooms and equipment ------------------------------------------------------------------------


def _load_facilities(plan, schools, progress: Progress) -> None:
    rooms, equipment_plans = [], []
    for spec in plan.schools:
        room_recs, equipment_recs = plan.facilities_for(spec)
        school = schools[spec.code]
        rooms += [
            Room(
                school=school,
                code=r.code,
                name=r.name,
                kind=r.kind,
                capacity=r.capacity,
                condition=r.condition,
            )  # fmt: skip
            for r in room_recs
        ]
        equipment_plans.append((school, equipment_recs))
    Room.objects.bulk_create(rooms, batch_size=BATCH)
    room_ids = {(room.school_id, room.code): room.pk for room in rooms}
    items = [
        Equipment(
            school=school,
            asset_code=e.asset_code,
            name=e.name,
            category=e.category,
            room_id=room_ids[(school.pk, e.room)] if e.room else None,
            quantity=e.quantity,
            condition=e.condition,
            acquired_on=e.acquired_on,
        )  # fmt: skip
        for school, recs in equipment_plans
        for e in recs
    ]
    Equipment.objects.bulk_create(items, batch_size=BATCH)
    progress("facilities", len(rooms) + len(items), len(rooms) + len(items))


def _count(summary: Summary, plan: DemoPlan) -> None:
    from django.db.models import Count

    from hocso.registry.models import StudentStatus
    from hocso.registry.rules import KHMER

    summary.org_units = OrgUnit.objects.count()
    summary.communes = OrgUnit.objects.filter(kind=OrgKind.COMMUNE).count()
    summary.schools = dict(
        OrgUnit.objects.filter(kind=OrgKind.SCHOOL)
        .values_list("school_type")
        .annotate(n=Count("id"))
        .order_by("school_type")
    )
    summary.learners_total = Student.objects.count()
    summary.learners_studying = Student.objects.filter(status=StudentStatus.STUDYING).count()
    khmer = Student.objects.filter(status=StudentStatus.STUDYING, ethnicity=KHMER).count()
    summary.khmer_share = khmer / summary.learners_studying if summary.learners_studying else 0.0
    summary.staff = Staff.objects.count()
    summary.classes = SchoolClass.objects.count()
    summary.rooms = Room.objects.count()
    summary.equipment = Equipment.objects.count()
