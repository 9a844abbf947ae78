"""The data sources of the monitoring indicators: how each numerator and denominator is counted.

An *additive* source counts per SCHOOL for a school year with one grouped query (or a few, each
grouped by school — never a loop of queries per school); compute.py sums the per-school pairs up
the materialized path to every ancestor, so a commune's value is the sum of its schools' parts,
never an average of their percentages. A *per-unit* source is not additive (the library's
curriculum coverage seen from a unit is not the sum of its schools') and is computed for each
unit directly.

Every per-school function takes the year, an optional `under` path prefix (a subtree) and an
optional `on` date (below) and returns `{school_id: (numerator, denominator)}` with Decimal values (denominator None for plain
counts). Breakdown functions return `{(school_id, "gender:F"): (numerator, denominator)}`.

Breakdowns: learner-based sources give `gender:F|M` and `ethnicity:kinh|khmer|other` (one grouped
query each); every additive source gives the *school attributes* `school_level:<type>`,
`ownership:public|private` and `area:urban|rural` (`unknown` when neither the school nor an
ancestor has an area) — the per-school totals filed under the school's attribute, so compute.py
derives them without a query (`school_attributes`). `learning_results` gives
`result:good|fair|pass|fail` (learners at that level over learners with a result).

Who is a *learner of the year* at a school: a learner with an enrollment there in that year that
is still open (and the learner is studying) or that ended with the year (year end, graduation).
A learner who left (transfer, drop-out) or changed class is counted by the stay that remains; a
learner is counted once per school (DISTINCT), so a class change inside the school does not
count twice. For the current year this is exactly "studying, with an active enrollment"; for
past years it keeps the history (trends) meaningful.

*On a date* (`on=`, the figures of a past day: selectors.indicator_values(on=…)): a learner of
that day at a school is one with an enrollment of the year there active that day (start ≤ day,
and no end or an end on/after it; a learner moving school that very day counts at the new one
only, as orgs.selectors.learners_enrolled_on counts), whatever their status today. The rates of
the year count the stays begun by that day and, for drop-outs, the stays ended by drop-out by
that day. Staff, rooms, equipment and accounts have no history: they are today's.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connections
from django.db.models import CharField, Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Cast, ExtractYear, Substr
from django.utils import timezone

from hocso.accounts.models import Role, RoleAssignment
from hocso.assessment.models import LearningResult, Level, Period, Score
from hocso.orgs.models import OrgKind, OrgUnit, SchoolYear, ancestor_paths
from hocso.registry.models import (
    DeviceAccess,
    Enrollment,
    EnrollmentEnd,
    EnrollmentStart,
    Equipment,
    Position,
    Room,
    SchoolClass,
    Staff,
    StudentStatus,
)
from hocso.registry.rules import CITIZEN_ID_PROVINCES, FEMALE, KHMER, KINH, MALE

Pair = tuple[Decimal, Decimal | None]
PerSchool = dict[int, Pair]
Breakdown = dict[tuple[int, str], Pair]

ZERO = Decimal(0)
ONE = Decimal(1)

TEACHING_POSITIONS = (Position.TEACHER, Position.PRINCIPAL, Position.VICE_PRINCIPAL)
GENERAL_EDUCATION_GRADES = (1, 12)
SECONDARY_GRADES = (6, 12)

# The breakdowns read off the school itself (compute.py files the per-school totals under them).
SCHOOL_ATTRIBUTES = ("school_level", "ownership", "area")
# Ethnicity groups of the breakdown: registry.rules codes → key; any other code (or none) "other".
ETHNICITY_GROUPS = {KINH: "kinh", KHMER: "khmer"}
OTHER_ETHNICITY = "other"
# Learning-result levels (assessment.Level) → breakdown key; the numerator counts Đạt or better.
RESULT_KEYS = {Level.GOOD: "good", Level.FAIR: "fair", Level.PASS: "pass", Level.FAIL: "fail"}
PASSING_LEVELS = (Level.GOOD, Level.FAIR, Level.PASS)


@dataclass
class Source:
    key: str
    additive: bool
    per_school: Callable[..., PerSchool] | None = None
    per_unit: Callable[[OrgUnit, SchoolYear], Pair] | None = None
    # name ("gender", "school_level") → callable(year, under=None) -> Breakdown
    breakdowns: dict[str, Callable[..., Breakdown]] = field(default_factory=dict)


# ---------------------------------------------------------------- building blocks


def _under(qs: QuerySet, under: str | None, field_path: str = "school__path") -> QuerySet:
    """Rows of the schools of a subtree: `school IN (units under the path)`, so the database
    goes school by school through the (school, year) indexes instead of scanning a whole year
    and joining every row to its unit (one school's recompute reads only its rows)."""
    if not under:
        return qs
    relation = field_path.removesuffix("__path")
    units = OrgUnit.objects.filter(path__startswith=under).values("pk")
    return qs.filter(**{f"{relation}__in": units})


def current_units() -> QuerySet[OrgUnit]:
    """The units of today's tree: not closed, or closing later than today."""
    return OrgUnit.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=timezone.localdate()))


