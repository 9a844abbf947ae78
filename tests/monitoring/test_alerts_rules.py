"""Alert rules (monitoring/alerts.py): each rule raises and does not raise at its boundary;
evaluate updates, resolves and reopens; emails go once to the right people; the command's output.

Everything is dated by passing `today`, so no test depends on the clock (the command aside, which
uses a report due long ago)."""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from hocso.accounts.models import Role
from hocso.accounts.services import role_grant
from hocso.monitoring import alerts
from hocso.monitoring.models import (
    Alert,
    AlertReceipt,
    Indicator,
    IndicatorValue,
    ReportStatus,
    Severity,
    StatReport,
    Target,
)
from hocso.orgs.models import OrgKind
from hocso.registry.models import Absence, SchoolClass, StudentStatus
from hocso.registry.services import student_enroll

from ..factories import StaffFactory, StudentFactory, UserFactory

TODAY = date(2025, 11, 20)


def _user(username, role, unit, email=None):
    user = UserFactory(username=username, email=email or f"{username}@example.vn")
    role_grant(actor=None, user=user, role=role, org_unit=unit)
    return user


@pytest.fixture
def people(tree):
    province = _user("so", Role.PROVINCE_OFFICER, tree.province)
    admin_a = _user("qt_a", Role.SCHOOL_ADMIN, tree.school_a)
    admin_c = _user("qt_c", Role.SCHOOL_ADMIN, tree.school_c)
    homeroom = _user("gvcn", Role.TEACHER, tree.school_a)
    other_teacher = _user("gv_khac", Role.TEACHER, tree.school_a)
    no_email = _user("qt_a2", Role.SCHOOL_ADMIN, tree.school_a)
    no_email.email = ""
    no_email.save()
    return type("People", (), locals())


@pytest.fixture
def learner(tree, year, people):
    """A learner of class 6A of school A, whose homeroom teacher is `people.homeroom`."""
    teacher = StaffFactory(school=tree.school_a, subjects="Toán", user=people.homeroom)
    school_class = SchoolClass.objects.create(
        school=tree.school_a, year=year, grade=6, name="6A", homeroom_teacher=teacher
    )
    student = StudentFactory(school=tree.school_a, full_name="Thạch Thị Sa Rết")
    student_enroll(
        actor=None, student=student, school_class=school_class, start_date=year.start_date,
        reason="admission",
    )  # fmt: skip
    return student


def _absent(student, days, *, excused=False):
    enrollment = student.enrollments.get(end_date__isnull=True)
    for day in days:
        Absence.objects.create(
            student=student, school=enrollment.school, school_class=enrollment.school_class,
            date=day, excused=excused,
        )  # fmt: skip


def _november(*days):
    return [date(2025, 11, d) for d in days]


def _keys(rule):
    return set(
        Alert.objects.filter(rule=rule, resolved_at__isnull=True).values_list("key", flat=True)
    )


# ---------------------------------------------------------------- absence


def test_exactly_three_unexcused_days_in_a_month_raise_no_alert(year, learner):
    _absent(learner, _november(3, 4, 5))
    summary = alerts.evaluate(year=year, rules=["absence"], today=TODAY)
    assert summary.raised == 0
    assert not Alert.objects.exists()


def test_four_unexcused_days_in_a_month_raise_a_drop_out_risk_alert(year, learner):
    _absent(learner, _november(3, 4, 5, 6))
    summary = alerts.evaluate(year=year, rules=["absence"], today=TODAY)
    assert summary.raised == 1
    alert = Alert.objects.get()
    assert alert.key == f"absence:{learner.pk}:2025-11"
    assert alert.student_id == learner.pk
    assert alert.org_unit.code == "84000001"
    assert alert.data["unexcused"] == 4 and alert.data["total"] == 4
    assert alert.link == f"/students/{learner.pk}/"
    assert sorted(alert.audience) == sorted([Role.SCHOOL_ADMIN, Role.TEACHER])
    # The stored text never names the learner.
    assert "Sa Rết" not in alert.title + alert.detail


