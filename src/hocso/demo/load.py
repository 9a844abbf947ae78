"""Write a DemoPlan to the database.

The org tree goes through hocso.orgs.services (so paths, validity dates, successor links and
OrgUnitMove rows are exactly what a real reform would leave). People, classes, enrollments,
rooms and equipment are inserted with bulk_create in batches: the services validate one row at a
time, which would take hours at province scale. The plan makes those rows valid by construction
(the tests run full_clean() on a sample of them), and this module fills in what the services
would have computed, such as search_name.

Grade books (grades.py generates them) are millions of cells at province scale: they are written
as plain rows (COPY on PostgreSQL, executemany on SQLite), and the results are then computed by
the assessment service itself (results_compute), as a school would. Primary classes get their
teachers' levels (subjects, qualities and competences) the same way, and their year results from
the same service. Last year's transcripts are issued by the assessment service too, a class at a
time (transcripts_issue_class), as a school admin would; the command reports them on their own
line.
"""

import time
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from hocso.assessment.models import (
    GradebookLock,
    GradebookLockEvent,
    LearningResult,
    LockAction,
    LockStatus,
    Period,
    PrimarySubjectAssessment,
    PrimaryTraitAssessment,
    PrimaryYearResult,
    Score,
    Stage,
    SubjectResult,
    TeachingAssignment,
    TermRecord,
)
from hocso.assessment.services import allowed_cells, results_compute
from hocso.assessment.transcripts import transcripts_issue_class
from hocso.core import bulk
from hocso.core.bulk import large_cache
from hocso.core.text import fold
from hocso.curriculum.models import LAST_PRIMARY_GRADE, GradeSubject
from hocso.orgs.models import Area, OrgKind, OrgUnit, Ownership, SchoolYear
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

from .accounts import ACCOUNT_SCHOOLS, DemoAccount, create_demo_accounts
from .data.geography import (
    DISTRICTS,
    PROVINCE_CODE,
    PROVINCE_NAME,
    SUCCESSOR_CODE,
    SUCCESSOR_NAME,
)
from .exams import ExamsSummary, load_exams
from .grades import (
    TENTHS,
    TEST_STAGE,
    ClassSpec,
    GradeGenerator,
    SubjectSpec,
    TeacherSpec,
    assign_teachers,
    cell_day,
    class_subjects,
    elapsed,
)
from .monitoring import HistorySummary, MonitoringSummary, load_history, load_monitoring
from .plan import AS_OF, CURRENT_YEAR, EARLIER_YEAR, PREVIOUS_YEAR, DemoPlan, Scale
from .questions import QuestionsSummary, load_questions
from .resources import ResourcesSummary, load_resources
from .roster import ROSTER_BY_NAME

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
    grades: "GradesSummary | None" = None
    transcripts: "TranscriptsSummary | None" = None
    questions: QuestionsSummary | None = None
    exams: ExamsSummary | None = None
    resources: ResourcesSummary | None = None
    history: HistorySummary | None = None
    monitoring: MonitoringSummary | None = None


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def load_demo(
    *, scale: Scale, seed: int, grades: bool = True, progress: Progress = _no_progress
) -> Summary:
    """Generate the demo province and write it in one transaction (all or nothing). Without
    `grades`, no teaching assignments, grade books or results (the registry alone)."""
    started = time.monotonic()
    plan = DemoPlan(scale, seed)
    summary = Summary(scale=scale.name, seed=seed)
    with transaction.atomic():
        progress("org", 0, len(plan.schools))
        schools = _build_tree(plan)
        progress("org", len(plan.schools), len(plan.schools))
        years = {
            code: schoolyear_get_or_create(code=code)
            for code in (EARLIER_YEAR, PREVIOUS_YEAR, CURRENT_YEAR)
        }
        staff_ids = _load_staff(plan, schools, progress)
        class_ids = _load_classes(plan, schools, years, staff_ids)
        summary.enrollments, summary.guardians = _load_students(
            plan, schools, years, class_ids, progress
        )
        # Five school years of consistent cohorts (demo/monitoring.py), before the grade books
        # so last year's added classes get theirs.
        progress("history", 0, 1)
        summary.history = load_history(plan, schools, years)
        summary.enrollments += summary.history.enrollments
        summary.guardians += summary.history.guardians
        progress("history", 1, 1)
        _load_facilities(plan, schools, progress)
        if grades:
            summary.grades = load_grades(
                plan, terms=GRADE_TERMS_BY_SCALE.get(scale.name, GRADE_TERMS), progress=progress
            )
            complete = FULL_YEAR_SCHOOLS_BY_SCALE.get(scale.name)
            if complete is not None:  # the schools with demo accounts get last year too
                summary.grades.add(
                    load_grades(plan, terms=PREVIOUS_YEAR_TERMS, schools=complete,
                                progress=progress)
                )  # fmt: skip
            summary.transcripts = issue_transcripts(
                plan, year_code=PREVIOUS_YEAR, schools=complete, progress=progress
            )
        summary.accounts = create_demo_accounts()
        # After the accounts: the demo teacher writes the school's items, others review them.
        summary.questions = load_questions(seed=seed, progress=progress)
        # The library's topics extend the question bank's; its contributors are the accounts.
        summary.resources = load_resources(seed=seed, progress=progress)
        if grades:  # the exams' candidates are the grade books' classes
            progress("exams", 0, 2)
            summary.exams = load_exams(seed=seed)
            progress("exams", 2, 2)
        # Births, absences, reports, the annual narrative, every year's indicators and alerts.
        summary.monitoring = load_monitoring(plan, progress=progress)
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
            # Wards and townships are urban; schools inherit their commune's area.
            commune_unit.area = Area.URBAN if commune.urban else Area.RURAL
            commune_unit.save(update_fields=["area"])
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


