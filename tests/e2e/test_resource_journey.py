"""The resource-library journey of issue 6 in a real browser: a teacher uploads the project's
SCORM 1.2 package ("Phân số – Toán 6") and sends it for review; the Department's specialist
approves it for the whole province; a learner finds it by a search typed without diacritics,
opens it, leaves half-way and, coming back, resumes on the page where they stopped.
"""

import re

import pytest
from playwright.sync_api import expect

from hocso.curriculum.models import GradeSubject, Subject
from hocso.demo.resources import scorm_package
from hocso.resources.models import Resource, ResourceStatus, ScormTrack, Sharing
from tests.curriculum.conftest import run_seed

pytestmark = pytest.mark.e2e

PASSWORD = "Mat-khau-2025"  # tests/factories.py
TITLE = "Phân số – Toán 6 (bài học tương tác)"


@pytest.fixture(autouse=True)
def _curriculum(transactional_db):
    if not GradeSubject.objects.exists():
        run_seed()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def log_in(browser, live_server, username, **context_options):
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", **context_options)
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto("/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    return context, page


def test_upload_approve_find_open_leave_and_resume_a_scorm_lesson(
    browser, live_server, tree, users, tmp_path
):
    package = tmp_path / "phan-so-toan-6.zip"
    package.write_bytes(scorm_package())

    # 1. The teacher contributes the package and sends it for review.
    context, page = log_in(browser, live_server, users.teacher_a.username)
    page.goto("/library/new/")
    page.get_by_label("Loại học liệu").select_option("scorm")
    page.get_by_label("Tệp học liệu").set_input_files(str(package))
    page.get_by_label("Tiêu đề").fill(TITLE)
    page.get_by_label("Môn học").select_option(str(Subject.objects.get(code="TOAN").pk))
    page.get_by_label("Từ khối").select_option("6")
    page.get_by_label("Đến khối").select_option("6")
    page.get_by_label("Giấy phép").select_option("CC-BY-4.0")
    page.get_by_role("button", name="Tải lên").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    resource = Resource.objects.get(title=TITLE)
    assert resource.status == ResourceStatus.SUBMITTED
    assert resource.current_version.launch_path
    context.close()

    # 2. The Department's specialist finds it in the review queue and publishes it province-wide.
    context, page = log_in(browser, live_server, users.province.username)
    page.goto("/library/review/")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_label("Toàn tỉnh").check()
    page.get_by_role("button", name="Duyệt và xuất bản").click()
    expect(page.locator("body")).to_contain_text("Đã xuất bản")
    resource.refresh_from_db()
    assert (resource.status, resource.sharing) == (ResourceStatus.PUBLISHED, Sharing.PROVINCE)
    context.close()

    # 3. A learner searches without diacritics and opens the lesson.
    context, page = log_in(browser, live_server, users.student_a.username)
    page.goto("/library/")
    page.get_by_label("Tìm học liệu").fill("phan so toan 6")
    page.get_by_label("Tìm học liệu").press("Enter")
    page.get_by_role("link", name=TITLE).first.click()
    page.get_by_role("link", name="Mở", exact=True).click()
    lesson = page.frame_locator("#player-frame")
    expect(lesson.locator("#page-label")).to_have_text("Trang 1/5")
    lesson.locator("#btn-next").click()
    expect(lesson.locator("#page-label")).to_have_text("Trang 2/5")
    lesson.locator("#btn-next").click()
    expect(lesson.locator("#page-label")).to_have_text("Trang 3/5")

    # 4. They leave half-way: the player keeps where they were.
    page.get_by_role("link", name="Thoát").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    track = ScormTrack.objects.get(user=users.student_a, resource=resource)
    assert track.lesson_location.endswith("3")
    assert track.lesson_status == "incomplete"

    # 5. Coming back, the lesson resumes on page 3.
    page.get_by_role("link", name="Mở", exact=True).click()
    lesson = page.frame_locator("#player-frame")
    expect(lesson.locator("#page-label")).to_have_text("Trang 3/5")
    expect(lesson.locator("#resume-note")).to_contain_text(re.compile(r"Tiếp tục từ trang 3"))
    context.close()
