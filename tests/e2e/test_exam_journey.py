"""The exam journey of issue 5 in a real browser: a learner opens the exam and answers; the
connection drops (the browser context goes offline) for three answers, which the page keeps and
shows as waiting; the connection returns, the page shows them synced and the database has them;
the learner submits. The teacher then sees the result and the item analysis.

Also: answers kept in the browser survive a reload while the server cannot be reached, a second
device takes the attempt over and the first is told why, and the page at 360 px with every kind
of question (screenshots go to $HOCSO_SCREENSHOTS, or to the test's tmp dir).

The live server's tests are transactional: the curriculum rows the seed migration wrote are
flushed after each one, so they are seeded again before the fixtures need them.
"""

import json
import os
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hocso.curriculum.models import GradeSubject
from hocso.exams.models import Attempt, AttemptStatus, ExamSession, Response
from hocso.questions.interchange import (
    Choice,
    ItemData,
    ItemType,
    NumericAnswer,
    Pair,
    Statement,
)
from hocso.questions.models import Item, ItemStatus
from hocso.questions.services import item_create
from tests.curriculum.conftest import run_seed
from tests.exams import conftest as exams_setup
from tests.questions.items import short_text, single_choice

pytestmark = pytest.mark.e2e

PASSWORD = "Mat-khau-2025"  # tests/factories.py
ALL_SAVED = "Đã lưu tất cả"  # exam.js: nothing waits to be sent

exam = exams_setup.exam  # a session open now, class 6A1 with three learners (tests/exams)
make_session = exams_setup.make_session


