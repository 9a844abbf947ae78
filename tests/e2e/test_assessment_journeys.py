"""The main journeys of issue 3 in a real browser: a teacher types and pastes grades that are
still there after a reload; the principal approves and locks the class's term and the teacher can
no longer edit; a guardian downloads the child's transcript PDF.

The live server's tests are transactional: the curriculum rows the seed migration wrote are
flushed after each one, so they are seeded again before the `people` fixture needs them.
"""

import json
import re
import shutil
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from hocso.accounts.models import AuditEntry
from hocso.assessment import selectors, services
from hocso.assessment import transcripts as tx
from hocso.assessment.models import LockStatus, Score, ScoreKind
from hocso.assessment.transcript_pdf import pdf_filename
from hocso.curriculum.models import GradeSubject
from hocso.registry import services as registry
from tests.assessment import conftest as assessment
from tests.assessment.conftest import full_term, put_scores, subject
from tests.curriculum.conftest import run_seed

from .conftest import CHROMIUM_ARGS

pytestmark = pytest.mark.e2e

people = assessment.people  # the 6A1 class, its teachers and principal (tests/assessment)

PASSWORD = "Mat-khau-2025"  # tests/factories.py
STATUS_ALL_SAVED = "Đã lưu tất cả"  # gradebook.js: nothing unsaved, invalid or being sent


@pytest.fixture(autouse=True)
def _curriculum(transactional_db):
    if not GradeSubject.objects.exists():
        run_seed()


def browser_executable() -> str:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def log_in(page, username):
    page.goto("/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")


def roster(people):
    """The learners in the grade book's row order."""
    return list(selectors.class_roster(school_class=people.school_class))


def cell(page, learner, label):
    return page.get_by_label(f"{learner.full_name}, {label}", exact=True)