def schools_qs(under: str | None = None) -> QuerySet[OrgUnit]:
    """The schools of today's tree (not closed before today), optionally inside one subtree."""
    qs = current_units().filter(kind=OrgKind.SCHOOL)
    return qs.filter(path__startswith=under) if under else qs


def learner_stays(
    year: SchoolYear, under: str | None = None, on: date | None = None
) -> QuerySet[Enrollment]:
    """The enrollments that make a learner *of the year* at a school (module docstring), or,
    `on` a date, the enrollments of the year active that day."""
    if on is not None:
        return stays_on(year, on, under)
    qs = Enrollment.objects.filter(year=year).filter(
        Q(end_date__isnull=True, student__status=StudentStatus.STUDYING)
        | Q(end_reason__in=(EnrollmentEnd.YEAR_END, EnrollmentEnd.GRADUATION))
    )
    return _under(qs, under)


def stays_on(year: SchoolYear, day: date, under: str | None = None) -> QuerySet[Enrollment]:
    """The enrollments of `year` active on `day`: start_date <= day and (end_date null or >=
    day), except a stay ending on `day` when the learner's next stay starts that day (counted
    there), so a learner moving school on `day` is not counted at both."""
    continued = Enrollment.objects.filter(student=OuterRef("student"), start_date=day).exclude(
        pk=OuterRef("pk")
    )
    qs = Enrollment.objects.filter(year=year, start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=day) | (Q(end_date=day) & ~Exists(continued))
    )
    return _under(qs, under)


def _learner_counts(
    year: SchoolYear,
    under: str | None,
    numerator: Q | None,
    *,
    by: str | None = None,
    stays: QuerySet | None = None,
    count_only: bool = False,
) -> dict:
    """One GROUP BY school (and `by`, e.g. student__gender): distinct learners, and among them
    those matching `numerator`. Keys are school ids, or (school id, by-value) pairs."""
    qs = stays if stays is not None else learner_stays(year, under)
    fields = ["school_id"] + ([by] if by else [])
    aggregates = {"den": Count("student_id", distinct=True)}
    if numerator is not None:
        aggregates["num"] = Count("student_id", distinct=True, filter=numerator)
    out = {}
    for row in qs.order_by().values(*fields).annotate(**aggregates):
        key = (row["school_id"], row[by]) if by else row["school_id"]
        den = Decimal(row["den"])
        if count_only:
            out[key] = (den, None)
        else:
            out[key] = (Decimal(row["num"]), den)
    return out


def _gender_keys(rows: dict) -> Breakdown:
    return {(school, f"gender:{gender}"): pair for (school, gender), pair in rows.items()}


def _ethnicity_keys(rows: dict) -> Breakdown:
    """(school, ethnicity code) rows → (school, "ethnicity:kinh|khmer|other"), summing the codes
    that fall into "other" (each learner has one code, so distinct counts add up)."""
    out: Breakdown = {}
    for (school, code), pair in rows.items():
        key = (school, f"ethnicity:{ETHNICITY_GROUPS.get(code, OTHER_ETHNICITY)}")
        out[key] = _sum_pairs(out.get(key), pair)
    return out