# --- grade books, attendance and results --------------------------------------------------------

# What the demo's grade books hold: last school year complete (both terms, approved and locked, so
# year results, promotions and transcripts exist) and term I of the current year as it stands on
# the demo's day (grades.py: no end-of-term papers yet), open. Term II is left to come.
PREVIOUS_YEAR_TERMS = ((PREVIOUS_YEAR, 1), (PREVIOUS_YEAR, 2))
GRADE_TERMS = (*PREVIOUS_YEAR_TERMS, (CURRENT_YEAR, 1))
# The province (~95,000 secondary learners, ~62 cells each a term) gets term I of the current
# year, and last year only in the schools that have demo accounts (so their learners have
# transcripts): every past term of the whole province would add about six million cells and
# minutes to the load.
GRADE_TERMS_BY_SCALE = {"small": GRADE_TERMS, "province": ((CURRENT_YEAR, 1),)}
# Scale → the schools (codes) whose last year is complete, transcripts issued; None: all.
FULL_YEAR_SCHOOLS_BY_SCALE = {
    "small": None,
    "province": tuple(sorted({ROSTER_BY_NAME[name].code for name in ACCOUNT_SCHOOLS})),
}
LOCKED_YEARS = frozenset({PREVIOUS_YEAR})
ROWS_PER_WRITE = 100_000


@dataclass
class GradesSummary:
    terms: tuple[tuple[str, int], ...] = ()
    assignments: int = 0
    scores: int = 0
    term_records: int = 0
    primary_levels: int = 0  # subject levels of primary learners (all points)
    primary_traits: int = 0  # quality and competence levels of primary learners (all points)
    locked: int = 0  # class terms approved and locked
    # (year code, period) → learning result level (or None while incomplete) → learners
    levels: dict[tuple[str, int], dict[str | None, int]] = field(default_factory=dict)
    # year code → primary year result (PrimaryOutcome, or None while incomplete) → learners
    primary_outcomes: dict[str, dict[str | None, int]] = field(default_factory=dict)
    seconds: float = 0.0  # in all
    results_seconds: float = 0.0  # of which computing the results

    def add(self, other: "GradesSummary") -> None:
        """Fold in another load's figures (the province's second pass over some schools)."""
        self.terms = tuple(sorted({*self.terms, *other.terms}))
        self.assignments += other.assignments
        self.scores += other.scores
        self.term_records += other.term_records
        self.primary_levels += other.primary_levels
        self.primary_traits += other.primary_traits
        self.locked += other.locked
        for table, theirs in ((self.levels, other.levels),
                              (self.primary_outcomes, other.primary_outcomes)):  # fmt: skip
            for key, counts in theirs.items():
                mine = table.setdefault(key, {})
                for level, n in counts.items():
                    mine[level] = mine.get(level, 0) + n
        self.seconds += other.seconds
        self.results_seconds += other.results_seconds


