"""Who sees which alert (inbox, unread count, the Python check used for email) and the pages:
the inbox with its filters, tabs and pagination, the alert page (marks read, the data behind
it, the learner named only to those who may read them), mark all read, the unread badge tag."""

from datetime import date

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from hocso.accounts.models import Role
from hocso.accounts.services import role_grant
from hocso.monitoring import alerts
from hocso.monitoring.models import Alert, AlertReceipt, Severity
from hocso.registry.models import Absence, SchoolClass
from hocso.registry.services import student_enroll

from ..factories import StaffFactory, StudentFactory, UserFactory

TODAY = date(2025, 11, 20)


def _user(username, role, unit):
    user = UserFactory(username=username, email=f"{username}@example.vn")
    role_grant(actor=None, user=user, role=role, org_unit=unit)
    return user


@pytest.fixture
def world(tree, year):
    """Users by role; class 6A of school A (homeroom: `homeroom`) with a learner absent four
    days without permission in November; an office alert about school A, one about school C,
    and a resolved one about school A."""
    w = type("World", (), {})()
    w.tree, w.year = tree, year
    w.province = _user("so", Role.PROVINCE_OFFICER, tree.province)
    w.district2 = _user("phong2", Role.DISTRICT_OFFICER, tree.district2)
    w.admin_a = _user("qt_a", Role.SCHOOL_ADMIN, tree.school_a)
    w.admin_c = _user("qt_c", Role.SCHOOL_ADMIN, tree.school_c)
    w.homeroom = _user("gvcn", Role.TEACHER, tree.school_a)
    w.teacher = _user("gv", Role.TEACHER, tree.school_a)
    w.learner_user = _user("hs", Role.STUDENT, tree.school_a)
    w.superuser = UserFactory(username="root", is_superuser=True)
    staff = StaffFactory(school=tree.school_a, user=w.homeroom)
    w.school_class = SchoolClass.objects.create(
        school=tree.school_a, year=year, grade=6, name="6A", homeroom_teacher=staff
    )
    w.learner = StudentFactory(
        school=tree.school_a, full_name="Kim Thị Sóc Kha", user=w.learner_user
    )
    student_enroll(
        actor=None, student=w.learner, school_class=w.school_class,
        start_date=year.start_date, reason="admission",
    )  # fmt: skip
    for day in (3, 4, 5, 6):
        Absence.objects.create(
            student=w.learner, school=tree.school_a, school_class=w.school_class,
            date=date(2025, 11, day), reason="ốm" if day == 3 else "",
        )  # fmt: skip
    alerts.evaluate(year=year, rules=["absence"], today=TODAY, email=False)
    w.absence = Alert.objects.get(rule="absence")
    office = [Role.PROVINCE_OFFICER, Role.DISTRICT_OFFICER, Role.SCHOOL_ADMIN]
    w.office_a = Alert.objects.create(
        rule="teacher_shortage", key="t:a", org_unit=tree.school_a, year=year,
        title="Trường A thiếu giáo viên môn Toán", audience=office, severity=Severity.CRITICAL,
        data={"needed": "20.0", "available": "0.0", "shortfall": "20.0", "norm": 19,
              "weeks": 35, "teachers_listing": 0,
              "grades": [{"grade": 6, "classes": 5, "periods": "20.0"}]},
    )  # fmt: skip
    w.office_c = Alert.objects.create(
        rule="report_late", key="r:c", org_unit=tree.school_c, year=year,
        title="Báo cáo của trường C trễ hạn", audience=office,
        data={"due_date": "2025-10-15", "status": "draft"},
    )  # fmt: skip
    w.resolved_a = Alert.objects.create(
        rule="below_target", key="b:a", org_unit=tree.school_a, year=year,
        title="Chỉ tiêu đã đạt lại", audience=office, resolved_at=timezone.now(),
        data={"value": "40.00", "target": "50.000", "margin": "5", "margin_kind": "points",
              "unit": "percent", "numerator": "40", "denominator": "100"},
    )  # fmt: skip
    return w


def _inbox_keys(user):
    return set(alerts.inbox(user).values_list("key", flat=True))


def test_inbox_per_role(world):
    absence = world.absence.key
    assert _inbox_keys(world.province) == {"t:a", "r:c"}
    assert _inbox_keys(world.district2) == {"r:c"}  # school C is in Trà Cú, A is not
    assert _inbox_keys(world.admin_a) == {"t:a", absence}
    assert _inbox_keys(world.admin_c) == {"r:c"}
    assert _inbox_keys(world.homeroom) == {absence}
    assert _inbox_keys(world.teacher) == set()  # not the learner's homeroom teacher
    assert _inbox_keys(world.learner_user) == set()
    assert _inbox_keys(UserFactory(username="nobody")) == set()
    assert _inbox_keys(world.superuser) == {"t:a", "r:c", absence}


