"""Curriculum pages: the GDPT 2018 plan of each grade, and the forms with which a province
officer changes it outside the Django admin (officers are not is_staff).

Thin: reads through the selectors, writes through the services (which check permission again
and validate). Every staff role reads the plan — teachers work by it; only those who
`can_edit_curriculum` see the edit links, and anyone else gets a 403 from an edit page before a
form is shown. Editing a grade subject changes every grade book of that grade, so a valid edit
is first shown as a summary of what changes and saved only once confirmed.
"""

import hashlib
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from hocso.accounts.scope import scope_for
from hocso.assessment.rules import regular_assessments_required
from hocso.core.forms import apply_service_errors

from . import services
from .forms import GradeSubjectAddForm, GradeSubjectForm, SubjectForm
from .models import (
    FIRST_GRADE,
    LAST_GRADE,
    LAST_PRIMARY_GRADE,
    AssessmentMode,
    ElectiveGroup,
    GradeSubject,
)
from .selectors import (
    grade_subject_get,
    grade_subject_history,
    next_subject_sort_order,
    subjects_for_grade,
    subjects_not_in_grade,
)

DEFAULT_GRADE = 6
HISTORY_SHOWN = 10
# The plan's table says the mode in one or two words, so it fits a phone; the form and the
# summaries use the full labels.
SHORT_MODES = {
    AssessmentMode.SCORED: gettext_lazy("Điểm số"),
    AssessmentMode.COMMENT: gettext_lazy("Nhận xét"),
    AssessmentMode.PRIMARY: gettext_lazy("Mức hoàn thành"),
}
LEVELS = (
    (gettext_lazy("Tiểu học"), range(FIRST_GRADE, LAST_PRIMARY_GRADE + 1)),
    (gettext_lazy("THCS"), range(LAST_PRIMARY_GRADE + 1, 10)),
    (gettext_lazy("THPT"), range(10, LAST_GRADE + 1)),
)


def _require_reader(actor) -> None:
    if not scope_for(actor).is_staff_member:
        raise PermissionDenied


def _require_editor(actor) -> None:
    if not services.can_edit_curriculum(actor):
        raise PermissionDenied


def _grade_or_404(grade: int) -> int:
    if not FIRST_GRADE <= grade <= LAST_GRADE:
        raise Http404
    return grade


def _index_url(grade: int) -> str:
    return f"{reverse('curriculum:index')}?grade={grade}"


# --- how values read -------------------------------------------------------------------------


def _label(field: str) -> str:
    try:
        name = GradeSubject._meta.get_field(field).verbose_name
    except FieldDoesNotExist:  # a field since removed, named in an old audit entry
        return field
    return str(name)[:1].upper() + str(name)[1:]


def _show(field: str, value, subject_mode: str) -> str:
    """A stored value as the pages say it."""
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if field == "assessment_mode":
        if not value:
            return _("Theo môn (%(mode)s)") % {"mode": _mode_label(subject_mode)}
        return _mode_label(value)
    if field == "elective_group":
        if not value:
            return _("Không thuộc nhóm nào")
        return str(ElectiveGroup(value).label) if value in ElectiveGroup.values else value
    if field == "name" and not value:
        return _("(dùng tên môn)")
    if value in ("", None):
        return "—"
    return str(value)


def _mode_label(mode: str) -> str:
    return str(AssessmentMode(mode).label) if mode in AssessmentMode.values else mode


def _kind(row: GradeSubject) -> str:
    if row.elective_group:
        return _("Lựa chọn")
    return _("Bắt buộc") if row.is_compulsory else _("Tự chọn")


def _regular(grade: int, periods) -> int | None:
    """ĐĐGtx required per term (Circular 22), None in primary grades or for a bad value."""
    if grade <= LAST_PRIMARY_GRADE or not isinstance(periods, int) or periods < 1:
        return None
    return regular_assessments_required(periods)


def _change_lines(row: GradeSubject, changes: dict) -> list[dict]:
    mode = row.subject.assessment_mode
    return [
        {"label": _label(field), "old": _show(field, old, mode), "new": _show(field, new, mode)}
        for field, (old, new) in changes.items()
    ]


