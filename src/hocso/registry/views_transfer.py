"""Admitting a transferring learner: the receiving school's page "Tiếp nhận học sinh chuyển đến".

In Vietnam the family brings the dossier to the new school, which admits the learner; the old
school then sees them leave. The receiving school cannot see the learner beforehand (they are in
the sending school's scope), so the page works in two steps:

1. lookup — an identifier (citizen ID or MOET code) AND the date of birth must both match a
   learner studying at another school (registry.selectors.transfer_candidate_find, audited).
   A miss is reported neutrally. A match shows only a minimal card: name, date of birth,
   current school and class.
2. admit — class, date and reason; services.student_transfer does the move. The learner found
   in step 1 travels in a signed, short-lived token bound to the actor and the school, so the
   second step cannot be pointed at anybody else.

Both steps are POSTs, so identifiers never appear in URLs or access logs.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hocso.accounts.scope import scope_for
from hocso.core.forms import apply_service_errors
from hocso.orgs.selectors import current_school_year, school_get

from . import services
from .forms import TransferInForm, TransferInLookupForm
from .models import SchoolClass
from .selectors import (
    transfer_candidate_find,
    transfer_candidate_get,
    transfer_lookup_misses_since,
)

TOKEN_SALT = "hocso.registry.transfer_in"  # noqa: S105 (a signing namespace, not a secret)
TOKEN_MAX_AGE = 3600  # seconds between the lookup and the admission
# A plain cap against guessing: unmatched lookups per user per hour. Legitimate admissions
# match on the first or second try; twenty misses in an hour is somebody searching.
LOOKUP_MISSES_PER_HOUR = 20


def _token_for(actor, school, student) -> str:
    return signing.dumps({"u": actor.pk, "s": school.code, "l": student.pk}, salt=TOKEN_SALT)


def _student_from_token(actor, school, token: str):
    """The learner a valid token names, or None (tampered, expired, another user or school)."""
    try:
        payload = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if payload.get("u") != actor.pk or payload.get("s") != school.code:
        return None
    return transfer_candidate_get(actor=actor, school=school, student_id=payload.get("l"))


def _admit_form(school, year, student, data=None, initial=None) -> TransferInForm:
    classes = (
        SchoolClass.objects.none()
        if year is None
        else SchoolClass.objects.filter(school=school, year=year).order_by("grade", "name")
    )
    return TransferInForm(
        data, initial=initial, classes=classes,
        not_before=student.current_enrollment.start_date,
    )  # fmt: skip


def _has_classes(form: TransferInForm) -> bool:
    return form.fields["to_class"].queryset.exists()


@login_required
@require_http_methods(["GET", "POST"])
def transfer_in(request, code: str):
    actor = request.user
    try:
        school = school_get(actor=actor, code=code)
    except ObjectDoesNotExist:
        raise Http404 from None
    if not scope_for(actor).covers(school.path, write=True):
        raise PermissionDenied
    year = current_school_year()
    context = {"school": school, "year": year, "student": None}
    step = request.POST.get("step") if request.method == "POST" else None

    if step == "admit":
        student = _student_from_token(actor, school, request.POST.get("token", ""))
        if student is None:
            messages.error(
                request,
                _(
                    "Phiên tiếp nhận đã hết hạn hoặc học sinh không còn đang học ở trường khác. "
                    "Vui lòng tra cứu lại."
                ),
            )
            return redirect("registry:transfer_in", code=school.code)
        form = _admit_form(school, year, student, data=request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.student_transfer(
                    actor=actor, student=student, to_class=data["to_class"], on=data["on"],
                    reason=data["reason"],
                )  # fmt: skip
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Đã tiếp nhận %(name)s vào lớp %(cls)s từ ngày %(day)s.")
                    % {
                        "name": student.full_name,
                        "cls": data["to_class"].name,
                        "day": data["on"].strftime("%d/%m/%Y"),
                    },
                )
                return redirect("registry:student", pk=student.pk)
        context.update(student=student, form=form, has_classes=_has_classes(form))
        return render(request, "registry/transfer_in.html", context)

    lookup = TransferInLookupForm(request.POST if step == "lookup" else None)
    context["lookup"] = lookup
    if step == "lookup" and lookup.is_valid():
        since = timezone.now() - timedelta(hours=1)
        if transfer_lookup_misses_since(actor=actor, since=since) >= LOOKUP_MISSES_PER_HOUR:
            lookup.add_error(
                None,
                _(
                    "Bạn đã tra cứu không thành công quá nhiều lần trong một giờ qua. "
                    "Vui lòng thử lại sau."
                ),
            )
            return render(request, "registry/transfer_in.html", context, status=429)
        student = transfer_candidate_find(
            actor=actor, school=school,
            national_id_or_moet=lookup.cleaned_data["identifier"],
            date_of_birth=lookup.cleaned_data["date_of_birth"],
        )  # fmt: skip
        if student is None:
            context["not_found"] = True
        elif student.current_enrollment.school_id == school.pk:
            context["already_here"] = student
        else:
            form = _admit_form(
                school, year, student, initial={"token": _token_for(actor, school, student)}
            )
            context.update(student=student, form=form, has_classes=_has_classes(form))
    return render(request, "registry/transfer_in.html", context)