def test_resolved_alerts_leave_the_inbox_but_stay_visible(world):
    assert "b:a" not in _inbox_keys(world.admin_a)
    assert alerts.visible_alerts(world.admin_a).filter(key="b:a").exists()
    assert not alerts.visible_alerts(world.admin_c).filter(key="b:a").exists()


def test_may_see_agrees_with_the_inbox_for_every_user_and_alert(world):
    users = [world.province, world.district2, world.admin_a, world.admin_c, world.homeroom,
             world.teacher, world.learner_user, world.superuser]  # fmt: skip
    for user in users:
        visible = set(alerts.visible_alerts(user).values_list("pk", flat=True))
        for alert in Alert.objects.select_related("org_unit"):
            assert alerts.may_see(user, alert) == (alert.pk in visible), (user, alert.key)


def test_email_recipients_are_those_who_may_see_the_alert(world):
    from hocso.accounts.models import User

    everyone = [u for u in User.objects.order_by("pk") if u.email and not u.is_superuser]
    found = alerts.recipients_of(list(Alert.objects.select_related("org_unit")))
    for alert in Alert.objects.select_related("org_unit"):
        expected = [u for u in everyone if alerts.may_see(u, alert)]
        assert found[alert.pk] == expected, alert.key
        assert alerts.recipients(alert) == expected
    assert found[world.absence.pk] == [world.admin_a, world.homeroom]


def test_unread_count_and_marking_read(world):
    assert alerts.unread_count(world.admin_a) == 2
    alerts.mark_read(world.office_a, world.admin_a)
    assert alerts.unread_count(world.admin_a) == 1
    assert alerts.unread_count(world.province) == 2  # receipts are per user
    assert alerts.mark_all_read(world.admin_a) == 1
    assert alerts.unread_count(world.admin_a) == 0
    assert alerts.unread_count(world.learner_user) == 0


def test_a_teacher_who_becomes_homeroom_teacher_sees_the_class_alerts(world):
    staff = StaffFactory(school=world.tree.school_a, user=world.teacher)
    world.school_class.homeroom_teacher = staff
    world.school_class.save()
    assert _inbox_keys(world.teacher) == {world.absence.key}
    assert _inbox_keys(world.homeroom) == set()


# ---------------------------------------------------------------- pages


def _get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def test_inbox_page_lists_unread_first_then_the_most_severe(client, world):
    # Province: the critical shortage (raised first) and the warning late report (newer).
    Alert.objects.filter(pk=world.office_c.pk).update(raised_at=timezone.now())
    response = _get(client, world.province, reverse("monitoring:alerts"))
    shown = [row["alert"].key for row in response.context["rows"]]
    assert shown == ["t:a", "r:c"]
    alerts.mark_read(world.office_a, world.province)
    response = client.get(reverse("monitoring:alerts"))
    assert [row["alert"].key for row in response.context["rows"]] == ["r:c", "t:a"]


