"""The demo's five school years of history and the monitoring centre's data (demo/monitoring.py),
on the small demo as `hocso seed-demo --scale small` loads it (once for the module)."""

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Count, Q

from hocso.demo.accounts import SCHOOL_ADMINS, TEACHER
from hocso.demo.monitoring import (
    GRADE_ONE_PER_BIRTH,
    HISTORY_YEARS,
    YEARS,
    pseudo_grade,
)
from hocso.demo.plan import AS_OF, CURRENT_YEAR, PREVIOUS_YEAR, SCALES, DemoPlan, year_dates
from hocso.monitoring import compute
from hocso.monitoring.models import (
    Alert,
    AlertRule,
    AnnualReport,
    BirthCohort,
    Indicator,
    IndicatorValue,
    ReportStatus,
    StatReport,
)
from hocso.monitoring.sources import SOURCES, learner_stays
from hocso.orgs.models import OrgKind, OrgUnit, SchoolType, SchoolYear
from hocso.registry.models import (
    Absence,
    Enrollment,
    EnrollmentEnd,
    EnrollmentStart,
    SchoolClass,
    Student,
    StudentStatus,
)

pytestmark = pytest.mark.django_db
DEMO_GRADES = False  # the registry and the centre: the grade books are tested in test_grades.py

ENTRY_FROM = {1: 0, 6: 5, 10: 9}  # a level's entry grade ← the lower level's top class
LOWER_LEVEL = {
    1: {SchoolType.PRESCHOOL},
    6: {SchoolType.PRIMARY, SchoolType.MULTI_LEVEL},
    10: {SchoolType.LOWER_SECONDARY, SchoolType.MULTI_LEVEL},
}


def _stays_by_learner():
    """student id → [(year index, pseudo-grade, school code, start, end, start reason)]."""
    k_of = {code: k for k, code in enumerate(YEARS)}
    out = defaultdict(list)
    rows = Enrollment.objects.order_by("student_id", "start_date", "id").values_list(
        "student_id", "year__code", "school_class__grade", "school_class__name", "school__code",
        "start_date", "end_date", "start_reason",
    )  # fmt: skip
    for sid, year, grade, name, school, start, end, reason in rows:
        out[sid].append((k_of[year], pseudo_grade(grade, name), school, start, end, reason))
    return out


def _counted(year_code: str, grade: int) -> int:
    """Learners of the year in `grade` (the centre's definition: monitoring.sources)."""
    year = SchoolYear.objects.get(code=year_code)
    stays = learner_stays(year).filter(school_class__grade=grade)
    return stays.values("student_id").distinct().count()


def test_five_school_years_each_with_classes_of_every_grade_and_learners(demo):
    assert YEARS == ("2022-2023", "2023-2024", "2024-2025", PREVIOUS_YEAR, CURRENT_YEAR)
    for code in YEARS:
        year = SchoolYear.objects.get(code=code)
        assert (year.start_date, year.end_date) == year_dates(code)
        grades = set(SchoolClass.objects.filter(year=year).values_list("grade", flat=True))
        assert grades == set(range(0, 13)), code
        assert learner_stays(year).count() > 3000
    assert "Lịch sử 5 năm học" in demo.output and "Giám sát:" in demo.output


def test_no_learner_is_at_two_schools_at_once_or_has_two_stays_open(demo):
    for sid, stays in _stays_by_learner().items():
        by_year = defaultdict(list)
        for stay in stays:
            by_year[stay[0]].append(stay)
        assert sum(1 for stay in stays if stay[4] is None) <= 1, sid
        for year_stays in by_year.values():
            for before, after in zip(year_stays, year_stays[1:], strict=False):
                # a transfer or a class change: the first stay ends the day the next begins
                assert before[4] is not None and before[4] <= after[3], sid


def test_every_learner_was_one_grade_lower_the_year_before_here_or_at_a_feeder(demo):
    plan = DemoPlan(SCALES["small"], demo.seed)
    specs = plan.school_by_code
    checked = Counter()
    for sid, stays in _stays_by_learner().items():
        years = sorted({stay[0] for stay in stays})
        assert years == list(range(years[0], years[-1] + 1)), sid  # no gap in the history
        for k in years[1:]:
            before = [s for s in stays if s[0] == k - 1][-1]  # how they ended the year
            after = [s for s in stays if s[0] == k][0]  # how they began the next
            if after[5] == EnrollmentStart.REPEAT:
                assert after[1] == before[1] and after[2] == before[2], sid
                checked["repeat"] += 1
                continue
            assert after[1] == before[1] + 1, (sid, before, after)
            if after[2] == before[2]:
                checked["same school"] += 1
                continue
            # Only a level's entry grade comes from another school: the lower level's top
            # class at a feeder school of the same district.
            assert after[1] in ENTRY_FROM and before[1] == ENTRY_FROM[after[1]], sid
            assert specs[before[2]].school_type in LOWER_LEVEL[after[1]], sid
            new, old = specs[after[2]], specs[before[2]]
            assert new.district == old.district or new.boarding or new.specialised, sid
            assert after[5] == EnrollmentStart.ADMISSION
            checked[f"entry {after[1]}"] += 1
    assert checked["repeat"] > 50 and checked["same school"] > 10_000
    assert checked["entry 1"] > 100 and checked["entry 6"] > 500 and checked["entry 10"] > 500


