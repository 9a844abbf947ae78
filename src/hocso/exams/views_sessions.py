"""Staff pages of exam sessions: the list, the editor (create and change), the session's page
with its counts and actions (prepare, delete), extra time per candidate, and the supervisor's
page whose table refreshes itself every 10 seconds.

Thin: reads through exams/selectors.py (a session the actor may not see is a 404), writes
through exams/services.py, which check permission again. Learners, guardians and users without
a role get a 403; staff who see a session but may not manage it see its page without actions.

Preparing runs in the request: 2,000 candidates take a few seconds (bulk inserts). A session
with more learners than PREPARE_INLINE_LIMIT is prepared by the background task instead.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hocso.accounts.scope import scope_for
from hocso.core.forms import apply_service_errors
from hocso.core.text import fold
from hocso.curriculum.models import Subject

from . import selectors, services
from .access import attempts_visible, can_manage
from .forms import (
    ExtraTimeForm,
    SessionForm,
    approved_items,
    creator_units,
    current_year,
    session_initial,
)
from .models import Attempt, AttemptStatus, ExamSession, SessionStatus

PAGE_SIZE = 20
ITEM_RESULTS = 20
PREPARE_INLINE_LIMIT = 5000
STATUS_BADGES = {
    SessionStatus.DRAFT: "text-bg-secondary",
    SessionStatus.READY: "text-bg-primary",
    SessionStatus.CLOSED: "text-bg-dark",
    SessionStatus.RELEASED: "text-bg-success",
}


def require_staff(request) -> None:
    if not scope_for(request.user).is_staff_member:
        raise PermissionDenied


def _session_or_404(request, pk: int) -> ExamSession:
    try:
        return selectors.session_get(actor=request.user, pk=pk)
    except ExamSession.DoesNotExist:
        raise Http404 from None


def _managed_or_404(request, pk: int) -> ExamSession:
    session = _session_or_404(request, pk)
    if not can_manage(request.user, session):
        raise PermissionDenied
    return session


def _attempt_or_404(request, pk: int) -> Attempt:
    try:
        attempt = attempts_visible(request.user).select_related("session__org_unit").get(pk=pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    if not can_manage(request.user, attempt.session):
        raise PermissionDenied
    return attempt


def _error_messages(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --- list -------------------------------------------------------------------------------------


@login_required
@require_GET
def session_list(request):
    """Sessions the actor sees, newest window first; search by code or name, filter by status,
    subject and grade."""
    require_staff(request)
    q = request.GET.get("q", "").strip()[:200]
    status = request.GET.get("status", "")
    subject = request.GET.get("subject", "")
    grade = request.GET.get("grade", "")
    ordering = request.GET.get("order", "-opens")
    sessions = selectors.sessions_search(
        actor=request.user, q=q, status=status, subject=subject,
        grade=int(grade) if grade.isdigit() else None, ordering=ordering,
    )  # fmt: skip
    page_obj = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    filtered = bool(q or status or subject or grade)
    return render(
        request,
        "exams/session_list.html",
        {
            "page_obj": page_obj,
            "q": q,
            "status": status,
            "subject": subject,
            "grade": grade,
            "order": ordering,
            "filtered": filtered,
            "statuses": SessionStatus.choices,
            "subjects": Subject.objects.order_by("name"),
            "grades": range(1, 13),
            "badges": STATUS_BADGES,
            "can_create": creator_units(request.user).exists(),
            "now": timezone.now(),
        },
    )


# --- create and edit --------------------------------------------------------------------------


def _editor(request, session: ExamSession | None):
    actor = request.user
    if session is None:
        initial = {"duration_minutes": 45, "year": current_year(), "grace_seconds": 60}
        units = creator_units(actor)
        if len(units) == 1:
            initial["org_unit"] = units[0]
        items = []
    else:
        items = services.session_items(session) if not session.blueprint_id else []
        initial = session_initial(session, items)
    form = SessionForm(request.POST or None, actor=actor, session=session, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        try:
            if session is None:
                unit = fields.pop("org_unit")
                session = services.session_create(actor=actor, org_unit=unit, **fields)
                messages.success(request, _("Đã tạo bài thi %(code)s.") % {"code": session.code})
            else:
                changed = set(form.changed_data) - {"source"}
                if "source" in form.changed_data:
                    changed |= {"blueprint", "items", "form_count"}
                changes = {k: v for k, v in fields.items() if k in changed}
                for name in ("opens_at", "closes_at"):
                    # The page shows minutes: an untouched time is not a change.
                    if name in changes and _same_minute(changes[name], getattr(session, name)):
                        del changes[name]
                services.session_update(actor=actor, session=session, **changes)
                messages.success(request, _("Đã lưu bài thi."))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("exams:detail", pk=session.pk)
    if form.is_bound:
        picked_ids = [int(pk) for pk in request.POST.getlist("items") if pk.isdigit()]
        picked = {i.pk: i for i in approved_items(actor).filter(pk__in=picked_ids)}
        items = [picked[pk] for pk in dict.fromkeys(picked_ids) if pk in picked]
    return render(
        request,
        "exams/session_form.html",
        {"form": form, "session": session, "picked_items": items},
    )


def _same_minute(a, b) -> bool:
    return a.replace(second=0, microsecond=0) == b.replace(second=0, microsecond=0)


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request):
    require_staff(request)
    if not creator_units(request.user).exists():
        raise PermissionDenied
    return _editor(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request, pk: int):
    require_staff(request)
    return _editor(request, _managed_or_404(request, pk))


@login_required
@require_GET
def item_search(request):
    """Approved items the actor may use (htmx partial of the editor): words of the stem or name,
    of the chosen subject and grade when given."""
    require_staff(request)
    q = request.GET.get("item_q", "").strip()[:200]
    items = approved_items(request.user).select_related("current_version", "subject")
    subject = request.GET.get("subject", "")
    grade = request.GET.get("grade", "")
    if subject.isdigit():
        items = items.filter(subject_id=int(subject))
    if grade.isdigit():
        items = items.filter(grade=int(grade))
    found = []
    if q:
        words = fold(q).split()
        for item in items.order_by("-pk")[:2000]:
            text = fold(f"{item.pk} {item.name} {item.current_version.stem}")
            if all(w in text for w in words):
                found.append(item)
                if len(found) >= ITEM_RESULTS:
                    break
    return render(request, "exams/session_item_results.html", {"items": found, "q": q})


@login_required
@require_GET
def class_options(request):
    """The classes of the chosen unit, year and grade (htmx partial of the editor)."""
    require_staff(request)
    form = SessionForm(request.GET, actor=request.user)
    return render(request, "exams/session_class_options.html", {"form": form})


# --- the session's page -----------------------------------------------------------------------


@login_required
@require_GET
def session_detail(request, pk: int):
    require_staff(request)
    session = _session_or_404(request, pk)
    manage = can_manage(request.user, session)
    forms = list(session.forms.order_by("code").values_list("code", flat=True))
    classes = [c.school_class for c in session.classes.select_related("school_class__school").all()]
    return render(
        request,
        "exams/session_detail.html",
        {
            "session": session,
            "manage": manage,
            "forms": forms,
            "classes": classes,
            "badges": STATUS_BADGES,
            "opened": timezone.now() >= session.opens_at,
            "can_prepare": manage
            and session.status in (SessionStatus.DRAFT, SessionStatus.READY)
            and timezone.now() < session.closes_at,
            "can_delete": manage
            and session.status in (SessionStatus.DRAFT, SessionStatus.READY)
            and not session.started,
        },
    )


@login_required
@require_POST
def session_prepare(request, pk: int):
    require_staff(request)
    session = _managed_or_404(request, pk)
    learners = services.enrolled_on(
        session.classes.values("school_class_id"), timezone.localdate(session.opens_at)
    ).count()
    if learners > PREPARE_INLINE_LIMIT:
        from .tasks import prepare_session

        prepare_session.enqueue(session.pk, request.user.pk)
        messages.info(request, _("Đang tạo bài làm cho %(n)s thí sinh; tải lại trang sau ít phút.")
                      % {"n": learners})  # fmt: skip
        return redirect("exams:detail", pk=session.pk)
    try:
        outcome = services.session_prepare(actor=request.user, session=session)
    except ValidationError as exc:
        _error_messages(request, exc)
    else:
        messages.success(
            request,
            _("Đã có %(total)s bài làm (%(new)s bài mới) trên %(forms)s mã đề.")
            % {"total": outcome.total, "new": outcome.created, "forms": outcome.forms},
        )
    return redirect("exams:detail", pk=session.pk)


@login_required
@require_http_methods(["GET", "POST"])
def session_remove(request, pk: int):
    """A confirmation page, then the deletion."""
    require_staff(request)
    session = _managed_or_404(request, pk)
    if request.method == "POST":
        code = session.code
        try:
            services.session_delete(actor=request.user, session=session)
        except ValidationError as exc:
            _error_messages(request, exc)
            return redirect("exams:detail", pk=session.pk)
        messages.success(request, _("Đã xoá bài thi %(code)s.") % {"code": code})
        return redirect("exams:list")
    return render(request, "exams/session_delete.html", {"session": session})


# --- accommodations ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def accommodations(request, pk: int):
    """Extra minutes per candidate (accommodations), set before or during the exam."""
    require_staff(request)
    session = _managed_or_404(request, pk)
    attempts = list(selectors.supervisor_attempts(actor=request.user, session=session))
    errors = {}
    if request.method == "POST":
        changed = 0
        for attempt in attempts:
            raw = request.POST.get(f"extra_{attempt.pk}")
            if raw is None or raw.strip() == str(attempt.extra_minutes):
                continue
            if not raw.strip().isdigit():
                errors[attempt.pk] = _("Nhập số phút từ 0 đến 600.")
                continue
            try:
                services.accommodation_set(
                    actor=request.user, attempt=attempt, extra_minutes=int(raw)
                )
                changed += 1
            except ValidationError as exc:
                errors[attempt.pk] = " ".join(exc.messages)
        if not errors:
            messages.success(
                request, _("Đã lưu thời gian thêm của %(n)s thí sinh.") % {"n": changed}
            )
            return redirect("exams:accommodations", pk=session.pk)
        attempts = list(selectors.supervisor_attempts(actor=request.user, session=session))
    rows = [(a, errors.get(a.pk, ""), request.POST.get(f"extra_{a.pk}", a.extra_minutes))
            for a in attempts]  # fmt: skip
    return render(
        request,
        "exams/session_accommodations.html",
        {"session": session, "rows": rows, "has_errors": bool(errors)},
    )


# --- the supervisor ---------------------------------------------------------------------------


def _room(request) -> int | None:
    """The class (exam room) the supervisor narrowed the list to, from ?class= or the form."""
    value = request.GET.get("class") or request.POST.get("class") or ""
    return int(value) if value.isdigit() else None


def _back_to_supervise(request, session_id: int):
    url = reverse("exams:supervise", args=[session_id])
    room = _room(request)
    return redirect(f"{url}?class={room}" if room else url)


def _supervise_context(request, session: ExamSession) -> dict:
    room = _room(request)
    rows = selectors.supervisor_rows(actor=request.user, session=session, school_class_id=room)
    return {
        "room": room,
        "rooms": [
            (c.school_class_id, c.school_class.name)
            for c in session.classes.select_related("school_class").order_by("school_class__name")
        ],
        "session": session,
        "rows": rows,
        "summary": selectors.supervisor_summary(rows),
        "statuses": dict(AttemptStatus.choices),
        "time_form": ExtraTimeForm(),
        "now": timezone.now(),
    }


@login_required
@require_GET
def supervise(request, pk: int):
    require_staff(request)
    session = _managed_or_404(request, pk)
    return render(request, "exams/supervise.html", _supervise_context(request, session))


@login_required
@require_GET
def supervise_rows(request, pk: int):
    """The supervisor's table alone (htmx refresh every 10 s)."""
    require_staff(request)
    session = _managed_or_404(request, pk)
    return render(request, "exams/supervise_rows.html", _supervise_context(request, session))


