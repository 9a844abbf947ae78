"""The synthetic province as plain records, before anything touches the database.

`DemoPlan(scale, seed)` decides everything — classes, staff, learners with their enrollment
history, families, rooms and equipment — from the seed alone: each school draws from its own
random stream, and the identifiers that must be unique across the province are handed out in a
fixed order (all staff first, then learners school by school). The loader (load.py) only maps
these records to rows. Same seed → same data.
"""

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from hocso.orgs.models import SchoolType
from hocso.registry.models import (
    Condition,
    DeviceAccess,
    EnrollmentEnd,
    EnrollmentStart,
    Position,
    Qualification,
    Relationship,
    RoomKind,
    StudentStatus,
)
from hocso.registry.rules import HOA, KHMER, KINH

from .data import facilities as F
from .data import schools as S
from .data.geography import (
    DISTRICTS,
    HAMLETS_KHMER_ORIGIN,
    HAMLETS_VIETNAMESE,
    address_commune,
    address_district,
)
from .people import (
    FEMALE,
    MALE,
    Identifiers,
    Weighted,
    family_name,
    full_name,
    random_date_between,
    random_day,
)
from .roster import ROSTER, Commune, SchoolSpec, communes_of

# The demo stands in late November of term I of CURRENT_YEAR (AS_OF). PREVIOUS_YEAR is complete
# (grade books, results, promotions, transcripts); EARLIER_YEAR, the last school year before the
# 1 July 2025 reform, holds only the enrollment history of the cohorts that were already at
# their school then, so the tree of a day before the reform still has its learners.
EARLIER_YEAR = "2024-2025"
PREVIOUS_YEAR = "2025-2026"
CURRENT_YEAR = "2026-2027"
AS_OF = date(2026, 11, 27)  # nothing in the demo happens after this day
TARGET_KHMER_SHARE = 0.31

# Learners per school level across the province (≈ 215,000 in all; DOMAIN.md §6).
LEARNERS_BY_TYPE = {
    SchoolType.PRESCHOOL: 34_800,
    SchoolType.PRIMARY: 84_800,
    SchoolType.LOWER_SECONDARY: 60_600,
    SchoolType.UPPER_SECONDARY: 30_800,
    SchoolType.CONTINUING: 3_200,
    SchoolType.MULTI_LEVEL: 1_200,
}
CLASS_SIZE = (30, 45)
TYPICAL_CLASS = 38
LEARNERS_PER_TEACHER = (18.0, 20.0)

DROP_OUT_RATE = {
    SchoolType.PRIMARY: 0.001,
    SchoolType.LOWER_SECONDARY: 0.008,
    SchoolType.UPPER_SECONDARY: 0.015,
    SchoolType.CONTINUING: 0.04,
    SchoolType.MULTI_LEVEL: 0.004,
}
REPEAT_RATE = {
    SchoolType.PRIMARY: 0.006,
    SchoolType.LOWER_SECONDARY: 0.008,
    SchoolType.UPPER_SECONDARY: 0.01,
    SchoolType.CONTINUING: 0.02,
    SchoolType.MULTI_LEVEL: 0.005,
}
TRANSFER_CHANCE_PER_CLASS = 0.15
SIBLING_CHANCE = 0.22
MISSING_CITIZEN_ID = 0.02  # a few records still lack the citizen ID: the MOET code identifies them

DROP_OUT_NOTES = (
    "Hoàn cảnh gia đình khó khăn",
    "Theo gia đình đi làm ăn xa",
    "Đi làm phụ giúp gia đình",
    "Học lực yếu, không muốn tiếp tục đi học",
    "Nghỉ học dài ngày, gia đình xin thôi học",
)
TRANSFER_NOTES = (
    "Gia đình chuyển nơi cư trú",
    "Theo cha mẹ chuyển công tác",
    "Chuyển về gần nhà",
    "Gia đình có nguyện vọng chuyển trường",
)

PRESCHOOL_GROUPS = (("MẦM", 3), ("CHỒI", 4), ("LÁ", 5))  # (class label, age in years)
# Birth cohorts in the Mekong delta shrink ~1–2% a year: each cohort's classes are that much
# smaller than the one a year older (relative to the 11-year-olds), so grade sizes, and the
# history demo/monitoring.py walks back from them, drift as they do.
COHORT_DECLINE = 0.015


def cohort_factor(age: int) -> float:
    return (1 + COHORT_DECLINE) ** (age - 11)


def year_dates(code: str) -> tuple[date, date]:
    """Start and end of a school year, the calendar orgs.services.schoolyear_get_or_create uses."""
    start, end = (int(part) for part in code.split("-"))
    return date(start, 9, 5), date(end, 5, 31)


# --- records ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Stage:
    """One grade of a school (for preschools, one age group: grade 0 with a label)."""

    grade: int
    label: str  # "MẦM" for preschool groups, "" otherwise
    age: int  # age reached in the calendar year the school year starts

    @property
    def upper(self) -> bool:
        return self.grade >= 10


@dataclass(slots=True)
class ClassRec:
    school: str  # school code
    year: str
    grade: int
    name: str
    size: int = 0  # planned active learners (current year) or planned graduates
    predecessor: str | None = None  # the same cohort's class a year earlier, at this school
    homeroom: int | None = None  # index into the school's staff list
    stage_index: int = 0