def test_entry_grades_of_every_year_have_feeder_enrollments_the_year_before(demo):
    for k in range(1, len(YEARS)):
        year, last_year = YEARS[k], YEARS[k - 1]
        for grade, top in ((6, 5), (10, 9)):
            entrants = Enrollment.objects.filter(
                year__code=year, school_class__grade=grade, start_reason=EnrollmentStart.ADMISSION
            ).values("student_id")
            fed = Enrollment.objects.filter(
                student_id__in=entrants, year__code=last_year, school_class__grade=top
            )
            assert fed.exists(), (year, grade)
            assert set(fed.values_list("school__school_type", flat=True)) <= LOWER_LEVEL[grade]


def test_province_wide_grade_5_to_6_progression_is_close_to_one_every_year(demo):
    for last_year, year in zip(YEARS, YEARS[1:], strict=False):
        ratio = _counted(year, 6) / _counted(last_year, 5)
        assert 0.9 <= ratio <= 1.05, (year, ratio)
        # within a level the cohorts lose only their drop-outs and repeaters
        assert 0.93 <= _counted(year, 7) / _counted(last_year, 6) <= 1.02


def test_past_years_have_drop_outs_repeaters_and_graduates_at_realistic_rates(demo):
    for code in YEARS[:-1]:
        year = SchoolYear.objects.get(code=code)
        start, end = year_dates(code)
        for level, low, high in (
            (SchoolType.LOWER_SECONDARY, 0.002, 0.03),
            (SchoolType.UPPER_SECONDARY, 0.008, 0.045),
        ):
            all_stays = Enrollment.objects.filter(year=year, school__school_type=level)
            learners = all_stays.values("student_id").distinct().count()
            dropped = all_stays.filter(end_reason=EnrollmentEnd.DROP_OUT)
            assert low <= dropped.count() / learners <= high, (code, level)
        for stay in Enrollment.objects.filter(year=year, end_reason=EnrollmentEnd.DROP_OUT)[:50]:
            assert start < stay.end_date < end and stay.note
            assert stay.student.status == StudentStatus.DROPPED_OUT
        repeats = Enrollment.objects.filter(year=year, start_reason=EnrollmentStart.REPEAT)
        if code != YEARS[0]:  # the first year's repeaters would need the year before
            assert 0.003 < repeats.count() / learner_stays(year).count() < 0.03, code
        graduates = Enrollment.objects.filter(
            year=year, school_class__grade=12, end_reason=EnrollmentEnd.GRADUATION
        )
        assert graduates.count() > 300, code
        assert set(graduates.values_list("student__status", flat=True)) == {StudentStatus.GRADUATED}
        born = {
            s.date_of_birth.year for s in Student.objects.filter(enrollments__in=graduates[:30])
        }
        assert born == {start.year - 17}, code


def test_enrollment_per_grade_drifts_down_with_the_birth_cohorts(demo):
    first, last = YEARS[0], YEARS[-1]
    older = sum(_counted(first, g) for g in range(1, 10))
    newer = sum(_counted(last, g) for g in range(1, 10))
    # 1.5% a year over four years, with drop-outs; the small demo's few schools add noise
    assert 0.85 < newer / older < 0.995


def test_births_per_commune_match_grade_one_six_years_later(demo):
    vinh_long = OrgUnit.objects.get(code="86")
    rows = BirthCohort.objects.filter(org_unit__path__startswith=vinh_long.path)
    assert set(rows.values_list("org_unit__kind", flat=True)) == {OrgKind.COMMUNE}
    by_year = Counter()
    for year, births in rows.values_list("year", "births"):
        by_year[year] += births
    # Through 2025: the grade-1 entrants of the next five school years are born by then.
    assert set(by_year) == set(range(2010, 2026))
    assert by_year[2010] > by_year[2025]  # the delta's cohorts shrink
    for code in YEARS:
        entrants = (
            Enrollment.objects.filter(year__code=code, school_class__grade=1)
            .exclude(start_reason=EnrollmentStart.REPEAT)
            .values("student_id")
            .distinct()
            .count()
        )
        births = by_year[int(code[:4]) - 6]
        assert entrants and abs(entrants / births - GRADE_ONE_PER_BIRTH) < 0.02, code