def _consequences(request, row: GradeSubject, changes: dict) -> list[str]:
    """What the change means for the grade books, in words."""
    lines = []
    if "periods_per_year" in changes and row.grade > LAST_PRIMARY_GRADE:
        old, new = (_regular(row.grade, p) for p in changes["periods_per_year"])
        if old != new:
            lines.append(
                _("Số lần đánh giá thường xuyên bắt buộc mỗi học kì đổi từ %(old)s thành %(new)s.")
                % {"old": old, "new": new}
            )
        else:
            lines.append(
                _("Số lần đánh giá thường xuyên bắt buộc mỗi học kì không đổi: %(n)s.") % {"n": new}
            )
    if "assessment_mode" in changes:
        subject_mode = row.subject.assessment_mode
        old, new = ((m or subject_mode) for m in changes["assessment_mode"])
        if old != new:
            lines.append(
                _("Môn chuyển từ “%(old)s” sang “%(new)s” trong sổ điểm.")
                % {"old": _mode_label(old), "new": _mode_label(new)}
            )
    for field, text_on, text_off in (
        (
            "has_periodic_tests",
            _("Sổ điểm có thêm bài kiểm tra định kì cuối học kì I và cuối năm."),
            _("Sổ điểm không còn bài kiểm tra định kì."),
        ),
        (
            "has_midterm_tests",
            _("Sổ điểm có thêm bài kiểm tra giữa kì."),
            _("Sổ điểm không còn bài kiểm tra giữa kì."),
        ),
    ):
        if field in changes:
            lines.append(text_on if changes[field][1] else text_off)
    lines.append(_affected_classes(request, row.grade))
    return lines


def _affected_classes(request, grade: int) -> str:
    # The page sits above the apps it shows: classes are the registry's.
    from hocso.orgs.selectors import current_school_year
    from hocso.registry.selectors import classes_visible

    year = current_school_year()
    if year is None:
        return _("Thay đổi áp dụng cho sổ điểm môn này của mọi lớp khối %(grade)s.") % {
            "grade": grade
        }
    count = classes_visible(actor=request.user).filter(grade=grade, year=year).count()
    return _(
        "Thay đổi áp dụng cho sổ điểm môn này của mọi lớp khối %(grade)s: %(count)s lớp "
        "trong năm học %(year)s."
    ) % {"grade": grade, "count": count, "year": year.code}


def _history(row: GradeSubject) -> list[dict]:
    mode = row.subject.assessment_mode
    items = []
    for entry in grade_subject_history(row, limit=HISTORY_SHOWN):
        detail = entry.detail or {}
        if entry.action == "grade_subject.create":
            action = _("Thêm vào khối")
            lines = [
                {"label": _label(field), "old": None, "new": _show(field, detail[field], mode)}
                for field in ("periods_per_year",)
                if field in detail
            ]
        else:
            action = _("Sửa")
            lines = [
                {
                    "label": _label(field),
                    "old": _show(field, old, mode),
                    "new": _show(field, new, mode),
                }
                for field, (old, new) in (detail.get("changes") or {}).items()
            ]
        items.append({"at": entry.created_at, "by": entry.actor, "action": action, "lines": lines})
    return items