@dataclass(slots=True)
class StaffRec:
    full_name: str
    gender: str
    date_of_birth: date
    national_id: str
    position: str
    qualification: str
    subjects: str
    phone: str
    other_school: str | None = None


@dataclass(slots=True)
class EnrollmentRec:
    school: str
    year: str
    class_name: str
    start_date: date
    start_reason: str
    end_date: date | None = None
    end_reason: str = ""
    note: str = ""


@dataclass(slots=True)
class GuardianRec:
    full_name: str
    phone: str
    relationship: str


@dataclass(slots=True)
class FamilyRec:
    id: int
    family_name: str
    ethnicity: str
    address: str
    guardians: list[GuardianRec]
    child_years: list[int] = field(default_factory=list)


@dataclass(slots=True)
class StudentRec:
    full_name: str
    gender: str
    date_of_birth: date
    ethnicity: str
    national_id: str | None
    moet_code: str
    address: str
    device_access: str
    internet_at_home: bool | None
    status: str
    school: str
    family: FamilyRec
    enrollments: list[EnrollmentRec]


@dataclass(slots=True)
class RoomRec:
    code: str
    name: str
    kind: str
    capacity: int | None
    condition: str


@dataclass(slots=True)
class EquipmentRec:
    asset_code: str
    name: str
    category: str
    room: str | None  # room code
    quantity: int
    condition: str
    acquired_on: date


@dataclass(slots=True)
class SchoolPeople:
    students: list[StudentRec]
    new_families: list[FamilyRec]  # families whose guardians appear for the first time


# --- scales -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    name: str
    school_names: tuple[str, ...] | None  # None: every school of the roster
    communes_per_district: int | None  # None: every commune
    size_factor: float  # multiplies every school's size (province scale: 1)


SCALES = {
    "small": Scale("small", S.SMALL_SCALE_SCHOOLS, 3, 0.6),
    "province": Scale("province", None, None, 1.0),
}


# --- the plan -----------------------------------------------------------------------------------


def _stages(school_type: str) -> list[Stage]:
    if school_type == SchoolType.PRESCHOOL:
        return [Stage(0, label, age) for label, age in PRESCHOOL_GROUPS]
    grades = {
        SchoolType.PRIMARY: range(1, 6),
        SchoolType.LOWER_SECONDARY: range(6, 10),
        SchoolType.UPPER_SECONDARY: range(10, 13),
        SchoolType.CONTINUING: range(10, 13),
        SchoolType.MULTI_LEVEL: range(1, 13),
    }[school_type]
    return [Stage(g, "", g + 5) for g in grades]


def _class_name(stage: Stage, ordinal: int, track: str, track_number: int) -> str:
    """Class names in upper case, as registry's class_create stores them: "LÁ 2", "3B", "7A2"."""
    if stage.label:
        return f"{stage.label} {ordinal}"
    if stage.grade <= 5:
        return f"{stage.grade}{chr(ord('A') + ordinal - 1)}"
    if stage.upper:
        return f"{stage.grade}{track}{track_number}"
    return f"{stage.grade}A{ordinal}"


def _tracks(count: int) -> list[tuple[str, int]]:
    """Upper secondary classes: natural-science (A) classes first, then social-science (C)."""
    n_a = max(1, math.ceil(count * 0.6)) if count > 1 else 1
    return [("A", i + 1) for i in range(n_a)] + [("C", i + 1) for i in range(count - n_a)]