def _sum_pairs(total: Pair | None, pair: Pair) -> Pair:
    if total is None:
        return pair
    den = None if total[1] is None and pair[1] is None else (total[1] or ZERO) + (pair[1] or ZERO)
    return total[0] + pair[0], den


ATTRIBUTE_FIELDS = ("pk", "path", "kind", "school_type", "ownership", "area")


def school_attributes(units) -> dict[int, dict[str, str]]:
    """{school pk: {"school_level": type, "ownership": …, "area": …}} for the schools among
    `units` (OrgUnit objects with ATTRIBUTE_FIELDS loaded). A school's area is its own, else its
    nearest ancestor's among `units` ("unknown" if none has one): pass the ancestors too. Pure."""
    units = list(units)
    areas = {u.path: u.area for u in units if u.area}
    out = {}
    for unit in units:
        if unit.kind != OrgKind.SCHOOL:
            continue
        area = next(
            (areas[p] for p in reversed(ancestor_paths(unit.path)) if p in areas), "unknown"
        )
        out[unit.pk] = {
            "school_level": unit.school_type or "other",
            "ownership": unit.ownership or "other",
            "area": area,
        }
    return out


def attribute_units(under: str | None = None) -> QuerySet[OrgUnit]:
    """Today's units of the subtree `under` and its ancestors (their areas pass down)."""
    qs = current_units()
    if under:
        qs = qs.filter(Q(path__startswith=under) | Q(path__in=ancestor_paths(under)))
    return qs.only(*ATTRIBUTE_FIELDS)


def by_attribute(
    name: str, per_school: PerSchool, attributes: dict[int, dict[str, str]]
) -> Breakdown:
    """Each school's pair filed under its attribute `name` ("ownership:private")."""
    return {
        (school, f"{name}:{attributes[school][name]}"): pair
        for school, pair in per_school.items()
        if school in attributes
    }


def _school_attribute(name: str, per_school: Callable[..., PerSchool]) -> Callable[..., Breakdown]:
    """A breakdown by a school attribute, asked on its own (compute.py does not call it: it files
    the per-school totals it already has, without a query)."""

    def breakdown(year: SchoolYear, under: str | None = None, on: date | None = None) -> Breakdown:
        attributes = school_attributes(attribute_units(under))
        return by_attribute(name, per_school(year, under=under, on=on), attributes)

    return breakdown


def _with_school_attributes(source: "Source") -> "Source":
    """Every additive source breaks down by the school attributes."""
    if source.additive and source.per_school is not None:
        for name in SCHOOL_ATTRIBUTES:
            source.breakdowns.setdefault(name, _school_attribute(name, source.per_school))
    return source


def _learner_breakdowns(count: Callable[..., dict]) -> dict[str, Callable[..., Breakdown]]:
    """gender and ethnicity of a learner source whose `count(year, under, on, by=)` is a
    `_learner_counts` call (one grouped query per breakdown)."""

    def by_gender(year: SchoolYear, under: str | None = None, on: date | None = None) -> Breakdown:
        return _gender_keys(count(year, under, on, by="student__gender"))

    def by_ethnicity(
        year: SchoolYear, under: str | None = None, on: date | None = None
    ) -> Breakdown:
        return _ethnicity_keys(count(year, under, on, by="student__ethnicity"))

    return {"gender": by_gender, "ethnicity": by_ethnicity}


def _learner_source(key: str, numerator: Q | None, *, count_only: bool = False) -> Source:
    def count(year: SchoolYear, under: str | None, on: date | None, by: str | None = None):
        stays = learner_stays(year, under, on)
        return _learner_counts(year, under, numerator, by=by, stays=stays, count_only=count_only)

    def per_school(year: SchoolYear, under: str | None = None, on: date | None = None) -> PerSchool:
        return count(year, under, on)

    return Source(
        key=key, additive=True, per_school=per_school, breakdowns=_learner_breakdowns(count)
    )


# ---------------------------------------------------------------- learners with a valid ID


