"""The demo's history and the monitoring centre's data (issue 7).

Two stages, both called by the demo loader (load.py):

`load_history(plan, ...)` runs right after the learners are written, before the grade books. It
gives every cohort a consistent past over five school years (HISTORY_YEARS, EARLIER_YEAR,
PREVIOUS_YEAR, CURRENT_YEAR): a learner in grade g at a school in one year was in grade g-1 the
year before — at the same school, or, for a level's entry grade (grade 1, 6, 10), in the top
class (kindergarten's "LÁ" group, grade 5, grade 9) of a feeder school of the lower level in the
same commune (else district). It walks every learner back year by year from their earliest
enrollment, creating the classes it needs (a feeder's classes are filled from the learners who
chose it, in groups of about TYPICAL_CLASS), and adds what the cohorts lost on the way: a few
repeaters (the year before they were in the same grade), drop-outs during each past year (a
learner of their own, status dropped out, enrollment ended "drop_out"), grade-9 leavers who did
not go on to upper secondary (ended "graduation") and the grade-12 classes that graduated before
2025-2026. Decisions come from the plan's seeded random streams, in a fixed order: same seed,
same history. Rows are written with bulk_create in batches (as load.py does). School years
before 1 July 2025 belong to the old tree (Trà Vinh 84 and its districts): the schools' paths of
then are in OrgUnitMove; the enrollments only point to schools.

Because it runs before the grade books, the classes it adds to PREVIOUS_YEAR (the primary
schools' grade 5, the lower secondary schools' grade 9) get their grade books, results and
transcripts like every other class of that year; the years before have none, as EARLIER_YEAR.

`load_monitoring(plan, ...)` runs after every other stage: births per commune (BirthCohort),
absences in the current and previous month of the current year (registry.Absence), the
statistical reports of the current year's start (monitoring.reports, through its services), the
province's annual report narrative for PREVIOUS_YEAR, then every school year's indicators
(monitoring.compute.recompute) and the alerts (monitoring.alerts.evaluate).
"""

import inspect
import math
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from hocso.core import bulk
from hocso.orgs.models import OrgUnit, SchoolType, SchoolYear
from hocso.orgs.services import schoolyear_get_or_create
from hocso.registry.models import (
    Absence,
    Enrollment,
    EnrollmentEnd,
    EnrollmentStart,
    Guardian,
    Guardianship,
    Position,
    SchoolClass,
    Staff,
    Student,
    StudentStatus,
)

from .data.geography import SUCCESSOR_CODE
from .people import FEMALE, MALE, full_name, random_date_between, random_day
from .plan import (
    AS_OF,
    COHORT_DECLINE,
    CURRENT_YEAR,
    DROP_OUT_NOTES,
    EARLIER_YEAR,
    MISSING_CITIZEN_ID,
    PREVIOUS_YEAR,
    TYPICAL_CLASS,
    DemoPlan,
    Stage,
    year_dates,
)
from .roster import ROSTER_BY_NAME

HISTORY_YEARS = ("2022-2023", "2023-2024")
YEARS = (*HISTORY_YEARS, EARLIER_YEAR, PREVIOUS_YEAR, CURRENT_YEAR)
BATCH = 2000

# Pseudo-grades: kindergarten's age groups below grade 1.
PRESCHOOL_LABELS = {-2: "MẦM", -1: "CHỒI", 0: "LÁ"}
LABEL_GRADES = {label: grade for grade, label in PRESCHOOL_LABELS.items()}
LADDERS = {
    SchoolType.PRESCHOOL: tuple(range(-2, 1)),
    SchoolType.PRIMARY: tuple(range(1, 6)),
    SchoolType.LOWER_SECONDARY: tuple(range(6, 10)),
    SchoolType.UPPER_SECONDARY: tuple(range(10, 13)),
    SchoolType.CONTINUING: tuple(range(10, 13)),
    SchoolType.MULTI_LEVEL: tuple(range(1, 13)),
}
# The school types whose top class feeds a level's entry grade.
FEEDERS = {
    0: (SchoolType.PRESCHOOL,),
    5: (SchoolType.PRIMARY, SchoolType.MULTI_LEVEL),
    9: (SchoolType.LOWER_SECONDARY, SchoolType.MULTI_LEVEL),
}
# Past years' rates (the plan's current year keeps its own): repetition ~1–2%, drop-out ~1% in
# lower secondary and ~2% in upper secondary, more in continuing education.
HISTORY_REPEAT_RATE = {
    SchoolType.PRIMARY: 0.01,
    SchoolType.LOWER_SECONDARY: 0.015,
    SchoolType.UPPER_SECONDARY: 0.012,
    SchoolType.CONTINUING: 0.02,
    SchoolType.MULTI_LEVEL: 0.01,
}
HISTORY_DROP_OUT_RATE = {
    SchoolType.PRIMARY: 0.002,
    SchoolType.LOWER_SECONDARY: 0.01,
    SchoolType.UPPER_SECONDARY: 0.02,
    SchoolType.CONTINUING: 0.04,
    SchoolType.MULTI_LEVEL: 0.006,
}
# Of every 100 learners finishing grade 9, about 20 do not go on to grade 10 (vocational
# training, work): grade 9 → 10 progression around 0.8, as in the Mekong delta.
NO_UPPER_SECONDARY = 0.25  # leavers per learner who did go on
# How many learners a feeder's top class of a past year takes, relative to its own top class
# of this year: the rest of an entry class came from schools outside the demo (the small demo
# has a few of each district's schools). Kindergartens in the demo hold part of the
# five-year-olds; lower secondary schools keep their size with the grade-9 leavers on top.
FEEDER_ROOM = {0: 1.1, 5: 1.1, 9: 1 / (1 + NO_UPPER_SECONDARY)}
# Grade 6 entrants for every learner finishing grade 5 (a few move away or leave school).
GRADE_SIX_PER_GRADE_FIVE = 0.985
# Why the learners who finished a feeder's top class and are not followed further left.
LEVEL_DONE = {
    0: "Hoàn thành chương trình giáo dục mầm non",
    5: "Hoàn thành chương trình tiểu học",
    9: "Tốt nghiệp THCS",
}
# Birth cohorts in the Mekong delta shrink ~1–2% a year; grade 1 ≈ 0.97 × births six years before.
BIRTH_DECLINE = 0.015
GRADE_ONE_PER_BIRTH = 0.97
# Through 2025: the grade-1 entrants of the five forecast years (2027-2028 to 2031-2032).
BIRTH_YEARS = range(2010, 2026)
BIRTHS_SOURCE = "Cục Thống kê (số liệu mô phỏng cho bản demo)"