@pytest.fixture(autouse=True)
def _curriculum(transactional_db):
    if not GradeSubject.objects.exists():
        run_seed()


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("HOCSO_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def log_in(page, username):
    page.goto("/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")


def status_bar(page):
    return page.locator("#ex-status")


def question(page, n):
    """The card of question n (as numbered on the page)."""
    return page.locator("section.ex-q").filter(
        has=page.get_by_role("heading", name=re.compile(rf"^Câu {n} "))
    )


def navigator(page, n):
    return page.locator("#ex-nav").get_by_role("button", name=re.compile(rf"^Câu {n}: "))


def open_exam(page, attempt, button="Bắt đầu làm bài"):
    page.goto("/my-exams/")
    page.locator(f"li[data-attempt='{attempt.pk}']").get_by_role("link", name="Vào thi").click()
    expect(page).to_have_url(re.compile(rf"/my-exams/{attempt.pk}/$"))
    page.get_by_role("button", name=button).click()
    expect(question(page, 1)).to_be_visible()


def top(page):
    """Scrolled to the top, so a full-page screenshot shows the sticky bar in its place."""
    page.evaluate("window.scrollTo(0, 0)")


def stored(attempt) -> dict:
    return {
        r.question_id: r.answer for r in Response.objects.filter(attempt=attempt).order_by("pk")
    }


def test_a_learner_answers_offline_comes_back_synced_submits_and_the_teacher_sees_it(
    page, exam, shots
):
    attempt, q = exam.attempts[0], exam.questions
    log_in(page, exam.learner_users[0].username)
    open_exam(page, attempt)
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"^4[45]:\d\d$"))

    question(page, 1).get_by_text("4", exact=True).click()  # right (option 0)
    expect(status_bar(page)).to_have_text(ALL_SAVED)
    expect(navigator(page, 1)).to_have_accessible_name("Câu 1: Đã lưu")

    page.context.set_offline(True)
    question(page, 2).get_by_text("8", exact=True).click()  # wrong (option 2)
    question(page, 3).get_by_text("5", exact=True).click()  # right (option 0)
    question(page, 6).get_by_label("Câu trả lời").fill("3,5")
    expect(status_bar(page)).to_have_text(
        "Mất kết nối – 3 câu trả lời đang chờ gửi, đừng đóng trang"
    )
    for n in (2, 3, 6):
        expect(navigator(page, n)).to_have_accessible_name(f"Câu {n}: Đang chờ gửi")
    expect(question(page, 6).locator(".ex-q-state")).to_have_text("Đang chờ gửi")
    key = f"hocso:exam:{attempt.pk}"
    page.wait_for_function(
        "key => Object.keys(JSON.parse(localStorage.getItem(key)).pending).length === 3", arg=key
    )
    kept = json.loads(page.evaluate("key => localStorage.getItem(key)", key))
    assert {str(q[1].pk), str(q[2].pk), str(q[5].pk)} == set(kept["pending"])
    assert kept["pending"][str(q[5].pk)]["answer"] == "3,5"
    assert kept["token"]  # the device token goes with the answers kept
    top(page)
    page.screenshot(path=shots / "exam-desktop-offline.png", full_page=True)
    assert stored(attempt) == {q[0].pk: 0}  # nothing of the three reached the server

    page.context.set_offline(False)
    expect(status_bar(page)).to_have_text(ALL_SAVED)
    for n in (1, 2, 3, 6):
        expect(navigator(page, n)).to_have_accessible_name(f"Câu {n}: Đã lưu")
    assert stored(attempt) == {q[0].pk: 0, q[1].pk: 2, q[2].pk: 0, q[5].pk: "3,5"}
    assert json.loads(page.evaluate("key => localStorage.getItem(key)", key))["pending"] == {}
    top(page)
    page.screenshot(path=shots / "exam-desktop-synced.png", full_page=True)

    page.get_by_role("button", name="Nộp bài").click()
    dialog = page.get_by_role("dialog", name="Nộp bài?")
    expect(dialog).to_contain_text("Các câu chưa trả lời: Câu 4, Câu 5, Câu 7.")
    page.screenshot(path=shots / "exam-desktop-submit-dialog.png")
    dialog.get_by_role("button", name="Nộp bài").click()
    expect(page).to_have_url(re.compile(rf"/my-exams/{attempt.pk}/result/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()  # the learner's result page
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED
    assert page.evaluate("key => localStorage.getItem(key)", key) is None

    # The teacher who made the exam: the results, then the item analysis.
    page.context.clear_cookies()
    log_in(page, exam.teacher.username)
    page.goto(f"/exams/{exam.session.pk}/results/")
    row = page.get_by_role("row").filter(has_text=exam.students[0].full_name)
    expect(row).to_be_visible()
    expect(row).to_contain_text("3/8")  # Câu 1, Câu 3 and Câu 6 right, of 8 points
    page.goto(f"/exams/{exam.session.pk}/analysis/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Phân tích câu hỏi")
    page.get_by_role("button", name="Phân tích", exact=True).click()
    expect(page.get_by_role("main")).to_contain_text("2 + 2 = ?")
    assert ExamSession.objects.get(pk=exam.session.pk).analysed_at is not None


def test_answers_kept_in_the_browser_survive_a_reload_while_the_server_is_unreachable(page, exam):
    attempt, q = exam.attempts[0], exam.questions
    log_in(page, exam.learner_users[0].username)
    open_exam(page, attempt)

    page.route("**/responses", lambda route: route.abort("connectionrefused"))
    question(page, 1).get_by_text("3", exact=True).click()  # option 1
    question(page, 5).get_by_role("group", name=re.compile("^a\\)")).get_by_text("Đúng").click()
    question(page, 7).get_by_label("Câu trả lời").fill("Chuyển vế, rút gọn, chia hai vế.")
    question(page, 7).get_by_label("Câu trả lời").blur()
    expect(status_bar(page)).to_have_text(
        "Mất kết nối – 3 câu trả lời đang chờ gửi, đừng đóng trang"
    )
    assert stored(attempt) == {}

    page.once("dialog", lambda d: d.accept())  # "leave the page?" while answers wait
    page.reload()
    # The page resumes by itself and shows the answers this browser kept.
    expect(page.get_by_role("alert").filter(has_text="Đã khôi phục 3 câu trả lời")).to_be_visible()
    expect(question(page, 1).get_by_role("radio", name="B. 3")).to_be_checked()
    expect(question(page, 7).get_by_label("Câu trả lời")).to_have_value(
        "Chuyển vế, rút gọn, chia hai vế."
    )
    expect(status_bar(page)).to_contain_text("3 câu trả lời đang chờ gửi")

    page.unroute("**/responses")
    page.evaluate("window.dispatchEvent(new Event('online'))")  # as when the link comes back
    expect(status_bar(page)).to_have_text(ALL_SAVED)
    assert stored(attempt) == {
        q[0].pk: 1,
        q[4].pk: [True, None, None, None],
        q[6].pk: "Chuyển vế, rút gọn, chia hai vế.",
    }


def test_a_save_whose_reply_is_lost_is_sent_again_and_submit_waits_for_it(page, exam):
    attempt, q = exam.attempts[0], exam.questions
    log_in(page, exam.learner_users[0].username)
    open_exam(page, attempt)
    replies = []

    def lose_the_reply_then_fail(route):
        if not replies:
            replies.append(route.fetch())  # the server commits it; the reply never arrives
            route.abort("connectionreset")
        else:
            route.fulfill(status=503, body="")  # then the server is overloaded

    page.route("**/responses", lose_the_reply_then_fail)
    question(page, 2).get_by_text("9", exact=True).click()
    expect(status_bar(page)).to_contain_text("1 câu trả lời đang chờ gửi")
    expect(navigator(page, 2)).to_have_accessible_name("Câu 2: Đang chờ gửi")
    assert stored(attempt) == {q[1].pk: 0}  # in the database, but not acknowledged

    page.get_by_role("button", name="Nộp bài").click()
    dialog = page.get_by_role("dialog", name="Nộp bài?")
    expect(dialog).to_contain_text("Còn 1 câu trả lời chưa gửi được lên máy chủ")
    expect(dialog.get_by_role("button", name="Nộp bài")).to_be_disabled()

    page.unroute("**/responses")  # the retry (same seq) is acknowledged with the stored seq
    expect(dialog.get_by_role("button", name="Nộp bài")).to_be_enabled(timeout=20000)
    expect(status_bar(page)).to_have_text(ALL_SAVED)
    expect(navigator(page, 2)).to_have_accessible_name("Câu 2: Đã lưu")
    assert Response.objects.get(attempt=attempt, question=q[1]).seq == 1
    dialog.get_by_role("button", name="Làm tiếp").click()
    expect(dialog).to_be_hidden()


def test_a_second_device_takes_over_and_the_first_is_told_why(browser, live_server, exam, shots):
    attempt = exam.attempts[0]
    pages = []
    for _ in range(2):
        context = browser.new_context(base_url=live_server.url, locale="vi-VN")
        pages.append(context.new_page())
        pages[-1].set_default_timeout(15000)
    first, second = pages
    try:
        for page in pages:
            log_in(page, exam.learner_users[0].username)
        open_exam(first, attempt)
        question(first, 1).get_by_text("4", exact=True).click()
        expect(status_bar(first)).to_have_text(ALL_SAVED)

        open_exam(
            second, attempt, "Tiếp tục làm bài"
        )  # resumes: the second device now holds the attempt
        expect(question(second, 1).get_by_role("radio", name="A. 4")).to_be_checked()

        question(first, 2).get_by_text("9", exact=True).click()
        lock = first.get_by_role("alertdialog")
        expect(lock).to_contain_text("Bài làm đã được mở trên thiết bị khác")
        expect(question(first, 3).get_by_role("radio").first).to_be_disabled()
        first.screenshot(path=shots / "exam-desktop-device-replaced.png")

        lock.get_by_role("button", name="Làm tiếp trên thiết bị này").click()
        expect(lock).to_be_hidden()
        expect(status_bar(first)).to_have_text(ALL_SAVED)
        assert stored(attempt)[exam.questions[1].pk] == 0  # the first device's last answer
        question(second, 3).get_by_text("5", exact=True).click()
        expect(second.get_by_role("alertdialog")).to_contain_text("thiết bị khác")
    finally:
        for page in pages:
            page.context.close()


def test_when_time_is_up_the_page_sends_what_waits_and_submits(page, exam):
    attempt, q = exam.attempts[0], exam.questions
    log_in(page, exam.learner_users[0].username)
    open_exam(page, attempt)
    # The server's clock says 4 seconds are left (a window closing now, say): the page learns
    # it from the answer's reply and counts down to zero.
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=4))
    question(page, 1).get_by_text("4", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="Còn 1 phút")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/my-exams/{attempt.pk}/result/$"), timeout=20000)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED
    assert stored(attempt) == {q[0].pk: 0}


