"""Blueprint (ma trận đề) pages: the list, the editor (header, parts and the table of cells with
the number of approved items available to each), deletion, the 2025 ready blueprints, and the
generation of exam versions with the download of their papers as one zip.

Thin: reads go through blueprints.blueprints_visible / blueprint_get (a blueprint the actor may
not see is a 404), writes through the blueprint services, which check permission again. What
the user typed comes back with every error, each next to what it is about.

Generation runs in the request: 24 versions of a 40-item exam take about 6 s to generate and
typeset (measured; almost all of it is the PDFs), well under a request's patience, so no
background job. The result page links to a download that regenerates the same papers from the
seed (the generator is deterministic), so nothing has to be stored between the two.
"""

import random
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hocso.accounts.scope import scope_for
from hocso.core.forms import BootstrapMixin, apply_service_errors, model_field
from hocso.core.text import fold
from hocso.curriculum.models import Subject
from hocso.orgs.models import OrgUnit

from .blueprints import (
    MATH_2025,
    SCIENCES_2025,
    CellInput,
    blueprint_2025_create,
    blueprint_availability,
    blueprint_cells,
    blueprint_check,
    blueprint_create,
    blueprint_delete,
    blueprint_get,
    blueprint_update,
    blueprints_visible,
    can_edit_blueprint,
    exam_versions_generate,
)
from .forms import topics_for
from .generation import ShortageError, version_codes
from .models import COGNITIVE_LEVEL_CHOICES, ITEM_TYPE_CHOICES, Blueprint
from .papers import cell_label, papers_zip
from .views import require_staff

PAGE_SIZE = 20
MAX_VERSIONS = 24


def _blueprint_or_404(request, pk: int) -> Blueprint:
    try:
        return blueprint_get(actor=request.user, pk=pk)
    except Blueprint.DoesNotExist:
        raise Http404 from None


def _owner_units(actor):
    """The units the actor may own a blueprint with: those their roles are assigned to (and,
    for a superuser, any unit above a school)."""
    scope = scope_for(actor)
    if scope.everything:
        return OrgUnit.objects.exclude(kind="school").order_by("path")
    return OrgUnit.objects.filter(path__in=scope.read_paths).order_by("path")


# --- the list ---------------------------------------------------------------------------------


class Ready2025Form(forms.Form):
    subject = forms.ModelChoiceField(queryset=Subject.objects.none())
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none())

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = Subject.objects.filter(
            code__in=(MATH_2025, *SCIENCES_2025)
        ).order_by("name")
        self.fields["org_unit"].queryset = _owner_units(actor)


@login_required
@require_GET
def blueprint_list(request):
    """Blueprints the actor may use (their units' and those above), searched by code or name
    with or without diacritics."""
    require_staff(request)
    q = request.GET.get("q", "").strip()[:200]
    blueprints = list(blueprints_visible(actor=request.user).select_related("subject", "org_unit"))
    if q:
        words = fold(q).split()
        blueprints = [b for b in blueprints if all(w in fold(f"{b.code} {b.name}") for w in words)]
    page_obj = Paginator(blueprints, PAGE_SIZE).get_page(request.GET.get("page"))
    ready = Ready2025Form(actor=request.user)
    return render(
        request,
        "questions/blueprint_list.html",
        {
            "page_obj": page_obj,
            "q": q,
            "ready": ready,
            "can_create": ready.fields["org_unit"].queryset.exists(),
            "section": "blueprints",
        },
    )