# Absences: where the drop-out-risk alert must fire (school names), and how many learners there.
ABSENCE_SCHOOLS = (
    "Trường THCS Lý Tự Trọng",
    "Trường THCS Lưu Nghiệp Anh",
    "Trường THPT Trà Cú",
)
AT_RISK_PER_SCHOOL = 3
EXCUSED_REASONS = ("Ốm", "Sốt, gia đình xin phép", "Việc gia đình", "Đi khám bệnh")
UNEXCUSED_REASONS = ("", "Không rõ lý do", "Đi làm phụ gia đình", "Nghỉ không xin phép")

REPORT_DUE = date(2026, 10, 15)
DEMO_REPORT_SCHOOL = "Trường THCS Lý Tự Trọng"  # admin.thcs-lytutrong submits it in the demo

ANNUAL_NARRATIVE = (
    "Năm học 2025-2026 là năm học đầu tiên ngành giáo dục hoạt động theo mô hình chính quyền "
    "địa phương hai cấp sau khi hợp nhất tỉnh. Quy mô học sinh cơ bản ổn định, số trẻ vào lớp 1 "
    "tiếp tục giảm nhẹ theo xu hướng giảm số trẻ sinh ra; tỉ lệ học sinh bỏ học ở cấp trung học "
    "cơ sở và trung học phổ thông được kiềm chế ở mức thấp, tập trung ở vùng có đông đồng bào "
    "Khmer và hoàn cảnh khó khăn. Chuyển đổi số được đẩy mạnh: các trường cập nhật hồ sơ học "
    "sinh, sổ điểm điện tử và học bạ số trên hệ thống, tỉ lệ học sinh có mã định danh hợp lệ đạt "
    "cao. Tồn tại: một số trường còn thiếu giáo viên một số môn, báo cáo thống kê đôi khi chậm "
    "hạn; năm học 2026-2027 cần tăng cường vận động học sinh ra lớp, theo dõi chuyên cần hằng "
    "tháng và bồi dưỡng đội ngũ."
)


@dataclass
class HistorySummary:
    years: int = 0
    classes: int = 0
    enrollments: int = 0
    learners: int = 0  # new records: drop-outs, leavers, earlier graduates
    repeats: int = 0
    drop_outs: int = 0
    guardians: int = 0
    seconds: float = 0.0


@dataclass
class MonitoringSummary:
    births: int = 0
    absences: int = 0
    at_risk: int = 0
    reports: dict[str, int] = field(default_factory=dict)  # status → reports
    narratives: int = 0
    values: int = 0
    alerts: str = ""
    seconds: float = 0.0


# --- class names --------------------------------------------------------------------------------


def pseudo_grade(grade: int, name: str) -> int:
    """A class's grade, with kindergarten's age groups as -2, -1, 0 (MẦM, CHỒI, LÁ)."""
    if grade >= 1:
        return grade
    return LABEL_GRADES.get(name.split(" ")[0], 0)


def _ordinal(name: str, grade: int) -> tuple[int, str, int]:
    """(ordinal, track, number) of a class name made by plan._class_name."""
    try:
        if grade <= 0:
            return int(name.rsplit(" ", 1)[1]), "", 0
        rest = name[len(str(grade)) :]
        if grade <= 5:
            return ord(rest[0]) - ord("A") + 1, "", 0
        if grade <= 9:
            return int(rest[1:]), "", 0
        track, number = rest[0], int(rest[1:])
        return (number if track == "A" else number + 5), track, number
    except (IndexError, ValueError):
        return 1, "", 0


def class_name(grade: int, ordinal: int, track: str = "", number: int = 0) -> str:
    """The name of a class of `grade` (a pseudo-grade), as the plan names them."""
    if grade <= 0:
        return f"{PRESCHOOL_LABELS[grade]} {ordinal}"
    if grade <= 5:
        return f"{grade}{chr(ord('A') + ordinal - 1)}"
    if grade <= 9:
        return f"{grade}A{ordinal}"
    if not track:
        track, number = ("A", ordinal) if ordinal <= 5 else ("C", ordinal - 5)
    return f"{grade}{track}{number}"


def predecessor_name(name: str, grade: int, new_grade: int) -> str:
    return class_name(new_grade, *_ordinal(name, grade))


# --- the history --------------------------------------------------------------------------------


@dataclass(eq=False)
class _Walker:
    """A learner's earliest known stay: where they were in year `k` (an index into YEARS)."""

    key: int  # order of creation: decisions are taken in this order
    student_id: int | None  # an existing learner
    student: dict | None  # a learner created here
    school: str
    k: int
    grade: int  # pseudo-grade
    name: str
    enrollment: dict | None  # created here, or None for an existing row (enrollment_id)
    enrollment_id: int | None = None


