"""The question-bank journey of issue 4 in a real browser: a teacher writes a single-choice item
with a formula (the live preview typesets it with KaTeX) and submits it; the school admin
approves it; the teacher builds a blueprint that needs that item, generates two versions and
downloads the zip of their papers.

The live server's tests are transactional: the curriculum rows the seed migration wrote are
flushed after each one, so they are seeded again before the fixtures need them.
"""

import re
import zipfile

import pytest
from playwright.sync_api import expect

from hocso.curriculum.models import GradeSubject, Subject
from hocso.questions.models import Item, ItemStatus
from hocso.questions.services import bank_create
from tests.curriculum.conftest import run_seed
from tests.questions.blueprint_setup import approved
from tests.questions.items import single_choice

pytestmark = pytest.mark.e2e

PASSWORD = "Mat-khau-2025"  # tests/factories.py


@pytest.fixture(autouse=True)
def _curriculum(transactional_db):
    if not GradeSubject.objects.exists():
        run_seed()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def bank(tree):
    """School A's mathematics bank with two approved grade-6 items: with the teacher's new item
    a three-item cell can be filled, without it it cannot."""
    math = Subject.objects.get(code="TOAN")
    bank = bank_create(
        actor=None, code="A-TOAN", name="Toán THCS Lý Tự Trọng", org_unit=tree.school_a,
        subject=math,
    )  # fmt: skip
    for n in (1, 2):
        approved(bank, single_choice(stem=f"Câu có sẵn {n}: 2 + {n} = ?"), grade=6)
    return bank


def required(label: str) -> re.Pattern:
    """A required field's accessible name: its label, then the "(bắt buộc)" marker."""
    return re.compile("^" + re.escape(label))


def log_in(browser, live_server, username):
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30000)
    page.goto("/login/")
    page.get_by_label("Tên đăng nhập", exact=True).fill(username)
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")
    return context, page


def test_a_teacher_writes_an_item_it_is_approved_and_versions_are_downloaded(
    browser, live_server, users, bank
):
    # The teacher writes the item; the preview shows the formula typeset.
    teacher_context, teacher = log_in(browser, live_server, users.teacher_a.username)
    teacher.goto(f"/questions/new/?bank={bank.code}")
    teacher.get_by_label("Đề bài", exact=True).fill(r"Tính \(\frac{1}{2} + \frac{1}{2}\).")
    preview = teacher.locator("#stem-preview")
    expect(preview.locator(".katex .mfrac").first).to_be_visible()
    options = teacher.locator("[name=sc_text]")
    for index, text in enumerate(["1", "2", "0", "1/4"]):
        options.nth(index).fill(text)
    teacher.locator("[name=sc_right]").first.check()
    teacher.get_by_label("Môn học", exact=True).select_option(str(bank.subject_id))
    teacher.get_by_label("Khối", exact=True).select_option("6")
    teacher.get_by_role("button", name="Lưu và gửi duyệt").click()
    expect(teacher.get_by_text("Đã lưu và gửi câu hỏi đi duyệt.")).to_be_visible()
    item = Item.objects.get(status=ItemStatus.SUBMITTED)

    # The school admin approves it from the review queue's item page.
    admin_context, admin = log_in(browser, live_server, users.admin_a.username)
    admin.goto("/questions/review/")
    admin.locator(f"a[href='/questions/{item.pk}/']").first.click()
    admin.get_by_role("button", name="Duyệt", exact=True).click()
    expect(admin.get_by_text(f"Đã duyệt câu hỏi #{item.pk}.")).to_be_visible()
    admin_context.close()

    # The teacher builds a blueprint of three single-choice items, one point each.
    teacher.goto("/questions/blueprints/")
    teacher.get_by_role("link", name="Tạo ma trận đề").click()
    teacher.get_by_label(required("Mã ma trận")).fill("KT15-6")
    teacher.get_by_label(required("Tên ma trận")).fill("Kiểm tra 15 phút Toán 6")
    teacher.get_by_label(required("Môn học")).select_option(str(bank.subject_id))
    teacher.get_by_label(required("Khối")).fill("6")
    teacher.get_by_label(required("Thời gian làm bài (phút)")).fill("15")
    teacher.get_by_label(required("Tổng điểm")).fill("3")
    teacher.get_by_label(required("Dạng câu hỏi")).select_option("single_choice")
    teacher.get_by_label(required("Số câu")).fill("3")
    teacher.get_by_label(required("Điểm mỗi câu")).fill("1")
    expect(teacher.locator("[data-total-cell-points]")).to_have_text("3")
    teacher.get_by_role("button", name="Lưu", exact=True).click()
    expect(teacher.get_by_text("Đã tạo ma trận đề.")).to_be_visible()
    expect(teacher.locator("[data-available]")).to_contain_text("có 3/3")

    # Two versions, downloaded as one zip.
    teacher.get_by_role("link", name="Sinh mã đề").first.click()
    teacher.get_by_label(required("Số mã đề")).fill("2")
    seed = teacher.get_by_label(required("Hạt giống ngẫu nhiên")).input_value()
    teacher.get_by_role("button", name="Sinh mã đề").click()
    expect(teacher.get_by_role("heading", name="Đã sinh 2 mã đề")).to_be_visible()
    with teacher.expect_download() as info:
        teacher.get_by_role("link", name=re.compile("Tải tệp nén")).click()
    download = info.value
    assert download.suggested_filename == f"de_thi_KT15-6_{seed}.zip"
    archive = zipfile.ZipFile(download.path())
    pdfs = [name for name in archive.namelist() if name.startswith("de_")]
    assert pdfs == ["de_101.pdf", "de_102.pdf"]
    assert all(archive.read(name).startswith(b"%PDF-") for name in pdfs)
    teacher_context.close()
