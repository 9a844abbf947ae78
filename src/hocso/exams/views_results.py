"""Result pages: the results of an exam (candidates, per class, per school; sorted, paged,
exported), one attempt in detail, the marking of essays, key corrections, the push to the grade
book, the release of results, and the learner's own result and review.

Thin: reads through exams/results.py (scoped; what the actor may not see is a 404), writes
through exams/grading.py, which checks permission again.
"""

import hashlib
import hmac
from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hocso.orgs.models import OrgUnit
from hocso.questions.models import ItemVersion
from hocso.registry.models import SchoolClass

from . import grading, results
from .access import attempts_visible, can_manage
from .exporters import results_xlsx as write_results_xlsx
from .models import AttemptStatus, ExamQuestion, KeyCorrection, Response
from .views_sessions import require_staff

PAGE_SIZE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _session_or_404(request, pk: int):
    require_staff(request)
    try:
        return results.session_get(actor=request.user, pk=pk)
    except ObjectDoesNotExist:
        raise Http404 from None


def _managed_or_404(request, pk: int):
    session = _session_or_404(request, pk)
    if not can_manage(request.user, session):
        raise PermissionDenied
    return session


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def marking_code(attempt_id: int) -> str:
    """An anonymous code for blind marking: stable for the attempt, not derivable from the
    candidate list without the server's secret."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"exam-attempt:{attempt_id}".encode(), hashlib.sha256
    ).hexdigest()
    return f"B-{digest[:6].upper()}"


# --- results -------------------------------------------------------------------------------------


@login_required
@require_GET
def results_page(request, pk: int):
    session = _session_or_404(request, pk)
    tab = request.GET.get("tab", "candidates")
    class_id, school_id = _int(request.GET.get("class")), _int(request.GET.get("school"))
    sort = request.GET.get("sort", results.DEFAULT_SORT)
    if sort not in results.SORTS:
        sort = results.DEFAULT_SORT
    attempts = results.candidates(
        actor=request.user, session=session, school_class=class_id, school=school_id, sort=sort
    )
    page_obj = Paginator(attempts, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        SimpleNamespace(
            attempt=a, ten=results.ten_point(a.score, a.max_score), time_used=results.time_used(a)
        )
        for a in page_obj.object_list
    ]
    by_class = results.summary_by_class(actor=request.user, session=session)
    by_school = results.summary_by_school(actor=request.user, session=session)
    visible = attempts_visible(request.user, session)
    class_choices = SchoolClass.objects.filter(pk__in=visible.values("school_class_id")).order_by(
        "name"
    )
    school_choices = OrgUnit.objects.filter(pk__in=visible.values("school_id")).order_by("name")
    manager = can_manage(request.user, session)
    return render(
        request,
        "exams/results_page.html",
        {
            "session": session,
            "tab": tab if tab in ("candidates", "classes", "schools") else "candidates",
            "page_obj": page_obj,
            "rows": rows,
            "sort": sort,
            "class_id": class_id,
            "school_id": school_id,
            "class_choices": class_choices,
            "school_choices": school_choices,
            "overall": results.summary_overall(actor=request.user, session=session),
            "by_class": by_class,
            "by_school": by_school,
            "can_manage": manager,
            "pending": visible.filter(pending_manual__gt=0).count() if manager else 0,
            "section": "exams",
        },
    )


@login_required
@require_GET
def results_xlsx(request, pk: int):
    session = _session_or_404(request, pk)
    class_id, school_id = _int(request.GET.get("class")), _int(request.GET.get("school"))
    response = HttpResponse(content_type=XLSX_TYPE)
    write_results_xlsx(
        response, actor=request.user, session=session, school_class=class_id, school=school_id
    )
    response["Content-Disposition"] = f'attachment; filename="ket-qua-{session.code}.xlsx"'
    return response


@login_required
@require_GET
def attempt_detail(request, pk: int):
    require_staff(request)
    try:
        attempt = results.staff_attempt_get(actor=request.user, pk=pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    session = attempt.session
    return render(
        request,
        "exams/results_attempt.html",
        {
            "session": session,
            "attempt": attempt,
            "result": results.candidate_result(attempt),
            "reviews": results.attempt_review(attempt),
            "show_key": True,
            "can_manage": can_manage(request.user, session),
            "blind": session.blind_marking,
            "section": "exams",
        },
    )


# --- marking essays ------------------------------------------------------------------------------


def _essays(session):
    """The essay responses of the submitted attempts: [(response id, attempt id, question,
    graded)] in marking order — question by question, then by anonymous code when blind (so
    the order does not follow the class list), else by name."""
    rows = list(
        Response.objects.filter(
            attempt__session=session,
            attempt__status=AttemptStatus.SUBMITTED,
            question__item__type="essay",
        )
        .order_by()
        .values_list(
            "pk", "attempt_id", "question__position", "graded_at", "attempt__student__full_name"
        )
    )

    def order(row):
        pk, attempt_id, position, _graded, name = row
        return (position, marking_code(attempt_id) if session.blind_marking else name, pk)

    return [(r[0], r[1], r[2], r[3] is not None) for r in sorted(rows, key=order)]


@login_required
@require_http_methods(["GET", "POST"])
def marking(request, pk: int):
    session = _managed_or_404(request, pk)
    essays = _essays(session)
    ids = [row[0] for row in essays]
    wanted = _int(request.POST.get("response") or request.GET.get("response"))
    if wanted is None:
        wanted = next((row[0] for row in essays if not row[3]), ids[0] if ids else None)
    if wanted is not None and wanted not in ids:
        raise Http404
    error, typed = "", {}
    if request.method == "POST" and wanted is not None:
        typed = {
            "score": request.POST.get("score", ""),
            "feedback": request.POST.get("feedback", ""),
        }
        try:
            grading.essay_grade(
                actor=request.user,
                response=Response(pk=wanted),
                score=typed["score"],
                feedback=typed["feedback"],
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Đã lưu điểm."))
            essays = _essays(session)
            position = ids.index(wanted)
            following = [row for row in essays[position + 1 :] + essays[:position] if not row[3]]
            target = following[0][0] if following else wanted
            return redirect(f"{reverse('exams:marking', args=[session.pk])}?response={target}")
    current = None
    if wanted is not None:
        response = Response.objects.select_related(
            "question__item", "question__item_version", "attempt__student", "attempt__school_class"
        ).get(pk=wanted)
        position = ids.index(wanted)
        ungraded = [row[0] for row in essays if not row[3]]
        current = SimpleNamespace(
            response=response,
            data=grading.version_data(response.question),
            label=results.question_label(response.question),
            code=marking_code(response.attempt_id),
            position=position + 1,
            previous=ids[position - 1] if position > 0 else None,
            next=ids[position + 1] if position + 1 < len(ids) else None,
            next_ungraded=next(
                (i for i in ungraded if ids.index(i) > position), ungraded[0] if ungraded else None
            ),
        )
    return render(
        request,
        "exams/marking.html",
        {
            "session": session,
            "current": current,
            "total": len(essays),
            "graded": sum(1 for row in essays if row[3]),
            "blind": session.blind_marking,
            "error": error,
            "typed": typed,
            "section": "exams",
        },
        status=422 if error else 200,
    )


# --- key corrections -----------------------------------------------------------------------------


def _correctable(session):
    """The items the exam asks, each with the version in use and the other versions of it
    (newest first): what a key correction can move to."""
    questions = (
        ExamQuestion.objects.filter(form__session=session)
        .select_related("item", "item_version", "form")
        .order_by("position", "form__code")
    )
    items = {}
    for question in questions:
        if question.item_id not in items:  # the first form's question names the item
            items[question.item_id] = SimpleNamespace(
                item=question.item, question=question, in_use=question.item_version,
                label=results.question_label(question), versions=[],
            )  # fmt: skip
    versions = ItemVersion.objects.filter(item_id__in=items.keys()).order_by("item_id", "-number")
    for version in versions:
        entry = items[version.item_id]
        if version.pk != entry.in_use.pk:
            entry.versions.append(version)
    return list(items.values())


@login_required
@require_http_methods(["GET", "POST"])
def correct_key(request, pk: int):
    session = _managed_or_404(request, pk)
    entries = _correctable(session)
    errors, typed, done = [], {}, None
    if request.method == "POST":
        typed = {k: request.POST.get(k, "") for k in ("version", "reason", "confirm")}
        # A version belongs to one item: the choice of a version names the question too.
        entry, version = next(
            ((e, v) for e in entries for v in e.versions if str(v.pk) == typed["version"]),
            (None, None),
        )
        if version is None:
            errors.append(_("Hãy chọn phiên bản mới của một câu hỏi trong bài thi."))
        if not typed["confirm"]:
            errors.append(_("Hãy xác nhận chấm lại toàn bộ bài làm."))
        if not errors:
            try:
                done = grading.key_correct(
                    actor=request.user, session=session, item=entry.item, new_version=version,
                    reason=typed["reason"],
                )  # fmt: skip
            except ValidationError as exc:
                errors += exc.messages
            else:
                messages.success(
                    request,
                    _("Đã sửa đáp án và chấm lại: %(n)s thí sinh thay đổi điểm.")
                    % {"n": len(done.changes)},
                )
                return redirect(f"{reverse('exams:correct_key', args=[session.pk])}?done={done.pk}")
    corrections = KeyCorrection.objects.filter(session=session).select_related(
        "item", "old_version", "new_version", "corrected_by"
    )
    done_pk = _int(request.GET.get("done"))
    return render(
        request,
        "exams/correction.html",
        {
            "session": session,
            "entries": entries,
            "errors": errors,
            "typed": typed,
            "corrections": corrections,
            "done": next((c for c in corrections if c.pk == done_pk), None),
            "section": "exams",
        },
        status=422 if errors else 200,
    )


# --- grade book and release ----------------------------------------------------------------------


@login_required
@require_POST
def gradebook(request, pk: int):
    session = _managed_or_404(request, pk)
    try:
        outcome = grading.scores_to_gradebook(actor=request.user, session=session)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("exams:results", pk=session.pk)
    return render(
        request,
        "exams/results_gradebook.html",
        {"session": session, "outcome": outcome, "section": "exams"},
    )


@login_required
@require_POST
def release(request, pk: int):
    session = _managed_or_404(request, pk)
    try:
        grading.results_release(actor=request.user, session=session)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã công bố kết quả cho thí sinh."))
    return redirect("exams:results", pk=session.pk)


@login_required
@require_POST
def regrade(request, pk: int):
    """Grade every submitted attempt again (after a failed automatic grading, say)."""
    session = _managed_or_404(request, pk)
    count = grading.session_grade(actor=request.user, session=session)
    messages.success(request, _("Đã chấm lại %(n)s bài làm.") % {"n": count})
    return redirect("exams:results", pk=session.pk)


# --- the learner's own result ----------------------------------------------------------------------


@login_required
@require_GET
def my_result(request, attempt_pk: int):
    try:
        attempt = results.own_attempt_get(actor=request.user, pk=attempt_pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    session = attempt.session
    shown = results.availability(attempt, session, timezone.now())
    return render(
        request,
        "exams/my_result.html",
        {
            "session": session,
            "attempt": attempt,
            "shown": shown,
            "result": results.candidate_result(attempt) if shown.score else None,
            "reviews": results.attempt_review(attempt) if shown.review else [],
            "show_key": shown.review,
        },
    )


urlpatterns = [
    path("exams/<int:pk>/results/", results_page, name="results"),
    path("exams/<int:pk>/results.xlsx", results_xlsx, name="results_xlsx"),
    path("exams/<int:pk>/results/release/", release, name="results_release"),
    path("exams/<int:pk>/results/regrade/", regrade, name="results_regrade"),
    path("exams/attempts/<int:pk>/", attempt_detail, name="attempt_detail"),
    path("exams/<int:pk>/marking/", marking, name="marking"),
    path("exams/<int:pk>/corrections/", correct_key, name="correct_key"),
    path("exams/<int:pk>/gradebook/", gradebook, name="gradebook"),
    path("my-exams/<int:attempt_pk>/result/", my_result, name="my_result"),
]