class _History:
    def __init__(self, plan: DemoPlan, schools: dict[str, OrgUnit], years: dict[str, SchoolYear]):
        self.plan = plan
        self.schools = schools
        self.years = years
        self.specs = plan.school_by_code
        self.summary = HistorySummary(years=len(YEARS))
        # (school code, year index) → {class name: (pseudo-grade, class pk or SchoolClass)}
        self.cells: dict[tuple[str, int], dict[str, tuple[int, object]]] = defaultdict(dict)
        self.members: Counter = Counter()  # (school, k, name) → learners (kept to year end)
        self.new_classes: list[SchoolClass] = []
        # New rows as dicts for core.bulk.insert (a learner's "id" is reserved when written).
        self.new_students: list[dict] = []
        self.new_enrollments: list[dict] = []
        self.families: list = []  # the new learners' families (plan.FamilyRec), in step
        self.row_updates: dict[int, dict] = {}  # existing enrollment → fields to change
        self.walkers: list[_Walker] = []
        self.homerooms: dict[tuple[str, int], set[int]] = defaultdict(set)
        self.teachers: dict[str, list[int]] = defaultdict(list)

    # --- reading what the loader wrote ---------------------------------------------------------

    def read(self) -> None:
        k_of = {self.years[code].pk: k for k, code in enumerate(YEARS)}
        code_of = {unit.pk: code for code, unit in self.schools.items()}
        for pk, school_id, year_id, grade, name, homeroom in SchoolClass.objects.values_list(
            "pk", "school_id", "year_id", "grade", "name", "homeroom_teacher_id"
        ).order_by("pk"):
            if school_id not in code_of or year_id not in k_of:
                continue
            key = (code_of[school_id], k_of[year_id])
            self.cells[key][name] = (pseudo_grade(grade, name), pk)
            if homeroom:
                self.homerooms[key].add(homeroom)
        for staff_id, school_id in (
            Staff.objects.filter(position=Position.TEACHER, is_active=True)
            .order_by("pk")
            .values_list("pk", "school_id")
        ):
            if school_id in code_of:
                self.teachers[code_of[school_id]].append(staff_id)
        self._class_of = class_of = {
            pk: (school, k, name)
            for (school, k), names in self.cells.items()
            for name, (_grade, pk) in names.items()
        }
        counted = (
            Enrollment.objects.filter(
                end_reason__in=("", EnrollmentEnd.YEAR_END, EnrollmentEnd.GRADUATION)
            )  # fmt: skip
            .values("school_class_id")
            .annotate(n=Count("id"))
            .values_list("school_class_id", "n")
        )
        for class_id, n in counted:
            if class_id in class_of:
                self.members[class_of[class_id]] += n
        # Each learner's first two stays; the earliest is where the walk back starts.
        stays: dict[int, list[tuple]] = defaultdict(list)
        for student_id, enrollment_id, class_id, reason in Enrollment.objects.order_by(
            "student_id", "start_date", "id"
        ).values_list("student_id", "id", "school_class_id", "start_reason"):
            if len(stays[student_id]) < 2:
                stays[student_id].append((enrollment_id, class_id, reason))
        rng = self.plan.rng("history-repeats", EARLIER_YEAR)
        for student_id in sorted(stays):
            enrollment_id, class_id, _reason = stays[student_id][0]
            school, k, name = class_of[class_id]
            grade = self.cells[(school, k)][name][0]
            if len(stays[student_id]) == 2 and YEARS[k] == EARLIER_YEAR:
                name, grade = self._repeat_in_previous_year(
                    rng, school, name, grade, enrollment_id, *stays[student_id][1]
                )
            self._walker(student_id, None, school, k, grade, name, None, enrollment_id)

    def _repeat_in_previous_year(self, rng, school, name, grade, first_id, second_id, class_id,
                                 reason) -> tuple[str, int]:  # fmt: skip
        """The plan's cohorts go up a grade every year; a few of them repeated a grade in
        PREVIOUS_YEAR instead: in EARLIER_YEAR they were in the grade they repeated. Returns the
        learner's EARLIER_YEAR class name and grade."""
        k = YEARS.index(EARLIER_YEAR)
        rate = HISTORY_REPEAT_RATE.get(self.specs[school].school_type, 0)
        if reason != EnrollmentStart.PROMOTION or not rate or rng.random() >= rate:
            return name, grade
        then = self._class_of.get(class_id)
        if then is None or then[0] != school or then[1] != k + 1:
            return name, grade
        repeated = self.cells[(school, k + 1)][then[2]][0]
        names = sorted(n for n, (g, _c) in self.cells[(school, k)].items() if g == repeated)
        if repeated != grade + 1 or not names:
            return name, grade
        new_name = then[2] if then[2] in names else rng.choice(names)
        self.members[(school, k, name)] -= 1
        self.members[(school, k, new_name)] += 1
        self.row_updates[first_id] = {
            "school_class_id": self.cells[(school, k)][new_name][1],
            "start_reason": self._entry_reason(school, repeated),
        }
        self.row_updates[second_id] = {"start_reason": EnrollmentStart.REPEAT}
        self.summary.repeats += 1
        return new_name, repeated

    def _walker(self, student_id, student, school, k, grade, name, enrollment, enrollment_id=None):
        walker = _Walker(len(self.walkers), student_id, student, school, k, grade, name,
                         enrollment, enrollment_id)  # fmt: skip
        self.walkers.append(walker)
        return walker

    # --- classes, learners, stays ----------------------------------------------------------------

    def _class(self, school: str, k: int, grade: int, name: str):
        cell = self.cells[(school, k)]
        if name not in cell:
            homeroom = self._homeroom(school, k)
            obj = SchoolClass(school=self.schools[school], year=self.years[YEARS[k]],
                              grade=max(grade, 0), name=name, homeroom_teacher_id=homeroom)  # fmt: skip
            self.new_classes.append(obj)
            cell[name] = (grade, obj)
        return cell[name][1]

    def _homeroom(self, school: str, k: int) -> int | None:
        used = self.homerooms[(school, k)]
        for staff_id in self.teachers.get(school, ()):
            if staff_id not in used:
                used.add(staff_id)
                return staff_id
        return None

    def _free_names(self, school: str, k: int, grade: int, count: int) -> list[str]:
        used = set(self.cells[(school, k)])
        names, ordinal = [], 1
        while len(names) < count:
            name = class_name(grade, ordinal)
            if name not in used:
                names.append(name)
            ordinal += 1
        return names

    def _stay(self, student, school: str, k: int, grade: int, name: str, *, start_reason: str,
              end_reason: str = EnrollmentEnd.YEAR_END, end_date: date | None = None,
              note: str = "") -> dict:  # fmt: skip
        start, end = year_dates(YEARS[k])
        enrollment = {
            "student_id": student, "school_id": self.schools[school].pk,
            "year_id": self.years[YEARS[k]].pk, "school_class_id": self._class(school, k, grade, name),
            "start_date": start, "start_reason": start_reason, "end_date": end_date or end,
            "end_reason": end_reason, "note": note,
        }  # fmt: skip
        self.new_enrollments.append(enrollment)
        if end_reason != EnrollmentEnd.DROP_OUT:
            self.members[(school, k, name)] += 1
        return enrollment

    def _entry_reason(self, school: str, grade: int) -> str:
        ladder = LADDERS[self.specs[school].school_type]
        return EnrollmentStart.ADMISSION if grade == ladder[0] else EnrollmentStart.PROMOTION

    def _new_student(self, rng, school: str, k: int, grade: int, status: str) -> dict:
        plan, spec = self.plan, self.specs[school]
        gender = MALE if rng.random() < 0.515 else FEMALE
        commune = rng.choice(plan._home_communes(spec))
        ethnicity = plan._ethnicity(rng, spec, commune)
        born_year = year_dates(YEARS[k])[0].year - (grade + 5)
        if spec.school_type == SchoolType.CONTINUING:
            born_year -= rng.choice((0, 0, 1, 2))
        family = plan._new_family(rng, commune, ethnicity, born_year)
        national_id = None
        if rng.random() >= MISSING_CITIZEN_ID:
            national_id = plan.ids.citizen_id(rng, gender=gender, birth_year=born_year, adult=False)
        device, internet = plan._online_access(rng, commune, Stage(max(grade, 0), "", grade + 5))
        name = full_name(rng, family.family_name, ethnicity, gender)
        student = {
            "school_id": self.schools[school].pk, "full_name": name, "search_name": _fold(name),
            "date_of_birth": random_day(rng, born_year), "gender": gender, "ethnicity": ethnicity,
            "national_id": national_id, "moet_code": plan.ids.moet_code(rng),
            "address": family.address, "device_access": device, "internet_at_home": internet,
            "status": status,
        }  # fmt: skip
        self.new_students.append(student)
        self.families.append(family)
        return student

    # --- the walk ---------------------------------------------------------------------------------

    def run(self) -> None:
        for k in range(len(YEARS) - 2, -1, -1):
            self._graduates(k)
            self._step(k)
            self._drop_outs(k)

    def _graduates(self, k: int) -> None:
        """The grade 12 that graduated in year k (before PREVIOUS_YEAR, which the plan has):
        classes like the school's last graduates, a little larger the further back."""
        if YEARS[k] >= PREVIOUS_YEAR:
            return
        back = YEARS.index(PREVIOUS_YEAR) - k
        for school in sorted(self.specs):
            if 12 not in LADDERS.get(self.specs[school].school_type, ()):
                continue
            rng = self.plan.rng("history-graduates", school, YEARS[k])
            last = sorted(
                name for name, (grade, _c) in self.cells[(school, YEARS.index(PREVIOUS_YEAR))].items()
                if grade == 12
            )  # fmt: skip
            for name in last:
                if name in self.cells[(school, k)]:
                    continue
                size = self.members[(school, YEARS.index(PREVIOUS_YEAR), name)]
                size = min(45, round(size * (1 + BIRTH_DECLINE) ** back * rng.uniform(0.93, 1.07)))
                for _ in range(size):
                    student = self._new_student(rng, school, k, 12, StudentStatus.GRADUATED)
                    stay = self._stay(student, school, k, 12, name,
                                      start_reason=EnrollmentStart.PROMOTION,
                                      end_reason=EnrollmentEnd.GRADUATION)  # fmt: skip
                    self._walker(None, student, school, k, 12, name, stay)
                    self.summary.learners += 1

    def _feeder_tiers(self, school: str, grade: int) -> list[list[str]]:
        """The feeder schools a learner entering `school` from `grade` may come from, nearest
        first: the same commune (kindergartens and primary schools), the district, and for the
        province's boarding and specialised schools the whole province."""
        spec = self.specs[school]
        types = FEEDERS[grade]
        candidates = [
            code for code, other in sorted(self.specs.items())
            if other.school_type in types and grade in LADDERS[other.school_type]
        ]  # fmt: skip
        wide = spec.specialised or spec.boarding or spec.district_wide
        tiers = [[], [], []]
        if not wide and grade != 9:  # upper secondary schools take the district's grade 9
            tiers[0] = [c for c in candidates if self.specs[c].commune == spec.commune]
        tiers[1] = [c for c in candidates if self.specs[c].district == spec.district]
        if spec.specialised or spec.boarding:
            tiers[2] = candidates
        return tiers

    def _elsewhere(self, to_feeder, k: int, grade_six_entrants: int) -> dict[tuple[str, int], int]:
        """(feeder, top grade) → learners of its top class in year k who went on to a school
        outside the demo. Kindergartens and lower secondary schools: up to the class's natural
        size. Primary schools: as many in all as make the province's grade 5 of year k the grade
        6 entrants of the next year over GRADE_SIX_PER_GRADE_FIVE (a small demo's lower
        secondary schools take learners from primary schools it does not have, and its primary
        schools send some to lower secondary schools it does not have), shared out in
        proportion to each primary school's shortfall from its natural size."""
        out: dict[tuple[str, int], int] = {}
        gaps: dict[tuple[str, int], float] = {}
        for (feeder, grade), group in sorted(to_feeder.items()):
            if LADDERS[self.specs[feeder].school_type][-1] != grade:
                continue  # a multi-level school keeps its own learners
            leavers = round(len(group) * NO_UPPER_SECONDARY) if grade == 9 else 0
            gap = max(0.0, self._natural(feeder, grade, k) - len(group) - leavers)
            if grade == 5:
                gaps[(feeder, grade)] = gap
            else:
                out[(feeder, grade)] = round(gap)
        captured = sum(len(group) for (_f, grade), group in to_feeder.items() if grade == 5)
        wanted = max(0, round(grade_six_entrants / GRADE_SIX_PER_GRADE_FIVE) - captured)
        weights = gaps if sum(gaps.values()) > 0 else {key: 1.0 for key in gaps}
        total = sum(weights.values())
        if total:
            shares = {key: wanted * weight / total for key, weight in weights.items()}
            for key, share in shares.items():
                out[key] = math.floor(share)
            rest = wanted - sum(out[key] for key in shares)
            by_remainder = sorted(shares, key=lambda key: (out[key] - shares[key], key))
            for key in by_remainder[:rest]:
                out[key] += 1
        return out

    def _natural(self, feeder: str, grade: int, k: int) -> float:
        """The size of a feeder's top class in year k: its top class of this year, a little
        larger the further back (the cohorts shrink)."""
        current = YEARS.index(CURRENT_YEAR)
        own = sum(
            self.members[(feeder, current, name)]
            for name, (g, _c) in self.cells[(feeder, current)].items()
            if g == grade
        )
        return own * (1 + COHORT_DECLINE) ** (current - k)

    def _room(self, feeder: str, grade: int, k: int) -> float:
        """How many learners going on to the demo's schools a feeder's top class of year k can
        hold (FEEDER_ROOM): the others came from schools outside the demo."""
        return self._natural(feeder, grade, k) * FEEDER_ROOM[grade]

    def _step(self, k: int) -> None:
        """Place every learner whose earliest stay is in year k+1 into year k."""
        rng = self.plan.rng("history", YEARS[k])
        movers = [w for w in self.walkers if w.k == k + 1]
        movers.sort(key=lambda w: w.key)
        repeaters: list[_Walker] = []
        to_feeder: dict[tuple[str, int], list[_Walker]] = defaultdict(list)
        room: dict[str, float] = {}
        entering: list[tuple[_Walker, int, list[list[str]]]] = []
        for w in movers:
            spec = self.specs[w.school]
            ladder = LADDERS[spec.school_type]
            # A repeat in a past year (this year's repeaters are the plan's, a year older).
            past = k + 1 < YEARS.index(CURRENT_YEAR)
            if (
                past
                and w.grade >= 1
                and rng.random() < HISTORY_REPEAT_RATE.get(spec.school_type, 0)
            ):
                repeaters.append(w)
                continue
            grade = w.grade - 1
            if grade in ladder:
                self._move(w, w.school, k, grade, predecessor_name(w.name, w.grade, grade))
            elif grade in FEEDERS:
                entering.append((w, grade, self._feeder_tiers(w.school, grade)))
        grade_six_entrants = sum(1 for _w, grade, _t in entering if grade == 5)
        # The entrants' feeders, nearest tier first for everyone (a commune's own primary school
        # fills with its commune's learners before the district's others come).
        for tier in range(3):
            left = []
            for w, grade, tiers in entering:
                pool = [f for f in tiers[tier] if room.setdefault(f, self._room(f, grade, k)) >= 1]
                if not pool:
                    left.append((w, grade, tiers))
                    continue
                feeder = rng.choice(pool)
                room[feeder] -= 1
                to_feeder[(feeder, grade)].append(w)
            entering = left  # the rest came from schools outside the demo
        # Every feeder's top class of year k: the learners who went on to the demo's schools,
        # then those who finished the level and did not (grade 9: about one in five), and
        # those who went on to a school outside the demo, up to the class's natural size.
        for feeder, spec in sorted(self.specs.items()):
            ladder = LADDERS[spec.school_type]
            if ladder[-1] in FEEDERS:
                to_feeder.setdefault((feeder, ladder[-1]), [])
        elsewhere = self._elsewhere(to_feeder, k, grade_six_entrants)
        for (feeder, grade), group in sorted(to_feeder.items()):
            group.sort(key=lambda w: (w.school, w.name, w.key))
            leavers = round(len(group) * NO_UPPER_SECONDARY) if grade == 9 else 0
            total = len(group) + leavers + elsewhere.get((feeder, grade), 0)
            if not total:
                continue
            count = max(1, math.ceil(total / 45), round(total / TYPICAL_CLASS))
            names = self._free_names(feeder, k, grade, count)
            for index, w in enumerate(group):
                self._move(w, feeder, k, grade, names[index * count // total])
            lrng = self.plan.rng("history-leavers", feeder, YEARS[k])
            for index in range(len(group), total):
                name = names[index * count // total]
                note = LEVEL_DONE[grade]
                if index < len(group) + leavers:
                    note = "Tốt nghiệp THCS, không học tiếp THPT"
                student = self._new_student(lrng, feeder, k, grade, StudentStatus.GRADUATED)
                stay = self._stay(student, feeder, k, grade, name,
                                  start_reason=self._entry_reason(feeder, grade),
                                  end_reason=EnrollmentEnd.GRADUATION, note=note)  # fmt: skip
                self._walker(None, student, feeder, k, grade, name, stay)
                self.summary.learners += 1
        for w in repeaters:
            names = sorted(
                name for name, (grade, _c) in self.cells[(w.school, k)].items()
                if grade == w.grade
            )  # fmt: skip
            if not names:
                continue
            name = w.name if w.name in names else rng.choice(names)
            later, later_id = w.enrollment, w.enrollment_id
            self._move(w, w.school, k, w.grade, name)
            if later is not None:  # the year after, they repeated the grade
                later["start_reason"] = EnrollmentStart.REPEAT
            else:
                self.row_updates.setdefault(later_id, {})["start_reason"] = EnrollmentStart.REPEAT
            self.summary.repeats += 1

    def _move(self, w: _Walker, school: str, k: int, grade: int, name: str) -> None:
        student = w.student_id if w.student is None else w.student
        stay = self._stay(student, school, k, grade, name,
                          start_reason=self._entry_reason(school, grade))  # fmt: skip
        w.school, w.k, w.grade, w.name, w.enrollment, w.enrollment_id = (
            school, k, grade, name, stay, None,
        )  # fmt: skip

    def _drop_outs(self, k: int) -> None:
        """Learners who dropped out during year k: they were in the class, then left."""
        start, end = year_dates(YEARS[k])
        for (school, year_k), cell in sorted(self.cells.items()):
            if year_k != k:
                continue
            rate = HISTORY_DROP_OUT_RATE.get(self.specs[school].school_type, 0)
            if not rate:
                continue
            rng = self.plan.rng("history-drop-outs", school, YEARS[k])
            for name in sorted(cell):
                grade = cell[name][0]
                size = self.members[(school, k, name)]
                for _ in range(sum(rng.random() < rate for _ in range(size))):
                    student = self._new_student(rng, school, k, grade, StudentStatus.DROPPED_OUT)
                    day = random_date_between(rng, start + timedelta(days=30),
                                              end - timedelta(days=20))  # fmt: skip
                    stay = self._stay(student, school, k, grade, name,
                                      start_reason=self._entry_reason(school, grade),
                                      end_reason=EnrollmentEnd.DROP_OUT, end_date=day,
                                      note=rng.choice(DROP_OUT_NOTES))  # fmt: skip
                    self._walker(None, student, school, k, grade, name, stay)
                    self.summary.learners += 1
                    self.summary.drop_outs += 1

    # --- writing -------------------------------------------------------------------------------

    def _write_guardians(self) -> None:
        """The new learners' parents or guardians, as the plan's families have them."""
        guardians, links = [], []
        for student, family in zip(self.new_students, self.families, strict=True):
            for rec in family.guardians:
                guardians.append({"full_name": rec.full_name, "phone": rec.phone})
                links.append({"student_id": student["id"], "relationship": rec.relationship})
        ids = bulk.reserve_ids(Guardian, len(guardians))
        if ids is None:  # pragma: no cover - another backend
            created = Guardian.objects.bulk_create(
                [Guardian(**row) for row in guardians], batch_size=BATCH
            )
            ids = [guardian.pk for guardian in created]
        else:
            for row, pk in zip(guardians, ids, strict=True):
                row["id"] = pk
            bulk.insert(Guardian, guardians, with_ids=True)
        for link, pk in zip(links, ids, strict=True):
            link["guardian_id"] = pk
        bulk.insert(Guardianship, links)
        self.summary.guardians = len(guardians)

    def write(self) -> None:
        ids = bulk.reserve_ids(Student, len(self.new_students))
        if ids is None:  # pragma: no cover - another backend: the ORM hands out the keys
            created = Student.objects.bulk_create(
                [Student(**row) for row in self.new_students], batch_size=BATCH
            )
            ids = [student.pk for student in created]
        for row, pk in zip(self.new_students, ids, strict=True):
            row["id"] = pk
        bulk.insert(Student, self.new_students, with_ids=True)
        self._write_guardians()
        SchoolClass.objects.bulk_create(self.new_classes, batch_size=BATCH)
        for row in self.new_enrollments:  # the learners' and classes' keys, now known
            if isinstance(row["student_id"], dict):
                row["student_id"] = row["student_id"]["id"]
            if isinstance(row["school_class_id"], SchoolClass):
                row["school_class_id"] = row["school_class_id"].pk
        bulk.insert(Enrollment, self.new_enrollments)
        by_change: dict[tuple, list[int]] = defaultdict(list)
        for pk, fields in sorted(self.row_updates.items()):
            by_change[tuple(sorted(fields.items()))].append(pk)
        for change, pks in by_change.items():
            for start in range(0, len(pks), BATCH):
                Enrollment.objects.filter(pk__in=pks[start : start + BATCH]).update(**dict(change))
        self.summary.classes = len(self.new_classes)
        self.summary.enrollments = len(self.new_enrollments)


def _fold(text: str) -> str:
    from hocso.core.text import fold

    return fold(text)


def load_history(
    plan: DemoPlan, schools: dict[str, OrgUnit], years: dict[str, SchoolYear]
) -> HistorySummary:
    """Five school years of consistent history (module docstring). `years` gains the history
    years; call it once, after the learners are loaded and before the grade books."""
    started = time.monotonic()
    for code in YEARS:
        if code not in years:
            years[code] = schoolyear_get_or_create(code=code)
    # The identifiers already handed out (the accounts' and any other rows) stay unique.
    plan.ids.citizen_ids.update(
        Student.objects.exclude(national_id=None).values_list("national_id", flat=True)
    )
    plan.ids.moet_codes.update(
        Student.objects.exclude(moet_code=None).values_list("moet_code", flat=True)
    )
    history = _History(plan, schools, years)
    with transaction.atomic():
        history.read()
        history.run()
        history.write()
    history.summary.seconds = time.monotonic() - started
    return history.summary


# --- births, absences, reports, narrative, indicators, alerts -----------------------------------


def load_monitoring(plan: DemoPlan, *, today: date = AS_OF, progress=None) -> MonitoringSummary:
    """What the monitoring centre shows on the demo's day (module docstring). Call it after
    the accounts exist; every part is written in the caller's transaction. `progress(stage,
    done, total)` hears of each step (births, absences, each year's indicators, reports,
    alerts)."""
    from hocso.monitoring import compute

    started = time.monotonic()
    summary = MonitoringSummary()
    years = list(SchoolYear.objects.filter(code__in=YEARS).order_by("start_date"))
    steps = 3 + len(years)

    def step(done: int) -> None:
        if progress is not None:
            progress("monitoring", done, steps)

    summary.births = load_births(plan)
    summary.absences, summary.at_risk = load_absences(plan, today=today)
    step(1)
    _analyze()
    for index, year in enumerate(years, start=2):
        summary.values += compute.recompute(year=year).values
        step(index)
    summary.reports = load_reports(plan, today=today)
    summary.narratives = load_narrative()
    step(steps - 1)
    summary.alerts = _evaluate_alerts(today)
    step(steps)
    summary.seconds = time.monotonic() - started
    return summary


def _analyze() -> None:
    """Fresh planner statistics before the grouped queries of the recompute (load.py does the
    same at the end; a bulk load leaves them stale, or on SQLite missing)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 2000")
            for model in (Enrollment, Student, SchoolClass, Absence, OrgUnit, Staff):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
            cursor.execute("PRAGMA analysis_limit = 0")


def grade_one_entrants() -> dict[tuple[int, int], int]:
    """(commune id, calendar year the school year starts) → learners who entered grade 1 that
    year (not repeating) at the commune's schools."""
    rows = (
        Enrollment.objects.filter(school_class__grade=1)
        .exclude(
            start_reason__in=(
                EnrollmentStart.REPEAT,
                EnrollmentStart.CLASS_CHANGE,
                EnrollmentStart.TRANSFER_IN,
            )
        )  # fmt: skip
        .values_list("school__parent_id", "year__start_date")
        .annotate(n=Count("student_id", distinct=True))
    )
    out: Counter = Counter()
    for commune_id, start, n in rows:
        out[(commune_id, start.year)] += n
    return dict(out)


def load_births(plan: DemoPlan) -> int:
    """Births per commune (today's communes, under Vĩnh Long 86) for BIRTH_YEARS: the grade-1
    entrants of the commune's schools six years later over GRADE_ONE_PER_BIRTH, and for the
    years whose grade 1 the demo has not seen, the nearest known year carried along the
    delta's decline. Per commune, so the forecast works for a commune as for the province (the
    forecast sums a unit's communes; the old province 84 reads them through its successor)."""
    from hocso.monitoring.models import BirthCohort

    entrants = grade_one_entrants()
    communes = sorted({commune for commune, _year in entrants})
    rows = []
    for commune_id in communes:
        rng = plan.rng("births", commune_id)
        known = {
            year - 6: round(n / GRADE_ONE_PER_BIRTH * rng.uniform(0.99, 1.01))
            for (commune, year), n in entrants.items()
            if commune == commune_id
        }
        first, last = min(known), max(known)
        for year in BIRTH_YEARS:
            if year in known:
                births = known[year]
            elif year < first:
                births = known[first] * (1 + BIRTH_DECLINE) ** (first - year)
            elif year > last:
                births = known[last] * (1 - BIRTH_DECLINE) ** (year - last)
            else:  # a gap between known years
                births = known[max(y for y in known if y < year)]
            noisy = round(births * (rng.uniform(0.98, 1.02) if year not in known else 1))
            rows.append(BirthCohort(org_unit_id=commune_id, year=year, births=max(0, noisy),
                                    source=BIRTHS_SOURCE))  # fmt: skip
    BirthCohort.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _school_days(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def load_absences(plan: DemoPlan, *, today: date = AS_OF) -> tuple[int, int]:
    """Days absent in the current and the previous month of the current year, as the homeroom
    teachers recorded them at roll call: most learners none, some a day or two (mostly with
    permission), and at ABSENCE_SCHOOLS a few learners with 4–8 days without permission this
    month — the drop-out risk the alert is for. Returns (absences, learners at risk)."""
    year = SchoolYear.objects.get(code=CURRENT_YEAR)
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    months = [
        _school_days(max(last_month, year.start_date), this_month - timedelta(days=1)),
        _school_days(this_month, today),
    ]
    rows = list(
        Enrollment.objects.filter(
            year=year, end_date__isnull=True, student__status=StudentStatus.STUDYING,
            school_class__grade__gte=1,
        )
        .order_by("school__code", "school_class__name", "student_id")
        .values_list("student_id", "school_id", "school_class_id", "school__name",
                     "school_class__homeroom_teacher__user_id", "start_date")
    )  # fmt: skip
    risky_schools = {name: [] for name in ABSENCE_SCHOOLS}
    for row in rows:
        if row[3] in risky_schools and row[5] <= last_month:
            risky_schools[row[3]].append(row)
    at_risk: set[int] = set()
    for name, candidates in risky_schools.items():
        rng = plan.rng("absences-at-risk", name)
        at_risk.update(
            r[0] for r in rng.sample(candidates, min(AT_RISK_PER_SCHOOL, len(candidates)))
        )

    absences = []
    rng = plan.rng("absences", CURRENT_YEAR, today.isoformat())
    for student_id, school_id, class_id, _school, teacher_user, started in rows:
        for index, days in enumerate(months):
            days = [d for d in days if d >= started]
            if not days:
                continue
            risky = student_id in at_risk and index == 1
            if risky:
                picked = rng.sample(days, min(len(days), rng.randint(4, 8)))
                excused = [False] * len(picked)
                if rng.random() < 0.5 and len(picked) < len(days):  # and one day with a note
                    picked.append(rng.choice([d for d in days if d not in picked]))
                    excused.append(True)
            else:
                draw = rng.random()
                count = 2 if draw < 0.04 else 1 if draw < 0.14 else 0
                picked = rng.sample(days, min(count, len(days)))
                excused = [rng.random() < 0.75 for _ in picked]
            for day, is_excused in zip(picked, excused, strict=True):
                reason = rng.choice(EXCUSED_REASONS if is_excused else UNEXCUSED_REASONS)
                absences.append(
                    Absence(
                        student_id=student_id, school_id=school_id, school_class_id=class_id,
                        date=day, excused=is_excused, reason=reason, recorded_by_id=teacher_user,
                        recorded_at=_at(day, 7, 30),
                    )
                )  # fmt: skip
    Absence.objects.bulk_create(absences, batch_size=BATCH)
    return len(absences), len(at_risk)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


# Target state of the start-of-year reports (shares of the schools other than the demo's own).
REPORT_MIX = (("accepted", 0.55), ("approved", 0.15), ("submitted", 0.15), ("draft", 0.15))


def load_reports(plan: DemoPlan, *, today: date = AS_OF) -> dict[str, int]:
    """The current year's start-of-year reports, due REPORT_DUE: most accepted, some approved,
    some submitted, a few still drafts past their due date; the demo school's (admin.thcs-
    lytutrong) a draft, so the demo user can submit it. Through monitoring.reports' services
    (they freeze the figures), then dated back to plausible days before the demo's day."""
    from django.contrib.auth import get_user_model

    from hocso.monitoring.models import ReportPeriod, ReportStatus, StatReport, StatReportEvent

    from .accounts import PROVINCE_OFFICER, SCHOOL_ADMINS, SUPERUSER

    year = SchoolYear.objects.get(code=CURRENT_YEAR)
    try:
        from hocso.monitoring import reports as services
    except ImportError:  # pragma: no cover - the reports area not built yet
        services = None
    if services is not None:
        services.open_period(year, ReportPeriod.START, REPORT_DUE)
    else:  # pragma: no cover
        StatReport.objects.bulk_create(
            [StatReport(org_unit=unit, year=year, period=ReportPeriod.START, due_date=REPORT_DUE)
             for unit in OrgUnit.objects.filter(kind="school", valid_to__isnull=True)],
            ignore_conflicts=True,
        )  # fmt: skip
    users = get_user_model().objects
    officer = users.get(username=PROVINCE_OFFICER)
    superuser = users.get(username=SUPERUSER)
    admins = {name: users.get(username=username) for username, name in SCHOOL_ADMINS.items()}
    reports = list(
        StatReport.objects.filter(year=year, period=ReportPeriod.START)
        .select_related("org_unit", "year")
        .order_by("org_unit__code")
    )
    rng = plan.rng("reports", CURRENT_YEAR)
    demo_school = ROSTER_BY_NAME[DEMO_REPORT_SCHOOL].code
    others = [r for r in reports if r.org_unit.code != demo_school]
    rng.shuffle(others)
    targets, start = {}, 0
    for index, (status, share) in enumerate(REPORT_MIX):
        end = len(others) if index == len(REPORT_MIX) - 1 else start + round(len(others) * share)
        if status != "draft" and end == start and len(others) > len(REPORT_MIX):
            end += 1  # every state shows, even on the small demo
        for report in others[start:end]:
            targets[report.pk] = status
        start = end
    order = ["draft", "submitted", "approved", "accepted"]
    for report in reports:
        target = targets.get(report.pk, "draft")
        if order.index(target) < 1:
            continue
        submitter = admins.get(report.org_unit.name, superuser)
        late = rng.random() < 0.2
        submitted = _at(REPORT_DUE + timedelta(days=rng.randint(1, 9)) if late
                        else REPORT_DUE - timedelta(days=rng.randint(0, 12)),
                        rng.randint(8, 16), rng.randint(0, 59))  # fmt: skip
        approved = submitted + timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 5))
        accepted = approved + timedelta(days=rng.randint(1, 8), hours=rng.randint(0, 5))
        if services is not None:
            services.submit(report, submitter)
            if order.index(target) >= 2:
                services.approve(report, officer)
            if order.index(target) >= 3:
                services.accept(report, officer)
        else:  # pragma: no cover
            report.status = target
            report.submitted_by = submitter
            report.approved_by = officer if order.index(target) >= 2 else None
            report.accepted_by = officer if order.index(target) >= 3 else None
        # Dated as the demo's autumn had them.
        stamps = {"submitted_at": submitted}
        if order.index(target) >= 2:
            stamps["approved_at"] = approved
        if order.index(target) >= 3:
            stamps["accepted_at"] = accepted
        StatReport.objects.filter(pk=report.pk).update(status=target, **stamps)
        when = {"submit": submitted, "approve": approved, "accept": accepted}
        for action, at in when.items():
            StatReportEvent.objects.filter(report_id=report.pk, action=action).update(at=at)
    counts = Counter(
        StatReport.objects.filter(year=year, period=ReportPeriod.START).values_list(
            "status", flat=True
        )
    )
    return {status: counts.get(status, 0) for status in ReportStatus.values if counts.get(status)}


def load_narrative() -> int:
    """The province's annual report narrative for PREVIOUS_YEAR, written by the province
    officer."""
    from django.contrib.auth import get_user_model

    from hocso.monitoring.models import AnnualReport

    from .accounts import PROVINCE_OFFICER

    officer = get_user_model().objects.filter(username=PROVINCE_OFFICER).first()
    AnnualReport.objects.update_or_create(
        org_unit=OrgUnit.objects.get(code=SUCCESSOR_CODE),
        year=SchoolYear.objects.get(code=PREVIOUS_YEAR),
        defaults={"narrative": ANNUAL_NARRATIVE, "updated_by": officer},
    )
    return 1


def _evaluate_alerts(today: date) -> str:
    """monitoring.alerts.evaluate() on the demo's day, without email; "" when there is none."""
    try:
        from hocso.monitoring import alerts
    except ImportError:  # pragma: no cover - the alerts area not built yet
        return ""
    parameters = inspect.signature(alerts.evaluate).parameters
    options = {}
    if "today" in parameters:
        options["today"] = today
    if "email" in parameters:
        options["email"] = False
    result = alerts.evaluate(**options)
    return f"raised={result.raised} updated={result.updated} resolved={result.resolved}"
