"""Registry pages: search, class roster, student and staff profiles, and the forms that change them.

Thin: reads go through the scoped selectors (an object outside the actor's scope is a 404),
writes through hocso.registry.services (which check permission again and validate). A page that
writes first checks that the actor may write at the school, so a reader gets a 403 before any
form is shown.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, CharField, F, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hocso.accounts.scope import scope_for
from hocso.accounts.services import audit_log
from hocso.core.forms import apply_service_errors
from hocso.core.text import fold
from hocso.orgs.models import OrgUnit
from hocso.orgs.selectors import current_school_year, school_get, schools_in_scope, schools_writable

from . import services
from .forms import (
    ClassForm,
    EquipmentForm,
    LeaveForm,
    RoomForm,
    StaffForm,
    StudentCreateForm,
    StudentForm,
    TransferForm,
)
from .models import Enrollment, Position, Relationship, SchoolClass, StudentStatus
from .selectors import (
    class_get,
    class_roster,
    classes_visible,
    equipment_visible,
    staff_get,
    staff_search,
    staff_visible,
    student_enrollment_history,
    student_get,
    student_guardians,
    students_search,
    students_visible,
)

PAGE_SIZE = 25
SEARCH_KINDS = ("student", "staff")


def _get_or_404(getter, **kwargs):
    try:
        return getter(**kwargs)
    except ObjectDoesNotExist:
        raise Http404 from None


def _require_write(actor, school: OrgUnit) -> None:
    if not scope_for(actor).covers(school.path, write=True):
        raise PermissionDenied


def _is_htmx(request) -> bool:
    """An htmx swap (not a history restore, which needs the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def _school_url(school: OrgUnit, tab: str = "") -> str:
    url = reverse("orgs:school", args=[school.code])
    return f"{url}?tab={tab}" if tab else url


# --- search ----------------------------------------------------------------------------------


def _search_rows(*, actor, q: str, kind: str, school_code: str):
    """Learners and staff as uniform rows (one UNION query), ordered by folded name.

    Row: kind, pk, full_name, search_name, date_of_birth, school_name, detail, state.
    `detail` is the staff member's position (empty for learners, whose class the caller adds
    for the rows it shows); `state` the learner's status or "active"/"inactive" for staff.
    """
    columns = (
        "row_kind", "pk", "full_name", "search_name", "date_of_birth", "row_school",
        "row_detail", "row_state",
    )  # fmt: skip
    parts = []
    if kind in ("", "student"):
        students = (
            students_search(actor=actor, q=q, school_code=school_code)
            .order_by()
            .annotate(
                row_kind=Value("student", output_field=CharField()),
                row_school=F("school__name"),
                # The class is looked up for the shown page only (see search): computing it for
                # every match before sorting would cost one subquery per matching learner.
                row_detail=Value("", output_field=CharField()),
                row_state=F("status"),
            )
            .values_list(*columns)
        )
        parts.append(students)
    if kind in ("", "staff"):
        staff = (
            staff_search(actor=actor, q=q, school_code=school_code)
            .order_by()
            .annotate(
                row_kind=Value("staff", output_field=CharField()),
                row_school=F("school__name"),
                row_detail=F("position"),
                row_state=Case(
                    When(is_active=True, then=Value("active")),
                    default=Value("inactive"),
                    output_field=CharField(),
                ),
            )
            .values_list(*columns)
        )
        parts.append(staff)
    rows = parts[0] if len(parts) == 1 else parts[0].union(*parts[1:], all=True)
    return rows.order_by("search_name", "row_kind", "pk")


def _class_names(*, actor, pks: list[int]) -> dict[int, str | None]:
    """The current class of each of these learners: one query for a page of results."""
    if not pks:
        return {}
    return dict(students_visible(actor=actor).filter(pk__in=pks).values_list("pk", "class_name"))


@login_required
@require_GET
def search(request):
    """One box for learners and staff: any case, with or without diacritics, đ/d, NFC or NFD.

    Digits search the identifiers (national ID, MOET code). Works as a plain GET form; with
    htmx the results refresh while typing and only the results fragment is sent.
    """
    actor = request.user
    q = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "")
    kind = kind if kind in SEARCH_KINDS else ""
    school_code = request.GET.get("school", "").strip()
    page_obj = None
    if q or school_code:
        rows = _search_rows(actor=actor, q=q, kind=kind, school_code=school_code)
        page_obj = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        positions = dict(Position.choices)
        statuses = dict(StudentStatus.choices)
        class_names = _class_names(
            actor=actor, pks=[r[1] for r in page_obj.object_list if r[0] == "student"]
        )
        page_obj.object_list = [
            {
                "kind": r[0],
                "pk": r[1],
                "full_name": r[2],
                "date_of_birth": r[4],
                "school_name": r[5],
                "detail": class_names.get(r[1]) if r[0] == "student" else positions.get(r[6], r[6]),
                "state": r[7],
                "state_label": statuses.get(r[7], "") if r[0] == "student" else "",
            }
            for r in page_obj.object_list
        ]
    context = {
        "q": q,
        "kind": kind,
        "school_code": school_code,
        "page_obj": page_obj,
        "hx_target": "#search-results",
    }
    if _is_htmx(request):
        response = render(request, "registry/_search_results.html", context)
    else:
        schools = schools_in_scope(actor=actor).values_list("code", "name")[:1000]
        context["schools"] = sorted(schools, key=lambda school: fold(school[1]))
        response = render(request, "registry/search.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- classes ---------------------------------------------------------------------------------


def _form_page(request, form, *, school: OrgUnit, title: str, cancel_url: str, save):
    """The shared add/edit page. On a valid POST, `save()` calls the service and returns the
    success message and where to go next; the service's validation errors land on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            message, next_url = save()
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect(next_url)
    return render(
        request,
        "registry/form_page.html",
        {"form": form, "school": school, "title": title, "cancel_url": cancel_url},
    )


@login_required
def class_detail(request, pk: int):
    school_class = _get_or_404(class_get, actor=request.user, pk=pk)
    roster = list(class_roster(school_class=school_class))
    return render(
        request,
        "registry/class_detail.html",
        {
            "school_class": school_class,
            "school": school_class.school,
            "roster": roster,
            "can_write": scope_for(request.user).covers(school_class.school.path, write=True),
        },
    )


@login_required
def class_create(request, code: str):
    school = _get_or_404(school_get, actor=request.user, code=code)
    _require_write(request.user, school)
    teachers = (
        staff_visible(actor=request.user)
        .filter(school=school, is_active=True)
        .order_by("search_name")
    )
    form = ClassForm(
        request.POST or None, teachers=teachers, school=school,
        initial={"year": current_school_year()},
    )  # fmt: skip

    def save():
        school_class = services.class_create(actor=request.user, school=school, **form.cleaned_data)
        return (
            _("Đã tạo lớp %(name)s.") % {"name": school_class.name},
            _school_url(school, "classes") + f"&year={school_class.year.code}",
        )

    return _form_page(
        request, form, school=school, title=_("Thêm lớp"), cancel_url=_school_url(school), save=save
    )


# --- students --------------------------------------------------------------------------------


def _student_for_write(request, pk: int):
    student = _get_or_404(student_get, actor=request.user, pk=pk)
    _require_write(request.user, student.school)
    return student


def _active_enrollment(student) -> Enrollment | None:
    return (
        Enrollment.objects.filter(student=student, end_date__isnull=True)
        .select_related("school", "year", "school_class")
        .first()
    )


@login_required
def student_detail(request, pk: int):
    student = _get_or_404(student_get, actor=request.user, pk=pk)
    # Opening a profile is a read of personal data: one audit row.
    audit_log(actor=request.user, action="student.view", obj=student, org_unit=student.school)
    history = list(student_enrollment_history(student=student))
    guardians = list(student_guardians(student=student))
    relationships = dict(Relationship.choices)
    for guardian in guardians:
        guardian.relationship_label = relationships.get(guardian.relationship, "")
    return render(
        request,
        "registry/student_detail.html",
        {
            "student": student,
            "school": student.school,
            "guardians": guardians,
            "history": history,
            "active": next((e for e in history if e.end_date is None), None),
            "can_write": scope_for(request.user).covers(student.school.path, write=True),
        },
    )


def _prefixed(exc: ValidationError, prefix: str) -> ValidationError:
    """A guardian's field errors renamed to the create form's guardian_* fields."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({f"{prefix}{k}": v for k, v in exc.message_dict.items()})


@login_required
def student_create(request, code: str):
    school = _get_or_404(school_get, actor=request.user, code=code)
    _require_write(request.user, school)
    year = current_school_year()
    classes = (
        classes_visible(actor=request.user).filter(school=school, year=year)
        if year
        else SchoolClass.objects.none()
    )
    form = StudentCreateForm(request.POST or None, classes=classes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                student = services.student_create(
                    actor=request.user, school=school, **form.student_values()
                )
                if data["guardian_name"]:
                    try:
                        services.guardian_link(
                            actor=request.user,
                            student=student,
                            full_name=data["guardian_name"],
                            phone=data["guardian_phone"],
                            relationship=data["guardian_relationship"],
                        )
                    except ValidationError as exc:
                        raise _prefixed(exc, "guardian_") from None
                if data["school_class"]:
                    services.student_enroll(
                        actor=request.user,
                        student=student,
                        school_class=data["school_class"],
                        start_date=data["start_date"],
                    )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Đã thêm học sinh %(name)s.") % {"name": student.full_name})
            return redirect("registry:student", pk=student.pk)
    return render(
        request,
        "registry/student_form.html",
        {
            "form": form,
            "school": school,
            "year": year,
            "title": _("Thêm học sinh"),
            "cancel_url": _school_url(school),
        },
    )


@login_required
def student_edit(request, pk: int):
    student = _student_for_write(request, pk)
    initial = {name: getattr(student, name) for name in services.STUDENT_FIELDS}
    form = StudentForm(request.POST or None, initial=initial, instance_pk=student.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.student_update(actor=request.user, student=student, **form.student_values())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu hồ sơ học sinh."))
            return redirect("registry:student", pk=student.pk)
    return render(
        request,
        "registry/student_form.html",
        {
            "form": form,
            "school": student.school,
            "student": student,
            "title": _("Sửa hồ sơ học sinh"),
            "cancel_url": reverse("registry:student", args=[student.pk]),
        },
    )


def _transfer_setup(request, student):
    """The schools a learner can be moved to by this actor, and their classes of the year."""
    year = current_school_year()
    destinations = (
        schools_writable(actor=request.user, on=date.today())
        .exclude(pk=student.school_id)
        .order_by("name")
    )

    def classes_for(school):
        if year is None:
            return SchoolClass.objects.none()
        return SchoolClass.objects.filter(school=school, year=year).order_by("grade", "name")

    return year, destinations, classes_for


@login_required
def student_transfer(request, pk: int):
    student = _student_for_write(request, pk)
    current = _active_enrollment(student)
    if current is None:
        messages.error(
            request, _("Học sinh không có lượt học nào đang mở nên không thể chuyển trường.")
        )
        return redirect("registry:student", pk=student.pk)
    year, destinations, classes_for = _transfer_setup(request, student)
    classes_url = reverse("registry:transfer_classes", args=[student.pk])
    refresh = request.method == "POST" and "refresh" in request.POST
    if refresh:
        # Without JavaScript: redraw with the classes of the chosen school, no validation yet.
        form = TransferForm(
            initial=request.POST.dict(), destinations=destinations, classes_for=classes_for,
            classes_url=classes_url,
        )  # fmt: skip
    else:
        form = TransferForm(
            request.POST or None, destinations=destinations, classes_for=classes_for,
            classes_url=classes_url,
        )  # fmt: skip
    if request.method == "POST" and not refresh and form.is_valid():
        data = form.cleaned_data
        try:
            services.student_transfer(
                actor=request.user, student=student, to_class=data["to_class"], on=data["on"],
                reason=data["reason"],
            )  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Đã chuyển %(name)s đến %(school)s, lớp %(cls)s.")
                % {
                    "name": student.full_name,
                    "school": data["to_school"].name,
                    "cls": data["to_class"].name,
                },
            )
            # The learner may now be outside the actor's read scope: go where they can look.
            if scope_for(request.user).covers(data["to_school"].path):
                return redirect("registry:student", pk=student.pk)
            return redirect(_school_url(current.school))
    return render(
        request,
        "registry/student_transfer.html",
        {
            "form": form,
            "student": student,
            "school": student.school,
            "current": current,
            "year": year,
            "has_destinations": destinations.exists(),
        },
    )


@login_required
@require_GET
def transfer_classes(request, pk: int):
    """htmx: the <option>s of the destination school's classes for the transfer form."""
    student = _student_for_write(request, pk)
    year, destinations, classes_for = _transfer_setup(request, student)
    raw = request.GET.get("to_school", "")
    school = destinations.filter(pk=int(raw)).first() if raw.isdigit() else None
    classes = list(classes_for(school)) if school is not None else []
    return render(
        request,
        "registry/_class_options.html",
        {"classes": classes, "school": school, "year": year},
    )


@login_required
def student_leave(request, pk: int):
    """Drop-out or graduation. Two steps: the form, then a confirmation that must be POSTed."""
    student = _student_for_write(request, pk)
    current = _active_enrollment(student)
    if current is None:
        messages.error(request, _("Học sinh không có lượt học nào đang mở."))
        return redirect("registry:student", pk=student.pk)
    form = LeaveForm(request.POST or None)
    confirming = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("confirm") == "yes":
            try:
                services.student_leave(
                    actor=request.user, student=student, on=data["on"], reason=data["reason"],
                    note=data["note"],
                )  # fmt: skip
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Đã ghi nhận: %(name)s — %(reason)s.")
                    % {
                        "name": student.full_name,
                        "reason": dict(form.fields["reason"].choices)[data["reason"]],
                    },
                )
                return redirect("registry:student", pk=student.pk)
        elif "edit" not in request.POST:
            confirming = True
    return render(
        request,
        "registry/student_leave.html",
        {
            "form": form,
            "student": student,
            "school": student.school,
            "current": current,
            "confirming": confirming,
            "reason_label": dict(form.fields["reason"].choices).get(form.cleaned_data.get("reason"))
            if confirming
            else "",
        },
    )


# --- staff -----------------------------------------------------------------------------------


@login_required
def staff_detail(request, pk: int):
    staff = _get_or_404(staff_get, actor=request.user, pk=pk)
    audit_log(actor=request.user, action="staff.view", obj=staff, org_unit=staff.school)
    return render(
        request,
        "registry/staff_detail.html",
        {
            "staff": staff,
            "school": staff.school,
            "other_schools": list(staff.other_schools.order_by("name")),
            "homeroom_classes": list(
                staff.homeroom_classes.select_related("year", "school").order_by(
                    "-year__start_date", "grade", "name"
                )
            ),
            "can_write": scope_for(request.user).covers(staff.school.path, write=True),
        },
    )


@login_required
def staff_create(request, code: str):
    school = _get_or_404(school_get, actor=request.user, code=code)
    _require_write(request.user, school)
    form = StaffForm(request.POST or None, initial={"is_active": True})

    def save():
        staff = services.staff_create(actor=request.user, school=school, **form.staff_values())
        return _("Đã thêm %(name)s.") % {"name": staff.full_name}, staff_url(staff)

    return _form_page(
        request, form, school=school, title=_("Thêm cán bộ, giáo viên"),
        cancel_url=_school_url(school, "staff"), save=save,
    )  # fmt: skip


@login_required
def staff_edit(request, pk: int):
    staff = _get_or_404(staff_get, actor=request.user, pk=pk)
    _require_write(request.user, staff.school)
    initial = {name: getattr(staff, name) for name in services.STAFF_FIELDS}
    form = StaffForm(request.POST or None, initial=initial, instance_pk=staff.pk)

    def save():
        services.staff_update(actor=request.user, staff=staff, **form.staff_values())
        return _("Đã lưu hồ sơ cán bộ, giáo viên."), staff_url(staff)

    return _form_page(
        request, form, school=staff.school,
        title=_("Sửa hồ sơ: %(name)s") % {"name": staff.full_name},
        cancel_url=staff_url(staff), save=save,
    )  # fmt: skip


def staff_url(staff) -> str:
    return reverse("registry:staff", args=[staff.pk])


# --- rooms and equipment ---------------------------------------------------------------------


@login_required
def room_create(request, code: str):
    school = _get_or_404(school_get, actor=request.user, code=code)
    _require_write(request.user, school)
    form = RoomForm(request.POST or None, school=school)

    def save():
        room = services.room_save(
            actor=request.user, school=school, code=form.cleaned_data["code"],
            **form.room_values(),
        )  # fmt: skip
        return _("Đã thêm phòng %(room)s.") % {"room": room}, _school_url(school, "rooms")

    return _form_page(
        request, form, school=school, title=_("Thêm phòng"),
        cancel_url=_school_url(school, "rooms"), save=save,
    )  # fmt: skip


@login_required
def equipment_create(request, code: str):
    school = _get_or_404(school_get, actor=request.user, code=code)
    _require_write(request.user, school)
    form = EquipmentForm(request.POST or None, school=school, initial={"quantity": 1})
    return _equipment_form(request, form, school, title=_("Thêm thiết bị"))


@login_required
def equipment_edit(request, pk: int):
    item = _get_or_404(lambda **kw: equipment_visible(actor=request.user).get(**kw), pk=pk)
    _require_write(request.user, item.school)
    initial = {
        "asset_code": item.asset_code, "name": item.name, "category": item.category,
        "room": item.room_id, "quantity": item.quantity, "condition": item.condition,
        "acquired_on": item.acquired_on,
    }  # fmt: skip
    form = EquipmentForm(request.POST or None, school=item.school, instance=item, initial=initial)
    return _equipment_form(
        request, form, item.school, title=_("Sửa thiết bị %(code)s") % {"code": item.asset_code}
    )


def _equipment_form(request, form: EquipmentForm, school: OrgUnit, *, title: str):
    def save():
        item = services.equipment_save(
            actor=request.user, school=school, asset_code=form.cleaned_data["asset_code"],
            **form.equipment_values(),
        )  # fmt: skip
        return _("Đã lưu thiết bị %(item)s.") % {"item": item}, _school_url(school, "equipment")

    return _form_page(
        request, form, school=school, title=title,
        cancel_url=_school_url(school, "equipment"), save=save,
    )  # fmt: skip