def _id_alias(qs: QuerySet) -> QuerySet:
    """Name the parts of the learner's 12-digit ID (and birth year) for `VALID_ID`."""
    nid = "student__national_id"
    if connections[qs.db].vendor == "sqlite":
        # SQLite keeps a date as "YYYY-MM-DD" text: its first four characters are the year,
        # without the per-row Python function Django's ExtractYear is on SQLite (4× slower).
        born = Cast("student__date_of_birth", CharField(max_length=10))
    else:
        born = Cast(ExtractYear("student__date_of_birth"), CharField(max_length=4))
    return qs.alias(
        id_province=Substr(nid, 1, 3),
        id_digit=Substr(nid, 4, 1),
        id_yy=Substr(nid, 5, 2),
        born_cc=Substr(born, 1, 2),
        born_yy=Substr(born, 3, 2),
    )


def _valid_id_condition() -> Q:
    """`registry.rules.citizen_id_problems(id, gender=, birth_year=)` is empty, in SQL: a known
    province code; a century/gender digit 0–5 whose parity matches the gender (even = male);
    and, when the date of birth is known, the century (0/1 → 19xx, 2/3 → 20xx, 4/5 → 21xx) and
    two-digit year of the birth year. The 12-digit format is a database constraint already.
    tests/monitoring/test_sources.py checks it against the rules on many IDs."""
    century = (
        Q(id_digit__in=("0", "1"), born_cc="19")
        | Q(id_digit__in=("2", "3"), born_cc="20")
        | Q(id_digit__in=("4", "5"), born_cc="21")
    )
    gender = Q(student__gender=MALE, id_digit__in=("0", "2", "4")) | Q(
        student__gender=FEMALE, id_digit__in=("1", "3", "5")
    )
    birth = Q(student__date_of_birth__isnull=True) | (century & Q(id_yy=F("born_yy")))
    return (
        Q(student__national_id__isnull=False)
        & Q(id_province__in=list(CITIZEN_ID_PROVINCES))
        & gender
        & birth
    )


def _valid_id_counts(year: SchoolYear, under: str | None, on: date | None, by: str | None = None):
    stays = _id_alias(learner_stays(year, under, on))
    return _learner_counts(year, under, _valid_id_condition(), by=by, stays=stays)


def learners_valid_id(
    year: SchoolYear, under: str | None = None, on: date | None = None
) -> PerSchool:
    return _valid_id_counts(year, under, on)


def learners_valid_id_by_gender(
    year: SchoolYear, under: str | None = None, on: date | None = None
) -> Breakdown:
    return _gender_keys(_valid_id_counts(year, under, on, by="student__gender"))


# ---------------------------------------------------------------- learning results


def _year_results(year: SchoolYear, under: str | None) -> QuerySet[LearningResult]:
    """The year learning results (term = year, level decided) of secondary learners."""
    qs = LearningResult.objects.filter(
        year=year,
        term=Period.YEAR,
        level__isnull=False,
        school_class__grade__gte=SECONDARY_GRADES[0],
        school_class__grade__lte=SECONDARY_GRADES[1],
    )
    return _under(qs, under)


def _results_by_level(year: SchoolYear, under: str | None) -> dict[tuple[int, str], int]:
    """One GROUP BY school, level: distinct learners with that year result."""
    rows = (
        _year_results(year, under)
        .order_by()
        .values("school_id", "level")
        .annotate(n=Count("student_id", distinct=True))
    )
    return {(r["school_id"], r["level"]): r["n"] for r in rows}


def learning_results(
    year: SchoolYear, under: str | None = None, on: date | None = None
) -> PerSchool:
    """Secondary learners (grades 6–12) whose year learning result is Tốt, Khá or Đạt over those
    with a year result. Results have no history: `on` is accepted and ignored."""
    rows = (
        _year_results(year, under)
        .order_by()
        .values("school_id")
        .annotate(
            den=Count("student_id", distinct=True),
            num=Count("student_id", distinct=True, filter=Q(level__in=PASSING_LEVELS)),
        )
    )
    return {r["school_id"]: (Decimal(r["num"]), Decimal(r["den"])) for r in rows}