def test_five_days_in_all_raise_nothing_six_raise_an_alert(year, learner):
    _absent(learner, _november(3, 4), excused=False)
    _absent(learner, _november(5, 6, 7), excused=True)
    assert alerts.evaluate(year=year, rules=["absence"], today=TODAY).raised == 0
    _absent(learner, _november(10), excused=True)
    assert alerts.evaluate(year=year, rules=["absence"], today=TODAY).raised == 1


def test_previous_month_counts_and_older_months_do_not(year, learner):
    _absent(learner, [date(2025, 10, d) for d in (6, 7, 8, 9)])  # previous month
    _absent(learner, [date(2025, 9, d) for d in (8, 9, 10, 11)])  # two months ago
    alerts.evaluate(year=year, rules=["absence"], today=TODAY)
    assert _keys("absence") == {f"absence:{learner.pk}:2025-10"}


def test_days_spread_over_two_months_are_not_added_up(year, learner):
    _absent(learner, [date(2025, 10, 30), date(2025, 10, 31)] + _november(3, 4))
    assert alerts.evaluate(year=year, rules=["absence"], today=TODAY).raised == 0


def test_a_learner_no_longer_studying_raises_no_absence_alert(year, learner):
    _absent(learner, _november(3, 4, 5, 6))
    learner.status = StudentStatus.DROPPED_OUT
    learner.save()
    assert alerts.evaluate(year=year, rules=["absence"], today=TODAY).raised == 0


def test_ten_days_absent_is_critical(year, learner):
    _absent(learner, _november(*range(3, 13)), excused=True)
    alerts.evaluate(year=year, rules=["absence"], today=TODAY)
    assert Alert.objects.get().severity == Severity.CRITICAL


# ---------------------------------------------------------------- below_target


@pytest.fixture
def percent_indicator(db):
    indicator = Indicator.objects.create(
        code="alert_pct", name="Tỉ lệ thử", name_en="Test share", definition="-",
        unit="percent", source="learners_valid_id", lowest_level=OrgKind.SCHOOL,
    )  # fmt: skip
    Target.objects.create(indicator=indicator, year=2030, value=Decimal(50))
    return indicator


def _value(indicator, unit, year, numerator, denominator=100):
    IndicatorValue.objects.update_or_create(
        indicator=indicator, org_unit=unit, year=year, breakdown="",
        defaults={"numerator": Decimal(numerator),
                  "denominator": None if denominator is None else Decimal(denominator),
                  "computed_at": timezone.now()},
    )  # fmt: skip


def test_below_target_by_more_than_five_points_raises_at_exactly_five_not(
    tree, year, percent_indicator
):
    _value(percent_indicator, tree.school_a, year, 45)  # 5 points below: no alert
    _value(percent_indicator, tree.school_b, year, 44)  # 6 points below: warning
    _value(percent_indicator, tree.school_c, year, 34)  # 16 points below: critical (> 3 × 5)
    _value(percent_indicator, tree.province, year, 60)  # above target
    alerts.evaluate(year=year, rules=["below_target"], today=TODAY)
    found = {a.org_unit.code: a for a in Alert.objects.filter(rule="below_target")}
    assert set(found) == {"84000002", "84000003"}
    assert found["84000002"].severity == Severity.WARNING
    assert found["84000003"].severity == Severity.CRITICAL
    assert found["84000002"].link == "/monitoring/indicators/alert_pct/?org=84000002&year=2025-2026"
    assert found["84000002"].data["value"] == "44.00"
    assert found["84000002"].data["target"] == "50.000"


