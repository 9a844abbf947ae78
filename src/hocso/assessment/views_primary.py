"""The primary evaluation sheet (Circular 27, grades 1–5): per class and assessment point (term
1 or 2, mid-term or end of term), the subject levels T / H / C with their comments, the quality
and competence levels T / Đ / C, the periodic test scores beside them (read-only: they are
entered in the grade book), and at the end of the year the year results with the teacher's
"outstanding" mark.

Thin like the grade book pages: reads through selectors_primary (a class outside the actor's
scope, or a secondary class, is a 404), writes through services (which decide who may write:
403). The sheet works as a plain form posting the whole table; static/hocso/gradebook.js (mode
"levels") turns it into a spreadsheet that saves changed cells as they are typed, through the
JSON endpoint primary_save.
"""

import json
import tempfile
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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hocso.accounts.services import audit_log
from hocso.curriculum.models import LAST_PRIMARY_GRADE
from hocso.curriculum.selectors import subjects_for_grade
from hocso.registry.exporters.xlsx import write_xlsx
from hocso.registry.importers.problems import ImportFileError
from hocso.registry.selectors import class_get

from . import access, rules, services
from . import selectors_primary as sp
from .importers_primary import (
    MOET_HEADER,
    NAME_HEADER,
    run_levels_import,
    subject_headers,
    test_header,
)
from .models import (
    ChangeSource,
    LockStatus,
    PrimaryAward,
    PrimaryOutcome,
    Stage,
    SubjectLevel,
    Term,
    TraitLevel,
)
from .selectors import class_roster, lock_status
from .views_gradebook import PROBLEMS_SHOWN, XLSX_TYPE, _who, _workflow_context

MAX_CELLS_PER_SAVE = 1000  # a class × 15 traits or 11 subjects × 2 fields, in batches of 40
LEVEL, COMMENT = 1, 2  # the "seq" of a subject's cells: its level, its comment
YEAR = "year"  # the tab of the year results (end of year only)

# What a typed key or a pasted cell may say, folded (lower case, no diacritics, đ → d).
SUBJECT_ALIASES = {
    "t": "T", "h": "H", "c": "C", "htt": "T", "ht": "H", "cht": "C",
    "hoan thanh tot": "T", "hoan thanh": "H", "chua hoan thanh": "C",
}  # fmt: skip
TRAIT_ALIASES = {
    "t": "T", "d": "D", "c": "C", "tot": "T", "dat": "D", "can co gang": "C", "ccg": "C",
}  # fmt: skip


# --- lookups -----------------------------------------------------------------------------------


