"""Statistical reports: opening a period, the submit → approve → accept workflow, who may do
what, frozen figures and returning (monitoring/reports.py)."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hocso.accounts.models import AuditEntry, Role
from hocso.accounts.services import role_grant
from hocso.monitoring import reports
from hocso.monitoring.compute import recompute
from hocso.monitoring.models import (
    IndicatorValue,
    ReportPeriod,
    ReportStatus,
    StatReport,
    StatReportEvent,
)

from ..factories import UserFactory, make_school
from .conftest import add_learner

D = Decimal
DUE = date(2099, 10, 15)


def build_reporting(school_data, users, indicators):
    """Reports of the `start` period for the three schools of `tree`, and a district officer of
    the district above schools A and B (`users.district2` is over school C only)."""
    tree = school_data.tree
    district1 = UserFactory(username="phong_tptv")
    role_grant(actor=None, user=district1, role=Role.DISTRICT_OFFICER, org_unit=tree.district1)
    reports.open_period(school_data.year, ReportPeriod.START, DUE)
    by_school = {
        r.org_unit.code: r
        for r in StatReport.objects.filter(year=school_data.year).select_related("org_unit")
    }
    return SimpleNamespace(
        **vars(school_data),
        users=users,
        district1=district1,
        indicators=indicators,
        a=by_school["84000001"],
        b=by_school["84000002"],
        c=by_school["84000003"],
    )


@pytest.fixture
def reporting(school_data, users, indicators):
    return build_reporting(school_data, users, indicators)


def _fresh(report):
    return StatReport.objects.get(pk=report.pk)


# ---------------------------------------------------------------- opening a period


def test_open_period_creates_one_draft_per_current_school_and_is_idempotent(tree, year):
    closed = make_school("84000009", tree.commune1)
    closed.valid_to = date(2020, 1, 1)
    closed.save()
    assert reports.open_period(year, ReportPeriod.START, DUE) == 3
    assert reports.open_period(year, ReportPeriod.START, DUE) == 0
    rows = StatReport.objects.filter(year=year, period=ReportPeriod.START)
    assert sorted(rows.values_list("org_unit__code", flat=True)) == [
        "84000001",
        "84000002",
        "84000003",
    ]
    assert set(rows.values_list("status", flat=True)) == {ReportStatus.DRAFT}
    assert set(rows.values_list("due_date", flat=True)) == {DUE}
    # Another period of the same year is a report of its own.
    assert reports.open_period(year, ReportPeriod.END, DUE) == 3


def test_open_period_refuses_an_unknown_period(tree, year):
    with pytest.raises(ValidationError):
        reports.open_period(year, "middle", DUE)
    assert not StatReport.objects.exists()


# ---------------------------------------------------------------- who may do what


@pytest.mark.parametrize(
    "who",
    ["admin_c", "teacher_a", "district1", "district2", "province", "student_a", "guardian_a",
     "outsider"],
)  # fmt: skip
def test_only_the_schools_admin_submits(reporting, who):
    actor = reporting.district1 if who == "district1" else getattr(reporting.users, who)
    with pytest.raises(PermissionDenied):
        reports.submit(reporting.a, actor)
    report = _fresh(reporting.a)
    assert report.status == ReportStatus.DRAFT
    assert not report.figures.exists()
    assert not StatReportEvent.objects.exists()


def test_the_schools_admin_submits_and_the_action_is_recorded(reporting):
    admin = reporting.users.admin_a
    reports.submit(reporting.a, admin)
    report = _fresh(reporting.a)
    assert report.status == ReportStatus.SUBMITTED
    assert report.submitted_by == admin
    assert report.submitted_at is not None
    assert list(report.events.values_list("action", "actor")) == [("submit", admin.pk)]
    assert AuditEntry.objects.filter(
        action="statreport.submit", object_id=str(report.pk), actor=admin
    ).exists()
    # The caller's object is brought up to date too.
    assert reporting.a.status == ReportStatus.SUBMITTED


@pytest.mark.parametrize(
    "who", ["admin_a", "admin_c", "teacher_a", "district2", "student_a", "guardian_a", "outsider"]
)
def test_approval_is_refused_to_anyone_but_the_level_above(reporting, who):
    reports.submit(reporting.a, reporting.users.admin_a)
    with pytest.raises(PermissionDenied):
        reports.approve(reporting.a, getattr(reporting.users, who))
    with pytest.raises(PermissionDenied):
        reports.return_report(reporting.a, getattr(reporting.users, who), "Sai số liệu")
    assert _fresh(reporting.a).status == ReportStatus.SUBMITTED


@pytest.mark.parametrize("who", ["district1", "province"])
def test_the_district_above_or_the_province_approves(reporting, who):
    actor = reporting.district1 if who == "district1" else reporting.users.province
    reports.submit(reporting.a, reporting.users.admin_a)
    reports.approve(reporting.a, actor)
    report = _fresh(reporting.a)
    assert (report.status, report.approved_by) == (ReportStatus.APPROVED, actor)


def test_nobody_approves_the_report_they_submitted(reporting):
    root = reporting.users.superuser
    reports.submit(reporting.a, root)
    with pytest.raises(PermissionDenied):
        reports.approve(reporting.a, root)
    assert _fresh(reporting.a).status == ReportStatus.SUBMITTED
    reports.approve(reporting.a, reporting.users.province)
    assert _fresh(reporting.a).status == ReportStatus.APPROVED


@pytest.mark.parametrize(
    "who", ["admin_a", "teacher_a", "district1", "district2", "student_a", "outsider"]
)
def test_only_the_province_accepts(reporting, who):
    actor = reporting.district1 if who == "district1" else getattr(reporting.users, who)
    reports.submit(reporting.a, reporting.users.admin_a)
    reports.approve(reporting.a, reporting.district1)
    with pytest.raises(PermissionDenied):
        reports.accept(reporting.a, actor)
    assert _fresh(reporting.a).status == ReportStatus.APPROVED


def test_the_whole_workflow_leaves_its_history(reporting):
    reports.submit(reporting.a, reporting.users.admin_a)
    reports.approve(reporting.a, reporting.district1)
    reports.accept(reporting.a, reporting.users.province)
    report = _fresh(reporting.a)
    assert report.status == ReportStatus.ACCEPTED
    assert report.accepted_by == reporting.users.province
    assert list(report.events.values_list("action", flat=True)) == ["submit", "approve", "accept"]


def test_accepting_needs_an_approved_report(reporting):
    reports.submit(reporting.a, reporting.users.admin_a)
    with pytest.raises(ValidationError):
        reports.accept(reporting.a, reporting.users.province)
    assert _fresh(reporting.a).status == ReportStatus.SUBMITTED


def test_approving_a_draft_is_refused(reporting):
    with pytest.raises(ValidationError):
        reports.approve(reporting.a, reporting.users.province)
    assert _fresh(reporting.a).status == ReportStatus.DRAFT


# ---------------------------------------------------------------- double clicks


def test_a_second_submit_is_a_clear_error_and_changes_nothing(reporting):
    admin = reporting.users.admin_a
    reports.submit(reporting.a, admin)
    before = _fresh(reporting.a)
    figures = sorted(before.figures.values_list("pk", flat=True))
    with pytest.raises(ValidationError) as error:
        reports.submit(reporting.a, admin)
    assert "Đã gửi" in str(error.value)
    after = _fresh(reporting.a)
    assert after.submitted_at == before.submitted_at
    assert sorted(after.figures.values_list("pk", flat=True)) == figures
    assert after.events.count() == 1


def test_a_second_approve_or_accept_is_refused(reporting):
    reports.submit(reporting.a, reporting.users.admin_a)
    reports.approve(reporting.a, reporting.district1)
    with pytest.raises(ValidationError):
        reports.approve(reporting.a, reporting.users.province)
    reports.accept(reporting.a, reporting.users.province)
    with pytest.raises(ValidationError):
        reports.accept(reporting.a, reporting.users.province)
    assert _fresh(reporting.a).events.count() == 3


def test_a_stale_object_cannot_submit_twice(reporting):
    """Two requests holding the same draft: the second sees the locked row's real status."""
    stale = StatReport.objects.get(pk=reporting.a.pk)
    reports.submit(reporting.a, reporting.users.admin_a)
    assert stale.status == ReportStatus.DRAFT
    with pytest.raises(ValidationError):
        reports.submit(stale, reporting.users.admin_a)
    assert StatReportEvent.objects.filter(report=reporting.a).count() == 1