def test_absences_leave_a_few_learners_at_drop_out_risk_at_the_account_school(demo):
    this_month = AS_OF.replace(day=1)
    absences = Absence.objects.filter(school_class__year__code=CURRENT_YEAR)
    assert absences.filter(date__gte=this_month).exists()
    assert absences.filter(date__lt=this_month, date__gte=date(2026, 10, 1)).exists()
    assert not absences.filter(date__gt=AS_OF).exists()
    assert not absences.filter(date__week_day__in=(1, 7)).exists()  # no weekends
    studying = Student.objects.filter(status=StudentStatus.STUDYING).count()
    assert absences.values("student_id").distinct().count() < 0.4 * studying  # most: none
    at_risk = (
        absences.filter(date__gte=this_month)
        .values("student_id", "school__name")
        .annotate(n=Count("id", filter=Q(excused=False)))
        .filter(n__gt=3)
    )
    schools = Counter(row["school__name"] for row in at_risk)
    assert schools[SCHOOL_ADMINS["admin.thcs-lytutrong"]] >= 1
    assert 3 <= sum(schools.values()) <= 20
    # The demo teacher's class is recorded by that teacher's account.
    mine = absences.filter(school_class__homeroom_teacher__user__username=TEACHER)
    assert mine.exists() and set(mine.values_list("recorded_by__username", flat=True)) == {TEACHER}
    if AlertRule.ABSENCE in AlertRule.values:
        raised = Alert.objects.filter(rule=AlertRule.ABSENCE, resolved_at__isnull=True)
        assert raised.filter(student_id__in=[row["student_id"] for row in at_risk]).exists()


def test_start_of_year_reports_are_in_every_state_the_demo_school_still_a_draft(demo):
    reports = StatReport.objects.filter(year__code=CURRENT_YEAR, period="start")
    schools = OrgUnit.objects.filter(kind=OrgKind.SCHOOL)
    assert reports.count() == schools.count()
    statuses = Counter(reports.values_list("status", flat=True))
    assert {ReportStatus.DRAFT, ReportStatus.SUBMITTED, ReportStatus.APPROVED,
            ReportStatus.ACCEPTED} <= set(statuses)  # fmt: skip
    assert statuses[ReportStatus.ACCEPTED] == max(statuses.values())
    mine = reports.get(org_unit__name=SCHOOL_ADMINS["admin.thcs-lytutrong"])
    assert mine.status == ReportStatus.DRAFT and mine.due_date < AS_OF  # late
    for report in reports.exclude(status=ReportStatus.DRAFT):
        assert report.figures.exists()  # frozen when submitted
        assert report.submitted_at.date() <= AS_OF and report.submitted_by is not None
        assert report.events.filter(action="submit").exists()
    for report in reports.filter(status=ReportStatus.ACCEPTED):
        assert report.submitted_at <= report.approved_at <= report.accepted_at
        assert report.accepted_at.date() <= AS_OF


def test_the_province_has_its_annual_report_narrative_for_last_year(demo):
    narrative = AnnualReport.objects.get(org_unit__code="86", year__code=PREVIOUS_YEAR)
    assert "Năm học 2025-2026" in narrative.narrative and len(narrative.narrative) > 300
    assert narrative.updated_by.username == "so.gddt"


def test_every_year_has_indicator_values_and_the_province_is_the_sum_of_its_schools(demo):
    vinh_long = OrgUnit.objects.get(code="86")
    schools = list(
        compute._units(vinh_long).filter(kind=OrgKind.SCHOOL).values_list("pk", flat=True)
    )
    additive = [i for i in Indicator.objects.exclude(source="") if SOURCES[i.source].additive]
    assert additive
    enrollment = {}
    for code in YEARS:
        year = SchoolYear.objects.get(code=code)
        for indicator in additive:
            stored = IndicatorValue.objects.filter(indicator=indicator, year=year, breakdown="")
            province = stored.get(org_unit=vinh_long)
            parts = stored.filter(org_unit_id__in=schools)
            numerator = sum((v.numerator for v in parts), Decimal(0))
            assert province.numerator == numerator, (code, indicator.code)
            if province.denominator is not None:
                denominator = sum((v.denominator or 0 for v in parts), Decimal(0))
                assert province.denominator == denominator, (code, indicator.code)
            if indicator.code == "enrollment" or indicator.source == "enrollment":
                enrollment[code] = province.numerator
    assert len(enrollment) == len(YEARS) and all(enrollment.values())
    for code in HISTORY_YEARS:
        dropout = IndicatorValue.objects.filter(
            indicator__source="dropout_rate", year__code=code, org_unit=vinh_long, breakdown=""
        ).get()
        assert dropout.numerator > 0
