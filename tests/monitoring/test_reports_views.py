"""The report, completeness and quality pages: scope (404), who sees which buttons, POST-only
actions with CSRF, and what the pages show."""

import pytest
from django.test import Client
from django.urls import reverse

from hocso.accounts.models import AuditEntry
from hocso.monitoring import reports
from hocso.monitoring.models import ReportPeriod, ReportStatus, StatReport

from .test_reports_workflow import build_reporting

pytestmark = pytest.mark.django_db


@pytest.fixture
def reporting(school_data, users, indicators):
    return build_reporting(school_data, users, indicators)


def client_for(user, *, csrf=False):
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def report_url(report):
    return reverse("monitoring:report", args=[report.pk])


def _status(report):
    return StatReport.objects.get(pk=report.pk).status


# ---------------------------------------------------------------- who reaches what


def test_anonymous_visitors_are_sent_to_log_in(reporting):
    response = Client().get(reverse("monitoring:reports"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["student_a", "guardian_a", "outsider"])
@pytest.mark.parametrize(
    "name", ["monitoring:reports", "monitoring:completeness", "monitoring:quality"]
)
def test_learners_guardians_and_users_without_role_are_refused(reporting, who, name):
    response = client_for(getattr(reporting.users, who)).get(reverse(name))
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["student_a", "outsider"])
def test_a_report_page_is_refused_to_non_staff(reporting, who):
    response = client_for(getattr(reporting.users, who)).get(report_url(reporting.a))
    assert response.status_code == 403


def test_a_school_admin_lists_only_their_schools_report(reporting):
    response = client_for(reporting.users.admin_a).get(
        reverse("monitoring:reports"), {"year": reporting.year.code}
    )
    assert response.status_code == 200
    shown = {r.org_unit.code for r in response.context["page_obj"]}
    assert shown == {"84000001"}


def test_an_officer_lists_their_subtree(reporting):
    client = client_for(reporting.users.district2)
    response = client.get(reverse("monitoring:reports"), {"year": reporting.year.code})
    assert {r.org_unit.code for r in response.context["page_obj"]} == {"84000003"}
    response = client_for(reporting.users.province).get(
        reverse("monitoring:reports"), {"year": reporting.year.code}
    )
    assert {r.org_unit.code for r in response.context["page_obj"]} == {
        "84000001",
        "84000002",
        "84000003",
    }


def test_the_list_filters_by_status_and_marks_late_reports(reporting):
    StatReport.objects.filter(pk=reporting.b.pk).update(due_date="2020-01-01")
    reports.submit(reporting.a, reporting.users.admin_a)
    client = client_for(reporting.users.province)
    url = reverse("monitoring:reports")
    submitted = client.get(url, {"year": reporting.year.code, "status": "submitted"})
    assert [r.pk for r in submitted.context["page_obj"]] == [reporting.a.pk]
    late = client.get(url, {"year": reporting.year.code, "status": "late"})
    assert [r.pk for r in late.context["page_obj"]] == [reporting.b.pk]
    assert b"data-late" in late.content


def test_a_unit_out_of_scope_is_not_found(reporting):
    client = client_for(reporting.users.admin_a)
    for name in ("monitoring:reports", "monitoring:completeness", "monitoring:quality"):
        assert client.get(reverse(name), {"org": "84000003"}).status_code == 404
        assert client.get(reverse(name), {"org": "84"}).status_code == 404


@pytest.mark.parametrize(
    ("who", "report", "code"),
    [
        ("admin_a", "c", 404),
        ("admin_c", "a", 404),
        ("district2", "a", 404),
        ("teacher_a", "c", 404),
        ("admin_a", "a", 200),
        ("teacher_a", "a", 200),
        ("district2", "c", 200),
        ("province", "b", 200),
    ],
)
def test_a_report_out_of_scope_is_not_found(reporting, who, report, code):
    response = client_for(getattr(reporting.users, who)).get(report_url(getattr(reporting, report)))
    assert response.status_code == code


# ---------------------------------------------------------------- buttons


def _buttons(response) -> set[str]:
    html = response.content.decode()
    return {a for a in ("submit", "return", "approve", "accept") if f'data-action="{a}"' in html}


def test_buttons_are_shown_only_to_who_may_use_them(reporting):
    users = reporting.users
    page = report_url(reporting.a)
    assert _buttons(client_for(users.admin_a).get(page)) == {"submit"}
    assert _buttons(client_for(users.teacher_a).get(page)) == set()
    assert _buttons(client_for(users.province).get(page)) == set()
    reports.submit(reporting.a, users.admin_a)
    assert _buttons(client_for(users.admin_a).get(page)) == set()
    assert _buttons(client_for(reporting.district1).get(page)) == {"approve", "return"}
    reports.approve(reporting.a, reporting.district1)
    assert _buttons(client_for(users.province).get(page)) == {"accept", "return"}
    assert _buttons(client_for(users.teacher_a).get(page)) == set()


def test_figures_are_labelled_live_before_and_frozen_after_submission(reporting):
    client = client_for(reporting.users.admin_a)
    before = client.get(report_url(reporting.a))
    assert b'data-figures="live"' in before.content
    assert b'data-indicator="enrollment"' in before.content
    reports.submit(reporting.a, reporting.users.admin_a)
    after = client.get(report_url(reporting.a))
    assert b'data-figures="frozen"' in after.content
    assert b'data-event="submit"' in after.content