def _primary_class_or_404(request, pk: int):
    try:
        school_class = class_get(actor=request.user, pk=pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    if school_class.grade > LAST_PRIMARY_GRADE:
        raise Http404
    return school_class


def _point_or_404(term: int, stage: str) -> tuple[int, str]:
    if term not in Term.values or stage not in Stage.values:
        raise Http404
    return term, stage


def _tab(request, term: int, stage: str) -> str:
    tab = request.GET.get("tab") or sp.SUBJECTS
    if tab == YEAR and (term, stage) != (Term.SECOND, Stage.END):
        raise Http404
    if tab not in (sp.SUBJECTS, sp.TRAITS, YEAR):
        raise Http404
    return tab


def _sheet_or_404(request, school_class, term, stage, tab):
    try:
        return sp.primary_sheet(
            actor=request.user, school_class=school_class, term=term, stage=stage, tab=tab
        )
    except PermissionDenied:
        raise Http404 from None


def _field_name(student_id: int, code: str, seq: int) -> str:
    return f"c-{student_id}-{code}-{seq}"


def outcome_label(outcome) -> str:
    return str(PrimaryOutcome(outcome).label) if outcome in PrimaryOutcome.values else ""


# --- the sheet ---------------------------------------------------------------------------------


def _cells(sheet, subject_code: str, *, posted=None, errors=None, originals=None):
    """Rows of the table: per learner the cells of each column (a level select, and on the
    comments view of one subject its comment), with the test score beside."""
    posted, errors, originals = posted or {}, errors or {}, originals or {}
    columns = sheet.columns
    if subject_code:
        columns = [c for c in columns if c.code == subject_code]
    rows = []
    for number, row in enumerate(sheet.rows, start=1):
        cells = []
        for column in columns:
            fields = [(LEVEL, row.levels.get(column.code, ""))]
            if subject_code:
                fields.append((COMMENT, row.comments.get(column.code, "")))
            for seq, stored in fields:
                name = _field_name(row.student.pk, column.code, seq)
                cells.append(
                    {
                        "name": name, "code": column.code, "seq": seq, "label": column.label,
                        "value": posted.get(name, stored), "original": originals.get(name, stored),
                        "editable": column.editable, "error": errors.get(name, ""),
                        "comment": seq == COMMENT, "column": column,
                        "test": row.tests.get(column.code) if column.test_kind and seq == LEVEL
                        else None,
                    }
                )  # fmt: skip
        rows.append(
            {"number": number, "student": row.student, "cells": cells,
             "result": outcome_label(row.outcome), "has_result": row.has_result}
        )  # fmt: skip
    return columns, rows


def _levels(tab: str):
    return TraitLevel.choices if tab == sp.TRAITS else SubjectLevel.choices


def _js_messages(tab: str) -> dict:
    choose = (
        _("Chọn T (Tốt), Đ (Đạt) hoặc C (Cần cố gắng)")
        if tab == sp.TRAITS
        else _("Chọn T (Hoàn thành tốt), H (Hoàn thành) hoặc C (Chưa hoàn thành)")
    )
    return {
        "comment": choose,
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
            "Có %(count)s ô đã nhập trên máy này nhưng chưa lưu; bảng hiện không sửa được."
        ),
        "leave": _("Còn ô chưa lưu. Rời trang?"),
    }


def _context(request, school_class, term, stage, tab, **cell_options) -> dict:
    actor = request.user
    subject_code = request.GET.get("subject", "") if tab == sp.SUBJECTS else ""
    base = {
        "school_class": school_class,
        "school": school_class.school,
        "term": term,
        "stage": stage,
        "tab": tab,
        "point_label": sp.point_label(term, stage),
        "term_label": Term(term).label,
        "points": [
            {
                "term": t,
                "stage": s,
                "label": sp.point_label(t, s),
                "active": (t, s) == (term, stage),
            }
            for t, s in sp.POINTS
        ],
        "is_year_end": (term, stage) == (Term.SECOND, Stage.END),
        "next": request.get_full_path(),
        **_workflow_context(request, school_class, term),
    }
    if tab == YEAR:
        return {**base, **_year_context(request, school_class)}
    sheet = _sheet_or_404(request, school_class, term, stage, tab)
    if subject_code and subject_code not in {c.code for c in sheet.columns}:
        raise Http404
    columns, rows = _cells(sheet, subject_code, **cell_options)
    save_url = reverse("assessment:primary_save", args=[school_class.pk, term, stage])
    aliases = TRAIT_ALIASES if tab == sp.TRAITS else SUBJECT_ALIASES
    return {
        **base,
        "sheet": sheet,
        "subject_code": subject_code,
        "subject_label": columns[0].label if subject_code and columns else "",
        "subject_columns": [c for c in sheet.columns] if tab == sp.SUBJECTS else [],
        "columns": columns,
        "rows": rows,
        "levels": _levels(tab),
        "can_edit": sheet.can_edit,
        "may_write": sheet.may_write,
        "groups": _trait_groups(columns) if tab == sp.TRAITS else [],
        "save_url": f"{save_url}?tab={tab}",
        "storage_key": f"hocso:primary:{actor.pk}:{school_class.pk}:{term}:{stage}:{tab}",
        "aliases": json.dumps(aliases),
        "js_messages": _js_messages(tab),
        "show_result": (term, stage) == (Term.SECOND, Stage.END),
    }


