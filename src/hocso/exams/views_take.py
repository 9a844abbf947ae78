"""The learner's exam pages: the list of their exams (/my-exams/) and the page they take one on
(/my-exams/<attempt>/).

The take page is a shell: the exam's name, the access code field when the session has one and
a start button. static/hocso/exam.js does the rest through the delivery API (api_delivery.py):
it starts the attempt, draws the questions, saves every answer with a per-question sequence
number, keeps unsent answers in localStorage and counts down from the server's clock. Nothing
the learner answers goes through this module.

Only the candidate sees their attempt: anyone else's is a 404. Staff who may read the attempt
are sent to its staff view instead.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hocso.questions.views import image_response

from .access import attempts_visible, own_attempts
from .models import Attempt, AttemptStatus, ExamQuestion, SessionStatus, ShowResults

# What the learner may do with an attempt now (the server decides again on every call).
UPCOMING, OPEN, SUBMITTED, ENDED = "upcoming", "open", "submitted", "ended"


def attempt_phase(attempt: Attempt, now) -> str:
    session = attempt.session
    if attempt.status == AttemptStatus.SUBMITTED:
        return SUBMITTED
    if now < session.opens_at:
        return UPCOMING
    if attempt.status == AttemptStatus.IN_PROGRESS and attempt.deadline is not None:
        # Started: its own deadline (accommodations, added time) rules. Within the grace period
        # the page still opens, so answers this browser kept while offline are sent.
        grace = timedelta(seconds=session.grace_seconds)
        return OPEN if now < attempt.deadline + grace else ENDED
    return OPEN if now < session.closes_at else ENDED


def _result_url(attempt: Attempt) -> str | None:
    if attempt.session.show_results == ShowResults.NEVER:
        return None
    try:
        return reverse("exams:my_result", args=[attempt.pk])
    except NoReverseMatch:  # the results pages are optional for this one
        return None


@dataclass
class Row:
    attempt: Attempt
    phase: str
    result_url: str | None


@login_required
@require_GET
def my_exams(request):
    """The learner's exams: open now, upcoming, and done (submitted or missed)."""
    now = timezone.now()
    attempts = (
        own_attempts(request.user)
        .exclude(session__status=SessionStatus.DRAFT)
        .select_related("session", "session__subject")
        .order_by("session__opens_at", "pk")
    )
    groups = {OPEN: [], UPCOMING: [], SUBMITTED: []}
    for attempt in attempts:
        phase = attempt_phase(attempt, now)
        row = Row(attempt, phase, _result_url(attempt) if phase == SUBMITTED else None)
        groups[SUBMITTED if phase == ENDED else phase].append(row)
    groups[SUBMITTED].reverse()  # the latest first
    context = {
        "open_rows": groups[OPEN],
        "upcoming_rows": groups[UPCOMING],
        "done_rows": groups[SUBMITTED],
        "has_any": any(groups.values()),
    }
    return render(request, "exams/my_exams.html", context)