@dataclass
class TranscriptsSummary:
    year: str
    issued: int = 0  # grades 6–12
    primary_issued: int = 0  # grades 1–5
    skipped: int = 0  # learners of the classes whose results are not complete
    seconds: float = 0.0


def _insert(model, columns: Sequence[str], rows: list[tuple]) -> int:
    """Plain rows (values in `columns` order, datetimes already adapted) in one go: COPY on
    PostgreSQL, executemany elsewhere. bulk_create builds a model instance per row and prepares
    every value through the ORM, several times the cost of the insert itself for millions of
    grade book cells; the generator makes the rows valid by construction (the tests check them
    against the model's constraints)."""
    if not rows:
        return 0
    meta = model._meta
    quote = connection.ops.quote_name
    names = ", ".join(quote(meta.get_field(name).column) for name in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({marks})",  # noqa: S608
                rows,
            )
    return len(rows)


def _stamp(day: date, hour: int = 20) -> object:
    """A moment of that day (evening, when teachers enter grades), as the backend stores it."""
    moment = timezone.make_aware(datetime(day.year, day.month, day.day, hour))
    return connection.ops.adapt_datetimefield_value(moment)


def _curriculum() -> tuple[dict[int, list[SubjectSpec]], dict[str, int]]:
    """Grade → its subjects with their grade book columns; subject code → primary key."""
    specs: dict[int, list[SubjectSpec]] = defaultdict(list)
    ids: dict[str, int] = {}
    rows = GradeSubject.objects.select_related("subject").order_by(
        "grade", "subject__sort_order", "subject__code"
    )
    for row in rows:
        ids[row.subject.code] = row.subject_id
        specs[row.grade].append(
            SubjectSpec(
                code=row.subject.code, name=row.subject.name,
                mode=row.effective_assessment_mode, cells=tuple(allowed_cells(row)),
                periods=row.periods_per_year, compulsory=row.is_compulsory,
            )
        )  # fmt: skip
    return specs, ids


def _term_dates(year: SchoolYear, term: int) -> tuple[date, date]:
    if term == 1:
        return year.start_date, year.term1_end
    return year.term2_start, year.end_date


def _cell_stamps(year: SchoolYear, term: int, as_of: date) -> dict[tuple[str, int, int], object]:
    """When each column was entered (grades.cell_day), keyed (kind, seq, columns of regular);
    None for a column not yet entered on `as_of`."""
    first, last = _term_dates(year, term)
    stamps = {}
    for count in range(0, 5):
        columns = [("regular", n) for n in range(1, count + 1)] + [("midterm", 1), ("final", 1)]
        for kind, seq in columns:
            day = cell_day(kind, seq, count, first, last)
            stamps[(kind, seq, count)] = _stamp(day) if day <= as_of else None
    return stamps


def _rosters(class_ids, years: dict[str, SchoolYear], terms) -> dict[tuple[int, int], list]:
    """(class id, term) → [(student id, MOET code)]: the learners in the class on the term's last
    day (so a learner who moved mid-term has the term's grades in the class they ended it in).
    Learners who left before the term ended have none."""
    by_id = {year.pk: year for year in years.values()}
    wanted = defaultdict(set)
    for code, term in terms:
        wanted[years[code].pk].add(term)
    stays: dict[tuple[int, int], list] = defaultdict(list)  # (student, year) → enrollments
    keys: dict[int, str] = {}
    rows = (
        Enrollment.objects.filter(school_class_id__in=list(class_ids))
        .order_by("student_id", "start_date", "id")
        .values_list("student_id", "year_id", "school_class_id", "start_date", "end_date",
                     "student__moet_code")
    )  # fmt: skip
    for student_id, year_id, class_id, start, end, moet_code in rows:
        stays[(student_id, year_id)].append((start, end, class_id))
        keys[student_id] = moet_code or f"id:{student_id}"
    rosters: dict[tuple[int, int], list] = defaultdict(list)
    for (student_id, year_id), enrollments in stays.items():
        year = by_id[year_id]
        for term in sorted(wanted[year_id]):
            day = _term_dates(year, term)[1]
            present = [e for e in enrollments if e[0] <= day and (e[1] is None or e[1] >= day)]
            if present:
                rosters[(present[-1][2], term)].append((student_id, keys[student_id]))
    return rosters