def learning_results_by_level(
    year: SchoolYear, under: str | None = None, on: date | None = None
) -> Breakdown:
    """The distribution: `result:<level>` = learners at that level over learners with a result
    (the school's denominator), from one grouped query."""
    counts = _results_by_level(year, under)
    totals: dict[int, int] = {}
    for (school, _level), n in counts.items():
        totals[school] = totals.get(school, 0) + n
    return {
        (school, f"result:{RESULT_KEYS.get(level, level)}"): (Decimal(n), Decimal(totals[school]))
        for (school, level), n in counts.items()
    }


# ---------------------------------------------------------------- staff, schools, classes


def teachers_with_record(
    year: SchoolYear, under: str | None = None, on: date | None = None
) -> PerSchool:
    """Active teaching staff (teacher, principal, vice-principal) whose record has a national ID,
    a date of birth and a qualification. Staff have no school year: today's staff."""
    complete = Q(national_id__isnull=False, date_of_birth__isnull=False) & ~Q(qualification="")
    qs = _under(Staff.objects.filter(is_active=True, position__in=TEACHING_POSITIONS), under)
    rows = (
        qs.order_by()
        .values("school_id")
        .annotate(den=Count("id"), num=Count("id", filter=complete))
    )
    return {r["school_id"]: (Decimal(r["num"]), Decimal(r["den"])) for r in rows}


def _schools(under: str | None, on: date | None) -> QuerySet[OrgUnit]:
    """Today's schools, or `on` a date the schools open that day (closed since included)."""
    if on is None:
        return schools_qs(under)
    qs = OrgUnit.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=on),
        Q(valid_to__isnull=True) | Q(valid_to__gte=on),
        kind=OrgKind.SCHOOL,
    )
    return qs.filter(path__startswith=under) if under else qs


def facilities_managed(
    year: SchoolYear, under: str | None = None, on: date | None = None
) -> PerSchool:
    """1/1 for a school with at least one room and one equipment row recorded, else 0/1."""
    rows = (
        _schools(under, on)
        .annotate(
            has_room=Exists(Room.objects.filter(school=OuterRef("pk"))),
            has_equipment=Exists(Equipment.objects.filter(school=OuterRef("pk"))),
        )
        .values_list("pk", "has_room", "has_equipment")
    )
    return {pk: (ONE if room and equipment else ZERO, ONE) for pk, room, equipment in rows}


def schools_using_platform(
    year: SchoolYear, under: str | None = None, on: date | None = None
) -> PerSchool:
    """1/1 for a school with a school-admin account and at least one grade entry in the year
    (a score recorded there for one of its learners of the year: scores are found by learner,
    through their unique index — the score table has no index by school or year)."""
    scored = Score.objects.filter(
        student_id=OuterRef("student_id"), year=year, school_id=OuterRef("school_id")
    )
    rows = (
        _schools(under, on)
        .annotate(
            has_admin=Exists(
                RoleAssignment.objects.filter(org_unit=OuterRef("pk"), role=Role.SCHOOL_ADMIN)
            ),
            has_scores=Exists(
                Enrollment.objects.filter(school=OuterRef("pk"), year=year).filter(Exists(scored))
            ),
        )
        .values_list("pk", "has_admin", "has_scores")
    )
    return {pk: (ONE if admin and scores else ZERO, ONE) for pk, admin, scores in rows}


def _active_teachers(under: str | None) -> dict[int, int]:
    qs = _under(Staff.objects.filter(is_active=True, position=Position.TEACHER), under)
    return dict(
        qs.order_by().values("school_id").annotate(n=Count("id")).values_list("school_id", "n")
    )


def learner_teacher_ratio(
    year: SchoolYear, under: str | None = None, on: date | None = None
) -> PerSchool:
    learners = _learner_counts(
        year, under, None, stays=learner_stays(year, under, on), count_only=True
    )
    teachers = _active_teachers(under)
    return {
        school: (learners.get(school, (ZERO, None))[0], Decimal(teachers.get(school, 0)))
        for school in set(learners) | set(teachers)
    }