@login_required
@require_POST
def blueprint_create_2025(request):
    """The ready 2025 graduation-exam blueprint of a subject, owned by a unit of the actor."""
    require_staff(request)
    form = Ready2025Form(request.POST, actor=request.user)
    if not form.is_valid():
        messages.error(request, _("Chọn môn học và đơn vị sở hữu ma trận."))
        return redirect("questions:blueprint_list")
    try:
        blueprint = blueprint_2025_create(
            actor=request.user,
            org_unit=form.cleaned_data["org_unit"],
            subject=form.cleaned_data["subject"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("questions:blueprint_list")
    messages.success(request, _("Đã tạo ma trận đề %(code)s.") % {"code": blueprint.code})
    return redirect("questions:blueprint_edit", pk=blueprint.pk)


# --- the editor -------------------------------------------------------------------------------


class CommaDecimalField(forms.DecimalField):
    """A decimal typed the Vietnamese way ("0,25") or with a point, in a text box (a number
    box refuses the comma in some browsers and shows nothing)."""

    widget = forms.TextInput

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
        return super().to_python(value)

    def widget_attrs(self, widget):
        return {"inputmode": "decimal"}


class BlueprintForm(BootstrapMixin, forms.Form):
    org_unit = forms.ModelChoiceField(
        queryset=OrgUnit.objects.none(), label=gettext_lazy("Đơn vị sở hữu")
    )
    code = model_field(Blueprint, "code")
    name = model_field(Blueprint, "name")
    subject = forms.ModelChoiceField(
        queryset=Subject.objects.order_by("name"), label=gettext_lazy("Môn học")
    )
    grade = model_field(Blueprint, "grade")
    duration_minutes = model_field(Blueprint, "duration_minutes")
    total_points = CommaDecimalField(
        label=gettext_lazy("Tổng điểm"), min_value=Decimal("0.01"), max_digits=6, decimal_places=2
    )

    def __init__(self, *args, actor, blueprint=None, **kwargs):
        super().__init__(*args, **kwargs)
        if blueprint is None:
            self.fields["org_unit"].queryset = _owner_units(actor)
        else:
            del self.fields["org_unit"]  # the owner never changes
        self.fields["grade"].widget.attrs.update(min=1, max=12)


@dataclass
class CellRow:
    """A row of the cell table as shown: what was typed, and its messages."""

    index: int
    part: str = ""
    topic: str = ""
    level: str = ""
    item_type: str = ""
    count: str = ""
    points: str = ""
    errors: list[str] = field(default_factory=list)
    need: int | None = None
    available: int | None = None
    label: str = ""

    @property
    def short(self) -> bool:
        return self.available is not None and self.available < (self.need or 0)


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _posted_parts(post) -> list[dict]:
    codes = post.getlist("part_code")
    titles = post.getlist("part_title")
    notes = post.getlist("part_instructions")
    parts = []
    for code, title, note in zip(codes, titles, notes, strict=False):
        if code.strip() or title.strip() or note.strip():
            parts.append({"code": code.strip()[:10], "title": title[:200], "instructions": note})
    return parts


def _posted_rows(post) -> list[CellRow]:
    names = ("part", "topic", "level", "item_type", "count", "points")
    columns = [post.getlist(f"cell_{name}") for name in names]
    rows = []
    for values in zip(*columns, strict=False):
        if not any(v.strip() for v in values):
            continue  # an added row left empty
        rows.append(CellRow(len(rows), *(v.strip() for v in values)))
    return rows


def _cells(rows: list[CellRow], topics) -> list[CellInput] | None:
    """The rows as service input, or None after putting a message on every bad row."""
    topics = {str(t.pk): t for t in topics}
    types = {value for value, _label in ITEM_TYPE_CHOICES}
    levels = {value for value, _label in COGNITIVE_LEVEL_CHOICES}
    cells = []
    for row in rows:
        number = row.index + 1
        if not row.part:
            row.errors.append(_("Ô %(n)s: chưa chọn phần.") % {"n": number})
        if row.item_type not in types:
            row.errors.append(_("Ô %(n)s: chưa chọn dạng câu hỏi.") % {"n": number})
        if row.level and row.level not in levels:
            row.errors.append(_("Ô %(n)s: mức độ không hợp lệ.") % {"n": number})
        if row.topic and row.topic not in topics:
            row.errors.append(
                _("Ô %(n)s: chủ đề không thuộc môn học và khối lớp của ma trận.") % {"n": number}
            )
        count = int(row.count) if row.count.isdigit() else 0
        if not 1 <= count <= 200:
            row.errors.append(
                _("Ô %(n)s: số câu phải là số nguyên từ 1 đến 200, không phải «%(v)s».")
                % {"n": number, "v": row.count}
            )
        points = _decimal(row.points)
        if points is None or points <= 0 or points >= 1000:
            row.errors.append(
                _("Ô %(n)s: điểm mỗi câu phải là số lớn hơn 0 (vd. 0,25), không phải «%(v)s».")
                % {"n": number, "v": row.points}
            )
        if not row.errors:
            cells.append(
                CellInput(
                    part=row.part,
                    item_type=row.item_type,
                    count=count,
                    points_per_item=points,
                    topic=topics.get(row.topic),
                    level=row.level,
                )  # fmt: skip
            )
    return None if any(row.errors for row in rows) else cells


def _saved_rows(blueprint: Blueprint, actor) -> list[CellRow]:
    """The saved cells with the number of approved items available to each."""
    rows = []
    for index, entry in enumerate(blueprint_availability(actor=actor, blueprint=blueprint)):
        cell = entry.cell
        rows.append(
            CellRow(
                index,
                cell.part,
                str(cell.topic_id or ""),
                cell.level,
                cell.item_type,
                str(cell.count),
                _points_text(cell.points_per_item),
                need=entry.need,
                available=entry.available,
            )  # fmt: skip
        )
    return rows


def _with_saved_availability(rows: list[CellRow], saved: list[CellRow]) -> None:
    """After an error, show the counts of the rows that are as saved (the others change the
    table, so their counts are only known once it is saved)."""
    known = {(r.part, r.topic, r.level, r.item_type, r.count): r for r in saved}
    for row in rows:
        match = known.get((row.part, row.topic, row.level, row.item_type, row.count))
        if match is not None:
            row.need, row.available = match.need, match.available


def _points_text(value) -> str:
    return format(Decimal(value).normalize(), "f").replace(".", ",")


def _totals(rows: list[CellRow]) -> tuple[int, Decimal]:
    items, points = 0, Decimal(0)
    for row in rows:
        value = _decimal(row.points)
        if row.count.isdigit() and value is not None:
            items += int(row.count)
            points += int(row.count) * value
    return items, points


def _route_errors(form, exc: ValidationError, cell_errors: list, part_errors: list) -> None:
    """A service's errors: those about the cells and the parts beside those tables, the others
    on the header fields."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    rest = {}
    for key, errors in exc.message_dict.items():
        if key == "cells":
            cell_errors.extend(errors)
        elif key == "parts":
            part_errors.extend(errors)
        elif key in ("count", "points_per_item", "item_type", "level", "part", "topic"):
            cell_errors.extend(errors)
        else:
            rest[key if key in form.fields else NON_FIELD_ERRORS] = errors
    if rest:
        apply_service_errors(form, ValidationError(rest))


def _editor(request, blueprint: Blueprint | None):
    actor = request.user
    saved = _saved_rows(blueprint, actor) if blueprint is not None else []
    if blueprint is None:
        initial = {"total_points": 10, "duration_minutes": 45}
        units = _owner_units(actor)
        if units.count() == 1:
            initial["org_unit"] = units.first()
        parts = [{"code": "I", "title": "PHẦN I", "instructions": ""}]
        rows = [CellRow(0, part="I")]
    else:
        initial = {
            "code": blueprint.code, "name": blueprint.name, "subject": blueprint.subject,
            "grade": blueprint.grade, "duration_minutes": blueprint.duration_minutes,
            "total_points": _points_text(blueprint.total_points),
        }  # fmt: skip
        parts, rows = list(blueprint.parts), saved
    form = BlueprintForm(request.POST or None, actor=actor, blueprint=blueprint, initial=initial)
    cell_errors: list[str] = []
    part_errors: list[str] = []
    if request.method == "POST":
        parts, rows = _posted_parts(request.POST), _posted_rows(request.POST)
        valid = form.is_valid()
        subject = form.cleaned_data.get("subject")
        topics = topics_for(subject.pk if subject else None, form.cleaned_data.get("grade"))
        cells = _cells(rows, topics)
        if valid and cells is not None:
            fields = {k: v for k, v in form.cleaned_data.items() if k != "org_unit"}
            try:
                if blueprint is None:
                    blueprint = blueprint_create(
                        actor=actor, org_unit=form.cleaned_data["org_unit"], parts=parts,
                        cells=cells, **fields,
                    )  # fmt: skip
                    messages.success(request, _("Đã tạo ma trận đề."))
                else:
                    blueprint_update(
                        actor=actor, blueprint=blueprint, parts=parts, cells=cells, **fields
                    )
                    messages.success(request, _("Đã lưu ma trận đề."))
            except ValidationError as exc:
                _route_errors(form, exc, cell_errors, part_errors)
            else:
                return redirect("questions:blueprint_edit", pk=blueprint.pk)
        _with_saved_availability(rows, saved)
    subject_value = form["subject"].value()
    grade_value = form["grade"].value()
    total_value = _decimal(str(form["total_points"].value() or "")) or Decimal(0)
    items, points = _totals(rows)
    return render(
        request,
        "questions/blueprint_form.html",
        {
            "form": form,
            "blueprint": blueprint,
            "parts": parts or [{"code": "", "title": "", "instructions": ""}],
            "rows": rows,
            "topics": topics_for(subject_value or None, grade_value),
            "item_types": ITEM_TYPE_CHOICES,
            "levels": COGNITIVE_LEVEL_CHOICES,
            "cell_errors": cell_errors,
            "part_errors": part_errors,
            "total_items": items,
            "total_cell_points": _points_text(points),
            "points_match": points == total_value,
            "any_short": any(row.short for row in rows),
            "section": "blueprints",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def blueprint_new(request):
    require_staff(request)
    if not _owner_units(request.user).exists():
        raise PermissionDenied
    return _editor(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def blueprint_edit(request, pk: int):
    require_staff(request)
    blueprint = _blueprint_or_404(request, pk)
    if not can_edit_blueprint(request.user, blueprint.org_unit):
        # Units below the owner use the blueprint but do not change it: they see it read-only.
        if request.method == "POST":
            raise PermissionDenied
        return render(
            request,
            "questions/blueprint_detail.html",
            {
                "blueprint": blueprint,
                "rows": _saved_rows(blueprint, request.user),
                "section": "blueprints",
            },
        )
    return _editor(request, blueprint)


@login_required
@require_POST
def blueprint_remove(request, pk: int):
    require_staff(request)
    blueprint = _blueprint_or_404(request, pk)
    code = blueprint.code
    blueprint_delete(actor=request.user, blueprint=blueprint)
    messages.success(request, _("Đã xoá ma trận đề %(code)s.") % {"code": code})
    return redirect("questions:blueprint_list")


# --- generation -------------------------------------------------------------------------------


class GenerateForm(BootstrapMixin, forms.Form):
    versions = forms.IntegerField(
        label=gettext_lazy("Số mã đề"), min_value=1, max_value=MAX_VERSIONS, initial=4
    )
    seed = forms.CharField(
        label=gettext_lazy("Hạt giống ngẫu nhiên"),
        max_length=40,
        help_text=gettext_lazy("Cùng hạt giống sinh lại đúng các mã đề này."),
    )
    codes = forms.CharField(
        label=gettext_lazy("Các mã đề"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Cách nhau bởi dấu phẩy; để trống: 101, 102, …"),
    )

    def clean(self):
        cleaned = super().clean()
        codes = [c.strip() for c in cleaned.get("codes", "").split(",") if c.strip()]
        if "versions" in cleaned and codes:
            try:
                version_codes(cleaned["versions"], codes)
            except ValueError:
                self.add_error(
                    "codes",
                    _("Cần đúng %(count)s mã đề khác nhau, không trống.")
                    % {"count": cleaned["versions"]},
                )
        cleaned["code_list"] = codes or None
        return cleaned


def _shortage_rows(rows) -> list[dict]:
    return [
        {"label": cell_label(row.cell), "need": row.need, "available": row.available}
        for row in rows
    ]


@login_required
@require_http_methods(["GET", "POST"])
def blueprint_generate(request, pk: int):
    """Choose the number of versions, the seed and the codes; generate, or list the cells the
    bank cannot fill."""
    require_staff(request)
    blueprint = _blueprint_or_404(request, pk)
    shortage = _shortage_rows(blueprint_check(actor=request.user, blueprint=blueprint))
    initial = {"seed": str(random.SystemRandom().randrange(10**5, 10**6))}
    form = GenerateForm(request.POST or None, initial=initial)
    generated = None
    download_url = ""
    if request.method == "POST" and not shortage and form.is_valid():
        try:
            generated = exam_versions_generate(
                actor=request.user, blueprint=blueprint, versions=form.cleaned_data["versions"],
                seed=form.cleaned_data["seed"], codes=form.cleaned_data["code_list"],
            )  # fmt: skip
        except ShortageError as exc:
            cells = {c.pk: c for c in blueprint_cells(blueprint)}
            shortage = [
                {"label": cell_label(cells[s.cell.key]), "need": s.need, "available": s.available}
                for s in exc.shortages
            ]
        else:
            query = {k: form.cleaned_data[k] for k in ("versions", "seed", "codes")}
            download_url = (
                reverse("questions:blueprint_download", args=[blueprint.pk])
                + "?"
                + urlencode(query)
            )
    return render(
        request,
        "questions/blueprint_generate.html",
        {
            "blueprint": blueprint,
            "form": form,
            "shortage": shortage,
            "generated": generated,
            "download_url": download_url,
            "zip_name": _zip_name(blueprint, form.cleaned_data.get("seed", ""))
            if generated
            else "",
            "section": "blueprints",
        },
    )


def _zip_name(blueprint: Blueprint, seed: str) -> str:
    safe_seed = "".join(ch for ch in str(seed) if ch.isalnum())[:20] or "0"
    return f"de_thi_{blueprint.code}_{safe_seed}.zip"


@login_required
@require_GET
def blueprint_download(request, pk: int):
    """The papers of the versions the seed gives, as one zip: de_<code>.pdf for each version,
    dap_an.pdf and dap_an.xlsx."""
    require_staff(request)
    blueprint = _blueprint_or_404(request, pk)
    form = GenerateForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Thiếu số mã đề hoặc hạt giống: hãy sinh đề lại."))
        return redirect("questions:blueprint_generate", pk=blueprint.pk)
    try:
        generated = exam_versions_generate(
            actor=request.user, blueprint=blueprint, versions=form.cleaned_data["versions"],
            seed=form.cleaned_data["seed"], codes=form.cleaned_data["code_list"],
        )  # fmt: skip
    except ShortageError:
        messages.error(request, _("Ngân hàng không còn đủ câu hỏi đã duyệt: hãy sinh đề lại."))
        return redirect("questions:blueprint_generate", pk=blueprint.pk)
    response = HttpResponse(papers_zip(blueprint, generated), content_type="application/zip")
    name = _zip_name(blueprint, form.cleaned_data["seed"])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
