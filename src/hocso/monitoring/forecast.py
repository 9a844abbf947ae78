"""Enrolment and teacher-demand forecasts (cohort survival), and the reads behind them.

The arithmetic is pure (no database) and exact: ratios are `Fraction`s, learners are rounded
half up to whole people once per projected year, so every figure can be checked by hand
(tests/monitoring/test_forecast_pure.py writes one example out in full).

Year indexes are the calendar year a school year STARTS in: 2024 means 2024-2025. Children
enter grade 1 in the school year starting in the calendar year they turn six, so the births of
calendar year t - 6 are the entrants of school year t.

- **Grade-progression ratio** GPR(g) = E(g+1, t+1) / E(g, t): of the learners in grade g one
  year, how many are in grade g+1 the next (promotion, less repetition and drop-out, plus
  migration in and out of the unit). Averaged as the RATIO OF SUMS over the last `PAIRS` pairs
  of consecutive years: ΣE(g+1, t+1) / ΣE(g, t). Each year then weighs by its size, so one
  small year with a noisy ratio (3 learners out of 1) cannot swing the average as it would in
  a mean of ratios; it is the pooled estimate of a survival rate, and the last few years
  follow today's repetition and drop-out rather than those of a decade ago.
- **Entrants** of grade 1: births(t - 6) × the entry ratio ΣE(1, t) / Σbirths(t - 6) over
  the last `PAIRS` years with both figures (children who study elsewhere, move in or out, or
  enter late make it differ from 1). Without births (or without the births of a forecast
  year), grade 1 follows its own trend: the average yearly change over the last `PAIRS` pairs
  of years, (E(1, last) − E(1, first)) / (last − first), added each year, never below zero.
- A grade whose previous grade had no learners in the years used (the ratio is undefined: a
  commune without primary schools has no grade 5 to feed its grade 6) follows its own trend
  the same way.
- **Projection** for the next `HORIZON` school years: E(1, T) from the entrants, E(g+1, T) =
  round(E(g, T−1) × GPR(g)), from the last observed year onwards.
- **Teacher demand**: classes = Σ over grades ⌈E(g) / class-size norm⌉; teachers =
  round(classes × teachers-per-class norm). Summing whole classes over a whole unit gives the
  fewest classes possible (schools with a half-full class need more), so it is a lower bound.
- **Back-test**: each past year t with at least two earlier years is forecast from the years
  before it (one step ahead) and compared with what happened: the absolute percentage error
  per grade, of the total, and their mean (MAPE).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from math import ceil, floor

from django.db.models import Count, Q

from hocso.orgs.models import OrgUnit, SchoolType
from hocso.orgs.selectors import current_school_year
from hocso.registry.models import (
    Enrollment,
    EnrollmentEnd,
    Position,
    SchoolClass,
    Staff,
    StudentStatus,
)

from .models import BirthCohort

History = Mapping[int, Mapping[int, int]]  # year index → grade → learners
Births = Mapping[int, int]  # calendar year → live births

PRIMARY = SchoolType.PRIMARY.value
LOWER_SECONDARY = SchoolType.LOWER_SECONDARY.value
UPPER_SECONDARY = SchoolType.UPPER_SECONDARY.value
LEVELS = (PRIMARY, LOWER_SECONDARY, UPPER_SECONDARY)

LEVEL_GRADES: dict[str, tuple[int, ...]] = {
    PRIMARY: (1, 2, 3, 4, 5),
    LOWER_SECONDARY: (6, 7, 8, 9),
    UPPER_SECONDARY: (10, 11, 12),
}

# Largest class of each level: Điều lệ trường tiểu học (Circular 28/2020/TT-BGDĐT, art. 16: at
# most 35 learners a class) and Điều lệ trường THCS, THPT và trường phổ thông có nhiều cấp học
# (Circular 32/2020/TT-BGDĐT, art. 15: at most 45).
CLASS_SIZE_PRIMARY = 35
CLASS_SIZE_LOWER_SECONDARY = 45
CLASS_SIZE_UPPER_SECONDARY = 45
CLASS_SIZE_NORM = {
    PRIMARY: CLASS_SIZE_PRIMARY,
    LOWER_SECONDARY: CLASS_SIZE_LOWER_SECONDARY,
    UPPER_SECONDARY: CLASS_SIZE_UPPER_SECONDARY,
}

# Teachers per class (Circular 16/2017/TT-BGDĐT on staffing norms of public general-education
# schools: art. 6 primary, two sessions a day, 1.50; lower secondary 1.90; upper secondary 2.25).
TEACHERS_PER_CLASS_PRIMARY = Fraction(3, 2)
TEACHERS_PER_CLASS_LOWER_SECONDARY = Fraction(19, 10)
TEACHERS_PER_CLASS_UPPER_SECONDARY = Fraction(9, 4)
TEACHERS_PER_CLASS = {
    PRIMARY: TEACHERS_PER_CLASS_PRIMARY,
    LOWER_SECONDARY: TEACHERS_PER_CLASS_LOWER_SECONDARY,
    UPPER_SECONDARY: TEACHERS_PER_CLASS_UPPER_SECONDARY,
}

ENTRY_AGE = 6  # grade 1 is the school year starting in the calendar year a child turns six
HORIZON = 5  # school years forecast
PAIRS = 3  # the last PAIRS pairs of consecutive years feed every average
MIN_YEARS = 2  # observed years needed for one progression ratio (and for a back-test year)

BIRTHS = "births"
TREND = "trend"


def round_half_up(x: Fraction | int) -> int:
    """Whole learners: 0.5 rounds up (Python's round() would round it to even)."""
    return floor(Fraction(x) + Fraction(1, 2))


def chain_grades(level: str) -> tuple[int, ...]:
    """The grades projected to forecast `level`: from grade 1 to the level's last grade, so
    grade 6 entrants come from grade 5 (and grade 10 from grade 9) as the cohorts move on."""
    return tuple(range(1, LEVEL_GRADES[level][-1] + 1))


# ---------------------------------------------------------------- pure arithmetic


@dataclass(frozen=True)
class Ratio:
    """numerator / denominator summed over `years` (None when the denominator is zero)."""

    numerator: int
    denominator: int
    years: tuple[int, ...]

    @property
    def value(self) -> Fraction | None:
        return Fraction(self.numerator, self.denominator) if self.denominator else None


@dataclass(frozen=True)
class Trend:
    """A grade's own trend: `last` learners in `last_year`, changing by `step` a year."""

    last_year: int
    last: int
    step: Fraction
    years: tuple[int, ...]

    def at(self, year: int) -> int:
        return max(0, round_half_up(self.last + self.step * (year - self.last_year)))


def _e(history: History, year: int, grade: int) -> int:
    return int(history.get(year, {}).get(grade, 0) or 0)


def consecutive_pairs(history: History, pairs: int = PAIRS) -> tuple[int, ...]:
    """The last `pairs` years t such that both t and t+1 are in the history."""
    years = sorted(t for t in history if t + 1 in history)
    return tuple(years[-pairs:]) if pairs else tuple(years)


def progression_ratios(
    history: History, grades: Iterable[int], pairs: int = PAIRS
) -> dict[int, Ratio]:
    """GPR(g) for every grade g of `grades` but the last, keyed by g (the grade moved FROM):
    ΣE(g+1, t+1) / ΣE(g, t) over the last `pairs` pairs of consecutive years."""
    grades = list(grades)
    used = consecutive_pairs(history, pairs)
    return {
        g: Ratio(
            numerator=sum(_e(history, t + 1, g + 1) for t in used),
            denominator=sum(_e(history, t, g) for t in used),
            years=used,
        )
        for g in grades[:-1]
    }


def entry_ratio(
    history: History, births: Births, grade: int = 1, pairs: int = PAIRS
) -> Ratio | None:
    """ΣE(grade, t) / Σbirths(t − ENTRY_AGE) over the last `pairs` years having both; None
    without any such year."""
    years = sorted(t for t in history if (t - ENTRY_AGE) in births)[-pairs:]
    if not years:
        return None
    return Ratio(
        numerator=sum(_e(history, t, grade) for t in years),
        denominator=sum(int(births[t - ENTRY_AGE]) for t in years),
        years=tuple(years),
    )


def grade_trend(history: History, grade: int, pairs: int = PAIRS) -> Trend:
    """The grade's average yearly change over its last `pairs` + 1 observed years."""
    years = sorted(history)[-(pairs + 1) :]
    first, last = years[0], years[-1]
    step = (
        Fraction(_e(history, last, grade) - _e(history, first, grade), last - first)
        if last > first
        else Fraction(0)
    )
    return Trend(last_year=last, last=_e(history, last, grade), step=step, years=tuple(years))


@dataclass
class Projection:
    """The forecast: `enrolment[T][g]` for each forecast year T, with what it was made from."""

    years: list[int]
    grades: tuple[int, ...]
    enrolment: dict[int, dict[int, int]]
    ratios: dict[int, Ratio]
    entry: Ratio | None
    # How each (year, grade) projected without a ratio was made: BIRTHS or TREND (grade 1),
    # TREND (a grade whose feeder grade had no learners).
    methods: dict[int, dict[int, str]] = field(default_factory=dict)
    trends: dict[int, Trend] = field(default_factory=dict)

    def total(self, year: int, grades: Iterable[int] | None = None) -> int:
        return sum(self.enrolment[year].get(g, 0) for g in (grades or self.grades))


def project(
    history: History,
    grades: Iterable[int],
    births: Births | None = None,
    *,
    horizon: int = HORIZON,
    pairs: int = PAIRS,
) -> Projection:
    """Cohort survival from the last observed year for `horizon` years (see the module doc).
    `history` needs at least one year; with one year every ratio is undefined (trends are
    flat), so callers ask for MIN_YEARS."""
    grades = tuple(grades)
    if not history:
        raise ValueError("a projection needs at least one observed year")
    births = births or {}
    last = max(history)
    ratios = progression_ratios(history, grades, pairs)
    first = grades[0]
    entry = entry_ratio(history, births, first, pairs) if first == 1 and births else None
    projection = Projection(
        years=[last + i for i in range(1, horizon + 1)],
        grades=grades,
        enrolment={},
        ratios=ratios,
        entry=entry,
    )

    def trend(grade: int) -> Trend:
        if grade not in projection.trends:
            projection.trends[grade] = grade_trend(history, grade, pairs)
        return projection.trends[grade]

    def before(year: int, grade: int) -> int:
        return projection.enrolment[year][grade] if year > last else _e(history, year, grade)

    for year in projection.years:
        row: dict[int, int] = {}
        methods: dict[int, str] = {}
        for grade in grades:
            if grade == first:
                if entry is not None and entry.value is not None and (year - ENTRY_AGE) in births:
                    row[grade] = round_half_up(births[year - ENTRY_AGE] * entry.value)
                    methods[grade] = BIRTHS
                else:
                    row[grade] = trend(grade).at(year)
                    methods[grade] = TREND
                continue
            ratio = ratios[grade - 1].value
            if ratio is None:
                row[grade] = trend(grade).at(year)
                methods[grade] = TREND
            else:
                row[grade] = round_half_up(before(year - 1, grade - 1) * ratio)
        projection.enrolment[year] = row
        projection.methods[year] = methods
    return projection


@dataclass(frozen=True)
class Demand:
    """Teachers a year's enrolment needs at the level's norms."""

    classes_by_grade: dict[int, int]
    classes: int
    teachers_exact: Fraction
    teachers: int


def teacher_demand(enrolment: Mapping[int, int], level: str) -> Demand:
    """classes = Σ ⌈E(g) / class-size norm⌉ over the level's grades; teachers = classes × the
    teachers-per-class norm, rounded half up."""
    norm = CLASS_SIZE_NORM[level]
    by_grade = {g: ceil(int(enrolment.get(g, 0)) / norm) for g in LEVEL_GRADES[level]}
    classes = sum(by_grade.values())
    exact = classes * TEACHERS_PER_CLASS[level]
    return Demand(by_grade, classes, exact, round_half_up(exact))


def percentage_error(forecast: int, actual: int) -> Fraction | None:
    """|forecast − actual| / actual × 100; None when nothing happened (actual 0)."""
    if not actual:
        return None
    return Fraction(abs(forecast - actual) * 100, actual)


def _mean(values: Iterable[Fraction | None]) -> Fraction | None:
    known = [v for v in values if v is not None]
    return sum(known, Fraction(0)) / len(known) if known else None


@dataclass(frozen=True)
class BacktestYear:
    year: int
    forecast: dict[int, int]
    actual: dict[int, int]
    errors: dict[int, Fraction | None]  # percentage error per grade
    total_forecast: int
    total_actual: int
    total_error: Fraction | None
    mape: Fraction | None  # mean of the grades' percentage errors


@dataclass(frozen=True)
class Backtest:
    years: list[BacktestYear]
    grades: tuple[int, ...]
    # Over the back-test years: the mean percentage error per grade and of the total.
    grade_mape: dict[int, Fraction | None]
    total_mape: Fraction | None


def backtest(
    history: History,
    grades: Iterable[int],
    births: Births | None = None,
    *,
    report: Iterable[int] | None = None,
    pairs: int = PAIRS,
) -> Backtest:
    """Forecast every observed year t that has at least MIN_YEARS earlier years from those years
    only (one step ahead of the last of them) and compare with what was observed. Errors are
    reported for the grades of `report` (default: all of `grades`)."""
    grades = tuple(grades)
    report = tuple(report or grades)
    rows = []
    for t in sorted(history):
        earlier = {y: v for y, v in history.items() if y < t}
        if len(earlier) < MIN_YEARS or not any(_e(history, t, g) for g in report):
            continue  # too little to forecast from, or nothing of the level to compare with
        projection = project(earlier, grades, births, horizon=t - max(earlier), pairs=pairs)
        forecast = {g: projection.enrolment[t][g] for g in report}
        actual = {g: _e(history, t, g) for g in report}
        errors = {g: percentage_error(forecast[g], actual[g]) for g in report}
        total_forecast, total_actual = sum(forecast.values()), sum(actual.values())
        rows.append(
            BacktestYear(
                year=t,
                forecast=forecast,
                actual=actual,
                errors=errors,
                total_forecast=total_forecast,
                total_actual=total_actual,
                total_error=percentage_error(total_forecast, total_actual),
                mape=_mean(errors.values()),
            )
        )
    return Backtest(
        years=rows,
        grades=report,
        grade_mape={g: _mean(r.errors[g] for r in rows) for g in report},
        total_mape=_mean(r.total_error for r in rows),
    )


# ---------------------------------------------------------------- reads


def _learner_of_year() -> Q:
    """sources.learner_stays without the year: an enrollment still open (learner studying) or
    ended with the year (year end, graduation). Kept identical to it; the tests compare them."""
    return Q(end_date__isnull=True, student__status=StudentStatus.STUDYING) | Q(
        end_reason__in=(EnrollmentEnd.YEAR_END, EnrollmentEnd.GRADUATION)
    )


def grade_history(unit: OrgUnit, grades: Iterable[int]) -> dict[int, dict[int, int]]:
    """{year index: {grade: learners of the year}} over the unit's subtree, every school year at
    once: ONE query grouped by year, school and grade (learners are distinct per school, as
    sources.py counts them), summed over schools here. Years without a learner are absent."""
    grades = tuple(grades)
    rows = (
        Enrollment.objects.filter(_learner_of_year())
        .filter(school__path__startswith=unit.path, school_class__grade__in=grades)
        .order_by()
        .values("year__code", "school_id", "school_class__grade")
        .annotate(n=Count("student_id", distinct=True))
    )
    history: dict[int, dict[int, int]] = {}
    for row in rows:
        year = history.setdefault(int(row["year__code"][:4]), dict.fromkeys(grades, 0))
        year[row["school_class__grade"]] += row["n"]
    return dict(sorted(history.items()))


def enrollment_history(unit: OrgUnit, level: str) -> dict[int, dict[int, int]]:
    """Learners of each school year by grade of `level` in the unit's subtree, keyed by the
    calendar year the school year starts in (2024 = 2024-2025)."""
    return grade_history(unit, LEVEL_GRADES[level])


def births(unit: OrgUnit, _seen: frozenset[int] = frozenset()) -> dict[int, int]:
    """Live births by calendar year in the unit's area. For each year: the rows of the unit or
    of its subtree, the top-most row wins (a commune's row counts unless a unit above it inside
    the subtree has one for that year, so a province row is never added to its communes' rows);
    a year without any row there takes its predecessors' births (a merged province's are those
    of the provinces it was made of; a predecessor inside another is skipped, being counted in
    it). Per year it is one or the other: a year only some communes have a row for is not
    topped up from the predecessors, whose rows cover the same land."""
    rows = BirthCohort.objects.filter(org_unit__path__startswith=unit.path).values_list(
        "org_unit__path", "year", "births"
    )
    by_year: dict[int, dict[str, int]] = {}
    for path, year, count in rows:
        by_year.setdefault(year, {})[path] = count
    out = {}
    for year, paths in by_year.items():
        out[year] = sum(
            count
            for path, count in paths.items()
            if not any(other != path and path.startswith(other) for other in paths)
        )
    seen = _seen | {unit.pk}
    predecessors = [p for p in unit.predecessors.all() if p.pk not in seen]
    predecessors = [
        p
        for p in predecessors
        if not any(o.pk != p.pk and p.path.startswith(o.path) for o in predecessors)
    ]
    earlier: dict[int, int] = {}
    for predecessor in predecessors:
        for year, count in births(predecessor, seen).items():
            earlier[year] = earlier.get(year, 0) + count
    for year, count in earlier.items():
        out.setdefault(year, count)
    return dict(sorted(out.items()))


def teachers_of_level(unit: OrgUnit, level: str, year=None) -> Fraction:
    """Today's teachers (active staff in the teacher position, as the learner–teacher ratio
    counts them) of the level in the unit's subtree: all those of schools of that type, and a
    share of those of multi-level schools and continuing-education centres in proportion to the
    classes of the level's grades among the school's classes of the school year (default: the
    current one)."""
    rows = (
        Staff.objects.filter(
            is_active=True, position=Position.TEACHER, school__path__startswith=unit.path
        )
        .order_by()
        .values("school_id", "school__school_type")
        .annotate(n=Count("id"))
    )
    total = Fraction(0)
    mixed: dict[int, int] = {}
    for row in rows:
        if row["school__school_type"] == level:
            total += row["n"]
        elif row["school__school_type"] in (SchoolType.MULTI_LEVEL, SchoolType.CONTINUING):
            mixed[row["school_id"]] = row["n"]
        # Other levels' schools (and preschools, colleges) teach none of the level's grades.
    if mixed:
        year = year or current_school_year()
        grades = LEVEL_GRADES[level]
        classes = (
            SchoolClass.objects.filter(school_id__in=mixed, year=year)
            .order_by()
            .values("school_id")
            .annotate(n=Count("id"), of_level=Count("id", filter=Q(grade__in=grades)))
        )
        for row in classes:
            if row["n"]:
                total += Fraction(mixed[row["school_id"]] * row["of_level"], row["n"])
    return total


# ---------------------------------------------------------------- one unit's forecast


@dataclass
class UnitForecast:
    """Everything the forecast page shows for one unit and level."""

    level: str
    grades: tuple[int, ...]  # the level's grades
    history: dict[int, dict[int, int]]  # the chain's grades, observed years
    births: dict[int, int]
    projection: Projection | None
    backtest: Backtest | None
    teachers_today: Fraction
    demand: dict[int, Demand]  # last observed year and every forecast year

    @property
    def enough(self) -> bool:
        return self.projection is not None


def unit_forecast(unit: OrgUnit, level: str) -> UnitForecast:
    """The unit's forecast for one level: history, births, projection of the chain of grades
    (1 to the level's last), back-test and teacher demand. Five to seven queries (one more per
    predecessor of the unit)."""
    chain = chain_grades(level)
    grades = LEVEL_GRADES[level]
    history = grade_history(unit, chain)
    # Only the years with learners of the level: a year whose THCS classes were never entered
    # would otherwise start the projection from zero (a THCS-only commune keeps its years,
    # with grades 1 to 5 at zero: grade 6 then follows its own trend).
    history = {t: row for t, row in history.items() if any(row.get(g) for g in grades)}
    level_years = list(history)
    born = births(unit)
    teachers = teachers_of_level(unit, level)
    if len(level_years) < MIN_YEARS:
        return UnitForecast(level, grades, history, born, None, None, teachers, {})
    projection = project(history, chain, born)
    test = backtest(history, chain, born, report=grades)
    last = max(history)
    demand = {last: teacher_demand(history[last], level)}
    for year in projection.years:
        demand[year] = teacher_demand(projection.enrolment[year], level)
    return UnitForecast(level, grades, history, born, projection, test, teachers, demand)


def year_code(index: int) -> str:
    """2024 → "2024-2025"."""
    return f"{index}-{index + 1}"