@login_required
@require_POST
def attempt_time(request, pk: int):
    require_staff(request)
    attempt = _attempt_or_404(request, pk)
    form = ExtraTimeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nhập số phút từ 1 đến 600."))
    else:
        try:
            services.attempt_add_time(
                actor=request.user, attempt=attempt, minutes=form.cleaned_data["minutes"]
            )
        except ValidationError as exc:
            _error_messages(request, exc)
        else:
            messages.success(
                request,
                _("Đã cộng %(m)s phút cho %(name)s.")
                % {"m": form.cleaned_data["minutes"], "name": attempt.student.full_name},
            )
    return _back_to_supervise(request, attempt.session_id)


@login_required
@require_POST
def attempt_close(request, pk: int):
    require_staff(request)
    attempt = _attempt_or_404(request, pk)
    try:
        services.attempt_close(actor=request.user, attempt=attempt)
    except ValidationError as exc:
        _error_messages(request, exc)
    else:
        messages.success(
            request, _("Đã thu bài của %(name)s.") % {"name": attempt.student.full_name}
        )
    return _back_to_supervise(request, attempt.session_id)


@login_required
@require_POST
def attempt_check_in(request, pk: int):
    require_staff(request)
    attempt = _attempt_or_404(request, pk)
    services.attempt_check_in(actor=request.user, attempt=attempt)
    return _back_to_supervise(request, attempt.session_id)


urlpatterns = [
    path("exams/", session_list, name="list"),
    path("exams/new/", session_new, name="create"),
    path("exams/new/items/", item_search, name="item_search"),
    path("exams/new/classes/", class_options, name="class_options"),
    path("exams/<int:pk>/", session_detail, name="detail"),
    path("exams/<int:pk>/edit/", session_edit, name="edit"),
    path("exams/<int:pk>/prepare/", session_prepare, name="prepare"),
    path("exams/<int:pk>/delete/", session_remove, name="delete"),
    path("exams/<int:pk>/accommodations/", accommodations, name="accommodations"),
    path("exams/<int:pk>/supervise/", supervise, name="supervise"),
    path("exams/<int:pk>/supervise/rows/", supervise_rows, name="supervise_rows"),
    path("exams/attempts/<int:pk>/time/", attempt_time, name="attempt_time"),
    path("exams/attempts/<int:pk>/close/", attempt_close, name="attempt_close"),
    path("exams/attempts/<int:pk>/check-in/", attempt_check_in, name="attempt_check_in"),
]