def _js_messages() -> dict:
    """The texts exam.js shows, in the page's language."""
    return {
        "allSaved": _("Đã lưu tất cả"),
        "saving": _("Đang lưu…"),
        "offline": _("Mất kết nối – %(n)s câu trả lời đang chờ gửi, đừng đóng trang"),
        "offlineEmpty": _("Mất kết nối – câu trả lời mới sẽ được giữ trên máy này"),
        "expiredLogin": _(
            "Phiên đăng nhập đã hết: %(n)s câu trả lời đang chờ gửi. Hãy đăng nhập lại ở thẻ "
            "khác, rồi quay lại trang này (đừng đóng trang)."
        ),
        "kept": _("%(n)s câu trả lời chưa gửi được, đang giữ trên máy này"),
        "restored": _("Đã khôi phục %(n)s câu trả lời chưa gửi trên máy này; đang gửi lại."),
        "question": _("Câu %(n)s"),
        "part": _("Phần %(part)s"),
        "points": _("%(points)s điểm"),
        "stateSaved": _("Đã lưu"),
        "stateWaiting": _("Đang chờ gửi"),
        "stateEmpty": _("Chưa trả lời"),
        "stateError": _("Không lưu được"),
        "navLabel": _("%(question)s: %(state)s"),
        "true": _("Đúng"),
        "false": _("Sai"),
        "clear": _("Xóa câu trả lời"),
        "choose": _("— Chọn —"),
        "up": _("Lên"),
        "down": _("Xuống"),
        "moveUp": _("Đưa «%(text)s» lên"),
        "moveDown": _("Đưa «%(text)s» xuống"),
        "keepOrder": _("Giữ thứ tự này"),
        "answer": _("Câu trả lời"),
        "numberHint": _("Nhập một số, dùng dấu phẩy cho phần thập phân (ví dụ 3,5)."),
        "chars": _("%(n)s / %(max)s kí tự"),
        "prev": _("Câu trước"),
        "next": _("Câu sau"),
        "remaining": _("Còn lại"),
        "warn5": _("Còn 5 phút. Hãy kiểm tra lại các câu trả lời."),
        "warn1": _("Còn 1 phút. Bài sẽ được nộp tự động khi hết giờ."),
        "timeUp": _("Đã hết giờ. Đang gửi các câu trả lời còn lại và nộp bài…"),
        "closed": _("Đã hết giờ: bài làm đã đóng, không sửa được nữa."),
        "closedUnsent": _("%(n)s câu trả lời cuối cùng không gửi được trước khi bài đóng."),
        "replaced": _(
            "Bài làm đã được mở trên thiết bị khác. Trang này đã bị khóa để hai nơi không ghi đè "
            "lên nhau."
        ),
        "takeBack": _("Làm tiếp trên thiết bị này"),
        "unanswered": _("Các câu chưa trả lời: %(list)s."),
        "allAnswered": _("Bạn đã trả lời tất cả các câu."),
        "blocked": _(
            "Còn %(n)s câu trả lời chưa gửi được lên máy chủ. Hãy chờ đến khi trang báo «Đã lưu "
            "tất cả» rồi nộp bài; nếu mất mạng, hãy kết nối lại."
        ),
        "submitting": _("Đang nộp bài…"),
        "submitFailed": _("Chưa nộp được bài (mất kết nối?). Hãy thử lại."),
        "submitted": _("Đã nộp bài."),
        "startFailed": _("Không vào thi được (mất kết nối?). Hãy thử lại."),
        "refused": _("Máy chủ từ chối câu trả lời của câu %(n)s: %(detail)s"),
        "leave": _("Còn câu trả lời chưa gửi. Rời trang sẽ giữ chúng trên máy này."),
    }


def _staff_view_url(attempt_pk: int) -> str | None:
    try:
        return reverse("exams:attempt_detail", args=[attempt_pk])
    except NoReverseMatch:
        return None


@never_cache
@login_required
@require_GET
def take(request, attempt_pk: int):
    """The page the learner takes the exam on (see the module docstring)."""
    attempt = (
        own_attempts(request.user)
        .exclude(session__status=SessionStatus.DRAFT)
        .select_related("session")
        .filter(pk=attempt_pk)
        .first()
    )
    if attempt is None:
        staff_url = None
        if attempts_visible(request.user).filter(pk=attempt_pk).exists():
            staff_url = _staff_view_url(attempt_pk)
        if staff_url:
            return redirect(staff_url)
        raise Http404
    session = attempt.session
    phase = attempt_phase(attempt, timezone.now())
    context = {
        "attempt": attempt,
        "session": session,
        "phase": phase,
        "needs_access_code": bool(session.access_code) and phase == OPEN,
        "api_base": f"{reverse('api:api-root')}attempts/{attempt.pk}",
        "result_url": _result_url(attempt) if phase == SUBMITTED else None,
        "js_messages": _js_messages(),
        "katex": {
            "css": static("vendor/katex-0.19.1/katex.min.css"),
            "js": static("vendor/katex-0.19.1/katex.min.js"),
            "autoRender": static("vendor/katex-0.19.1/auto-render.min.js"),
        },
    }
    return render(request, "exams/take.html", context)


@login_required
@require_GET
def take_image(request, attempt_pk: int, question_pk: int, name: str):
    """An image of a question of the caller's own attempt (by the name the question's version
    gives it, never by storage path)."""
    attempt = own_attempts(request.user).filter(pk=attempt_pk).first()
    question = (
        ExamQuestion.objects.select_related("item_version")
        .filter(pk=question_pk, form_id=attempt.form_id)
        .first()
        if attempt is not None
        else None
    )
    digest = (question.item_version.content.get("files") or {}).get(name) if question else None
    return image_response(digest)


urlpatterns = [
    path("my-exams/", my_exams, name="my_exams"),
    path("my-exams/<int:attempt_pk>/", take, name="take"),
    path(
        "my-exams/<int:attempt_pk>/images/<int:question_pk>/<str:name>",
        take_image,
        name="take_image",
    ),
]
