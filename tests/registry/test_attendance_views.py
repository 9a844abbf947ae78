"""Attendance pages: the roll call (GET lists the class, POST saves, who sees what, CSRF), the
month grid, and the links and sections on the class and learner pages."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from hocso.registry import attendance
from hocso.registry.models import Absence, Guardian, Guardianship

from .test_attendance_services import MONDAY, SUNDAY, klass_fixture  # noqa: F401 (fixture)


def _url(klass, day=MONDAY):
    return f"{reverse('registry:attendance', args=[klass.school_class.pk])}?date={day:%Y-%m-%d}"


def _month_url(klass, month="2025-11"):
    return f"{reverse('registry:attendance_month', args=[klass.school_class.pk])}?month={month}"


def _post(client, user, klass, data, day=MONDAY):
    client.force_login(user)
    return client.post(_url(klass, day), {"date": f"{day:%Y-%m-%d}", **data})


def _saved(klass, day=MONDAY):
    return {
        a.student_id: (a.excused, a.reason)
        for a in Absence.objects.filter(school_class=klass.school_class, date=day)
    }


# --- roll call: reading ----------------------------------------------------------------------


def test_the_roll_call_lists_the_class_with_a_toggle_per_learner(client, klass):
    attendance.record_roll_call(
        klass.school_class, MONDAY, {klass.binh.pk: (True, "Ốm")}, klass.homeroom
    )
    client.force_login(klass.homeroom)
    response = client.get(_url(klass))
    assert response.status_code == 200
    html = response.content.decode()
    for learner in (klass.an, klass.binh, klass.cuc):
        assert learner.full_name in html
        for value in ("present", "P", "K"):
            assert f'id="s-{learner.pk}-{value}" value="{value}"' in html
    assert f'id="s-{klass.binh.pk}-P" value="P" checked' in html
    assert f'id="s-{klass.an.pk}-present" value="present" checked' in html
    assert 'value="Ốm"' in html
    assert "Lưu điểm danh" in html
    assert "?date=2025-11-15" in html and "?date=2025-11-18" in html  # previous/next day
    assert "Đã điểm danh" in html


def test_readers_see_the_roll_call_without_a_form(client, klass, users):
    for user in (users.province, klass.other_teacher):
        client.force_login(user)
        response = client.get(_url(klass))
        assert response.status_code == 200, user
        html = response.content.decode()
        assert "Lưu điểm danh" not in html and 'type="radio"' not in html
        assert klass.an.full_name in html and "bạn chỉ xem được" in html


def test_a_sunday_shows_why_no_roll_call_can_be_taken(client, klass):
    client.force_login(klass.homeroom)
    response = client.get(_url(klass, SUNDAY))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Chủ nhật" in html and "Lưu điểm danh" not in html


def test_a_malformed_date_is_a_clear_error(client, klass):
    client.force_login(klass.homeroom)
    url = reverse("registry:attendance", args=[klass.school_class.pk]) + "?date=17-11-2025"
    response = client.get(url)
    assert response.status_code == 400
    assert "Ngày không hợp lệ" in response.content.decode()


def test_without_a_date_the_roll_call_opens_on_a_day_of_the_classs_year(client, klass):
    client.force_login(klass.homeroom)
    response = client.get(reverse("registry:attendance", args=[klass.school_class.pk]))
    assert response.status_code == 200
    year = klass.school_class.year
    assert year.start_date <= response.context["day"] <= year.end_date
    assert response.context["day"].weekday() != attendance.SUNDAY


# --- roll call: saving -----------------------------------------------------------------------


def test_saving_the_roll_call_stores_the_absences_and_reports_counts(client, klass):
    response = _post(
        client, klass.homeroom, klass,
        {f"s-{klass.an.pk}": "K", f"r-{klass.an.pk}": "", f"s-{klass.binh.pk}": "P",
         f"r-{klass.binh.pk}": "Ốm", f"s-{klass.cuc.pk}": "present", f"r-{klass.cuc.pk}": "bỏ"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == _url(klass)
    assert _saved(klass) == {klass.an.pk: (False, ""), klass.binh.pk: (True, "Ốm")}
    page = client.get(response["Location"]).content.decode()
    assert "1 có mặt, 1 vắng có phép, 1 vắng không phép" in page


def test_saving_again_with_everyone_present_clears_the_day(client, klass):
    _post(client, klass.homeroom, klass, {f"s-{klass.an.pk}": "K"})
    response = _post(client, klass.admin, klass, {f"s-{klass.an.pk}": "present"})
    assert response.status_code == 302
    assert _saved(klass) == {}


def test_a_bad_row_saves_nothing_and_keeps_what_was_typed(client, klass):
    response = _post(
        client, klass.homeroom, klass,
        {f"s-{klass.an.pk}": "X", f"s-{klass.binh.pk}": "P", f"r-{klass.binh.pk}": "Đám cưới"},
    )  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert "Chưa lưu" in html and "list-group-item-danger" in html
    assert 'value="Đám cưới"' in html
    assert f'id="s-{klass.binh.pk}-P" value="P" checked' in html
    assert not Absence.objects.exists()


def test_saving_a_sunday_is_refused_with_the_reason(client, klass):
    response = _post(client, klass.homeroom, klass, {f"s-{klass.an.pk}": "K"}, day=SUNDAY)
    assert response.status_code == 400
    assert "Chủ nhật" in response.content.decode()
    assert not Absence.objects.exists()


def test_a_saturday_is_saved_with_a_warning(client, klass):
    saturday = MONDAY - timedelta(days=2)
    response = _post(client, klass.homeroom, klass, {f"s-{klass.an.pk}": "K"}, day=saturday)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "thứ Bảy" in page
    assert _saved(klass, saturday) == {klass.an.pk: (False, "")}


def test_readers_may_not_save(client, klass, users):
    for user in (klass.other_teacher, users.province):
        response = _post(client, user, klass, {f"s-{klass.an.pk}": "K"})
        assert response.status_code == 403, user
    assert not Absence.objects.exists()


def test_a_class_outside_scope_is_404_for_reading_and_saving(client, klass, users):
    for user in (users.admin_c, users.district2, users.student_a, users.guardian_a):
        client.force_login(user)
        assert client.get(_url(klass)).status_code == 404, user
        assert client.get(_month_url(klass)).status_code == 404, user
        assert _post(client, user, klass, {f"s-{klass.an.pk}": "K"}).status_code == 404, user
    assert not Absence.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, klass):
    response = client.get(_url(klass))
    assert response.status_code == 302 and "login" in response["Location"]


def test_saving_needs_the_csrf_token(klass):
    client = Client(enforce_csrf_checks=True)
    client.force_login(klass.homeroom)
    response = client.post(_url(klass), {"date": "2025-11-17", f"s-{klass.an.pk}": "K"})
    assert response.status_code == 403
    assert not Absence.objects.exists()
    page = client.get(_url(klass))
    token = page.cookies["csrftoken"].value
    response = client.post(
        _url(klass),
        {"date": "2025-11-17", f"s-{klass.an.pk}": "K", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert _saved(klass) == {klass.an.pk: (False, "")}


# --- month grid ------------------------------------------------------------------------------


def _absent(klass, student, days, *, excused=False):
    for day in days:
        Absence.objects.create(
            student=student, school=klass.school_class.school, school_class=klass.school_class,
            date=day, excused=excused,
        )  # fmt: skip


def test_the_month_grid_shows_marks_totals_and_learners_at_risk(client, klass, users):
    november = [date(2025, 11, d) for d in (3, 4, 5, 6)]
    _absent(klass, klass.an, november)  # 4 unexcused: at risk
    _absent(klass, klass.binh, november[:2], excused=True)
    client.force_login(users.province)
    response = client.get(_month_url(klass))
    assert response.status_code == 200
    rows = {row.student.pk: row for row in response.context["rows"]}
    assert (rows[klass.an.pk].unexcused, rows[klass.an.pk].at_risk) == (4, True)
    assert (rows[klass.binh.pk].excused, rows[klass.binh.pk].at_risk) == (2, False)
    assert response.context["at_risk"] == 1
    html = response.content.decode()
    assert html.count('<strong class="text-danger">K</strong>') == 4
    assert html.count('<span class="text-warning-emphasis">P</span>') == 2
    assert html.count('<tr class="table-danger">') == 1
    assert "1 học sinh có nguy cơ bỏ học" in html
    assert "?month=2025-10" in html and "?month=2025-12" in html
    # A day column links to that day's roll call; Sundays are not columns.
    assert _url(klass, date(2025, 11, 3)) in html
    assert date(2025, 11, 16) not in [day for day, _w, _p in response.context["columns"]]


def test_a_month_outside_the_school_year_is_a_clear_error(client, klass):
    client.force_login(klass.homeroom)
    response = client.get(_month_url(klass, "2026-07"))
    assert response.status_code == 400
    assert "không thuộc năm học 2025-2026" in response.content.decode()


# --- links on the class and learner pages ------------------------------------------------------


def test_the_class_page_offers_the_roll_call_to_those_who_may_take_it(client, klass, users):
    roll_call = reverse("registry:attendance", args=[klass.school_class.pk])
    month = reverse("registry:attendance_month", args=[klass.school_class.pk])
    class_url = reverse("registry:class", args=[klass.school_class.pk])
    for user, offered in ((klass.homeroom, True), (klass.admin, True), (klass.other_teacher, False),
                          (users.province, False)):  # fmt: skip
        client.force_login(user)
        html = client.get(class_url).content.decode()
        assert (f'href="{roll_call}"' in html) is offered, user
        assert f'href="{month}"' in html


def test_the_learner_page_shows_this_years_absences_to_the_guardian_too(client, klass, users):
    _absent(klass, klass.an, [MONDAY])
    Absence.objects.filter(student=klass.an).update(reason="Sốt cao")
    _absent(klass, klass.an, [MONDAY + timedelta(days=1)], excused=True)
    guardian = Guardian.objects.create(full_name="Nguyễn Văn Ba", user=users.guardian_a)
    Guardianship.objects.create(student=klass.an, guardian=guardian, relationship="father")
    for user in (klass.homeroom, users.guardian_a):
        client.force_login(user)
        response = client.get(reverse("registry:student", args=[klass.an.pk]))
        assert response.status_code == 200, user
        html = response.content.decode()
        assert "Ngày nghỉ học năm học 2025-2026" in html
        assert "2 ngày: 1 không phép (K), 1 có phép (P)." in html
        assert "17/11/2025" in html and "Sốt cao" in html


def test_the_learner_page_says_when_there_were_no_absences(client, klass):
    client.force_login(klass.admin)
    html = client.get(reverse("registry:student", args=[klass.binh.pk])).content.decode()
    assert "Chưa nghỉ buổi nào trong năm học này." in html


@pytest.mark.parametrize("name", ["attendance", "attendance_month"])
def test_routes_are_where_the_contract_says(name):
    path = reverse(f"registry:{name}", args=[7])
    assert path == {"attendance": "/classes/7/attendance/",
                    "attendance_month": "/classes/7/attendance/month/"}[name]  # fmt: skip