# ---------------------------------------------------------------- frozen figures


def _figure(report, code, breakdown=""):
    row = report.figures.get(indicator__code=code, breakdown=breakdown)
    return row.numerator, row.denominator


def test_submitting_freezes_every_additive_indicator_with_its_breakdowns(reporting):
    reports.submit(reporting.a, reporting.users.admin_a)
    report = _fresh(reporting.a)
    codes = set(report.figures.values_list("indicator__code", flat=True))
    # curriculum_covered is not additive: not a school's figure; learning_results is seeded (0004).
    assert codes == (set(reporting.indicators) | {"learning_results"}) - {"curriculum_covered"}
    assert _figure(report, "learners_valid_id") == (D(2), D(4))
    assert _figure(report, "enrollment") == (D(4), None)
    assert _figure(report, "learners_valid_id", "gender:M") == (D(1), D(3))  # a1 of a1 a3 a5
    assert _figure(report, "enrollment", "school_level:lower_secondary") == (D(4), None)


def test_submitting_reads_the_stored_values_when_there_are_some(reporting):
    recompute(year=reporting.year)
    IndicatorValue.objects.filter(
        indicator__code="enrollment", org_unit=reporting.a.org_unit, year=reporting.year,
        breakdown="",
    ).update(numerator=D(77))  # fmt: skip
    reports.submit(reporting.a, reporting.users.admin_a)
    assert _figure(_fresh(reporting.a), "enrollment") == (D(77), None)