def average_class_size(
    year: SchoolYear, under: str | None = None, on: date | None = None
) -> PerSchool:
    learners = _learner_counts(
        year, under, None, stays=learner_stays(year, under, on), count_only=True
    )
    classes_qs = _under(SchoolClass.objects.filter(year=year), under)
    classes = dict(
        classes_qs.order_by()
        .values("school_id")
        .annotate(n=Count("id"))
        .values_list("school_id", "n")
    )
    return {
        school: (learners.get(school, (ZERO, None))[0], Decimal(classes.get(school, 0)))
        for school in set(learners) | set(classes)
    }


def _enrollment_rate(key: str, numerator: Q, *, ended: bool = False) -> Source:
    """Learners with an enrollment in the year (any stay, distinct) and those among them whose
    stay matches `numerator` (ended by drop-out, started as a repeat). On a date: the stays begun
    by then, and for an `ended` numerator (drop-out) only the stays ended by then."""

    def stays(year, under, on):
        qs = Enrollment.objects.filter(year=year)
        if on is not None:
            qs = qs.filter(start_date__lte=on)
        return _under(qs, under)

    def matching(on):
        return numerator & Q(end_date__lte=on) if ended and on is not None else numerator

    def count(year: SchoolYear, under: str | None, on: date | None, by: str | None = None):
        return _learner_counts(year, under, matching(on), by=by, stays=stays(year, under, on))

    def per_school(year: SchoolYear, under: str | None = None, on: date | None = None) -> PerSchool:
        return count(year, under, on)

    return Source(
        key=key, additive=True, per_school=per_school, breakdowns=_learner_breakdowns(count)
    )


# ---------------------------------------------------------------- per unit


def curriculum_covered(unit: OrgUnit, year: SchoolYear) -> Pair:
    """The library's coverage seen from the unit (resources/coverage.py); not additive."""
    from hocso.resources.coverage import coverage_total

    topics, covered = coverage_total(org_unit=unit)
    return Decimal(covered), Decimal(topics)


# ---------------------------------------------------------------- the registry


def _registry() -> dict[str, Source]:
    online = Q(student__internet_at_home=True) & ~Q(
        student__device_access__in=(DeviceAccess.UNKNOWN, DeviceAccess.NONE)
    )
    general = Q(
        school_class__grade__gte=GENERAL_EDUCATION_GRADES[0],
        school_class__grade__lte=GENERAL_EDUCATION_GRADES[1],
    )

    def online_stays(year, under, on):
        return learner_stays(year, under, on).filter(general)

    def online_count(year, under, on, by=None):
        return _learner_counts(year, under, online, by=by, stays=online_stays(year, under, on))

    def online_per_school(year, under=None, on=None):
        return online_count(year, under, on)

    valid_id = Source(
        "learners_valid_id",
        additive=True,
        per_school=learners_valid_id,
        breakdowns=_learner_breakdowns(_valid_id_counts),
    )
    sources = [
        valid_id,
        Source("teachers_with_record", additive=True, per_school=teachers_with_record),
        Source("facilities_managed", additive=True, per_school=facilities_managed),
        Source(
            "learners_online_ready",
            additive=True,
            per_school=online_per_school,
            breakdowns=_learner_breakdowns(online_count),
        ),
        Source("schools_using_platform", additive=True, per_school=schools_using_platform),
        _learner_source("enrollment", None, count_only=True),
        _enrollment_rate("dropout_rate", Q(end_reason=EnrollmentEnd.DROP_OUT), ended=True),
        _enrollment_rate("repetition_rate", Q(start_reason=EnrollmentStart.REPEAT)),
        Source("learner_teacher_ratio", additive=True, per_school=learner_teacher_ratio),
        Source("average_class_size", additive=True, per_school=average_class_size),
        _learner_source("khmer_share", Q(student__ethnicity=KHMER)),
        Source("curriculum_covered", additive=False, per_unit=curriculum_covered),
        Source(
            "learning_results",
            additive=True,
            per_school=learning_results,
            breakdowns={"result": learning_results_by_level},
        ),
    ]
    return {source.key: _with_school_attributes(source) for source in sources}


SOURCES: dict[str, Source] = _registry()