def test_below_target_honours_lower_is_better(tree, year, percent_indicator):
    percent_indicator.higher_is_better = False
    percent_indicator.save()
    percent_indicator.targets.update(value=Decimal(2))
    _value(percent_indicator, tree.school_a, year, 8)  # 6 points above a ceiling of 2
    _value(percent_indicator, tree.school_b, year, 1)  # under the ceiling: fine
    alerts.evaluate(year=year, rules=["below_target"], today=TODAY)
    assert {a.org_unit.code for a in Alert.objects.all()} == {"84000001"}
    assert "cao hơn mục tiêu" in Alert.objects.get().title


def test_below_target_uses_a_relative_margin_outside_percents(tree, year):
    indicator = Indicator.objects.create(
        code="alert_avg", name="Sĩ số thử", name_en="x", definition="-", unit="average",
        source="average_class_size", higher_is_better=False,
    )  # fmt: skip
    Target.objects.create(indicator=indicator, year=2030, value=Decimal(30))
    _value(indicator, tree.school_a, year, 31, 1)  # 3.3% above: no alert
    _value(indicator, tree.school_b, year, 32, 1)  # 6.7% above: alert
    alerts.evaluate(year=year, rules=["below_target"], today=TODAY)
    assert {a.org_unit.code for a in Alert.objects.all()} == {"84000002"}


@pytest.mark.parametrize(
    ("unit", "higher", "target", "value", "status"),
    [
        ("percent", True, 50, "45", "near"),  # 5 points short
        ("percent", True, 50, "44.9", "below"),
        ("average", False, 30, "31.5", "near"),  # 5% above a ceiling of 30
        ("average", False, 30, "34", "below"),  # 4 above: 13%, not "within 5"
        ("count", True, 1000, "960", "near"),  # 40 short of 1000: 4%
        ("count", True, 1000, "940", "below"),
    ],
)  # fmt: skip
def test_the_alert_the_dashboard_and_the_annual_report_agree_on_near_and_below(
    tree, year, unit, higher, target, value, status
):
    from hocso.monitoring import annual, dashboard

    indicator = Indicator.objects.create(
        code="alert_agree", name="Thử", name_en="x", definition="-", unit=unit,
        source="enrollment", higher_is_better=higher, lowest_level=OrgKind.SCHOOL,
    )  # fmt: skip
    Target.objects.create(indicator=indicator, year=2030, value=Decimal(target))
    assert annual._status(indicator, Decimal(value), Decimal(target))[0] == status
    assert dashboard.status_of(Decimal(value), Decimal(target), indicator) == status
    # The stored value: value / 1 (a count has no denominator).
    _value(indicator, tree.school_a, year, value, None if unit == "count" else 1)
    if unit == "percent":
        _value(indicator, tree.school_a, year, value, 100)
    alerts.evaluate(year=year, rules=["below_target"], today=TODAY)
    assert Alert.objects.filter(rule="below_target").exists() == (status == "below")


def test_below_target_stops_at_the_indicators_lowest_level(tree, year, percent_indicator):
    percent_indicator.lowest_level = OrgKind.COMMUNE
    percent_indicator.save()
    _value(percent_indicator, tree.school_a, year, 10)
    _value(percent_indicator, tree.commune1, year, 10)
    alerts.evaluate(year=year, rules=["below_target"], today=TODAY)
    assert {a.org_unit.code for a in Alert.objects.all()} == {"28432"}


def test_below_target_ignores_breakdowns_and_values_without_a_denominator(
    tree, year, percent_indicator
):
    IndicatorValue.objects.create(
        indicator=percent_indicator, org_unit=tree.school_a, year=year, breakdown="gender:F",
        numerator=1, denominator=100, computed_at=timezone.now(),
    )  # fmt: skip
    _value(percent_indicator, tree.school_b, year, 0, 0)
    assert alerts.evaluate(year=year, rules=["below_target"], today=TODAY).raised == 0


# ---------------------------------------------------------------- report_late


def _report(unit, year, due, status=ReportStatus.DRAFT, period="start"):
    return StatReport.objects.create(
        org_unit=unit, year=year, period=period, status=status, due_date=due
    )