def test_inbox_page_lists_the_users_alerts_with_counts(client, world):
    response = _get(client, world.admin_a, reverse("monitoring:alerts"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Trường A thiếu giáo viên môn Toán" in html
    assert "Báo cáo của trường C" not in html
    assert "Kim Thị Sóc Kha" in html  # the admin may read the learner
    assert 'data-unread="2"' in html
    assert response.context["counts"] == {"open": 2, "resolved": 1, "unread": 2}


def test_inbox_filters_by_rule_severity_and_unread(client, world):
    url = reverse("monitoring:alerts")
    rows = lambda r: [row["alert"].key for row in r.context["rows"]]  # noqa: E731
    assert rows(_get(client, world.admin_a, url, rule="absence")) == [world.absence.key]
    assert rows(_get(client, world.admin_a, url, severity="critical")) == ["t:a"]
    alerts.mark_read(world.office_a, world.admin_a)
    assert rows(_get(client, world.admin_a, url, unread="1")) == [world.absence.key]
    assert rows(_get(client, world.admin_a, url, tab="resolved")) == ["b:a"]
    response = _get(client, world.admin_a, url, rule="report_late")
    assert "Không có cảnh báo nào khớp bộ lọc" in response.content.decode()


def test_inbox_paginates(client, world):
    for i in range(30):
        Alert.objects.create(
            rule="report_late", key=f"many:{i}", org_unit=world.tree.school_a,
            title=f"Cảnh báo {i}", audience=[Role.SCHOOL_ADMIN],
        )  # fmt: skip
    first = _get(client, world.admin_a, reverse("monitoring:alerts"))
    assert len(first.context["rows"]) == 25
    second = _get(client, world.admin_a, reverse("monitoring:alerts"), page=2)
    assert len(second.context["rows"]) == 32 - 25


def test_inbox_is_for_staff_only(client, world):
    assert _get(client, world.learner_user, reverse("monitoring:alerts")).status_code == 403
    client.logout()
    assert client.get(reverse("monitoring:alerts")).status_code == 302  # to the login page


def test_empty_inbox_says_what_happens(client, world):
    response = _get(client, world.teacher, reverse("monitoring:alerts"))
    assert response.status_code == 200
    assert "Không có cảnh báo nào đang mở" in response.content.decode()


def test_alert_page_marks_read_and_shows_the_absences_of_the_month(client, world):
    url = reverse("monitoring:alert", args=[world.absence.pk])
    response = _get(client, world.homeroom, url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kim Thị Sóc Kha" in html
    assert "03/11/2025" in html and "06/11/2025" in html and "ốm" in html
    assert f'href="/students/{world.learner.pk}/"' in html
    assert AlertReceipt.objects.filter(alert=world.absence, user=world.homeroom).exists()


def test_alert_page_shows_the_periods_behind_a_shortage(client, world):
    world.office_a.data |= {"needed": "1234.5", "available": "0.0", "shortfall": "1234.5",
                            "grades": [{"grade": 6, "classes": 5, "periods": "20.5"}]}  # fmt: skip
    world.office_a.save()
    response = _get(client, world.province, reverse("monitoring:alert", args=[world.office_a.pk]))
    html = response.content.decode()
    assert 'id="alert-periods"' in html
    # Written the way the site writes numbers, not as stored.
    assert "cần 1.234,5 tiết/tuần" in html and "thiếu 1.234,5 tiết" in html
    assert '<td class="text-end">20,5</td>' in html and '<td class="text-end">0</td>' in html
    assert "1234.5" not in html and "20.5" not in html and "0.0" not in html


def test_alert_page_shows_figures_against_the_target(client, world):
    response = _get(client, world.admin_a, reverse("monitoring:alert", args=[world.resolved_a.pk]))
    html = response.content.decode()
    assert 'data-value="40.00"' in html and 'data-target="50.000"' in html
    assert 'data-value="40.00">40%</td>' in html and 'data-target="50.000">50%</td>' in html
    assert "40.00%" not in html and "50.000%" not in html
    assert "quá 5 điểm phần trăm" in html
    assert "Đã đóng" in html


def test_alert_page_writes_decimals_dates_and_months_the_vietnamese_way(client, world):
    world.resolved_a.data |= {"value": "66.67", "target": "70.5", "unit": "ratio",
                              "numerator": "1234", "denominator": "18.5",
                              "margin": "0.05", "margin_kind": "relative"}  # fmt: skip
    world.resolved_a.save()
    html = _get(
        client, world.admin_a, reverse("monitoring:alert", args=[world.resolved_a.pk])
    ).content.decode()
    assert ">66,67</td>" in html and ">70,5</td>" in html
    assert "1.234 / 18,5" in html
    assert "quá 5% giá trị mục tiêu" in html
    late = _get(
        client, world.province, reverse("monitoring:alert", args=[world.office_c.pk])
    ).content.decode()
    assert ">15/10/2025</dd>" in late and ">2025-10-15<" not in late
    absence = _get(
        client, world.homeroom, reverse("monitoring:alert", args=[world.absence.pk])
    ).content.decode()
    assert "tháng 11/2025:" in absence and "tháng 2025-11" not in absence


def test_alert_page_is_404_outside_the_audience(client, world):
    url = reverse("monitoring:alert", args=[world.absence.pk])
    assert _get(client, world.admin_c, url).status_code == 404
    assert _get(client, world.teacher, url).status_code == 404
    assert _get(client, world.province, url).status_code == 404
    assert not AlertReceipt.objects.exists()


def test_a_learner_moved_away_is_not_named_to_the_old_schools_admin(client, world):
    world.learner.school = world.tree.school_c
    world.learner.save()
    response = _get(client, world.admin_a, reverse("monitoring:alert", args=[world.absence.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Kim Thị Sóc Kha" not in html and "ốm" not in html
    assert "không có quyền xem hồ sơ học sinh này" in html
    inbox = _get(client, world.admin_a, reverse("monitoring:alerts")).content.decode()
    assert "Kim Thị Sóc Kha" not in inbox


def test_mark_all_read_needs_confirmation_and_post(client, world):
    client.force_login(world.admin_a)
    url = reverse("monitoring:alerts_read_all")
    assert client.get(url).status_code == 405
    client.post(url)
    assert alerts.unread_count(world.admin_a) == 2
    response = client.post(url, {"confirm": "1"})
    assert response.status_code == 302
    assert alerts.unread_count(world.admin_a) == 0
    assert alerts.unread_count(world.province) == 2


def test_alerts_unread_tag_counts_for_the_request_user(world):
    template = Template("{% load monitoring_tags %}{% alerts_unread as n %}[{{ n }}]")
    request = RequestFactory().get("/")
    request.user = world.admin_a
    assert template.render(Context({"request": request})) == "[2]"
    request.user = world.learner_user
    assert template.render(Context({"request": request})) == "[0]"