def open_gradebook(page, people, subject_name="Toán", term=1):
    page.goto(f"/classes/{people.school_class.pk}/gradebook/?term={term}")
    page.get_by_role("link", name=re.compile(f"^{subject_name}")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(subject_name)


def paste_into(page, target, text):
    """Paste `text` into the focused cell the way a user does: the clipboard, then Ctrl+V."""
    page.evaluate("text => navigator.clipboard.writeText(text)", text)
    target.focus()
    page.keyboard.press("Control+V")


def test_a_teacher_types_and_pastes_grades_that_are_still_there_after_a_reload(
    page, live_server, people
):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    first, second, third = roster(people)
    log_in(page, people.teacher.username)
    open_gradebook(page, people)

    cell(page, first, "TX1").click()
    page.keyboard.type("10")
    page.keyboard.press("Enter")
    expect(cell(page, second, "TX1")).to_be_focused()  # Enter moves down the column

    # A 2 × 2 block copied from Excel, with a decimal comma, into the focused cell.
    paste_into(page, cell(page, second, "TX1"), "8\t9\n7,5\t6")
    expect(cell(page, second, "TX1")).to_have_value("8")
    expect(cell(page, second, "TX2")).to_have_value("9")
    expect(cell(page, third, "TX1")).to_have_value("7,5")
    expect(cell(page, third, "TX2")).to_have_value("6")
    expect(page.locator("#gb-status-text")).to_have_text(STATUS_ALL_SAVED)

    page.reload()
    expected = {
        (first, "TX1"): "10", (second, "TX1"): "8", (second, "TX2"): "9",
        (third, "TX1"): "7,5", (third, "TX2"): "6",
    }  # fmt: skip
    for (learner, label), shown in expected.items():
        # The value the server drew the page with, not one the script put back.
        expect(cell(page, learner, label)).to_have_attribute("value", shown)
        expect(cell(page, learner, label)).to_have_value(shown)
    expect(cell(page, first, "TX2")).to_have_value("")

    stored = {
        (s.student_id, s.seq): s.value
        for s in Score.objects.filter(
            school_class=people.school_class, subject=subject("TOAN"), term=1
        )
    }
    assert stored == {
        (first.pk, 1): Decimal("10"), (second.pk, 1): Decimal("8"),
        (second.pk, 2): Decimal("9"), (third.pk, 1): Decimal("7.5"),
        (third.pk, 2): Decimal("6"),
    }  # fmt: skip
    assert not Score.objects.exclude(kind=ScoreKind.REGULAR).exists()


def test_the_principal_locks_the_term_and_the_teacher_can_no_longer_edit(page, people):
    first = roster(people)[0]
    put_scores(people.school_class, first, 1, {"TOAN": {(ScoreKind.REGULAR, 1): 7}})
    services.gradebook_review(actor=people.homeroom, school_class=people.school_class, term=1)

    log_in(page, people.principal.username)
    page.goto(f"/classes/{people.school_class.pk}/gradebook/?term=1")
    expect(page.locator("#gb-lock-status")).to_have_text("GVCN đã rà soát")
    page.get_by_role("link", name="Duyệt và khóa", exact=True).click()
    dialog = page.get_by_role("dialog", name="Duyệt và khóa sổ điểm")
    expect(dialog).to_contain_text("Sau khi khóa, không ai sửa được điểm")
    dialog.get_by_role("button", name="Duyệt và khóa", exact=True).click()

    expect(page.get_by_role("status").filter(has_text="Đã duyệt và khóa sổ điểm.")).to_be_visible()
    expect(page.locator("#gb-lock-status")).to_have_text("Đã duyệt và khóa")
    assert selectors.lock_status(school_class=people.school_class, term=1) == LockStatus.LOCKED

    page.context.clear_cookies()
    log_in(page, people.teacher.username)
    open_gradebook(page, people)

    expect(page.get_by_text("Sổ điểm đã khóa.")).to_be_visible()
    expect(page.locator(f"tr[data-student='{first.pk}'] .gb-ro").first).to_have_text("7")
    expect(page.locator(".gb-cell")).to_have_count(0)  # no input nor select to type in
    expect(page.locator("#gradebook").get_by_role("textbox")).to_have_count(0)
    expect(page.get_by_role("button", name="Lưu sổ điểm")).to_have_count(0)

    # Nor can the teacher write around the page: the autosave endpoint refuses the locked term.
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    save_url = page.locator("form[data-gradebook]").get_attribute("data-save-url")
    answer = page.request.post(
        save_url,
        data=json.dumps(
            {"cells": [{"student": first.pk, "kind": "regular", "seq": 1, "value": "9"}]}
        ),
        headers={"Content-Type": "application/json", "X-CSRFToken": token},
    )
    assert answer.status == 409
    assert answer.json()["locked"] is True
    assert Score.objects.get(student=first, term=1).value == Decimal("7")


@pytest.fixture
def issued_transcript(people, users):
    """The first learner's complete year (both terms, conduct), the guardian account linked to
    the learner, and the transcript issued by the school admin."""
    learner = roster(people)[0]
    for term, score in ((1, 8), (2, 9)):
        put_scores(people.school_class, learner, term, full_term(people.school_class.grade, score))
    services.results_compute(actor=None, school=people.school, year=people.year)
    for term in (1, 2):
        services.term_record_save(
            actor=None, student=learner, school_class=people.school_class, term=term,
            days_absent=0, conduct="tot",
        )  # fmt: skip
    guardian = registry.guardian_link(
        actor=None, student=learner, full_name="Thạch Thị Mẹ", phone="0901234567",
        relationship="mother",
    )  # fmt: skip
    guardian.user = users.guardian_a
    guardian.save(update_fields=["user"])
    return tx.transcript_issue(actor=users.admin_a, student=learner, year=people.year)


@pytest.fixture
def phone_browser_page(browser, live_server, tmp_path):
    """A phone-sized page whose browser saves PDFs as files, as phone browsers do. Desktop
    chromium would show the (inline) PDF in its viewer, where no download happens; the
    "always open PDFs externally" preference needs a profile of its own."""
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    preferences = {"plugins": {"always_open_pdf_externally": True}}
    (profile / "Default" / "Preferences").write_text(json.dumps(preferences))
    context = browser.browser_type.launch_persistent_context(
        profile, executable_path=browser_executable(), args=CHROMIUM_ARGS, accept_downloads=True,
        base_url=live_server.url, locale="vi-VN", viewport={"width": 360, "height": 740},
    )  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_a_guardian_downloads_the_childs_transcript_pdf(
    phone_browser_page, users, issued_transcript
):
    page = phone_browser_page
    learner = issued_transcript.student
    log_in(page, users.guardian_a.username)

    page.get_by_role("link", name="Học bạ số").click()
    expect(page.get_by_role("heading", level=2, name=learner.full_name)).to_be_visible()
    card = page.get_by_role("article").filter(has_text="Năm học 2025-2026")
    expect(card).to_contain_text("Tốt")
    with page.expect_download() as pending:
        card.get_by_role("link", name="Tải PDF").click()
    download = pending.value

    assert download.suggested_filename == pdf_filename(issued_transcript)
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert AuditEntry.objects.filter(actor=users.guardian_a, action="transcript.download").exists()