@transaction.atomic
def load_grades(
    plan: DemoPlan,
    *,
    terms=GRADE_TERMS,
    schools: Collection[str] | None = None,
    as_of: date = AS_OF,
    compute: bool = True,
    progress: Progress = _no_progress,
) -> GradesSummary:
    """Teaching assignments, grade books and term records (days absent, conduct) of the demo's
    classes for `terms` ((year code, term) pairs) as they stand on `as_of` (a term under way
    has the columns entered by then, grades.py), last year's grade books approved and locked,
    then every school's results computed by the assessment service. `schools` (codes) narrows
    it to some of the plan's schools. A class's term that already has grades is left as it is.
    Works on any database the plan was loaded into (the benchmark adds terms this way)."""
    started = time.monotonic()
    terms = tuple(terms)
    summary = GradesSummary(terms=terms)
    generator = GradeGenerator(plan.seed)
    years = {y.code: y for y in SchoolYear.objects.filter(code__in={code for code, _ in terms})}
    wanted = list(plan.school_by_code) if schools is None else list(schools)
    units = {
        unit.code: unit for unit in OrgUnit.objects.filter(kind=OrgKind.SCHOOL, code__in=wanted)
    }
    specs, subject_ids = _curriculum()
    classes: dict[int, list] = defaultdict(list)  # school id → its classes of those years
    for row in (
        SchoolClass.objects.filter(school__in=units.values(), year__in=years.values(), grade__gte=1)
        .order_by("school_id", "year__start_date", "grade", "name")
        .values_list("id", "school_id", "year_id", "grade", "name", "homeroom_teacher_id")
    ):
        classes[row[1]].append(row)
    teachers: dict[int, list[TeacherSpec]] = defaultdict(list)
    for staff_id, school_id, position, subjects in (
        Staff.objects.filter(school__in=units.values(), is_active=True)
        .order_by("id")
        .values_list("id", "school_id", "position", "subjects")
    ):
        teachers[school_id].append(TeacherSpec.parse(staff_id, position, subjects))
    all_class_ids = [row[0] for rows in classes.values() for row in rows]
    assigned = set(
        TeachingAssignment.objects.filter(school_class_id__in=all_class_ids).values_list(
            "school_class_id", flat=True
        )
    )
    rosters = _rosters(all_class_ids, years, terms)
    year_of = {year.pk: year for year in years.values()}
    stamps = {(code, term): _cell_stamps(years[code], term, as_of) for code, term in terms}
    so_far = {(code, term): elapsed(*_term_dates(years[code], term), as_of) for code, term in terms}
    terms_of_year = defaultdict(list)
    for code, term in terms:
        terms_of_year[years[code].pk].append(term)

    score_columns = ("school_id", "year_id", "term", "school_class_id", "student_id",
                     "subject_id", "kind", "seq", "value", "passed", "updated_at")  # fmt: skip
    record_columns = ("school_id", "year_id", "term", "student_id", "school_class_id",
                      "days_absent", "conduct", "updated_at")  # fmt: skip
    assignment_columns = ("school_id", "year_id", "school_class_id", "subject_id", "staff_id",
                          "created_at")  # fmt: skip
    # Scores go in as text ("7.5"): what the backends' own Decimal adapters would send, without
    # an adapter call per cell.
    as_text = {value: str(value) for value in TENTHS}
    scores: list[tuple] = []
    records: list[tuple] = []
    subject_levels: list[dict] = []  # primary: the teachers' levels, comments
    trait_levels: list[dict] = []
    outstanding: list[dict] = []  # primary: the learners the homeroom teacher marked
    points = {(code, term): _points_reached(years[code], term, as_of) for code, term in terms}
    to_lock: list[tuple] = []
    school_specs = {unit.pk: plan.school_by_code[code] for code, unit in units.items()}
    with large_cache():
        for index, (school_id, school_classes) in enumerate(sorted(classes.items()), start=1):
            school = school_specs[school_id]
            subjects_of = {
                row[0]: class_subjects(row[3], row[4], specs[row[3]]) for row in school_classes
            }
            assignments = []
            for year_id in sorted({row[2] for row in school_classes}):
                pending = [
                    ClassSpec(row[0], row[3], row[4], row[5])
                    for row in school_classes
                    if row[2] == year_id and row[0] not in assigned
                ]
                created = _stamp(year_of[year_id].start_date - timedelta(days=10), 9)
                assignments += [
                    (school_id, year_id, class_id, subject_ids[code], staff_id, created)
                    for class_id, code, staff_id in assign_teachers(
                        pending, teachers[school_id], subjects_of
                    )
                ]
            summary.assignments += _insert(TeachingAssignment, assignment_columns, assignments)

            for class_id, _school, year_id, grade, name, _homeroom in school_classes:
                year = year_of[year_id]
                for term in terms_of_year[year_id]:
                    roster = rosters.get((class_id, term))
                    share = so_far[(year.code, term)]
                    if not roster or not share or _has_grades(roster[0][0], year_id, term):
                        continue
                    learners = [key for _id, key in roster]
                    subjects = subjects_of[class_id]
                    regular_count = {
                        s.code: sum(1 for kind, _seq in s.cells if kind == "regular")
                        for s in subjects
                    }
                    when = stamps[(year.code, term)]
                    primary = grade <= LAST_PRIMARY_GRADE
                    tests: dict[tuple[int, str, str], int] = {}  # primary: (i, code, stage)
                    for i, code, kind, seq, value, passed in generator.class_scores(
                        school=school, year=year.code, term=term, class_name=name,
                        learners=learners, subjects=subjects,
                    ):  # fmt: skip
                        entered = when[(kind, seq, regular_count[code])]
                        if entered is None:  # not due yet on the demo's day
                            continue
                        scores.append(
                            (school_id, year_id, term, class_id, roster[i][0], subject_ids[code],
                             kind, seq, as_text.get(value), passed, entered)
                        )  # fmt: skip
                        if primary:
                            tests[(i, code, TEST_STAGE[kind])] = int(value)
                    if primary:
                        reached = points[(year.code, term)]
                        levels, traits = generator.primary_levels(
                            school=school, year=year.code, term=term, class_name=name,
                            grade=grade, learners=learners, subjects=subjects,
                            stages=list(reached), tests=tests,
                        )  # fmt: skip
                        common = {"school_id": school_id, "year_id": year_id, "term": term,
                                  "school_class_id": class_id}  # fmt: skip
                        subject_levels.extend(
                            {**common, "stage": stage, "student_id": roster[i][0],
                             "subject_id": subject_ids[code], "level": level, "comment": comment,
                             "updated_at": reached[stage]}
                            for i, code, stage, level, comment in levels
                        )  # fmt: skip
                        trait_levels.extend(
                            {**common, "stage": stage, "student_id": roster[i][0],
                             "trait": code, "level": level, "updated_at": reached[stage]}
                            for i, code, stage, level in traits
                        )  # fmt: skip
                        if Stage.END in reached and term == 2:  # the year's end is past
                            outstanding.extend(
                                {"school_id": school_id, "year_id": year_id,
                                 "student_id": roster[i][0], "school_class_id": class_id,
                                 "outstanding": True, "computed_at": reached[Stage.END]}
                                for i in generator.primary_outstanding(
                                    school=school, year=year.code, class_name=name,
                                    learners=learners,
                                )
                            )  # fmt: skip
                    ended = _stamp(min(_term_dates(year, term)[1], as_of), 16)
                    for (student_id, _key), (days, conduct) in zip(
                        roster,
                        generator.class_records(
                            school=school,
                            year=year.code,
                            term=term,
                            class_name=name,
                            learners=learners,
                            with_conduct=grade > LAST_PRIMARY_GRADE,
                            so_far=share,
                        ),  # fmt: skip
                        strict=True,
                    ):
                        records.append((school_id, year_id, term, student_id, class_id, days,
                                        conduct, ended))  # fmt: skip
                    if year.code in LOCKED_YEARS:
                        to_lock.append((school_id, year_id, class_id, term))
                if len(scores) >= ROWS_PER_WRITE:
                    summary.scores += _insert(Score, score_columns, scores)
                    scores = []
                if len(subject_levels) + len(trait_levels) >= ROWS_PER_WRITE:
                    summary.primary_levels += _insert_rows(PrimarySubjectAssessment,
                                                           subject_levels)  # fmt: skip
                    summary.primary_traits += _insert_rows(PrimaryTraitAssessment, trait_levels)
            progress("grades", index, len(classes))
        summary.scores += _insert(Score, score_columns, scores)
        summary.primary_levels += _insert_rows(PrimarySubjectAssessment, subject_levels)
        summary.primary_traits += _insert_rows(PrimaryTraitAssessment, trait_levels)
        _insert_rows(PrimaryYearResult, outstanding)
        summary.term_records += _insert(TermRecord, record_columns, records)
        summary.locked = _lock_terms(to_lock, year_of)

    if compute:
        computing = time.monotonic()
        _analyze(Score, TermRecord, Enrollment, PrimarySubjectAssessment, PrimaryTraitAssessment,
                 PrimaryYearResult)  # fmt: skip
        by_pk = {unit.pk: unit for unit in units.values()}
        # Every school and year with classes: the service computes secondary classes' results
        # from the grade books and primary classes' year results from the teachers' levels.
        pairs = sorted({(school_id, row[2]) for school_id, rows in classes.items() for row in rows})
        for index, (school_id, year_id) in enumerate(pairs, start=1):
            results_compute(actor=None, school=by_pk[school_id], year=year_of[year_id])
            if index == 1:  # the result tables were empty when first analysed
                _analyze(SubjectResult, LearningResult, TermRecord, PrimaryYearResult)
            progress("results", index, len(pairs))
        summary.results_seconds = time.monotonic() - computing
        _count_results(summary, units.values(), years.values())
    if connection.vendor == "postgresql":
        # Most rows went in without the ORM: check their foreign keys here rather than at
        # commit. This also empties PostgreSQL's queue of deferred checks (several per row),
        # which a long enclosing transaction would otherwise run again after every rollback to
        # a savepoint (as the demo tests' module-wide transaction does).
        connection.check_constraints()
    summary.seconds = time.monotonic() - started
    return summary


