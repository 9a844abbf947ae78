"""Grade book pages (Circular 22 / 27): choose a subject and term of a class, the spreadsheet-like
grade book with its JSON autosave endpoint, per-cell history, the review → approve-and-lock
workflow, days absent and conduct per term, xlsx export and import — and a learner's (or their
guardian's) own results.

Thin: reads go through the scoped selectors (a class or learner outside the actor's scope is a
404), every write through `services` (which decide who may write and raise PermissionDenied
otherwise: 403). The grade book works as a plain form posting the whole table; static/hocso/
gradebook.js turns it into a spreadsheet that saves changed cells as they are typed.
"""

import json
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format, number_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hocso.accounts.services import audit_log
from hocso.curriculum.models import AssessmentMode, GradeSubject
from hocso.curriculum.selectors import grade_subject_get
from hocso.registry.exporters.xlsx import write_xlsx
from hocso.registry.importers.problems import ImportFileError
from hocso.registry.selectors import class_get

from . import access, selectors, services
from . import selectors_gradebook as gb_selectors
from .importers import run_grades_import
from .models import (
    ChangeSource,
    Level,
    LockStatus,
    Period,
    PrimaryAward,
    PrimaryOutcome,
    ScoreKind,
    Stage,
    SubjectLevel,
    Term,
    TraitLevel,
)
from .selectors_primary import (
    POINTS,
    learner_primary_year,
    missing_labels,
    point_key,
    point_label,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_CELLS_PER_SAVE = 500  # a whole class × subject × term is at most ~50 × 6 cells
HISTORY_PAGE_SIZE = 25
PROBLEMS_SHOWN = 200
PASSED, NOT_PASSED = "D", "CD"  # form values of a comment cell (Đ / CĐ)


# --- lookups -------------------------------------------------------------------------------


def _class_or_404(request, pk: int):
    try:
        return class_get(actor=request.user, pk=pk)
    except ObjectDoesNotExist:
        raise Http404 from None


def _term_or_404(term: int) -> int:
    if term not in Term.values:
        raise Http404
    return term


def _grade_subject_or_404(school_class, subject_code: str) -> GradeSubject:
    try:
        grade_subject = grade_subject_get(school_class.grade, subject_code)
    except GradeSubject.DoesNotExist:
        raise Http404 from None
    if not services.allowed_cells(grade_subject):
        raise Http404  # a primary subject assessed by comment only: no grade book of scores
    return grade_subject


def _gradebook_or_404(request, school_class, grade_subject, term):
    try:
        return selectors.gradebook_get(
            actor=request.user, school_class=school_class, subject=grade_subject.subject, term=term
        )
    except PermissionDenied:
        raise Http404 from None


def _default_term(school_class) -> int:
    today = timezone.localdate()
    return Term.SECOND if today > school_class.year.term1_end else Term.FIRST


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- how cells are shown and read --------------------------------------------------------------


def _show_score(value, mode: str) -> str:
    """A stored cell as typed in the grade book: "7,5", "8", "Đ"-as-"D"; "" when empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return PASSED if value else NOT_PASSED
    value = Decimal(value)
    if mode == AssessmentMode.PRIMARY or value == value.to_integral_value():
        return str(int(value))
    return number_format(value, 1)


def _show_result(average, passed) -> str:
    if average is not None:
        return number_format(average, 1)
    if passed is not None:
        return _("Đ") if passed else _("CĐ")
    return ""


def _same(new: str, old: str) -> bool:
    return new.strip().replace(",", ".") == old.strip().replace(",", ".")


def _entry_value(raw, mode: str):
    """What a form or JSON cell means to services.scores_save: None clears the cell."""
    if raw is None or isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float):
        raw = str(raw)
    if not isinstance(raw, str):
        return raw  # the service rejects it with a message naming the cell
    raw = raw.strip()
    if not raw:
        return None
    if mode == AssessmentMode.COMMENT:
        return {PASSED: True, NOT_PASSED: False}.get(raw.upper(), raw)
    return raw


def _field_name(student_id: int, kind: str, seq: int) -> str:
    return f"c-{student_id}-{kind}-{seq}"


@dataclass
class SheetCell:
    name: str
    label: str
    kind: str
    seq: int
    value: str  # what the input shows (the posted value after a refused save)
    original: str  # as stored when the page was drawn
    editable: bool
    error: str = ""


@dataclass
class SheetRow:
    number: int
    student: object
    cells: list = field(default_factory=list)
    result: str = ""
    complete: bool = False


def _sheet(gradebook, extra_seqs, *, posted=None, errors=None, originals=None):
    """Rows of the grade book table: one per learner (roster order), one cell per column, the
    extra regular columns (read-only) after the regular ones."""
    mode = gradebook.mode
    posted, errors, originals = posted or {}, errors or {}, originals or {}
    regular = [c for c in gradebook.columns if c.kind == ScoreKind.REGULAR]
    others = [c for c in gradebook.columns if c.kind != ScoreKind.REGULAR]
    extra = [selectors.Column(ScoreKind.REGULAR, s, f"TX{s}") for s in extra_seqs]
    columns = [(c, True) for c in regular] + [(c, False) for c in extra]
    columns += [(c, True) for c in others]
    rows = []
    for number, row in enumerate(gradebook.rows, start=1):
        sheet_row = SheetRow(
            number=number, student=row.student,
            result=_show_result(row.average, row.passed), complete=row.complete,
        )  # fmt: skip
        for column, allowed in columns:
            name = _field_name(row.student.pk, column.kind, column.seq)
            stored = _show_score(row.value(column), mode)
            sheet_row.cells.append(
                SheetCell(
                    name=name, label=column.label, kind=column.kind, seq=column.seq,
                    value=posted.get(name, stored), original=originals.get(name, stored),
                    editable=allowed and gradebook.can_edit, error=errors.get(name, ""),
                )
            )  # fmt: skip
        rows.append(sheet_row)
    return columns, rows


def _workflow_context(request, school_class, term: int) -> dict:
    """The workflow state of the class's term and the buttons the actor may use now."""
    actor = request.user
    lock = gb_selectors.lock_get(actor=actor, school_class=school_class, term=term)
    status = lock.status if lock is not None else LockStatus.OPEN
    records = access.can_keep_class_records(actor, school_class)
    approver = access.can_approve(actor, school_class.school)
    events = gb_selectors.lock_events(actor=actor, lock=lock, limit=5) if lock else []
    return {
        "lock": lock,
        "reviewed_by": _who(lock.reviewed_by) if lock else "",
        "approved_by": _who(lock.approved_by) if lock else "",
        "status": status,
        "status_label": LockStatus(status).label,
        "is_locked": status == LockStatus.LOCKED,
        "can_review": records and status == LockStatus.OPEN,
        "can_approve": approver and status == LockStatus.REVIEWED,
        "can_unlock": approver and status == LockStatus.LOCKED,
        "may_approve": approver,
        "lock_events": [
            {"at": e.at, "action": e.get_action_display(), "who": _who(e.actor), "reason": e.reason}
            for e in events
        ],
    }


def _who(user) -> str:
    """A user as pages name them; the system (command line, demo) when there is none."""
    if user is None:
        return _("hệ thống")
    return user.full_name or user.username


# --- the index: subjects and terms of a class --------------------------------------------------


@login_required
@require_GET
def gradebook_index(request, pk: int):
    school_class = _class_or_404(request, pk)
    try:
        term = int(request.GET.get("term") or _default_term(school_class))
    except ValueError:
        term = _default_term(school_class)
    term = term if term in Term.values else _default_term(school_class)
    choices = gb_selectors.gradebook_subjects(actor=request.user, school_class=school_class)
    context = {
        "school_class": school_class,
        "school": school_class.school,
        "term": term,
        "term_label": Term(term).label,
        "terms": Term.choices,
        "choices": choices,
        "mine": [c for c in choices if c.assigned],
        "others": [c for c in choices if not c.assigned],
        "can_keep_records": access.can_keep_class_records(request.user, school_class),
        "next": request.get_full_path(),
        **_workflow_context(request, school_class, term),
    }
    return render(request, "assessment/gradebook_index.html", context)


# --- the grade book --------------------------------------------------------------------------


def _sheet_context(request, school_class, grade_subject, term, **sheet_options) -> dict:
    # The version is read before the scores: a save committed in between then shows on the
    # page with a newer version than the page claims, which is harmless (the browser re-shows
    # values it saw confirmed after that version); the other order could claim a save the
    # page does not show.
    version = gb_selectors.gradebook_version(
        actor=request.user, school_class=school_class, subject=grade_subject.subject, term=term
    )
    gradebook = _gradebook_or_404(request, school_class, grade_subject, term)
    extra = []
    if gradebook.regular_required:
        extra = gb_selectors.extra_regular_seqs(
            actor=request.user, school_class=school_class, subject=grade_subject.subject,
            term=term, required=gradebook.regular_required,
        )  # fmt: skip
    headers, rows = _sheet(gradebook, extra, **sheet_options)
    code = grade_subject.subject.code
    args = [school_class.pk, code, term]
    workflow = _workflow_context(request, school_class, term)
    return {
        "school_class": school_class,
        "school": school_class.school,
        "grade_subject": grade_subject,
        "subject_code": code,
        "term": term,
        "term_label": Term(term).label,
        "gradebook": gradebook,
        "mode": gradebook.mode,
        "headers": headers,
        "rows": rows,
        "extra_columns": len(extra),
        "show_result": gradebook.mode != AssessmentMode.PRIMARY,
        "can_edit": gradebook.can_edit,
        "may_write": access.can_write_scores(request.user, school_class, grade_subject.subject),
        "save_url": reverse("assessment:gradebook_save", args=args),
        "history_url": reverse("assessment:gradebook_history", args=args),
        "storage_key": f"hocso:gradebook:{request.user.pk}:{school_class.pk}:{code}:{term}",
        "version": version,
        "next": request.get_full_path(),
        "js_messages": _js_messages(gradebook.mode),
        "decimal_mark": get_format("DECIMAL_SEPARATOR"),
        **workflow,
    }


def _js_messages(mode: str) -> dict:
    """The texts gradebook.js shows, in the page's language."""
    return {
        "notNumber": _("«%(value)s» không phải là điểm số"),
        "range": _("Điểm phải từ 0 đến 10"),
        "precision": _("Điểm chỉ được có một chữ số thập phân"),
        "primaryRange": _("Điểm bài kiểm tra định kì phải là số nguyên từ 1 đến 10"),
        "comment": _("Chọn Đ (Đạt) hoặc CĐ (Chưa đạt)"),
        "unsaved": _("%(count)s ô chưa lưu"),
        "invalid": _("%(count)s ô có lỗi"),
        "allSaved": _("Đã lưu tất cả"),
        "saving": _("Đang lưu…"),
        "offline": _("Không lưu được (mất kết nối?). Sẽ thử lại sau %(seconds)s giây."),
        "expired": _("Phiên đăng nhập đã hết. Hãy đăng nhập lại ở thẻ khác rồi bấm Thử lại."),
        "refused": _("Máy chủ từ chối lưu: %(message)s"),
        "restored": _(
            "Đã khôi phục %(count)s ô đã nhập trên máy này nhưng chưa lưu; đang gửi lại."
        ),
        "stranded": _(
            "Có %(count)s ô đã nhập trên máy này nhưng chưa lưu; sổ điểm hiện không sửa được."
        ),
        "cellHistory": _("Lịch sử ô này"),
        "leave": _("Còn ô chưa lưu. Rời trang?"),
        "passed": _("Đ"),
        "notPassed": _("CĐ"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def gradebook_sheet(request, pk: int, subject_code: str, term: int):
    """The grade book. GET draws it; POST (without JavaScript) saves the cells whose posted
    value differs from the value the page was drawn with — so a stale page never overwrites a
    colleague's later change to another cell."""
    school_class = _class_or_404(request, pk)
    term = _term_or_404(term)
    grade_subject = _grade_subject_or_404(school_class, subject_code)
    if request.method == "GET":
        context = _sheet_context(request, school_class, grade_subject, term)
        return render(request, "assessment/gradebook.html", context)

    gradebook = _gradebook_or_404(request, school_class, grade_subject, term)
    entries, names = [], []
    for row in gradebook.rows:
        for column in gradebook.columns:
            name = _field_name(row.student.pk, column.kind, column.seq)
            if name not in request.POST:
                continue
            new, old = request.POST.get(name, ""), request.POST.get("o-" + name, "")
            if _same(new, old):
                continue
            value = _entry_value(new, gradebook.mode)
            entries.append(services.Entry(row.student.pk, column.kind, column.seq, value))
            names.append(name)
    posted = {k: v for k, v in request.POST.items() if k.startswith("c-")}
    originals = {k[2:]: v for k, v in request.POST.items() if k.startswith("o-c-")}
    errors: dict[str, str] = {}
    status = 400
    try:
        result = services.scores_save(
            actor=request.user, school_class=school_class, subject=grade_subject.subject,
            term=term, entries=entries, source=ChangeSource.ENTRY,
        )  # fmt: skip
    except services.ScoreErrors as exc:
        for problem in exc.problems:
            errors[names[problem.index]] = problem.message
        messages.error(request, _("Chưa lưu: có ô không hợp lệ (đánh dấu đỏ). Các ô khác vẫn giữ."))
    except ValidationError as exc:
        locked = selectors.lock_status(school_class=school_class, term=term) == LockStatus.LOCKED
        status = 409 if locked else 400
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Đã lưu sổ điểm: %(changed)s ô thay đổi.") % {"changed": result.changed},
        )
        return redirect(request.path)
    context = _sheet_context(
        request, school_class, grade_subject, term,
        posted=posted, errors=errors, originals=originals,
    )  # fmt: skip
    context["form_errors"] = list(errors.values())
    return render(request, "assessment/gradebook.html", context, status=status)


def _json_error(message: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"ok": False, "message": message, **extra}, status=status)


def _json_cells(body: bytes) -> list[dict] | None:
    try:
        payload = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    cells = payload.get("cells") if isinstance(payload, dict) else None
    if not isinstance(cells, list) or not 0 < len(cells) <= MAX_CELLS_PER_SAVE:
        return None
    for cell in cells:
        if not isinstance(cell, dict):
            return None
        student, kind, seq = cell.get("student"), cell.get("kind"), cell.get("seq", 1)
        if isinstance(student, bool) or not isinstance(student, int):
            return None
        if not isinstance(kind, str) or isinstance(seq, bool) or not isinstance(seq, int):
            return None
        if not isinstance(cell.get("value"), str | bool | int | float | None):
            return None
    return cells


@require_POST
def gradebook_save(request, pk: int, subject_code: str, term: int):
    """JSON endpoint of the autosave: {"cells": [{"student", "kind", "seq", "value"}]} → saved
    all at once through services.scores_save, or refused as a whole: 400 with one error per
    refused cell, 403 when the actor may not write this subject, 409 when the term is locked.
    200 answers with the learners' recomputed term results."""
    if not request.user.is_authenticated:
        return _json_error(_("Phiên đăng nhập đã hết; hãy đăng nhập lại"), 401)
    school_class = _class_or_404(request, pk)
    term = _term_or_404(term)
    grade_subject = _grade_subject_or_404(school_class, subject_code)
    cells = _json_cells(request.body)
    if cells is None:
        return _json_error(_("Dữ liệu gửi lên không đúng định dạng"), 400)
    mode = grade_subject.effective_assessment_mode
    entries = [
        services.Entry(c["student"], c["kind"], c.get("seq", 1), _entry_value(c.get("value"), mode))
        for c in cells
    ]
    try:
        result = services.scores_save(
            actor=request.user, school_class=school_class, subject=grade_subject.subject,
            term=term, entries=entries, source=ChangeSource.ENTRY,
        )  # fmt: skip
    except PermissionDenied:
        return _json_error(_("Bạn không được sửa điểm môn này ở lớp này"), 403)
    except services.ScoreErrors as exc:
        errors = [
            {"student": p.student_id, "kind": p.kind, "seq": p.seq, "message": p.message}
            for p in exc.problems
        ]
        return _json_error(_("Có ô không hợp lệ; chưa ô nào được lưu"), 400, errors=errors)
    except ValidationError as exc:
        if selectors.lock_status(school_class=school_class, term=term) == LockStatus.LOCKED:
            return _json_error(" ".join(exc.messages), 409, locked=True)
        return _json_error(" ".join(exc.messages), 400)
    found = gb_selectors.subject_results(
        actor=request.user, school_class=school_class, subject=grade_subject.subject, term=term,
        student_ids={c["student"] for c in cells},
    )  # fmt: skip
    results = {
        str(student_id): {
            "result": _show_result(r.average, r.passed),
            "complete": r.complete,
        }
        for student_id, r in found.items()
    }
    status = selectors.lock_status(school_class=school_class, term=term)
    version = gb_selectors.gradebook_version(
        actor=request.user, school_class=school_class, subject=grade_subject.subject, term=term
    )
    return JsonResponse(
        {
            "ok": True,
            "version": version,
            "created": result.created,
            "updated": result.updated,
            "deleted": result.deleted,
            "unchanged": result.unchanged,
            "results": results,
            "status": status,
            "status_label": str(LockStatus(status).label),
        }
    )


# --- history ---------------------------------------------------------------------------------


def _show_change(value, passed, mode) -> str:
    shown = _show_score(value if value is not None else passed, mode)
    return {PASSED: _("Đ"), NOT_PASSED: _("CĐ")}.get(shown, shown) or "—"


@login_required
@require_GET
def gradebook_history(request, pk: int, subject_code: str, term: int):
    """Who changed which score of the grade book, newest first; one learner's, or one cell's,
    with ?student=ID and &cell=kind-seq."""
    school_class = _class_or_404(request, pk)
    term = _term_or_404(term)
    grade_subject = _grade_subject_or_404(school_class, subject_code)
    student = None
    student_id = request.GET.get("student", "")
    if student_id:
        if not student_id.isdigit():
            raise Http404
        roster = selectors.class_roster(school_class=school_class)
        student = roster.filter(pk=int(student_id)).first()
        if student is None:
            raise Http404
    try:
        changes = selectors.score_history(
            actor=request.user, school_class=school_class, subject=grade_subject.subject,
            term=term, student=student,
        )  # fmt: skip
    except PermissionDenied:
        raise Http404 from None
    cell_label = ""
    cell = request.GET.get("cell", "")
    if cell:
        kind, _sep, seq = cell.partition("-")
        if kind not in ScoreKind.values or not seq.isdigit():
            raise Http404
        changes = changes.filter(kind=kind, seq=int(seq))
        cell_label = services.cell_label(kind, int(seq))
    page_obj = Paginator(changes, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    mode = grade_subject.effective_assessment_mode
    sources = dict(ChangeSource.choices)
    page_obj.object_list = [
        {
            "at": change.changed_at,
            "student": change.student,
            "column": services.cell_label(change.kind, change.seq),
            "old": _show_change(change.old_value, change.old_passed, mode),
            "new": _show_change(change.new_value, change.new_passed, mode),
            "by": _who(change.changed_by),
            "source": sources.get(change.source, change.source),
        }
        for change in page_obj.object_list
    ]
    context = {
        "school_class": school_class,
        "school": school_class.school,
        "grade_subject": grade_subject,
        "subject_code": grade_subject.subject.code,
        "term": term,
        "term_label": Term(term).label,
        "student": student,
        "cell_label": cell_label,
        "page_obj": page_obj,
    }
    return render(request, "assessment/gradebook_history.html", context)


# --- the workflow ----------------------------------------------------------------------------


class UnlockForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Lý do mở khóa"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=gettext_lazy("Ghi rõ vì sao cần sửa điểm sau khi đã duyệt; lý do được lưu lại."),
    )


WORKFLOW = {
    "review": (
        services.gradebook_review,
        gettext_lazy("Xác nhận đã rà soát sổ điểm"),
        gettext_lazy(
            "Xác nhận giáo viên chủ nhiệm đã rà soát điểm mọi môn của lớp trong học kì này?"
        ),
        gettext_lazy("Đã rà soát"),
        gettext_lazy("Đã ghi nhận: sổ điểm đã được rà soát."),
    ),
    "approve": (
        services.gradebook_approve_lock,
        gettext_lazy("Duyệt và khóa sổ điểm"),
        gettext_lazy(
            "Duyệt và khóa sổ điểm học kì này của lớp? Sau khi khóa, không ai sửa được điểm, "
            "chuyên cần và rèn luyện cho đến khi mở khóa."
        ),
        gettext_lazy("Duyệt và khóa"),
        gettext_lazy("Đã duyệt và khóa sổ điểm."),
    ),
    "unlock": (
        services.gradebook_unlock,
        gettext_lazy("Mở khóa sổ điểm"),
        gettext_lazy("Mở khóa để sửa điểm? Sổ điểm sẽ phải rà soát và duyệt lại."),
        gettext_lazy("Mở khóa"),
        gettext_lazy("Đã mở khóa sổ điểm."),
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def gradebook_workflow(request, pk: int, term: int, action: str):
    """Review, approve-and-lock, unlock a class's term. GET is the confirmation page (what the
    grade book's dialogs show when JavaScript runs); POST does it — the service decides who may."""
    if action not in WORKFLOW:
        raise Http404
    school_class = _class_or_404(request, pk)
    term = _term_or_404(term)
    service, title, question, button, done = WORKFLOW[action]
    fallback = reverse("assessment:gradebook_index", args=[school_class.pk]) + f"?term={term}"
    back = _safe_next(request, fallback)
    form = UnlockForm(request.POST or None) if action == "unlock" else None
    status = 200
    if request.method == "POST":
        if form is not None and not form.is_valid():
            status = 400
        else:
            options = {"reason": form.cleaned_data["reason"]} if form is not None else {}
            try:
                service(actor=request.user, school_class=school_class, term=term, **options)
            except ValidationError as exc:
                if form is not None and hasattr(exc, "error_dict"):
                    for name, errors in exc.message_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                    status = 400
                else:
                    messages.error(request, " ".join(exc.messages))
                    return redirect(back)
            else:
                messages.success(request, str(done))
                return redirect(back)
    context = {
        "school_class": school_class,
        "school": school_class.school,
        "term": term,
        "term_label": Term(term).label,
        "action": action,
        "title": title,
        "question": question,
        "button": button,
        "form": form,
        "next": back,
    }
    return render(request, "assessment/gradebook_confirm.html", context, status=status)


# --- days absent and conduct -----------------------------------------------------------------


@dataclass
class ConductRow:
    number: int
    student: object
    days: str
    conduct: str
    original_days: str
    original_conduct: str
    year_conduct: str = ""
    year_days: str = ""
    errors: list = field(default_factory=list)

    @property
    def conduct_label(self) -> str:
        return dict(Level.choices).get(self.conduct, "")


@login_required
@require_http_methods(["GET", "POST"])
def conduct(request, pk: int, term: int):
    """Days absent and conduct of every learner of the class for a term (homeroom teacher or
    school admin), saved through services.term_record_save; all rows or none."""
    school_class = _class_or_404(request, pk)
    term = _term_or_404(term)
    actor = request.user
    roster = list(selectors.class_roster(school_class=school_class))
    records = gb_selectors.class_term_records(actor=actor, school_class=school_class, term=term)
    status = selectors.lock_status(school_class=school_class, term=term)
    may_keep = access.can_keep_class_records(actor, school_class)
    editable = may_keep and status != LockStatus.LOCKED
    levels = dict(Level.choices)
    rows = []
    for number, student in enumerate(roster, start=1):
        own = records.get(student.pk, {})
        record, year = own.get(term), own.get(Period.YEAR)
        days = str(record.days_absent) if record else ""
        level = record.conduct if record else ""
        rows.append(
            ConductRow(
                number=number, student=student, days=days, conduct=level, original_days=days,
                original_conduct=level,
                year_conduct=levels.get(year.conduct, "") if year else "",
                year_days=str(year.days_absent) if year else "",
            )
        )  # fmt: skip
    http_status = 200
    if request.method == "POST":
        if not may_keep:
            raise PermissionDenied
        http_status = _conduct_save(request, school_class, term, rows)
        if http_status == 200:
            return redirect(request.path)
    context = {
        "school_class": school_class,
        "school": school_class.school,
        "term": term,
        "term_label": Term(term).label,
        "rows": rows,
        "levels": Level.choices,
        "editable": editable,
        "may_keep": may_keep,
        "is_locked": status == LockStatus.LOCKED,
        "show_year": term == Term.SECOND,
        "has_errors": any(row.errors for row in rows),
    }
    return render(request, "assessment/gradebook_conduct.html", context, status=http_status)


def _conduct_save(request, school_class, term, rows) -> int:
    """Apply the posted rows that changed; 200 when saved, 400/409 with errors on the rows."""
    changed = []
    for row in rows:
        key = row.student.pk
        row.days = request.POST.get(f"d-{key}", row.days).strip()
        row.conduct = request.POST.get(f"k-{key}", row.conduct).strip()
        row.original_days = request.POST.get(f"od-{key}", row.original_days).strip()
        row.original_conduct = request.POST.get(f"ok-{key}", row.original_conduct).strip()
        if (row.days, row.conduct) == (row.original_days, row.original_conduct):
            continue
        if row.days and not row.days.isdigit():
            row.errors.append(_("Số ngày nghỉ phải là số nguyên không âm"))
        if row.conduct and row.conduct not in Level.values:
            row.errors.append(_("Kết quả rèn luyện không hợp lệ"))
        changed.append(row)
    if any(row.errors for row in rows):
        messages.error(request, _("Chưa lưu: có dòng không hợp lệ (đánh dấu đỏ)."))
        return 400
    if not changed:
        messages.info(request, _("Không có thay đổi nào để lưu."))
        return 200
    failed = False
    with transaction.atomic():
        for row in changed:
            try:
                services.term_record_save(
                    actor=request.user, student=row.student, school_class=school_class,
                    term=term, days_absent=int(row.days or 0), conduct=row.conduct,
                )  # fmt: skip
            except ValidationError as exc:
                row.errors.extend(exc.messages)
                failed = True
        if failed:
            transaction.set_rollback(True)
    if failed:
        locked = selectors.lock_status(school_class=school_class, term=term) == LockStatus.LOCKED
        messages.error(request, _("Chưa lưu chuyên cần và rèn luyện: xem các dòng đánh dấu đỏ."))
        return 409 if locked else 400
    messages.success(
        request,
        _("Đã lưu chuyên cần và rèn luyện của %(count)s học sinh.") % {"count": len(changed)},
    )
    return 200


# --- export and import -----------------------------------------------------------------------


@login_required
@require_GET
def gradebook_export(request, pk: int, subject_code: str, term: int):
    """The grade book as .xlsx with the columns `hocso import grades` reads, so a file exported,
    filled in and uploaded again round-trips."""
    school_class = _class_or_404(request, pk)
    term = _term_or_404(term)
    grade_subject = _grade_subject_or_404(school_class, subject_code)
    gradebook = _gradebook_or_404(request, school_class, grade_subject, term)
    headers = ["Mã định danh Bộ GD&ĐT", "Họ và tên", *[c.label for c in gradebook.columns]]

    def cell(value):
        if value is None:
            return None
        if isinstance(value, bool):
            return "Đ" if value else "CĐ"
        if gradebook.mode == AssessmentMode.PRIMARY:
            return int(value)
        return value

    rows = (
        [row.student.moet_code or "", row.student.full_name]
        + [cell(row.value(column)) for column in gradebook.columns]
        for row in gradebook.rows
    )
    response = HttpResponse(content_type=XLSX_TYPE)
    count = write_xlsx(
        response, headers, rows, title=f"{school_class.name} {grade_subject.subject.code}",
        widths=[18, 28, *[7] * len(gradebook.columns)],
    )  # fmt: skip
    audit_log(
        actor=request.user, action="gradebook.export", obj=school_class,
        org_unit=school_class.school, subject=grade_subject.subject.code, term=term, rows=count,
    )  # fmt: skip
    filename = f"so-diem-{school_class.name}-{grade_subject.subject.code}-hk{term}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class GradeImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Tệp .xlsx hoặc .csv"),
        help_text=gettext_lazy(
            "Cột nhận ra học sinh: Mã định danh Bộ GD&ĐT (hoặc Số định danh cá nhân, hoặc Họ và "
            "tên); cột điểm: TX1…TX4, GK, CK. Ô trống giữ nguyên điểm đã có."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv", "class": "form-control"}),
    )
    partial = forms.BooleanField(
        label=gettext_lazy("Ghi các dòng hợp lệ, bỏ qua các dòng có lỗi"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Chỉ kiểm tra, chưa ghi"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        limit = settings.HOCSO_MAX_UPLOAD_BYTES
        if uploaded.size > limit:
            raise forms.ValidationError(
                _("Tệp lớn hơn giới hạn %(limit)s MB") % {"limit": limit // 1048576}
            )
        return uploaded


@login_required
@require_http_methods(["GET", "POST"])
def gradebook_import(request, pk: int, subject_code: str, term: int):
    """Upload a grade file into this class, subject and term: the same importer as
    `hocso import grades`, run at once (one class's file is small)."""
    school_class = _class_or_404(request, pk)
    term = _term_or_404(term)
    grade_subject = _grade_subject_or_404(school_class, subject_code)
    subject = grade_subject.subject
    if not access.can_write_scores(request.user, school_class, subject):
        raise PermissionDenied
    form = GradeImportForm(request.POST or None, request.FILES or None)
    result, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            uploaded = form.cleaned_data["file"]
            try:
                result = _run_import(request, uploaded, school_class, subject, term, form)
            except ImportFileError as exc:
                form.add_error("file", exc.reason)
            else:
                if result.written and not form.cleaned_data["dry_run"]:
                    messages.success(
                        request,
                        _("Đã nhập điểm: %(created)s học sinh có điểm mới, %(updated)s học sinh "
                          "được sửa điểm, %(unchanged)s không đổi.")
                        % {"created": result.created, "updated": result.updated,
                           "unchanged": result.unchanged},
                    )  # fmt: skip
                if not result.errors:
                    status = 200
    context = {
        "school_class": school_class,
        "school": school_class.school,
        "grade_subject": grade_subject,
        "subject_code": subject.code,
        "term": term,
        "term_label": Term(term).label,
        "form": form,
        "result": result,
        "problems": result.problems[:PROBLEMS_SHOWN] if result else [],
        "problems_total": len(result.problems) if result else 0,
    }
    return render(request, "assessment/gradebook_import.html", context, status=status)


def _run_import(request, uploaded, school_class, subject, term, form):
    suffix = Path(uploaded.name or "").suffix.lower()[:10]
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        for chunk in uploaded.chunks():
            handle.write(chunk)
        handle.flush()
        return run_grades_import(
            path=handle.name, class_id=school_class.pk, subject_code=subject.code, term=term,
            actor=request.user, partial=form.cleaned_data["partial"],
            dry_run=form.cleaned_data["dry_run"], file_name=uploaded.name or "",
        )  # fmt: skip


# --- a learner's own grades ------------------------------------------------------------------


@login_required
@require_GET
def my_grades(request):
    """A student's own results, or a guardian's children's (a selector to pick one): per term
    and for the year, each subject's average or Đạt/Chưa đạt, the learning result, days absent
    and conduct. A year in a primary class (Circular 27) shows instead, per assessment point
    reached, each subject's level, comment and periodic test, the qualities and competences,
    and the year result. Read-only. Anyone else's learner is a 404."""
    actor = request.user
    learners = list(gb_selectors.own_learners(actor=actor))
    context = {"learners": learners, "student": None, "results": None}
    if not learners:
        return render(request, "assessment/my_grades.html", context)
    wanted = request.GET.get("student", "")
    if wanted:
        student = next((s for s in learners if str(s.pk) == wanted), None)
        if student is None:
            raise Http404
    else:
        student = learners[0]
    years = list(gb_selectors.learner_years(actor=actor, student=student))
    year = years[0] if years else None
    wanted_year = request.GET.get("year", "")
    if wanted_year:
        year = next((y for y in years if y.code == wanted_year), None)
        if year is None:
            raise Http404
    periods, primary = [], None
    if year is not None:
        found = learner_primary_year(actor=actor, student=student, year=year)
        if found is not None:
            primary = _primary_for_display(*found)
        else:
            results = selectors.learner_results(actor=actor, student=student, year=year)
            periods = _periods_for_display(results)
    context.update(
        {"student": student, "years": years, "year": year, "periods": periods, "primary": primary}
    )
    return render(request, "assessment/my_grades.html", context)


def _primary_for_display(grade: int, data) -> dict:
    """A primary year for my_grades: the points reached (some level, comment, test or trait
    written there), each with its subjects and its qualities and competences by group; the
    year result on the end-of-year point."""
    from hocso.curriculum.models import Subject

    result = data.result
    missing = list(result.missing) if result is not None and result.outcome is None else []
    missing_codes = {str(item).partition(":")[2] for item in missing}
    names = {s["code"]: s["name"] for s in data.subjects}
    if missing_codes - set(names):
        extra = Subject.objects.filter(code__in=missing_codes - set(names))
        names.update(extra.values_list("code", "name"))
    groups = {
        "quality": _("Phẩm chất chủ yếu"),
        "general": _("Năng lực chung"),
        "specific": _("Năng lực đặc thù"),
    }
    points = []
    for term, stage in POINTS:
        key = point_key(term, stage)
        subjects = [
            {
                "name": s["name"],
                "level": _label(SubjectLevel, s["levels"].get(key)),
                "comment": s["comments"].get(key, ""),
                "test": s["tests"].get(key),
            }
            for s in data.subjects
            if key in s["levels"] or key in s["comments"] or key in s["tests"]
        ]
        trait_groups = []
        for group, label in groups.items():
            items = [
                {"name": t["name"], "level": _label(TraitLevel, t["levels"][key])}
                for t in data.traits
                if t["group"] == group and key in t["levels"]
            ]
            if items:
                trait_groups.append({"label": label, "items": items})
        if not subjects and not trait_groups:
            continue
        points.append(
            {
                "label": point_label(term, stage),
                "subjects": subjects,
                "has_tests": any(s["test"] is not None for s in subjects),
                "trait_groups": trait_groups,
                "is_end": stage == Stage.END,  # qualities and competences are due here
                "is_year": (term, stage) == POINTS[-1],
            }
        )
    shown_result = None
    if result is not None and (result.outcome or (points and points[-1]["is_year"])):
        shown_result = {
            "outcome": _label(PrimaryOutcome, result.outcome),
            "promoted": result.promoted,
            "award": _label(PrimaryAward, result.award),
            "missing": missing_labels(missing, names),
        }
    return {"grade": grade, "points": points, "result": shown_result}


def _label(choices, code) -> str:
    """The label of a level code ("" for none or an unknown code)."""
    return str(choices(code).label) if code and code in choices.values else ""


def _periods_for_display(results) -> list[dict]:
    from hocso.curriculum.models import Subject

    levels = dict(Level.choices)
    missing_codes = {
        code
        for period in results.periods.values()
        if period.learning is not None
        for code in period.learning.missing
    }
    names = dict(Subject.objects.filter(code__in=missing_codes).values_list("code", "name"))
    shown = []
    for period_value in (Period.FIRST, Period.SECOND, Period.YEAR):
        period = results.periods.get(period_value)
        if period is None:
            continue
        learning = period.learning
        subjects = [
            {
                "name": r.subject.name,
                "result": _show_result(r.average, r.passed) if r.complete else "",
                "passed": r.passed,
                "scored": r.average is not None,
            }
            for r in period.subjects
        ]
        shown.append(
            {
                "label": Period(period_value).label,
                "subjects": subjects,
                "level": levels.get(learning.level, "") if learning and learning.level else "",
                "adjusted": bool(learning and learning.adjusted),
                "missing": [names.get(c, c) for c in (learning.missing if learning else [])],
                "conduct": levels.get(period.record.conduct, "") if period.record else "",
                "days_absent": period.record.days_absent if period.record else None,
                "promoted": learning.promoted if learning else None,
                "award": learning.get_award_display() if learning and learning.award else "",
                "is_year": period_value == Period.YEAR,
            }
        )
    return shown