def test_a_closed_attempt_refuses_the_next_answer_and_the_page_stops_editing(page, exam):
    attempt = exam.attempts[0]
    log_in(page, exam.learner_users[0].username)
    open_exam(page, attempt)
    # The supervisor collected the attempt meanwhile.
    Attempt.objects.filter(pk=attempt.pk).update(
        status=AttemptStatus.SUBMITTED, submitted_at=timezone.now()
    )
    question(page, 2).get_by_text("9", exact=True).click()
    expect(page.get_by_role("alertdialog")).to_contain_text("Đã hết giờ")
    expect(page.get_by_role("alertdialog")).to_contain_text(
        "1 câu trả lời cuối cùng không gửi được"
    )
    expect(question(page, 3).get_by_role("radio").first).to_be_disabled()
    expect(page.get_by_role("button", name="Nộp bài")).to_be_disabled()


def test_a_supervised_exam_asks_for_the_room_code(page, exam):
    ExamSession.objects.filter(pk=exam.session.pk).update(access_code="PHONG3")
    attempt = exam.attempts[0]
    log_in(page, exam.learner_users[0].username)
    page.goto(f"/my-exams/{attempt.pk}/")
    page.get_by_label("Mã vào phòng thi").fill("SAI")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page.get_by_role("alert")).to_contain_text("Mã vào phòng thi không đúng")
    expect(page.get_by_label("Mã vào phòng thi")).to_be_focused()
    page.get_by_label("Mã vào phòng thi").fill("phong3")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(question(page, 1)).to_be_visible()
    expect(page.get_by_label("Mã vào phòng thi")).to_be_hidden()