# ---------------------------------------------------------------- actions


def test_submitting_needs_the_confirmation(reporting):
    client = client_for(reporting.users.admin_a)
    response = client.post(report_url(reporting.a), {"action": "submit"})
    assert response.status_code == 400
    assert "xác nhận" in response.content.decode()
    assert _status(reporting.a) == ReportStatus.DRAFT
    response = client.post(report_url(reporting.a), {"action": "submit", "confirm": "1"})
    assert response.status_code == 302
    assert _status(reporting.a) == ReportStatus.SUBMITTED


def test_a_double_submit_from_the_page_shows_an_error_and_changes_nothing(reporting):
    client = client_for(reporting.users.admin_a)
    client.post(report_url(reporting.a), {"action": "submit", "confirm": "1"})
    response = client.post(report_url(reporting.a), {"action": "submit", "confirm": "1"})
    assert response.status_code == 400
    assert "Đã gửi" in response.content.decode()
    assert StatReport.objects.get(pk=reporting.a.pk).events.count() == 1


def test_actions_are_post_only(reporting):
    client = client_for(reporting.users.admin_a)
    response = client.get(report_url(reporting.a), {"action": "submit", "confirm": "1"})
    assert response.status_code == 200
    assert _status(reporting.a) == ReportStatus.DRAFT
    assert client.put(report_url(reporting.a)).status_code == 405


def test_actions_need_the_csrf_token(reporting):
    client = client_for(reporting.users.admin_a, csrf=True)
    response = client.post(report_url(reporting.a), {"action": "submit", "confirm": "1"})
    assert response.status_code == 403
    assert _status(reporting.a) == ReportStatus.DRAFT


def test_an_action_the_actor_may_not_take_is_forbidden(reporting):
    reports.submit(reporting.a, reporting.users.admin_a)
    for user in (reporting.users.admin_a, reporting.users.teacher_a):
        response = client_for(user).post(report_url(reporting.a), {"action": "approve"})
        assert response.status_code == 403
    response = client_for(reporting.users.district2).post(
        report_url(reporting.a), {"action": "approve"}
    )
    assert response.status_code == 404
    assert _status(reporting.a) == ReportStatus.SUBMITTED


def test_returning_from_the_page_needs_a_comment(reporting):
    reports.submit(reporting.a, reporting.users.admin_a)
    client = client_for(reporting.district1)
    response = client.post(report_url(reporting.a), {"action": "return", "comment": ""})
    assert response.status_code == 400
    assert "lý do" in response.content.decode()
    assert _status(reporting.a) == ReportStatus.SUBMITTED
    response = client.post(
        report_url(reporting.a), {"action": "return", "comment": "Sai sĩ số lớp 6A"}
    )
    assert response.status_code == 302
    assert _status(reporting.a) == ReportStatus.RETURNED
    page = client_for(reporting.users.admin_a).get(report_url(reporting.a))
    assert "Sai sĩ số lớp 6A" in page.content.decode()
    assert _buttons(page) == {"submit"}


def test_the_province_approves_and_accepts_from_the_page(reporting):
    reports.submit(reporting.a, reporting.users.admin_a)
    client = client_for(reporting.users.province)
    assert client.post(report_url(reporting.a), {"action": "approve"}).status_code == 302
    assert client.post(report_url(reporting.a), {"action": "accept"}).status_code == 302
    assert _status(reporting.a) == ReportStatus.ACCEPTED


# ---------------------------------------------------------------- completeness and quality


def test_the_completeness_page_has_a_row_per_child_unit(reporting):
    reports.submit(reporting.a, reporting.users.admin_a)
    response = client_for(reporting.users.province).get(
        reverse("monitoring:completeness"),
        {"year": reporting.year.code, "period": ReportPeriod.START},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-unit="842" data-expected="2" data-submitted="1"' in html
    assert 'data-unit="847" data-expected="1" data-submitted="0"' in html
    assert 'data-unit="84" data-expected="3" data-submitted="1"' in html


def test_the_completeness_page_says_when_no_period_is_open(reporting):
    response = client_for(reporting.users.province).get(
        reverse("monitoring:completeness"),
        {"year": reporting.year.code, "period": ReportPeriod.END},
    )
    assert b"data-empty" in response.content


def test_the_quality_page_lists_the_issues_and_is_audited(reporting):
    response = client_for(reporting.users.province).get(
        reverse("monitoring:quality"), {"year": reporting.year.code}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-issue="invalid_id" data-count="2"' in html
    assert reporting.learners.a3.full_name in html
    assert f'href="/students/{reporting.learners.a3.pk}/"' in html
    assert AuditEntry.objects.filter(
        action="monitoring.quality", actor=reporting.users.province
    ).exists()


def test_a_teacher_sees_their_schools_quality_but_not_another(reporting):
    client = client_for(reporting.users.teacher_a)
    response = client.get(reverse("monitoring:quality"), {"year": reporting.year.code})
    assert response.status_code == 200
    assert response.context["unit"].code == "84000001"
    assert client.get(reverse("monitoring:quality"), {"org": "84000002"}).status_code == 404
