"""The main journeys of issue 2 in a real browser: a school admin imports a file, finds a learner
by typing a name without diacritics and opens the profile; another school's admin cannot see it."""

import re

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from hocso.registry.models import Student

pytestmark = pytest.mark.e2e

PASSWORD = "Mat-khau-2025"  # tests/factories.py
HEADERS = ["Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Số định danh cá nhân",
           "Mã định danh Bộ GD&ĐT", "Lớp", "Khối"]  # fmt: skip
ROWS = [
    ["Nguyễn Văn Ánh", "14/03/2013", "Nam", "Kinh", "084213000101", "8400000101", "6A1", 6],
    ["Thạch Thị Sô Phia", "02/09/2013", "Nữ", "Khmer", "084313000102", "8400000102", "6A1", 6],
    ["Lâm Minh Quang", "21/11/2012", "Nam", "Hoa", "084212000103", "8400000103", "7A1", 7],
]


@pytest.fixture(autouse=True)
def _tasks_run_inline(settings):
    """No db_worker runs beside the live server: web imports run inside the request."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def students_file(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH HỌC SINH NĂM HỌC 2025-2026"])  # a title row, as offices write them
    sheet.append(HEADERS)
    for row in ROWS:
        sheet.append(row)
    path = tmp_path / "hoc-sinh.xlsx"
    workbook.save(path)
    return path


def log_in(page, username):
    page.goto("/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")


def test_school_admin_imports_then_finds_a_learner_by_name_without_diacritics(
    page, tree, users, year, students_file
):
    log_in(page, users.admin_a.username)

    page.get_by_role("link", name="Nhập dữ liệu").first.click()
    page.get_by_label("Loại danh sách").select_option("students")
    page.get_by_label("Trường").select_option(label=str(tree.school_a))
    page.get_by_label("Năm học").select_option(label=year.code)
    page.get_by_label("Tệp .xlsx hoặc .csv").set_input_files(students_file)
    page.get_by_role("button", name="Tải lên và nhập").click()

    status = page.locator("#job-status")
    expect(status).to_contain_text("Đã xử lý 3 dòng")
    expect(status.locator("dd").first).to_have_text("3")  # "Thêm mới"

    page.get_by_role("link", name="Tìm kiếm").first.click()
    page.get_by_label("Họ tên hoặc số định danh").press_sequentially("nguyen van anh")
    result = page.get_by_role("link", name="Nguyễn Văn Ánh")
    expect(result).to_be_visible()  # live results, no submit needed
    result.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Nguyễn Văn Ánh")
    expect(page.locator("main")).to_contain_text("084213000101")
    expect(page.locator("main")).to_contain_text("6A1")


def test_another_schools_admin_can_neither_find_nor_open_the_learner(page, tree, users, year):
    student = Student.objects.create(
        school=tree.school_a, full_name="Nguyễn Văn Ánh", search_name="nguyen van anh",
        gender="M", national_id="084213000101",
    )  # fmt: skip
    log_in(page, users.admin_c.username)

    page.goto("/search/?q=nguyen+van+anh")
    expect(page.locator("main")).to_contain_text("Không tìm thấy")
    expect(page.get_by_role("link", name="Nguyễn Văn Ánh")).to_have_count(0)

    response = page.goto(f"/students/{student.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_contain_text("Không tìm thấy")


def test_school_page_fits_a_360px_phone_without_sideways_scrolling(phone_page, tree, users, year):
    log_in(phone_page, users.admin_a.username)
    phone_page.goto(f"/schools/{tree.school_a.code}/")
    expect(phone_page.get_by_role("heading", level=1)).to_contain_text(tree.school_a.name)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    # The collapsed menu opens with the keyboard-reachable toggler.
    phone_page.get_by_role("button", name="Mở menu").click()
    expect(phone_page.get_by_role("link", name=re.compile("Tìm kiếm"))).to_be_visible()
