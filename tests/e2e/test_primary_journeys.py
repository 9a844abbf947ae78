"""The primary evaluation sheet in a real browser: the homeroom teacher gives levels with the
T/H/C keys and pastes a block from Excel (codes, full names, HTT/HT/CHT; Tốt/Đạt/CCG for the
qualities), everything is saved by itself and still there after a reload; on a phone the table
scrolls inside its box."""

import pytest
from playwright.sync_api import expect

from hocso.assessment.models import PrimarySubjectAssessment, PrimaryTraitAssessment
from hocso.curriculum.models import GradeSubject
from tests.assessment.primary_setup import make_primary
from tests.curriculum.conftest import run_seed

from .test_assessment_journeys import STATUS_ALL_SAVED, log_in, paste_into

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _curriculum(transactional_db):
    if not GradeSubject.objects.exists():
        run_seed()


@pytest.fixture
def p(tree, users, year):
    return make_primary(tree, users, year)


def cell(page, learner, label):
    return page.get_by_label(f"{learner.full_name}, {label}", exact=True)


def test_homeroom_teacher_gives_levels_by_key_and_by_pasting(page, live_server, p):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    first, second, third = p.learners
    log_in(page, p.homeroom.username)
    page.goto(f"/classes/{p.school_class.pk}/gradebook/?term=2")
    page.get_by_role("link", name="Cuối năm học").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cuối năm học")

    cell(page, first, "Toán").focus()
    page.keyboard.press("h")
    expect(cell(page, first, "Toán")).to_have_value("H")
    page.keyboard.press("ArrowRight")
    expect(cell(page, first, "Ngoại ngữ 1")).to_be_focused()
    page.keyboard.press("t")

    paste_into(page, cell(page, second, "Tiếng Việt"), "HTT\tHoàn thành\nCHT\tt\n")
    expect(cell(page, second, "Tiếng Việt")).to_have_value("T")
    expect(cell(page, second, "Toán")).to_have_value("H")
    expect(cell(page, third, "Tiếng Việt")).to_have_value("C")
    expect(cell(page, third, "Toán")).to_have_value("T")
    expect(page.locator("#gb-status-text")).to_have_text(STATUS_ALL_SAVED)

    page.reload()
    expect(cell(page, first, "Toán")).to_have_value("H")
    expect(cell(page, third, "Tiếng Việt")).to_have_value("C")
    stored = {
        (row.student_id, row.subject.code): row.level
        for row in PrimarySubjectAssessment.objects.select_related("subject")
    }
    assert stored == {
        (first.pk, "TOAN"): "H", (first.pk, "NN1"): "T", (second.pk, "TV"): "T",
        (second.pk, "TOAN"): "H", (third.pk, "TV"): "C", (third.pk, "TOAN"): "T",
    }  # fmt: skip

    page.get_by_role("link", name="Phẩm chất, năng lực").click()
    paste_into(page, cell(page, first, "Yêu nước"), "Tốt\tĐạt\tCCG")
    expect(cell(page, first, "Chăm chỉ")).to_have_value("C")
    expect(page.locator("#gb-status-text")).to_have_text(STATUS_ALL_SAVED)
    assert dict(PrimaryTraitAssessment.objects.values_list("trait", "level")) == {
        "yeu_nuoc": "T", "nhan_ai": "D", "cham_chi": "C",
    }  # fmt: skip


def test_the_sheet_fits_a_phone(phone_page, p):
    log_in(phone_page, p.homeroom.username)
    phone_page.goto(f"/classes/{p.school_class.pk}/primary/1/end/")
    expect(phone_page.get_by_role("heading", level=1)).to_contain_text("Cuối học kì I")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360  # the table scrolls inside its own box, not the page
