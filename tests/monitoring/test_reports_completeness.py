"""Completeness and timeliness of the statistical reports per child unit (reports.completeness)."""

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from hocso.monitoring import reports
from hocso.monitoring.models import ReportPeriod, ReportStatus, StatReport

from ..factories import make_school, make_year

DUE = date(2025, 10, 15)
TODAY = date(2025, 11, 20)


def _at(day: date, hour: int = 10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _set(school, year, status, *, submitted=None, due=DUE, period=ReportPeriod.START):
    StatReport.objects.filter(org_unit=school, year=year, period=period).update(
        status=status, submitted_at=submitted, due_date=due
    )


@pytest.fixture
def periods(tree, year):
    reports.open_period(year, ReportPeriod.START, DUE)
    reports.open_period(year, ReportPeriod.END, DUE)
    # A: sent on the due date (late in the evening: still on time) and approved.
    _set(tree.school_a, year, ReportStatus.APPROVED, submitted=_at(DUE, 22))
    # B: a draft past its due date — late.
    _set(tree.school_b, year, ReportStatus.DRAFT)
    # C: sent the day after the due date, accepted.
    _set(tree.school_c, year, ReportStatus.ACCEPTED, submitted=_at(date(2025, 10, 16)))
    # The end-of-year period: everything still a draft, not due yet — nothing late.
    StatReport.objects.filter(period=ReportPeriod.END).update(due_date=date(2026, 6, 30))
    return tree


def _by_code(rows):
    return {row.unit.code: row for row in rows}


def _counts(row):
    return (row.expected, row.submitted, row.on_time, row.approved, row.accepted, row.late)


def test_completeness_counts_per_child_unit_and_for_the_unit(periods, year):
    rows = reports.completeness(periods.province, year, ReportPeriod.START, today=TODAY)
    assert rows[0].is_total and rows[0].unit == periods.province
    by_code = _by_code(rows)
    #                                 expected submitted on_time approved accepted late
    assert _counts(by_code["84"]) == (3, 2, 1, 2, 1, 1)
    assert _counts(by_code["842"]) == (2, 1, 1, 1, 0, 1)
    assert _counts(by_code["847"]) == (1, 1, 0, 1, 1, 0)
    assert by_code["842"].submitted_percent == 50


def test_completeness_of_a_commune_lists_its_schools(periods, year):
    rows = _by_code(reports.completeness(periods.commune1, year, ReportPeriod.START, today=TODAY))
    assert set(rows) == {"28432", "84000001", "84000002"}
    assert _counts(rows["84000001"]) == (1, 1, 1, 1, 0, 0)
    assert _counts(rows["84000002"]) == (1, 0, 0, 0, 0, 1)


def test_nothing_is_late_before_the_due_date(periods, year):
    rows = _by_code(reports.completeness(periods.province, year, ReportPeriod.START, today=DUE))
    assert rows["84"].late == 0
    end = _by_code(reports.completeness(periods.province, year, ReportPeriod.END, today=TODAY))
    assert _counts(end["84"]) == (3, 0, 0, 0, 0, 0)


def test_a_returned_report_counts_as_not_submitted(periods, year):
    _set(periods.school_a, year, ReportStatus.RETURNED, submitted=_at(date(2025, 10, 1)))
    rows = _by_code(reports.completeness(periods.province, year, ReportPeriod.START, today=TODAY))
    assert _counts(rows["842"]) == (2, 0, 0, 0, 0, 2)


def test_other_years_are_not_counted(periods, year):
    other = make_year("2024-2025")
    reports.open_period(other, ReportPeriod.START, DUE)
    rows = _by_code(reports.completeness(periods.province, year, ReportPeriod.START, today=TODAY))
    assert rows["84"].expected == 3


def test_completeness_costs_the_same_queries_whatever_the_number_of_schools(
    periods, year, django_assert_num_queries
):
    with django_assert_num_queries(3):
        reports.completeness(periods.province, year, ReportPeriod.START, today=TODAY)
    for n in range(10):
        make_school(f"8400010{n}", periods.commune2)
    reports.open_period(year, ReportPeriod.START, DUE)
    with django_assert_num_queries(3):
        rows = reports.completeness(periods.province, year, ReportPeriod.START, today=TODAY)
    assert _by_code(rows)["847"].expected == 11