def _insert_rows(model, rows: list[dict]) -> int:
    """Rows as dicts (attname → value) through the project's fast insert; empties the list."""
    count = len(rows)
    bulk.insert(model, rows)
    rows.clear()
    return count


def _points_reached(year: SchoolYear, term: int, as_of: date) -> dict[str, object]:
    """The term's primary assessment points (Stage) the demo's day has reached, with when the
    teachers entered their levels: the day of the mid-term or end-of-term test (cell_day)."""
    first, last = _term_dates(year, term)
    days = {
        Stage.MID: cell_day("midterm", 1, 0, first, last),
        Stage.END: cell_day("final", 1, 0, first, last),
    }
    return {
        stage: timezone.make_aware(datetime(day.year, day.month, day.day, 20))
        for stage, day in days.items()
        if day <= as_of
    }


def _has_grades(student_id: int, year_id: int, term: int) -> bool:
    """The learner already has grades in that term (read through the grade book's unique index,
    which starts with the learner: Score has no index by class)."""
    return Score.objects.filter(student_id=student_id, year_id=year_id, term=term).exists()


def _analyze(*models) -> None:
    """Fresh query planner statistics for these tables.

    Planners choose between the indexes of the tables the demo fills by the million (enrollments,
    term records, results) by their statistics; PostgreSQL has none for rows bulk-loaded in the
    same transaction, and SQLite none until ANALYZE. (The grade tables' single-column year_id
    index, which once made SQLite read every grade of the year for each class, is gone: scores
    and subject results are read by learner only.) `analysis_limit` keeps SQLite's ANALYZE to a
    sample of each index.
    """
    quote = connection.ops.quote_name
    tables = [quote(model._meta.db_table) for model in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(tables)}")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 2000")
            for table in tables:
                cursor.execute(f"ANALYZE {table}")
            cursor.execute("PRAGMA analysis_limit = 0")