def _trait_groups(columns) -> list[tuple[str, int]]:
    labels = {
        "quality": _("Phẩm chất chủ yếu"),
        "general": _("Năng lực chung"),
        "specific": _("Năng lực đặc thù"),
    }
    groups: list[list] = []
    for column in columns:
        if groups and groups[-1][0] == column.group:
            groups[-1][1] += 1
        else:
            groups.append([column.group, 1])
    return [(labels[group], span) for group, span in groups]


@login_required
@require_http_methods(["GET", "POST"])
def primary_sheet(request, pk: int, term: int, stage: str):
    """The evaluation sheet. GET draws it; POST (without JavaScript) saves the cells whose
    posted value differs from the value the page was drawn with, or (tab "year") the teacher's
    "outstanding" marks."""
    school_class = _primary_class_or_404(request, pk)
    term, stage = _point_or_404(term, stage)
    tab = _tab(request, term, stage)
    if request.method == "GET":
        context = _context(request, school_class, term, stage, tab)
        return render(request, "assessment/primary_sheet.html", context)
    if tab == YEAR:
        return _year_save(request, school_class, term, stage)
    sheet = _sheet_or_404(request, school_class, term, stage, tab)
    cells, names = [], {}
    for row in sheet.rows:
        for column in sheet.columns:
            for seq in (LEVEL, COMMENT):
                name = _field_name(row.student.pk, column.code, seq)
                if name not in request.POST:
                    continue
                new = request.POST.get(name, "").strip()
                if new == request.POST.get("o-" + name, "").strip():
                    continue
                cells.append({"student": row.student.pk, "kind": column.code, "seq": seq,
                              "value": new})  # fmt: skip
                names[(row.student.pk, column.code)] = name
    posted = {k: v for k, v in request.POST.items() if k.startswith("c-")}
    originals = {k[2:]: v for k, v in request.POST.items() if k.startswith("o-c-")}
    errors: dict[str, str] = {}
    status = 400
    try:
        result = _save(request.user, school_class, term, stage, tab, cells)
    except services.PrimaryErrors as exc:
        for problem in exc.problems:
            name = names.get((problem.student_id, problem.code))
            if name:
                errors[name] = problem.message
        messages.error(request, _("Chưa lưu: có ô không hợp lệ (đánh dấu đỏ). Các ô khác vẫn giữ."))
    except ValidationError as exc:
        status = (
            409 if lock_status(school_class=school_class, term=term) == LockStatus.LOCKED else 400
        )
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Đã lưu: %(changed)s ô thay đổi.") % {"changed": result.changed}
        )
        return redirect(request.get_full_path())
    context = _context(request, school_class, term, stage, tab, posted=posted, errors=errors,
                       originals=originals)  # fmt: skip
    context["form_errors"] = list(errors.values())
    return render(request, "assessment/primary_sheet.html", context, status=status)


def _save(actor, school_class, term, stage, tab, cells):
    """Cells {student, kind (subject or trait code), seq (1 level, 2 comment), value} through
    the service of the tab; a cleared cell (None or "") clears the level or the comment."""
    if tab == sp.TRAITS:
        entries = [services.PrimaryEntry(c["student"], c["kind"], c["value"] or "") for c in cells]
        return services.primary_traits_save(
            actor=actor, school_class=school_class, term=term, stage=stage, entries=entries,
            source=ChangeSource.ENTRY,
        )  # fmt: skip
    merged: dict[tuple[int, str], list] = {}
    for cell in cells:
        entry = merged.setdefault((cell["student"], cell["kind"]), [None, None])
        entry[0 if cell.get("seq", LEVEL) == LEVEL else 1] = cell["value"] or ""
    entries = [services.PrimaryEntry(s, code, *values) for (s, code), values in merged.items()]
    return services.primary_subject_levels_save(
        actor=actor, school_class=school_class, term=term, stage=stage, entries=entries,
        source=ChangeSource.ENTRY,
    )  # fmt: skip


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
        student, kind, seq = cell.get("student"), cell.get("kind"), cell.get("seq", LEVEL)
        if isinstance(student, bool) or not isinstance(student, int) or not isinstance(kind, str):
            return None
        if seq not in (LEVEL, COMMENT) or isinstance(seq, bool):
            return None
        if not isinstance(cell.get("value"), str | None):
            return None
    return cells