def every_kind_of_item(bank) -> list[Item]:
    datas = [
        single_choice(stem="Nghiệm của phương trình \\(x^2 - 4 = 0\\) là", right="\\(x = \\pm 2\\)",
                      wrong=("\\(x = 2\\)", "\\(x = 4\\)", "\\(x = \\pm 4\\)")),
        ItemData(type=ItemType.MULTIPLE_RESPONSE, stem="Những số nào là số nguyên tố?",
                 choices=[Choice("2", Decimal("0.5")), Choice("3", Decimal("0.5")),
                          Choice("4", Decimal(-1)), Choice("9", Decimal(-1))]),
        ItemData(type=ItemType.TRUE_FALSE, stem="Mọi số chẵn đều chia hết cho 2.", correct=True),
        ItemData(type=ItemType.TRUE_FALSE_4, stem="Cho hình vuông cạnh 3 cm.",
                 statements=[
                     Statement(t, v)
                     for t, v in (("Chu vi là 12 cm.", True), ("Diện tích là 6 cm².", False),
                                  ("Hai đường chéo bằng nhau.", True),
                                  ("Đường chéo dài 3 cm.", False))
                 ]),
        short_text(),
        ItemData(type=ItemType.SHORT_NUMERIC, stem="Tính \\(\\frac{7}{2}\\).",
                 numeric_answers=[NumericAnswer(Decimal("3.5"))]),
        ItemData(type=ItemType.MATCHING, stem="Nối mỗi hình với số cạnh của nó.",
                 pairs=[Pair("Tam giác", "3"), Pair("Hình vuông", "4"), Pair("Lục giác", "6")]),
        ItemData(type=ItemType.ORDERING, stem="Sắp xếp các số theo thứ tự tăng dần.",
                 order=["-2", "0", "1,5", "7"]),
        ItemData(type=ItemType.ESSAY, stem="Trình bày cách giải phương trình \\(2x + 3 = 7\\).",
                 points=Decimal(2), rubric="Đủ 3 bước."),
    ]  # fmt: skip
    items = [item_create(actor=None, bank=bank, data=data) for data in datas]
    Item.objects.filter(pk__in=[i.pk for i in items]).update(status=ItemStatus.APPROVED)
    return [Item.objects.select_related("current_version").get(pk=i.pk) for i in items]