def _lock_terms(to_lock: list[tuple], year_of: dict[int, SchoolYear]) -> int:
    """The homeroom teacher reviewed and the principal approved and locked each of these class
    terms, a few days after the term ended (by the system: the demo's principals have no
    accounts). Terms already in the workflow are left as they are."""
    existing = set(
        GradebookLock.objects.filter(school_class_id__in={row[2] for row in to_lock}).values_list(
            "school_class_id", "term"
        )
    )
    locks = []
    for school_id, year_id, class_id, term in to_lock:
        if (class_id, term) in existing:
            continue
        ended = _term_dates(year_of[year_id], term)[1]
        reviewed = timezone.make_aware(datetime(ended.year, ended.month, ended.day, 10))
        approved = reviewed + timedelta(days=3)
        locks.append(
            GradebookLock(
                school_id=school_id, year_id=year_id, school_class_id=class_id, term=term,
                status=LockStatus.LOCKED, reviewed_at=reviewed, approved_at=approved,
                updated_at=approved,
            )
        )  # fmt: skip
    GradebookLock.objects.bulk_create(locks, batch_size=BATCH)
    events = []
    for lock in locks:
        events.append(GradebookLockEvent(lock=lock, action=LockAction.REVIEW, at=lock.reviewed_at))
        events.append(
            GradebookLockEvent(lock=lock, action=LockAction.APPROVE_LOCK, at=lock.approved_at)
        )
    GradebookLockEvent.objects.bulk_create(events, batch_size=BATCH)
    return len(locks)