def test_reports_past_due_and_not_submitted_are_late(tree, year):
    late = _report(tree.school_a, year, date(2025, 11, 10))
    returned = _report(tree.school_b, year, date(2025, 11, 19), ReportStatus.RETURNED)
    _report(tree.school_c, year, TODAY)  # due today: not late yet
    _report(tree.school_a, year, date(2025, 10, 1), ReportStatus.SUBMITTED, period="end")
    alerts.evaluate(year=year, rules=["report_late"], today=TODAY)
    assert _keys("report_late") == {f"report_late:{late.pk}", f"report_late:{returned.pk}"}
    alert = Alert.objects.get(key=f"report_late:{late.pk}")
    assert alert.link == f"/monitoring/reports/{late.pk}/"
    assert alert.severity == Severity.WARNING  # 10 days late
    assert Role.SCHOOL_ADMIN in alert.audience and Role.PROVINCE_OFFICER in alert.audience


def test_a_report_late_by_more_than_two_weeks_is_critical(tree, year):
    _report(tree.school_a, year, TODAY - timedelta(days=15))
    alerts.evaluate(year=year, rules=["report_late"], today=TODAY)
    assert Alert.objects.get().severity == Severity.CRITICAL


class _OtherRunFirst(dict):
    """A rule's conditions, and another `evaluate` run that inserts the alert of `key` right
    after this run has looked for the existing alerts, before it inserts its own: two runs at
    once (the command and the task) colliding on one key."""

    def __init__(self, conditions: dict, key: str, rule: str):
        super().__init__(conditions)
        self.key, self.rule, self.done = key, rule, False

    def items(self):
        if not self.done:
            self.done = True
            fields = {**alerts._DEFAULTS, **self[self.key]}
            Alert.objects.create(
                rule=self.rule, key=self.key, raised_at=timezone.now(),
                **{f: fields[f] for f in alerts._FIELDS},
            )  # fmt: skip
        return super().items()


