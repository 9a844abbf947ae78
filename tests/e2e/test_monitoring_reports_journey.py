"""The statistical report's journey of issue 7 in a real browser: the school's admin opens the
school's start-of-year report, sees the live figures, confirms and submits them; the
Department's officer finds it, approves it and accepts it; the figures stay as sent."""

from datetime import date

import pytest
from playwright.sync_api import expect

from hocso.monitoring import reports
from hocso.monitoring.models import Indicator, ReportPeriod, ReportStatus, StatReport
from hocso.registry.services import class_create, student_enroll
from tests.factories import StudentFactory

pytestmark = pytest.mark.e2e

PASSWORD = "Mat-khau-2025"  # tests/factories.py


@pytest.fixture
def report(transactional_db, tree, year, users):
    Indicator.objects.update_or_create(
        code="enrollment",
        defaults={"name": "Số học sinh", "name_en": "Learners", "definition": "Số học sinh",
                  "unit": "count", "source": "enrollment"},
    )  # fmt: skip
    six_a = class_create(actor=None, school=tree.school_a, year=year, grade=6, name="6A")
    for _ in range(3):
        student_enroll(
            actor=None, student=StudentFactory(school=tree.school_a), school_class=six_a,
            start_date=year.start_date, reason="admission",
        )  # fmt: skip
    reports.open_period(year, ReportPeriod.START, date(2099, 10, 15))
    return StatReport.objects.get(org_unit=tree.school_a, year=year, period=ReportPeriod.START)


def log_in(browser, live_server, username):
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto("/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    return context, page


def test_a_school_submits_its_report_and_the_province_approves_and_accepts_it(
    browser, live_server, tree, year, users, report
):
    # 1. The school's admin finds the report, checks the live figures and submits them.
    context, page = log_in(browser, live_server, users.admin_a.username)
    page.goto(f"/monitoring/reports/?year={year.code}")
    page.get_by_role("link", name=tree.school_a.name).click()
    expect(page.get_by_role("heading", name="Số liệu hiện tại (chưa chốt)")).to_be_visible()
    expect(page.locator('[data-indicator="enrollment"]')).to_contain_text("3")
    page.get_by_label("Tôi xác nhận số liệu đúng", exact=False).check()
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.get_by_role("status").filter(has_text="Đã gửi báo cáo.")).to_be_visible()
    expect(page.get_by_role("heading", name="Số liệu đã chốt khi gửi")).to_be_visible()
    expect(page.get_by_role("button", name="Gửi báo cáo")).to_have_count(0)
    context.close()
    assert StatReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED

    # 2. The province officer filters the submitted reports, approves, then accepts.
    context, page = log_in(browser, live_server, users.province.username)
    page.goto(f"/monitoring/reports/?year={year.code}")
    page.get_by_label("Trạng thái").select_option("submitted")
    page.get_by_role("button", name="Lọc").click()
    page.get_by_role("link", name=tree.school_a.name).click()
    page.get_by_role("button", name="Duyệt báo cáo").click()
    expect(page.get_by_role("status").filter(has_text="Đã duyệt báo cáo.")).to_be_visible()
    page.get_by_role("button", name="Tiếp nhận báo cáo").click()
    expect(page.get_by_role("status").filter(has_text="Đã tiếp nhận báo cáo.")).to_be_visible()
    expect(page.locator("[data-status]").first).to_have_text("Sở đã tiếp nhận")
    expect(page.locator('[data-event="accept"]')).to_be_visible()
    expect(page.get_by_role("button", name="Tiếp nhận báo cáo")).to_have_count(0)
    context.close()

    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    assert (report.submitted_by, report.approved_by, report.accepted_by) == (
        users.admin_a,
        users.province,
        users.province,
    )
    assert report.figures.get(indicator__code="enrollment", breakdown="").numerator == 3