# --- transcripts --------------------------------------------------------------------------------


def issue_transcripts(
    plan: DemoPlan,
    *,
    year_code: str,
    schools: Collection[str] | None = None,
    progress: Progress = _no_progress,
) -> TranscriptsSummary:
    """The electronic transcripts of `year_code` of the plan's schools (or of `schools`, codes):
    every class where some learner's year result is complete, issued by the system through the
    assessment service a class at a time (transcripts_issue_class), as a school admin would.
    Grades 6–12 have a transcript once their year's learning result is known (Circular 22),
    grades 1–5 once their year result is (Circular 27); the others are skipped."""
    started = time.monotonic()
    summary = TranscriptsSummary(year=year_code)
    year = SchoolYear.objects.get(code=year_code)
    codes = list(plan.school_by_code) if schools is None else list(schools)
    secondary = LearningResult.objects.filter(
        year=year, term=Period.YEAR, level__isnull=False, school__code__in=codes
    ).values("school_class_id")
    primary = PrimaryYearResult.objects.filter(
        year=year, outcome__isnull=False, school__code__in=codes
    ).values("school_class_id")
    classes = list(
        SchoolClass.objects.filter(Q(pk__in=secondary) | Q(pk__in=primary))
        .select_related("school", "homeroom_teacher", "year")
        .order_by("school__code", "grade", "name")
    )
    for index, school_class in enumerate(classes, start=1):
        issued = transcripts_issue_class(actor=None, school_class=school_class)
        if school_class.grade <= LAST_PRIMARY_GRADE:
            summary.primary_issued += len(issued.issued)
        else:
            summary.issued += len(issued.issued)
        summary.skipped += len(issued.skipped)
        progress("transcripts", index, len(classes))
    summary.seconds = time.monotonic() - started
    return summary


def _count_results(summary: GradesSummary, schools, years) -> None:
    primary = PrimaryYearResult.objects.filter(school__in=list(schools), year__in=list(years))
    for code, outcome, n in (
        primary.values_list("year__code", "outcome").annotate(n=Count("id")).order_by()
    ):
        summary.primary_outcomes.setdefault(code, {})[outcome] = n
    results = LearningResult.objects.filter(school__in=list(schools), year__in=list(years))
    for code, term, level, n in (
        results.values_list("year__code", "term", "level")
        .annotate(n=Count("id"))
        .order_by("year__code", "term", "level")
    ):
        summary.levels.setdefault((code, term), {})[level] = n