class DemoPlan:
    def __init__(self, scale: Scale, seed: int) -> None:
        self.scale = scale
        self.seed = seed
        self.ids = Identifiers()
        self._staff: dict[str, list[StaffRec]] = {}
        self._classes: dict[str, list[ClassRec]] = {}
        self._families_by_key: dict[tuple[str, str], list[FamilyRec]] = defaultdict(list)
        self._next_family_id = 0

    def rng(self, *parts) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    # --- what exists ----------------------------------------------------------------------------

    @cached_property
    def schools(self) -> list[SchoolSpec]:
        if self.scale.school_names is None:
            return list(ROSTER)
        wanted = set(self.scale.school_names)
        return [s for s in ROSTER if s.name in wanted]

    @cached_property
    def school_by_code(self) -> dict[str, SchoolSpec]:
        return {s.code: s for s in self.schools}

    @cached_property
    def communes(self) -> dict[str, list[Commune]]:
        """District code → the communes created at this scale (those with a school first)."""
        hosting = {s.commune.code for s in self.schools}
        result = {}
        for district in DISTRICTS:
            all_communes = communes_of(district)
            if self.scale.communes_per_district is None:
                result[district.code] = all_communes
                continue
            keep = [c for c in all_communes if c.code in hosting]
            for commune in all_communes:
                if len(keep) >= self.scale.communes_per_district:
                    break
                if commune not in keep:
                    keep.append(commune)
            result[district.code] = sorted(keep, key=all_communes.index)
        return result

    # --- communes: who lives there --------------------------------------------------------------

    @cached_property
    def _commune_traits(self) -> dict[str, tuple[float, float, float, tuple[str, ...]]]:
        """Commune code → (raw Khmer share, Hoa share, access to online learning 0–1, hamlets)."""
        traits = {}
        for district in DISTRICTS:
            for commune in communes_of(district):
                rng = self.rng("commune", commune.code)
                khmer = district.khmer_share * rng.uniform(0.6, 1.4) * (0.6 if commune.urban else 1)
                hoa = (0.04 if district.code == "842" else 0.02) if commune.urban else 0.006
                if commune.urban:
                    access = 0.8 + rng.uniform(-0.08, 0.08)
                else:
                    access = 0.62 - 0.3 * min(1.0, khmer) + rng.uniform(-0.08, 0.08)
                n_hamlets = rng.randint(6, 10)
                if commune.urban:
                    hamlets = tuple(f"Khóm {i}" for i in range(1, n_hamlets + 1))
                else:
                    n_khmer = round(n_hamlets * min(0.9, khmer * 1.2))
                    hamlets = tuple(
                        "Ấp " + h
                        for h in rng.sample(HAMLETS_KHMER_ORIGIN, n_khmer)
                        + rng.sample(HAMLETS_VIETNAMESE, n_hamlets - n_khmer)
                    )
                traits[commune.code] = (khmer, hoa, max(0.15, min(0.95, access)), hamlets)
        return traits

    def _home_communes(self, school: SchoolSpec) -> list[Commune]:
        if school.specialised or (
            school.boarding and school.school_type == SchoolType.UPPER_SECONDARY
        ):
            return [c for communes in self.communes.values() for c in communes]
        if school.district_wide:
            return self.communes[school.district.code]
        return [school.commune]

    @cached_property
    def _khmer_factor(self) -> float:
        """Scales every commune's Khmer share so the learners come out near 31% overall."""
        fixed = variable = total = 0.0
        for school in self.schools:
            size = sum(c.size for c in self.classes_for(school) if c.year == CURRENT_YEAR)
            total += size
            if school.boarding:
                fixed += size * 0.92
            else:
                homes = self._home_communes(school)
                variable += size * sum(self._commune_traits[c.code][0] for c in homes) / len(homes)
        return max(0.0, (TARGET_KHMER_SHARE * total - fixed) / variable) if variable else 1.0

    def _ethnicity(self, rng: random.Random, school: SchoolSpec, commune: Commune) -> str:
        khmer, hoa, _, _ = self._commune_traits[commune.code]
        p_khmer = 0.92 if school.boarding else min(0.95, khmer * self._khmer_factor)
        draw = rng.random()
        if draw < p_khmer:
            return KHMER
        if draw < p_khmer + hoa and not school.boarding:
            return HOA
        return KINH

    # --- classes --------------------------------------------------------------------------------

    def _target_learners(self, school: SchoolSpec) -> float:
        if school.boarding:
            base = 300 if school.school_type == SchoolType.LOWER_SECONDARY else 560
            return base * self.scale.size_factor
        if school.specialised:
            return 700 * self.scale.size_factor
        weights = self._type_weights
        return (
            LEARNERS_BY_TYPE[school.school_type]
            * weights[school.code]
            / weights[f"total:{school.school_type}"]
            * self.scale.size_factor
        )

    @cached_property
    def _type_weights(self) -> dict[str, float]:
        """Relative size of every roster school (towns larger), normalised per level so the
        province scale matches LEARNERS_BY_TYPE whatever the seed."""
        weights: dict[str, float] = defaultdict(float)
        reserved: dict[str, float] = defaultdict(float)
        for school in ROSTER:
            if school.boarding or school.specialised:
                base = 300 if school.school_type == SchoolType.LOWER_SECONDARY else 560
                reserved[school.school_type] += 700 if school.specialised else base
                continue
            rng = self.rng("weight", school.code)
            weight = (1.6 if school.commune.urban else 1.0) * rng.uniform(0.75, 1.25)
            if school.private:
                weight *= 0.5
            weights[school.code] = weight
            weights[f"total:{school.school_type}"] += weight
        # The fixed-size schools' learners come out of their level's total.
        for school_type, fixed in reserved.items():
            share = (LEARNERS_BY_TYPE[school_type] - fixed) / LEARNERS_BY_TYPE[school_type]
            weights[f"total:{school_type}"] /= share
        return weights

    def classes_for(self, school: SchoolSpec) -> list[ClassRec]:
        """Current-year classes (with planned sizes), the previous year's classes of the same
        cohorts, last year's graduating grade-12 classes, and the EARLIER_YEAR classes of the
        cohorts that were already at the school two years ago."""
        cached = self._classes.get(school.code)
        if cached is not None:
            return cached
        rng = self.rng("classes", school.code)
        stages = _stages(school.school_type)
        per_stage = self._target_learners(school) / len(stages)
        current: list[ClassRec] = []
        previous: list[ClassRec] = []
        earlier: list[ClassRec] = []

        def earlier_class(index: int, ordinal: int, track: str, number: int) -> str | None:
            """The EARLIER_YEAR class of a cohort at stage `index` in PREVIOUS_YEAR."""
            if index == 0:
                return None
            stage = stages[index - 1]
            name = _class_name(stage, ordinal, track, number)
            earlier.append(ClassRec(school.code, EARLIER_YEAR, stage.grade, name,
                                    stage_index=index - 1))  # fmt: skip
            return name

        for index, stage in enumerate(stages):
            weight = 1.0
            if stage.label:
                weight = {"MẦM": 0.8, "CHỒI": 1.0, "LÁ": 1.2}[stage.label]
            elif stage.upper:
                weight = {10: 1.08, 11: 1.0, 12: 0.92}[stage.grade]
            count = max(1, round(per_stage * weight / TYPICAL_CLASS))
            tracks = _tracks(count) if stage.upper else [("", 0)] * count
            for ordinal, (track, number) in enumerate(tracks, start=1):
                name = _class_name(stage, ordinal, track, number)
                predecessor = None
                if index > 0:
                    prev_stage = stages[index - 1]
                    predecessor = _class_name(prev_stage, ordinal, track, number)
                    previous.append(
                        ClassRec(
                            school.code,
                            PREVIOUS_YEAR,
                            prev_stage.grade,
                            predecessor,
                            predecessor=earlier_class(index - 1, ordinal, track, number),
                            stage_index=index - 1,
                        )  # fmt: skip
                    )
                size = round(rng.triangular(CLASS_SIZE[0], CLASS_SIZE[1] + 0.99, TYPICAL_CLASS)
                             * cohort_factor(stage.age))  # fmt: skip
                current.append(
                    ClassRec(
                        school.code,
                        CURRENT_YEAR,
                        stage.grade,
                        name,
                        size=min(max(size, CLASS_SIZE[0]), CLASS_SIZE[1]),
                        predecessor=predecessor,
                        stage_index=index,
                    )  # fmt: skip
                )
            if stage.grade == 12:
                # Last year's grade 12 graduated (their classes are not carried forward).
                for track, number in _tracks(count):
                    size = round(rng.triangular(CLASS_SIZE[0], CLASS_SIZE[1] + 0.99, TYPICAL_CLASS)
                                 * cohort_factor(stage.age + 1))  # fmt: skip
                    previous.append(
                        ClassRec(
                            school.code,
                            PREVIOUS_YEAR,
                            12,
                            _class_name(stage, 0, track, number),
                            size=min(max(size, CLASS_SIZE[0]), CLASS_SIZE[1]),
                            predecessor=earlier_class(index, 0, track, number),
                            stage_index=index,
                        )  # fmt: skip
                    )
        classes = current + previous + earlier
        self._classes[school.code] = classes
        return classes

    # --- staff ----------------------------------------------------------------------------------

    def staff_for(self, school: SchoolSpec) -> list[StaffRec]:
        """The school's staff (principal first); also sets every class's homeroom teacher."""
        self._plan_all_staff()
        return self._staff[school.code]

    def _plan_all_staff(self) -> None:
        if self._staff:
            return
        for school in self.schools:
            self._staff[school.code] = self._make_staff(school)

    def _make_staff(self, school: SchoolSpec) -> list[StaffRec]:
        rng = self.rng("staff", school.code)
        classes = self.classes_for(school)
        current = [c for c in classes if c.year == CURRENT_YEAR]
        learners = sum(c.size for c in current)
        level = school.school_type
        n_teachers = max(
            len(current) + (2 if level == SchoolType.PRIMARY else 1),
            round(learners / rng.uniform(*LEARNERS_PER_TEACHER)),
        )
        n_vice = 1 if learners < 500 else 2 if learners < 1200 else 3
        n_support = 3 + min(5, learners // 350)
        female_share = {
            SchoolType.PRESCHOOL: 0.98, SchoolType.PRIMARY: 0.78,
            SchoolType.LOWER_SECONDARY: 0.68, SchoolType.UPPER_SECONDARY: 0.58,
        }.get(level, 0.6)  # fmt: skip
        khmer_share = 0.5 if school.boarding else min(0.8, school.district.khmer_share * 0.6)
        subjects = self._subject_picker(level)

        this_year = year_dates(CURRENT_YEAR)[0].year

        def person(position: str, subject: str, oldest: int, youngest: int) -> StaffRec:
            """Someone aged `youngest` to `oldest` in the year the current school year starts."""
            gender = FEMALE if rng.random() < female_share else MALE
            draw = rng.random()
            ethnicity = KHMER if draw < khmer_share else HOA if draw < khmer_share + 0.01 else KINH
            born = random_day(rng, this_year - rng.randint(youngest, oldest))
            return StaffRec(
                full_name=full_name(rng, family_name(rng, ethnicity), ethnicity, gender),
                gender=gender,
                date_of_birth=born,
                national_id=self.ids.citizen_id(
                    rng, gender=gender, birth_year=born.year, adult=True
                ),
                position=position,
                qualification=self._qualification(rng, level, position),
                subjects=subject,
                phone=self.ids.phone(rng),
            )

        staff = [person(Position.PRINCIPAL, subjects(rng), 57, 43)]
        staff += [person(Position.VICE_PRINCIPAL, subjects(rng), 55, 37) for _ in range(n_vice)]
        teachers_start = len(staff)
        for i in range(n_teachers):
            if i < len(current) and 1 <= current[i].grade <= 5:
                # Primary classes have one class teacher for most subjects.
                subject = S.PRIMARY_CLASS_TEACHER["lower" if current[i].grade <= 3 else "upper"]
            else:
                subject = subjects(rng)
            staff.append(person(Position.TEACHER, subject, 58, 24))
        staff += [person(Position.STAFF, "", 55, 23) for _ in range(n_support)]

        # Homeroom teachers: one teacher per current class; last year's class of the same cohort
        # had the same teacher, and last year's grade 12 had the teachers who now start grade 10.
        for i, cls in enumerate(current):
            cls.homeroom = teachers_start + i
        by_name_prev = {c.name: c for c in classes if c.year == PREVIOUS_YEAR}
        for cls in current:
            if cls.predecessor:
                by_name_prev[cls.predecessor].homeroom = cls.homeroom
        free = [c.homeroom for c in current if c.predecessor is None]
        free += list(range(teachers_start + len(current), teachers_start + n_teachers))
        for cls in classes:
            if cls.year == PREVIOUS_YEAR and cls.homeroom is None and free:
                cls.homeroom = free.pop(0)
        # Two years ago the cohorts had their last year's homeroom teacher too.
        by_name_earlier = {c.name: c for c in classes if c.year == EARLIER_YEAR}
        for cls in classes:
            if cls.year == PREVIOUS_YEAR and cls.predecessor:
                by_name_earlier[cls.predecessor].homeroom = cls.homeroom

        # A few teachers also teach at another school of the same level in the district.
        if level != SchoolType.PRESCHOOL:
            others = [
                s.code for s in self.schools
                if s.school_type == level and s.code != school.code and s.district == school.district
            ]  # fmt: skip
            if others:
                for rec in staff[teachers_start : teachers_start + n_teachers]:
                    if (
                        rec.subjects
                        and not rec.subjects.startswith("Tiếng Việt")
                        and rng.random() < 0.04
                    ):
                        rec.other_school = rng.choice(others)
        return staff

    @classmethod
    def _subject_picker(cls, level: str):
        if level == SchoolType.MULTI_LEVEL:
            parts = [
                cls._subject_picker(SchoolType.PRIMARY),
                cls._subject_picker(SchoolType.LOWER_SECONDARY),
                cls._subject_picker(SchoolType.UPPER_SECONDARY),
            ]
            return lambda rng: rng.choice(parts)(rng)
        if level == SchoolType.PRESCHOOL:
            table = S.PRESCHOOL_SUBJECTS
        elif level == SchoolType.PRIMARY:
            table = S.PRIMARY_SPECIALISTS
        elif level == SchoolType.LOWER_SECONDARY:
            table = S.LOWER_SECONDARY_SUBJECTS
        else:
            table = S.UPPER_SECONDARY_SUBJECTS
        weighted = Weighted(table)

        def pick(rng: random.Random) -> str:
            subject = weighted.pick(rng)
            second = S.SECOND_SUBJECT.get(subject)
            if second and level != SchoolType.PRIMARY and rng.random() < 0.25:
                return f"{subject}; {second}"
            return subject

        return pick

    @staticmethod
    def _qualification(rng: random.Random, level: str, position: str) -> str:
        if position == Position.STAFF:
            table = (
                (Qualification.INTERMEDIATE, 40),
                (Qualification.COLLEGE, 30),
                (Qualification.BACHELOR, 30),
            )
        elif level == SchoolType.PRESCHOOL:
            table = (
                (Qualification.INTERMEDIATE, 8),
                (Qualification.COLLEGE, 30),
                (Qualification.BACHELOR, 62),
            )
        elif level == SchoolType.PRIMARY:
            table = (
                (Qualification.COLLEGE, 12),
                (Qualification.BACHELOR, 82),
                (Qualification.MASTER, 6),
            )
        else:
            table = (
                (Qualification.BACHELOR, 84),
                (Qualification.MASTER, 15),
                (Qualification.DOCTORATE, 1),
            )
        if (
            position in (Position.PRINCIPAL, Position.VICE_PRINCIPAL)
            and level != SchoolType.PRESCHOOL
        ):
            table = (
                (Qualification.BACHELOR, 55),
                (Qualification.MASTER, 43),
                (Qualification.DOCTORATE, 2),
            )
        return Weighted(table).pick(rng)

    # --- transfers between schools --------------------------------------------------------------

    @cached_property
    def transfers(self) -> dict[tuple[str, str], list[tuple[ClassRec, date, str]]]:
        """(school code, current class name) → learners who moved in from another school's class
        this year: (source class, date, reason)."""
        rng = self.rng("transfers")
        by_level_grade: dict[tuple[str, int, str], list[ClassRec]] = defaultdict(list)
        for school in self.schools:
            for cls in self.classes_for(school):
                if cls.year == CURRENT_YEAR:
                    label = cls.name.split(" ")[0] if cls.grade == 0 else ""
                    by_level_grade[(school.school_type, cls.grade, label)].append(cls)
        # Since the school year began, and up to a few days before the demo's day.
        first = year_dates(CURRENT_YEAR)[0] + timedelta(days=15)
        last = AS_OF - timedelta(days=7)
        result: dict[tuple[str, str], list] = defaultdict(list)
        for school in self.schools:
            for cls in self.classes_for(school):
                if cls.year != CURRENT_YEAR or rng.random() >= TRANSFER_CHANCE_PER_CLASS:
                    continue
                label = cls.name.split(" ")[0] if cls.grade == 0 else ""
                sources = [
                    c for c in by_level_grade[(school.school_type, cls.grade, label)]
                    if c.school != school.code
                ]  # fmt: skip
                if not sources:
                    continue
                near = [
                    c for c in sources if self.school_by_code[c.school].district == school.district
                ]
                source = rng.choice(near if near and rng.random() < 0.7 else sources)
                day = random_date_between(rng, first, last)
                result[(school.code, cls.name)].append((source, day, rng.choice(TRANSFER_NOTES)))
        return result

    # --- learners -------------------------------------------------------------------------------

    @cached_property
    def _earlier_classes(self) -> dict[tuple[str, str], str | None]:
        """(school code, PREVIOUS_YEAR class name) → the same cohort's EARLIER_YEAR class."""
        return {
            (c.school, c.name): c.predecessor
            for school in self.schools
            for c in self.classes_for(school)
            if c.year == PREVIOUS_YEAR
        }

    def students_for(self, school: SchoolSpec) -> SchoolPeople:
        """Every learner whose record belongs to this school: the current classes' learners
        (including those who transferred in), this year's drop-outs and last year's graduates."""
        self._plan_all_staff()  # staff IDs are handed out first, whatever the call order
        rng = self.rng("students", school.code)
        classes = self.classes_for(school)
        current = [c for c in classes if c.year == CURRENT_YEAR]
        previous = [c for c in classes if c.year == PREVIOUS_YEAR]
        stages = _stages(school.school_type)
        homes = self._home_communes(school)
        level = school.school_type
        start_earlier, end_earlier = year_dates(EARLIER_YEAR)
        start_prev, end_prev = year_dates(PREVIOUS_YEAR)
        start_cur = year_dates(CURRENT_YEAR)[0]
        earlier_of = self._earlier_classes
        drop_rate = DROP_OUT_RATE.get(level, 0.0)
        repeat_rate = REPEAT_RATE.get(level, 0.0)
        students: list[StudentRec] = []
        new_families: list[FamilyRec] = []

        def cohort_start(stage_index: int) -> str:
            return EnrollmentStart.PROMOTION if stage_index > 0 else EnrollmentStart.ADMISSION

        def past(school_code: str, previous_class: str | None, stage_index: int):
            """The cohort's enrollments at `school_code` in the two years before this one: its
            class of last year (at `stage_index`) and, if it was already there, two years ago."""
            if previous_class is None:
                return []
            out = []
            earlier_class = earlier_of.get((school_code, previous_class))
            if earlier_class is not None:
                out.append(EnrollmentRec(school_code, EARLIER_YEAR, earlier_class, start_earlier,
                                         cohort_start(stage_index - 1), end_earlier,
                                         EnrollmentEnd.YEAR_END))  # fmt: skip
            out.append(EnrollmentRec(school_code, PREVIOUS_YEAR, previous_class, start_prev,
                                     cohort_start(stage_index), end_prev, EnrollmentEnd.YEAR_END))  # fmt: skip
            return out

        def history(cls: ClassRec) -> list[EnrollmentRec]:
            """The cohort's earlier enrollments at this school, when it was here."""
            return past(school.code, cls.predecessor, cls.stage_index - 1)

        def learner(stage: Stage, enrollments, *, status=StudentStatus.STUDYING, older=0,
                    home_school=school) -> StudentRec:  # fmt: skip
            gender = MALE if rng.random() < 0.515 else FEMALE
            commune = rng.choice(homes)
            ethnicity = self._ethnicity(rng, school, commune)
            born_year = start_cur.year - stage.age - older
            if enrollments[-1].year == PREVIOUS_YEAR:
                born_year -= 1
            if level == SchoolType.CONTINUING:
                born_year -= rng.choice((0, 0, 0, 1, 2, 3))
            family = self._family(rng, commune, ethnicity, born_year, new_families)
            national_id = None
            if rng.random() >= MISSING_CITIZEN_ID:
                national_id = self.ids.citizen_id(
                    rng, gender=gender, birth_year=born_year, adult=False
                )
            device, internet = self._online_access(rng, commune, stage)
            return StudentRec(
                full_name=full_name(rng, family.family_name, ethnicity, gender),
                gender=gender,
                date_of_birth=random_day(rng, born_year),
                ethnicity=ethnicity,
                national_id=national_id,
                moet_code=self.ids.moet_code(rng),
                address=family.address,
                device_access=device,
                internet_at_home=internet,
                status=status,
                school=home_school.code,
                family=family,
                enrollments=enrollments,
            )

        for cls in current:
            stage = stages[cls.stage_index]
            moved_in = self.transfers.get((school.code, cls.name), [])
            same_grade_last_year = [
                c for c in previous if c.grade == cls.grade and c.stage_index == cls.stage_index
            ]
            repeaters = 0
            if same_grade_last_year and repeat_rate:
                repeaters = sum(rng.random() < repeat_rate for _ in range(cls.size - len(moved_in)))
            regular = cls.size - len(moved_in) - repeaters
            for _ in range(regular):
                enrollments = history(cls) + [
                    EnrollmentRec(
                        school.code,
                        CURRENT_YEAR,
                        cls.name,
                        start_cur,
                        cohort_start(cls.stage_index),
                    )
                ]
                students.append(learner(stage, enrollments))
            for _ in range(repeaters):
                repeated = rng.choice(same_grade_last_year)
                enrollments = past(school.code, repeated.name, repeated.stage_index) + [
                    EnrollmentRec(school.code, CURRENT_YEAR, cls.name, start_cur, EnrollmentStart.REPEAT),
                ]  # fmt: skip
                students.append(learner(stage, enrollments, older=1))
            for source, day, note in moved_in:
                enrollments = past(source.school, source.predecessor, source.stage_index - 1)
                enrollments += [
                    EnrollmentRec(source.school, CURRENT_YEAR, source.name, start_cur,
                                  cohort_start(source.stage_index), day, EnrollmentEnd.TRANSFER_OUT, note),
                    EnrollmentRec(school.code, CURRENT_YEAR, cls.name, day,
                                  EnrollmentStart.TRANSFER_IN, note=note),
                ]  # fmt: skip
                students.append(learner(stage, enrollments))
            # This year's drop-outs were in the class too, but no longer count in it.
            dropped = sum(rng.random() < drop_rate for _ in range(cls.size)) if drop_rate else 0
            for _ in range(dropped):
                day = random_date_between(rng, start_cur + timedelta(days=25), AS_OF)
                enrollments = history(cls) + [
                    EnrollmentRec(school.code, CURRENT_YEAR, cls.name, start_cur,
                                  cohort_start(cls.stage_index), day, EnrollmentEnd.DROP_OUT,
                                  rng.choice(DROP_OUT_NOTES))
                ]  # fmt: skip
                students.append(learner(stage, enrollments, status=StudentStatus.DROPPED_OUT))

        # Last year's grade 12: graduated (a few did not and repeat grade 12, above).
        for cls in previous:
            if cls.grade != 12 or not cls.size:
                continue
            stage = stages[cls.stage_index]
            for _ in range(cls.size):
                enrollments = past(school.code, cls.name, cls.stage_index)
                enrollments[-1].end_reason = EnrollmentEnd.GRADUATION
                students.append(learner(stage, enrollments, status=StudentStatus.GRADUATED))
        return SchoolPeople(students, new_families)

    def _family(
        self, rng, commune: Commune, ethnicity: str, born_year: int, new: list
    ) -> FamilyRec:
        """An existing family of the commune (a sibling) or a new one."""
        pool = self._families_by_key[(commune.code, ethnicity)]
        if pool and rng.random() < SIBLING_CHANCE:
            family = pool[rng.randrange(max(0, len(pool) - 200), len(pool))]
            if all(abs(year - born_year) >= 2 for year in family.child_years):
                family.child_years.append(born_year)
                return family
        family = self._new_family(rng, commune, ethnicity, born_year)
        pool.append(family)
        new.append(family)
        return family

    def _new_family(self, rng, commune: Commune, ethnicity: str, child_year: int) -> FamilyRec:
        surname = family_name(rng, ethnicity)
        hamlets = self._commune_traits[commune.code][3]
        address = (
            f"{rng.choice(hamlets)}, {address_commune(commune.name)}, "
            f"{address_district(commune.district)}"
        )
        guardians = []
        roll = rng.random()
        if roll < 0.92:
            guardians.append(
                GuardianRec(full_name(rng, surname, ethnicity, MALE),
                            self.ids.phone(rng) if rng.random() < 0.93 else "", Relationship.FATHER)
            )  # fmt: skip
        if roll < 0.88 or roll >= 0.92:
            guardians.append(
                GuardianRec(full_name(rng, family_name(rng, ethnicity), ethnicity, FEMALE),
                            self.ids.phone(rng) if rng.random() < 0.96 else "", Relationship.MOTHER)
            )  # fmt: skip
        if roll >= 0.97 or len(guardians) < 2 and rng.random() < 0.4:
            gender = FEMALE if rng.random() < 0.7 else MALE
            guardians.append(
                GuardianRec(full_name(rng, surname if gender == MALE else family_name(rng, ethnicity),
                                      ethnicity, gender),
                            self.ids.phone(rng) if rng.random() < 0.6 else "", Relationship.GUARDIAN)
            )  # fmt: skip
        family = FamilyRec(
            self._next_family_id, surname, ethnicity, address, guardians, [child_year]
        )
        self._next_family_id += 1
        return family

    def _online_access(self, rng, commune: Commune, stage: Stage) -> tuple[str, bool | None]:
        """Device and internet at home: better in towns; phones of their own only for older
        learners. A few families have not declared it."""
        if rng.random() < 0.03:
            return DeviceAccess.UNKNOWN, None
        access = self._commune_traits[commune.code][2]
        internet = rng.random() < 0.3 + 0.65 * access
        draw = rng.random()
        p_none = 0.3 * (1 - access)
        p_computer = 0.04 + 0.3 * access * (1.0 if stage.grade >= 6 else 0.5)
        p_own = (0.15 + 0.4 * access) if stage.grade >= 6 else 0.02
        if draw < p_none:
            return DeviceAccess.NONE, internet
        if draw < p_none + p_computer:
            return DeviceAccess.COMPUTER, internet
        if draw < p_none + p_computer + p_own:
            return DeviceAccess.OWN_PHONE, internet
        return DeviceAccess.SHARED_PHONE, internet

    # --- rooms and equipment --------------------------------------------------------------------

    def facilities_for(self, school: SchoolSpec) -> tuple[list[RoomRec], list[EquipmentRec]]:
        rng = self.rng("facilities", school.code)
        level = school.school_type
        current = [c for c in self.classes_for(school) if c.year == CURRENT_YEAR]
        learners = sum(c.size for c in current)
        this_year = year_dates(CURRENT_YEAR)[0].year
        rooms: list[RoomRec] = []
        equipment: list[EquipmentRec] = []
        sequence: dict[str, int] = defaultdict(int)

        def condition(weights=(82, 15, 3)) -> str:
            return rng.choices((Condition.GOOD, Condition.FAIR, Condition.BROKEN), weights)[0]

        def item(prefix, name, category, room, quantity, first_year=2012):
            # Bought by the summer before the current school year.
            acquired = random_date_between(rng, date(first_year, 1, 1), date(this_year, 8, 31))
            age = this_year - acquired.year
            weights = (88, 10, 2) if age <= 6 else (55, 33, 12)
            sequence[prefix] += 1
            equipment.append(
                EquipmentRec(
                    f"{prefix}-{acquired.year}-{sequence[prefix]:03d}",
                    name,
                    category,
                    room,
                    quantity,
                    condition(weights),
                    acquired,
                )  # fmt: skip
            )

        # Classrooms: one per class and a few spare; towns' rooms more often have a projector.
        n_classrooms = len(current) + rng.randint(0, 2)
        projector_share = 0.6 if school.commune.urban else 0.35
        for i in range(n_classrooms):
            code = f"P{i // 10 + 1}{i % 10 + 1:02d}"
            name = (
                f"Phòng nhóm lớp {i + 1}" if level == SchoolType.PRESCHOOL else f"Phòng học {code}"
            )
            rooms.append(
                RoomRec(
                    code,
                    name,
                    RoomKind.CLASSROOM,
                    35 if level == SchoolType.PRESCHOOL else 45,
                    condition(),
                )
            )
            if level != SchoolType.PRESCHOOL:
                draw = rng.random()
                if draw < projector_share:
                    item(*F.PROJECTOR, code, 1, 2015)
                elif draw < projector_share + 0.25:
                    item(*F.SMART_TV, code, 1, 2018)
                if rng.random() < (0.15 if level == SchoolType.UPPER_SECONDARY else 0.06):
                    item(*F.SMART_BOARD, code, 1, 2019)

        for prefix, name, kind, (low, high) in F.SPECIAL_ROOMS[level]:
            count = rng.randint(low, high)
            for n in range(1, count + 1):
                code = prefix if count == 1 else f"{prefix}{n:02d}"
                label = name if count == 1 else f"{name} {n}"
                capacity = (
                    45 if kind in (RoomKind.LAB, RoomKind.COMPUTER, RoomKind.CLASSROOM) else None
                )
                rooms.append(RoomRec(code, label, kind, capacity, condition()))
                if kind == RoomKind.COMPUTER:
                    item(*F.COMPUTER_STUDENT, code, rng.randint(20, 40), 2014)
                    item(*F.COMPUTER_TEACHER, code, 1, 2014)
                    if rng.random() < 0.5:
                        item(*F.PROJECTOR, code, 1, 2015)
                elif kind == RoomKind.LAB:
                    kit_name, category = F.LAB_KITS.get(prefix, F.LAB_KITS["TN"])
                    item("TN", kit_name, category, code, rng.randint(2, 8))
                elif kind == RoomKind.LIBRARY:
                    item(*F.BOOKSHELF, code, rng.randint(4, 12))
                    if level != SchoolType.PRESCHOOL:
                        item(*F.COMPUTER_STUDENT[:1], "Máy tính tra cứu thư viện", "computer", code,
                             rng.randint(1, 4), 2016)  # fmt: skip

        n_offices = 3 if learners < 500 else len(F.OFFICES)
        for code, name in F.OFFICES[:n_offices]:
            rooms.append(RoomRec(code, name, RoomKind.OFFICE, None, condition()))
        item(*F.COMPUTER_OFFICE, "VP03", rng.randint(3, 6), 2014)
        item(*F.LAPTOP, "VP01", rng.randint(1, 3), 2017)
        item(*F.PRINTER, "VP03", rng.randint(1, 2), 2015)
        if learners >= 300:
            item(*F.PHOTOCOPIER, "VP03", 1, 2014)
        item(*F.WIFI, None, rng.randint(2, 8), 2018)
        item(*F.SWITCH, None, rng.randint(1, 3), 2016)
        item(*F.SPEAKER, None, rng.randint(1, 2), 2016)
        item(*F.DESKS, None, max(10, round(learners / 2 * rng.uniform(0.95, 1.1))), 2012)

        if level == SchoolType.PRESCHOOL:
            item(*F.PRESCHOOL_KITS[0], None, rng.randint(1, 3))
            item(*F.PRESCHOOL_KITS[1], None, len(current))
        else:
            per_grade: dict[int, int] = defaultdict(int)
            for cls in current:
                per_grade[cls.grade] += 1
            for grade, count in sorted(per_grade.items()):
                item(
                    "BTB",
                    f"Bộ thiết bị dạy học tối thiểu lớp {grade}",
                    "teaching_kit",
                    None,
                    count,
                    2020,
                )
        return rooms, equipment