def _json_error(message: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"ok": False, "message": message, **extra}, status=status)


@require_POST
def primary_save(request, pk: int, term: int, stage: str):
    """JSON endpoint of the autosave: {"cells": [{"student", "kind", "seq", "value"}]} with
    ?tab=subjects (kind = subject code; seq 1 = level, 2 = comment) or ?tab=traits (kind = trait
    code). Saved all at once, or refused as a whole: 400 with one error per refused cell, 403
    when the actor may not write a subject or the qualities, 409 when the term is locked. 200
    answers with the learners' year results."""
    if not request.user.is_authenticated:
        return _json_error(_("Phiên đăng nhập đã hết; hãy đăng nhập lại"), 401)
    school_class = _primary_class_or_404(request, pk)
    term, stage = _point_or_404(term, stage)
    tab = request.GET.get("tab") or sp.SUBJECTS
    if tab not in (sp.SUBJECTS, sp.TRAITS):
        raise Http404
    cells = _json_cells(request.body)
    if cells is None:
        return _json_error(_("Dữ liệu gửi lên không đúng định dạng"), 400)
    try:
        result = _save(request.user, school_class, term, stage, tab, cells)
    except PermissionDenied:
        return _json_error(_("Bạn không được nhập đánh giá này ở lớp này"), 403)
    except services.PrimaryErrors as exc:
        refused = {(p.student_id, p.code): p.message for p in exc.problems}
        errors = [
            {"student": c["student"], "kind": c["kind"], "seq": c.get("seq", LEVEL),
             "message": refused[(c["student"], c["kind"])]}
            for c in cells
            if (c["student"], c["kind"]) in refused
        ]  # fmt: skip
        return _json_error(_("Có ô không hợp lệ; chưa ô nào được lưu"), 400, errors=errors)
    except ValidationError as exc:
        if lock_status(school_class=school_class, term=term) == LockStatus.LOCKED:
            return _json_error(" ".join(exc.messages), 409, locked=True)
        return _json_error(" ".join(exc.messages), 400)
    found = sp.primary_year_results(
        actor=request.user, school_class=school_class, student_ids={c["student"] for c in cells}
    )
    version = sp.primary_version(
        actor=request.user, school_class=school_class, term=term, stage=stage, tab=tab
    )
    status = lock_status(school_class=school_class, term=term)
    return JsonResponse(
        {
            "ok": True,
            "version": version,
            "created": result.created,
            "updated": result.updated,
            "deleted": result.deleted,
            "unchanged": result.unchanged,
            "results": {
                str(student_id): {"result": outcome_label(r.outcome)}
                for student_id, r in found.items()
            },
            "status": status,
            "status_label": str(LockStatus(status).label),
        }
    )


# --- the year results (end of year) ------------------------------------------------------------


def _year_context(request, school_class) -> dict:
    actor = request.user
    try:
        results = sp.primary_year_results(actor=actor, school_class=school_class)
    except PermissionDenied:
        raise Http404 from None
    names = {gs.subject.code: gs.display_name for gs in subjects_for_grade(school_class.grade)}
    locked = lock_status(school_class=school_class, term=Term.SECOND) == LockStatus.LOCKED
    may_mark = access.can_keep_class_records(actor, school_class)
    rows = []
    for number, student in enumerate(class_roster(school_class=school_class), start=1):
        result = results.get(student.pk)
        rows.append(
            {
                "number": number, "student": student,
                "outcome": outcome_label(result.outcome) if result else "",
                "missing": sp.missing_labels(result.missing, names) if result else [],
                "promoted": result.promoted if result else None,
                "award": str(PrimaryAward(result.award).label) if result and result.award else "",
                "outstanding": bool(result and result.outstanding),
            }
        )  # fmt: skip
    return {"year_rows": rows, "may_mark": may_mark and not locked, "year_locked": locked}