def test_two_runs_at_once_do_not_crash_on_the_same_alert(
    tree, year, people, monkeypatch, django_capture_on_commit_callbacks
):
    from dataclasses import replace

    first = _report(tree.school_a, year, date(2025, 11, 10))
    second = _report(tree.school_b, year, date(2025, 11, 10))
    raced = f"report_late:{first.pk}"
    rule = alerts.RULES["report_late"]
    monkeypatch.setitem(
        alerts.RULES, "report_late",
        replace(rule, conditions=lambda y, t: _OtherRunFirst(
            rule.conditions(y, t), raced, "report_late")),
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        summary = alerts.evaluate(year=year, rules=["report_late"], today=TODAY)
    # The other run raised (and emails) the raced alert; this one raises only the other.
    assert (summary.raised, summary.updated, summary.resolved) == (1, 0, 0)
    assert _keys("report_late") == {raced, f"report_late:{second.pk}"}
    assert Alert.objects.count() == 2
    emailed = set(Alert.objects.filter(emailed_at__isnull=False).values_list("key", flat=True))
    assert emailed == {f"report_late:{second.pk}"}


# ---------------------------------------------------------------- teacher_shortage


def _classes(school, year, grade, count):
    for i in range(count):
        SchoolClass.objects.create(school=school, year=year, grade=grade, name=f"{grade}X{i}")


def test_a_school_without_enough_maths_teachers_is_short(tree, year):
    # Five grade-6 classes need 5 × 140 / 35 = 20 maths periods a week; nobody teaches maths.
    _classes(tree.school_a, year, 6, 5)
    alerts.evaluate(year=year, rules=["teacher_shortage"], today=TODAY)
    alert = Alert.objects.get(key="teacher_shortage:84000001:TOAN:2025-2026")
    assert alert.subject.code == "TOAN"
    assert alert.data["needed"] == "20.0" and alert.data["available"] == "0.0"
    assert alert.data["norm"] == alerts.TEACHING_NORM_LOWER_SECONDARY == 19
    assert alert.data["grades"] == [{"grade": 6, "classes": 5, "periods": "20.0"}]
    assert alert.link == "/schools/84000001/?tab=staff"
    assert alert.severity == Severity.WARNING  # 20 / 19 ≈ 1.1 teachers short


def test_one_maths_teacher_covers_all_but_one_period_no_alert(tree, year):
    _classes(tree.school_a, year, 6, 5)
    StaffFactory(school=tree.school_a, subjects="Toán")
    alerts.evaluate(year=year, rules=["teacher_shortage"], today=TODAY)
    assert "teacher_shortage:84000001:TOAN:2025-2026" not in _keys("teacher_shortage")


def test_a_shortfall_just_under_half_a_teacher_raises_nothing(tree, year):
    # Two grade-6 classes: 8 maths periods a week, under half of 19 (9.5).
    _classes(tree.school_a, year, 6, 2)
    alerts.evaluate(year=year, rules=["teacher_shortage"], today=TODAY)
    assert "teacher_shortage:84000001:TOAN:2025-2026" not in _keys("teacher_shortage")
    # Three classes: 12 periods, short by more than half a teacher.
    SchoolClass.objects.create(school=tree.school_a, year=year, grade=6, name="6Z")
    alerts.evaluate(year=year, rules=["teacher_shortage"], today=TODAY)
    assert "teacher_shortage:84000001:TOAN:2025-2026" in _keys("teacher_shortage")


def test_inactive_teachers_and_principals_do_not_count(tree, year):
    _classes(tree.school_a, year, 6, 5)
    StaffFactory(school=tree.school_a, subjects="Toán", is_active=False)
    StaffFactory(school=tree.school_a, subjects="Toán", position="principal")
    alerts.evaluate(year=year, rules=["teacher_shortage"], today=TODAY)
    assert "teacher_shortage:84000001:TOAN:2025-2026" in _keys("teacher_shortage")


def test_a_teacher_of_two_subjects_splits_the_norm(tree, year, settings):
    # Five grade-6 classes need 20 maths and 5 informatics periods a week.
    _classes(tree.school_a, year, 6, 5)
    StaffFactory(school=tree.school_a, subjects="Toán; Tin học")
    settings.HOCSO_ALERTS = {"SHORTAGE_SPLIT": "equal"}  # 9.5 periods each: maths short
    alerts.evaluate(year=year, rules=["teacher_shortage"], today=TODAY)
    alert = Alert.objects.get(key="teacher_shortage:84000001:TOAN:2025-2026")
    assert alert.data["available"] == "9.5"
    settings.HOCSO_ALERTS = {}  # by need: 19 × 20/25 = 15.2 to maths, short by 4.8 (< 9.5)
    alerts.evaluate(year=year, rules=["teacher_shortage"], today=TODAY)
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_periods_needed_splits_arts_skips_homeroom_subjects_and_shares_electives():
    rows = [
        (6, "NT", 70, True, ""),
        (6, "HDTN", 105, True, ""),
        (6, "TOAN", 140, True, ""),
        (1, "NN1", 70, False, ""),  # optional
        *[(10, code, 70, False, "10-12-elective") for code in "ABCDEFGHI"],
    ]
    need = alerts.periods_needed({6: 2, 1: 3, 10: 9}, rows)
    assert need["AN"] == {6: Decimal(2)} and need["MT"] == {6: Decimal(2)}
    assert "NT" not in need and "HDTN" not in need and "NN1" not in need
    assert need["TOAN"] == {6: Decimal(8)}
    # Each of 9 electives: 2 periods a week × 9 classes × 4/9 of them.
    assert need["A"][10] == Decimal(8)


def test_periods_available_by_need_and_equally():
    need = {"TV": Decimal(36), "TOAN": Decimal(12)}
    by_need = alerts.periods_available([["TV", "TOAN"]], need, 23)
    assert by_need["TV"] == Decimal("17.25") and by_need["TOAN"] == Decimal("5.75")
    # A subject the school does not need takes nothing; an unknown name takes nothing by need.
    assert alerts.periods_available([["TOAN", "TIN", None]], need, 19) == {"TOAN": Decimal(19)}


def test_thresholds_can_be_overridden_in_settings(year, learner, settings):
    settings.HOCSO_ALERTS = {"ABSENCE_UNEXCUSED_DAYS": 1}
    _absent(learner, _november(3, 4))
    assert alerts.evaluate(year=year, rules=["absence"], today=TODAY).raised == 1


# ---------------------------------------------------------------- lifecycle


def test_evaluating_again_updates_resolves_and_reopens(year, learner):
    _absent(learner, _november(3, 4, 5, 6))
    first = alerts.evaluate(year=year, rules=["absence"], today=TODAY)
    assert (first.raised, first.updated, first.resolved) == (1, 0, 0)
    alert = Alert.objects.get()

    same = alerts.evaluate(year=year, rules=["absence"], today=TODAY)
    assert (same.raised, same.updated, same.resolved) == (0, 0, 0)

    _absent(learner, _november(7))
    more = alerts.evaluate(year=year, rules=["absence"], today=TODAY)
    assert (more.raised, more.updated, more.resolved) == (0, 1, 0)
    alert.refresh_from_db()
    assert alert.data["total"] == 5 and "5 ngày" in alert.title

    AlertReceipt.objects.create(alert=alert, user=learner_user(learner))
    Absence.objects.filter(student=learner, date__gte=date(2025, 11, 5)).delete()
    gone = alerts.evaluate(year=year, rules=["absence"], today=TODAY)
    assert (gone.raised, gone.updated, gone.resolved) == (0, 0, 1)
    alert.refresh_from_db()
    assert alert.resolved_at is not None

    _absent(learner, _november(12, 13))
    back = alerts.evaluate(year=year, rules=["absence"], today=TODAY)
    assert (back.raised, back.updated, back.resolved) == (1, 0, 0)
    alert.refresh_from_db()
    assert alert.resolved_at is None
    assert Alert.objects.count() == 1  # the same row, reopened
    assert not alert.receipts.exists()  # unread again


def learner_user(learner):
    return UserFactory(username=f"reader{learner.pk}")


def test_a_run_for_one_year_leaves_other_years_alerts_alone(tree, year):
    from ..factories import make_year

    other = make_year("2024-2025")
    _report(tree.school_a, other, date(2024, 10, 1))
    alerts.evaluate(year=other, rules=["report_late"], today=TODAY)
    assert alerts.evaluate(year=year, rules=["report_late"], today=TODAY).resolved == 0
    assert Alert.objects.get().resolved_at is None


def test_a_submitted_report_resolves_its_alert(tree, year):
    report = _report(tree.school_a, year, date(2025, 11, 1))
    alerts.evaluate(year=year, rules=["report_late"], today=TODAY)
    report.status = ReportStatus.SUBMITTED
    report.save()
    assert alerts.evaluate(year=year, rules=["report_late"], today=TODAY).resolved == 1


def test_unknown_rule_is_refused(year):
    with pytest.raises(ValueError):
        alerts.evaluate(year=year, rules=["nope"], today=TODAY)


# ---------------------------------------------------------------- email


def test_a_raised_absence_alert_emails_the_admin_and_the_homeroom_teacher_once(
    year, learner, people, django_capture_on_commit_callbacks
):
    _absent(learner, _november(3, 4, 5, 6))
    with django_capture_on_commit_callbacks(execute=True):
        alerts.evaluate(year=year, rules=["absence"], today=TODAY)
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == sorted([people.admin_a.email, people.homeroom.email])
    assert all(len(m.to) == 1 for m in mail.outbox)  # one email per recipient
    message = mail.outbox[0]
    assert "Sa Rết" not in message.subject + message.body  # never the learner's name
    alert = Alert.objects.get()
    assert f"/monitoring/alerts/{alert.pk}/" in message.body
    assert message.body.count("http://") == 1
    assert alert.emailed_at is not None

    _absent(learner, _november(7))  # an update: no new email
    with django_capture_on_commit_callbacks(execute=True):
        alerts.evaluate(year=year, rules=["absence"], today=TODAY)
    assert len(mail.outbox) == 2


def test_a_below_target_alert_emails_officers_above_and_the_schools_admins(
    tree, year, percent_indicator, people, django_capture_on_commit_callbacks, settings
):
    settings.HOCSO_PUBLIC_URL = "https://hocso.example.vn"
    _value(percent_indicator, tree.school_a, year, 10)
    with django_capture_on_commit_callbacks(execute=True):
        alerts.evaluate(year=year, rules=["below_target"], today=TODAY)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [people.province.email, people.admin_a.email]
    )
    assert "https://hocso.example.vn/monitoring/alerts/" in mail.outbox[0].body
    assert mail.outbox[0].subject.startswith("[Cảnh báo]")