def _changes_token(changes: dict) -> str:
    """Names the exact change a confirmation was shown for: if the row changed meanwhile (another
    officer), the old values differ, so does the token, and the summary is shown again."""
    text = json.dumps(changes, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- pages -----------------------------------------------------------------------------------


@login_required
@require_GET
def index(request):
    """The plan of one grade (?grade=1–12, grade 6 by default): one row per subject."""
    _require_reader(request.user)
    try:
        grade = int(request.GET.get("grade", DEFAULT_GRADE))
    except ValueError:
        grade = DEFAULT_GRADE
    if not FIRST_GRADE <= grade <= LAST_GRADE:
        grade = DEFAULT_GRADE
    rows = list(subjects_for_grade(grade))
    for row in rows:
        row.kind = _kind(row)
        mode = row.effective_assessment_mode
        row.mode_label = SHORT_MODES.get(mode, mode)
        row.mode_title = _mode_label(mode)
    return render(
        request,
        "curriculum/index.html",
        {
            "grade": grade,
            "levels": LEVELS,
            "rows": rows,
            "is_primary": grade <= LAST_PRIMARY_GRADE,
            "compulsory_periods": sum(r.periods_per_year for r in rows if r.is_compulsory),
            "can_edit": services.can_edit_curriculum(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def grade_subject_edit(request, grade: int, code: str):
    """Edit one grade subject: form → summary of the changes → confirmed save."""
    _require_editor(request.user)
    try:
        row = grade_subject_get(_grade_or_404(grade), code)
    except GradeSubject.DoesNotExist:
        raise Http404 from None
    initial = {name: getattr(row, name) for name in services.GRADE_SUBJECT_FIELDS}
    form = GradeSubjectForm(
        request.POST or None, initial=initial, grade=row.grade, subject=row.subject
    )
    editing = request.method == "POST" and "back" not in request.POST
    if editing and form.is_valid():
        values = form.grade_subject_values()
        try:
            changes = services.grade_subject_update_preview(
                actor=request.user, grade_subject=row, **values
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if not changes:
                messages.info(request, _("Không có thay đổi nào để lưu."))
                return redirect(
                    "curriculum:grade_subject_edit", grade=row.grade, code=row.subject.code
                )
            token = _changes_token(changes)
            confirmed = request.POST.get("confirm", "")
            if confirmed == token:
                try:
                    services.grade_subject_update(actor=request.user, grade_subject=row, **values)
                except ValidationError as exc:
                    apply_service_errors(form, exc)
                else:
                    messages.success(
                        request,
                        _("Đã lưu thay đổi của %(subject)s.") % {"subject": row},
                    )
                    return redirect(_index_url(row.grade))
            else:
                return render(
                    request,
                    "curriculum/grade_subject_confirm.html",
                    {
                        "row": row,
                        "form": form,
                        "token": token,
                        "changed_meanwhile": bool(confirmed),
                        "lines": _change_lines(row, changes),
                        "consequences": _consequences(request, row, changes),
                    },
                )
    return render(
        request,
        "curriculum/grade_subject_form.html",
        {
            "row": row,
            "form": form,
            "regular": row.regular_assessments_required,
            "kind": _kind(row),
            "mode_label": _mode_label(row.effective_assessment_mode),
            "history": _history(row),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def grade_subject_add(request, grade: int):
    """Add a subject (existing or just created) to a grade."""
    _require_editor(request.user)
    grade = _grade_or_404(grade)
    subjects = subjects_not_in_grade(grade)
    initial = {"is_compulsory": True}
    wanted = request.GET.get("subject", "").strip().upper()
    if wanted:
        initial["subject"] = subjects.filter(code=wanted).first()
    form = GradeSubjectAddForm(
        request.POST or None, initial=initial, grade=grade, subjects=subjects
    )
    if request.method == "POST" and form.is_valid():
        values = form.grade_subject_values()
        if grade <= LAST_PRIMARY_GRADE:
            values["assessment_mode"] = AssessmentMode.PRIMARY  # fixed by Circular 27
        try:
            row = services.grade_subject_create(
                actor=request.user, grade=grade, subject=form.cleaned_data["subject"], **values
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Đã thêm %(subject)s.") % {"subject": row})
            return redirect(_index_url(grade))
    return render(
        request,
        "curriculum/grade_subject_add.html",
        {"grade": grade, "form": form, "has_subjects": subjects.exists()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def subject_create(request):
    """A subject the program does not have yet (e.g. a minority language); next, the grades."""
    _require_editor(request.user)
    try:
        grade = _grade_or_404(int(request.GET.get("grade", DEFAULT_GRADE)))
    except (ValueError, Http404):
        grade = DEFAULT_GRADE
    form = SubjectForm(request.POST or None, initial={"sort_order": next_subject_sort_order()})
    if request.method == "POST" and form.is_valid():
        try:
            subject = services.subject_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Đã thêm môn %(subject)s. Chọn khối học môn này.") % {"subject": subject},
            )
            url = reverse("curriculum:grade_subject_add", args=[grade])
            return redirect(f"{url}?subject={subject.code}")
    return render(request, "curriculum/subject_form.html", {"grade": grade, "form": form})