def _year_save(request, school_class, term, stage):
    if not access.can_keep_class_records(request.user, school_class):
        raise PermissionDenied
    roster = list(class_roster(school_class=school_class))
    changed = []
    for student in roster:
        key = str(student.pk)
        if f"oo-{key}" not in request.POST:
            continue
        now = request.POST.get(f"out-{key}") == "1"
        if now != (request.POST.get(f"oo-{key}") == "1"):
            changed.append((student, now))
    try:
        with transaction.atomic():
            for student, outstanding in changed:
                services.primary_outstanding_set(
                    actor=request.user, school_class=school_class, student=student,
                    outstanding=outstanding,
                )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        context = _context(request, school_class, term, stage, YEAR)
        locked = lock_status(school_class=school_class, term=term) == LockStatus.LOCKED
        return render(
            request, "assessment/primary_sheet.html", context, status=409 if locked else 400
        )
    if changed:
        messages.success(
            request, _("Đã lưu đề nghị khen của %(count)s học sinh.") % {"count": len(changed)}
        )
    else:
        messages.info(request, _("Không có thay đổi nào để lưu."))
    return redirect(request.get_full_path())


# --- export ------------------------------------------------------------------------------------


@login_required
@require_GET
def primary_export(request, pk: int, term: int, stage: str):
    """The class's levels at this point as .xlsx: a row per learner with every subject's level
    (and its periodic test score beside), then every quality's and competence's level.
    Recorded in the audit log."""
    school_class = _primary_class_or_404(request, pk)
    term, stage = _point_or_404(term, stage)
    subjects = _sheet_or_404(request, school_class, term, stage, sp.SUBJECTS)
    traits = _sheet_or_404(request, school_class, term, stage, sp.TRAITS)
    # The headers are the importer's (importers_primary.levels_spec): an interchange format,
    # Vietnamese whatever the page language, so a file exported and filled in imports again.
    names = subject_headers(school_class.grade)
    headers = [MOET_HEADER, NAME_HEADER]
    for column in subjects.columns:
        headers.append(names[column.code])
        if column.test_kind:
            headers.append(test_header(names[column.code]))
    headers += [rules.PRIMARY_TRAITS[c.code] for c in traits.columns]
    trait_names = {"T": "T", "D": "Đ", "C": "C"}

    def row_of(subject_row, trait_row):
        values = [subject_row.student.moet_code or "", subject_row.student.full_name]
        for column in subjects.columns:
            values.append(subject_row.levels.get(column.code) or None)
            if column.test_kind:
                values.append(subject_row.tests.get(column.code))
        values += [trait_names.get(trait_row.levels.get(c.code, "")) for c in traits.columns]
        return values

    response = HttpResponse(content_type=XLSX_TYPE)
    count = write_xlsx(
        response, headers, (row_of(a, b) for a, b in zip(subjects.rows, traits.rows, strict=True)),
        title=f"{school_class.name} {sp.point_label(term, stage)}"[:31],
        widths=[18, 28, *[8] * (len(headers) - 2)],
    )  # fmt: skip
    audit_log(
        actor=request.user, action="primary.export", obj=school_class,
        org_unit=school_class.school, term=term, stage=stage, rows=count,
    )  # fmt: skip
    filename = f"danh-gia-{school_class.name}-hk{term}-{stage}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- import ------------------------------------------------------------------------------------


class LevelsImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Tệp .xlsx hoặc .csv"),
        help_text=gettext_lazy(
            "Cột nhận ra học sinh: Mã định danh Bộ GD&ĐT (hoặc Họ và tên); mỗi môn học, phẩm "
            "chất, năng lực một cột mang tên của nó. Ô trống giữ nguyên mức đã có."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv", "class": "form-control"}),
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
def primary_import(request, pk: int, term: int, stage: str):
    """Upload the class's levels at this point (the exported file, filled in): all or nothing,
    through the same services as the sheet."""
    school_class = _primary_class_or_404(request, pk)
    term, stage = _point_or_404(term, stage)
    writable = services.primary_subjects_writable(request.user, school_class)
    if writable is not None and not writable:
        raise PermissionDenied
    form = LevelsImportForm(request.POST or None, request.FILES or None)
    result, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            uploaded = form.cleaned_data["file"]
            suffix = Path(uploaded.name or "").suffix.lower()[:10]
            try:
                with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
                    for chunk in uploaded.chunks():
                        handle.write(chunk)
                    handle.flush()
                    result = run_levels_import(
                        path=handle.name, school_class=school_class, term=term, stage=stage,
                        actor=request.user, dry_run=form.cleaned_data["dry_run"],
                    )  # fmt: skip
            except ImportFileError as exc:
                form.add_error("file", exc.reason)
            except PermissionDenied:
                form.add_error(
                    "file", _("Tệp có mức đạt được của môn hoặc phẩm chất bạn không được nhập")
                )
                status = 403
            else:
                if result.written:
                    messages.success(
                        request,
                        _("Đã nhập: %(changed)s ô thay đổi, %(unchanged)s ô không đổi.")
                        % {"changed": result.changed, "unchanged": result.unchanged},
                    )
                if not result.errors:
                    status = 200
    context = {
        "school_class": school_class,
        "school": school_class.school,
        "term": term,
        "stage": stage,
        "point_label": sp.point_label(term, stage),
        "form": form,
        "result": result,
        "problems": result.problems[:PROBLEMS_SHOWN] if result else [],
        "problems_total": len(result.problems) if result else 0,
    }
    return render(request, "assessment/primary_import.html", context, status=status)


# --- history -----------------------------------------------------------------------------------

HISTORY_PAGE_SIZE = 25


def _level_text(level: str, trait: bool) -> str:
    if not level:
        return "—"
    return str((TraitLevel if trait else SubjectLevel)(level).label)


@login_required
@require_GET
def primary_history(request, pk: int, term: int, stage: str):
    """Who changed which level or comment at this point, newest first; one learner's with
    ?student=ID, one cell's with &cell=CODE-seq (as gradebook.js links it)."""
    school_class = _primary_class_or_404(request, pk)
    term, stage = _point_or_404(term, stage)
    student = None
    student_id = request.GET.get("student", "")
    if student_id:
        if not student_id.isdigit():
            raise Http404
        student = class_roster(school_class=school_class).filter(pk=int(student_id)).first()
        if student is None:
            raise Http404
    code = request.GET.get("cell", "").rpartition("-")[0] or request.GET.get("cell", "")
    try:
        changes = sp.primary_history(actor=request.user, school_class=school_class, term=term,
                                     stage=stage, student=student, code=code)  # fmt: skip
    except PermissionDenied:
        raise Http404 from None
    page_obj = Paginator(changes, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    sources = dict(ChangeSource.choices)
    page_obj.object_list = [
        {
            "at": change.changed_at,
            "student": change.student,
            "column": change.subject.name
            if change.subject_id
            else _(rules.PRIMARY_TRAITS.get(change.trait, change.trait)),
            "old": _level_text(change.old_level, not change.subject_id),
            "new": _level_text(change.new_level, not change.subject_id),
            "comment": change.new_comment if change.new_comment != change.old_comment else None,
            "by": _who(change.changed_by),
            "source": sources.get(change.source, change.source),
        }
        for change in page_obj.object_list
    ]
    context = {
        "school_class": school_class,
        "school": school_class.school,
        "term": term,
        "stage": stage,
        "point_label": sp.point_label(term, stage),
        "student": student,
        "page_obj": page_obj,
    }
    return render(request, "assessment/primary_history.html", context)