def _absence_alerts(tree, year, learner, count):
    """`count` open absence alerts about `learner` (class 6A of school A) and as many office
    alerts about school A and school C, not emailed yet."""
    school_class = learner.enrollments.get(end_date__isnull=True).school_class
    ids = []
    for n in range(count):
        ids.append(Alert.objects.create(
            rule="absence", key=f"absence:{learner.pk}:{n}", org_unit=tree.school_a,
            year=year, student=learner, title=f"Nghỉ học {n}",
            audience=list(alerts.ABSENCE_AUDIENCE), data={"class_id": school_class.pk},
        ).pk)  # fmt: skip
        for school in (tree.school_a, tree.school_c):
            ids.append(Alert.objects.create(
                rule="report_late", key=f"report_late:{school.code}:{n}", org_unit=school,
                year=year, title=f"Trễ hạn {n}", audience=list(alerts.OFFICE_AUDIENCE),
            ).pk)  # fmt: skip
    return ids


@pytest.mark.parametrize("count", [1, 8])
def test_alert_emails_take_the_same_few_queries_however_many_alerts(
    tree, year, learner, people, count, django_assert_max_num_queries
):
    ids = _absence_alerts(tree, year, learner, count)
    # The alerts, the role assignments, the users, the homeroom classes, emailed_at.
    with django_assert_max_num_queries(5):
        sent = alerts.send_alert_emails(ids)
    # Absence: the school's admin and the homeroom teacher (not the other teacher); school A's
    # office alert: its admin and the province officer; school C's: its admin and the officer.
    assert sent == len(mail.outbox) == count * 6
    by_title = {}
    for message in mail.outbox:
        by_title.setdefault(message.subject, set()).add(message.to[0])
    assert by_title["[Cảnh báo] Nghỉ học 0"] == {people.admin_a.email, people.homeroom.email}
    assert by_title["[Cảnh báo] Trễ hạn 0"] >= {people.province.email}
    assert not Alert.objects.filter(emailed_at__isnull=True).exists()


def test_no_email_when_asked_not_to(year, learner, people, django_capture_on_commit_callbacks):
    _absent(learner, _november(3, 4, 5, 6))
    with django_capture_on_commit_callbacks(execute=True):
        alerts.evaluate(year=year, rules=["absence"], today=TODAY, email=False)
    assert mail.outbox == []


# ---------------------------------------------------------------- command


def test_the_command_prints_the_summary_last(tree, year):
    _report(tree.school_a, year, date(2025, 10, 1))
    out = StringIO()
    call_command("monitoring", "alerts", "--year", "2025-2026", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "raised=1 updated=0 resolved=0"
    out = StringIO()
    call_command("monitoring", "alerts", "--year", "2025-2026", "--rule", "report_late", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "raised=0 updated=0 resolved=0"


def test_the_command_refuses_an_unknown_year(year):
    err = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("monitoring", "alerts", "--year", "1999-2000", stderr=err)
    assert exit_info.value.code == 2
    assert "1999-2000" in err.getvalue()