def test_frozen_figures_do_not_follow_the_data(reporting):
    reports.submit(reporting.a, reporting.users.admin_a)
    frozen = sorted(_fresh(reporting.a).figures.values_list("indicator_id", "breakdown",
                                                              "numerator", "denominator"))  # fmt: skip
    a6 = reporting.classes[0]
    add_learner(a6, start=reporting.year.start_date, national_id=None)
    recompute(year=reporting.year)
    reports.approve(reporting.a, reporting.district1)
    after = sorted(_fresh(reporting.a).figures.values_list("indicator_id", "breakdown",
                                                             "numerator", "denominator"))  # fmt: skip
    assert after == frozen
    assert _figure(_fresh(reporting.a), "enrollment") == (D(4), None)
    live = reports.live_figures(reporting.a.org_unit, reporting.year)
    enrollment = reporting.indicators["enrollment"]
    assert live[(enrollment.pk, "")] == (D(5), None)


def test_returning_needs_a_comment(reporting):
    reports.submit(reporting.a, reporting.users.admin_a)
    with pytest.raises(ValidationError):
        reports.return_report(reporting.a, reporting.district1, "   ")
    report = _fresh(reporting.a)
    assert report.status == ReportStatus.SUBMITTED
    assert report.figures.exists()


def test_a_returned_report_is_resubmitted_with_fresh_figures(reporting):
    admin = reporting.users.admin_a
    reports.submit(reporting.a, admin)
    reports.return_report(reporting.a, reporting.district1, "Thiếu học sinh lớp 6A")
    report = _fresh(reporting.a)
    assert report.status == ReportStatus.RETURNED
    assert report.comment == "Thiếu học sinh lớp 6A"
    assert not report.figures.exists()
    # The school corrects its data, then submits again: the new figures are frozen.
    add_learner(reporting.classes[0], start=reporting.year.start_date + timedelta(days=1))
    reports.submit(reporting.a, admin)
    report = _fresh(reporting.a)
    assert report.status == ReportStatus.SUBMITTED
    assert _figure(report, "enrollment") == (D(5), None)
    assert list(report.events.values_list("action", "comment")) == [
        ("submit", ""),
        ("return", "Thiếu học sinh lớp 6A"),
        ("submit", ""),
    ]


def test_the_province_may_return_an_approved_report(reporting):
    reports.submit(reporting.a, reporting.users.admin_a)
    reports.approve(reporting.a, reporting.district1)
    reports.return_report(reporting.a, reporting.users.province, "Cần giải trình tỉ lệ bỏ học")
    report = _fresh(reporting.a)
    assert (report.status, report.approved_by) == (ReportStatus.RETURNED, None)


def test_allowed_actions_follow_the_rules(reporting):
    users = reporting.users
    assert reports.allowed_actions(reporting.a, users.admin_a) == {"submit"}
    assert reports.allowed_actions(reporting.a, users.province) == set()
    assert reports.allowed_actions(reporting.a, users.teacher_a) == set()
    reports.submit(reporting.a, users.admin_a)
    assert reports.allowed_actions(reporting.a, users.admin_a) == set()
    assert reports.allowed_actions(reporting.a, reporting.district1) == {"approve", "return"}
    assert reports.allowed_actions(reporting.a, users.district2) == set()
    reports.approve(reporting.a, reporting.district1)
    assert reports.allowed_actions(reporting.a, users.province) == {"accept", "return"}
    assert reports.allowed_actions(reporting.a, reporting.district1) == {"return"}