@pytest.mark.parametrize("one_per_page", [False, True], ids=["all-on-one-page", "one-per-page"])
def test_every_kind_of_question_on_a_phone(phone_page, exam, shots, one_per_page):
    page = phone_page
    items = every_kind_of_item(exam.bank)
    session, _, questions, attempts = make_session(
        org_unit=exam.session.org_unit, year=exam.session.year, creator=exam.teacher,
        items=items, school_class=exam.school_class, students=exam.students[:1],
        name="Ôn tập Toán 6", one_per_page=one_per_page,
    )  # fmt: skip
    attempt = attempts[0]
    log_in(page, exam.learner_users[0].username)
    suffix = "paged" if one_per_page else "all"
    page.goto("/my-exams/")
    expect(page.get_by_role("link", name="Vào thi")).to_have_count(2)  # this one and `exam`
    page.screenshot(path=shots / f"my-exams-phone-{suffix}.png", full_page=True)
    open_exam(page, attempt)

    # KaTeX typesets the formulas (loaded only because this exam has some).
    expect(question(page, 1).locator(".katex").first).to_be_visible()
    if one_per_page:
        expect(page.locator("section.ex-q:visible")).to_have_count(1)
        top(page)
        page.screenshot(path=shots / f"exam-phone-{suffix}-q1.png", full_page=True)
        page.get_by_role("button", name="Câu sau").click()
        expect(question(page, 2)).to_be_visible()
        expect(question(page, 1)).to_be_hidden()
        navigator(page, 8).click()
        expect(question(page, 8)).to_be_visible()
    else:
        question(page, 1).get_by_role("radio").first.check()
        question(page, 2).get_by_role("checkbox").nth(1).check()
        question(page, 3).get_by_text("Sai", exact=True).click()
        question(page, 4).get_by_role("group", name=re.compile("^b\\)")).get_by_text("Sai").click()
        question(page, 5).get_by_label("Câu trả lời").fill("Hà Nội")
        expect(question(page, 6).get_by_label("Câu trả lời")).to_have_attribute(
            "inputmode", "decimal"
        )
        question(page, 7).get_by_label("Tam giác").select_option("3")
        expect(status_bar(page)).to_have_text(ALL_SAVED)
        page.context.set_offline(True)
        question(page, 6).get_by_label("Câu trả lời").fill("3,5")
        expect(status_bar(page)).to_contain_text("1 câu trả lời đang chờ gửi")
        page.screenshot(path=shots / "exam-phone-offline.png")
        page.context.set_offline(False)
    # Ordering with the keyboard: focus "↓" of the first item and press Enter.
    order = question(page, 8)
    first_text = order.locator(".ex-order-text").first.inner_text()
    order.get_by_role("button", name=f"Đưa «{first_text}» xuống").focus()
    page.keyboard.press("Enter")
    expect(order.locator(".ex-order-text").nth(1)).to_have_text(first_text)
    expect(order.get_by_role("button", name=f"Đưa «{first_text}» xuống")).to_be_focused()
    expect(status_bar(page)).to_have_text(ALL_SAVED)

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways at 360 px ({width} px)"
    top(page)
    page.screenshot(path=shots / f"exam-phone-{suffix}.png", full_page=True)
    saved = stored(attempt)
    assert saved[questions[7].pk][1] == first_text
    if not one_per_page:
        assert saved[questions[0].pk] is not None
        assert saved[questions[1].pk] == [1]
        assert saved[questions[2].pk] is False
        assert saved[questions[3].pk] == [None, False, None, None]
        assert saved[questions[4].pk] == "Hà Nội"
        assert saved[questions[5].pk] == "3,5"
        assert saved[questions[6].pk][0] == "3"
    assert ExamSession.objects.get(pk=session.pk).one_per_page is one_per_page
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.IN_PROGRESS
