"""Pages of the electronic transcript (học bạ số): a learner's transcript of a year (HTML and
PDF), issuing it, choosing how much the public may see, the learner's and guardian's list, and
the public verify page.

Thin: reads through the scoped selectors (a learner outside the actor's scope is a 404, as on
the learner's profile), writes through transcripts.transcript_issue / transcripts_issue_class / transcript_set_share,
which check permission again.
"""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hocso.orgs.models import SchoolYear
from hocso.registry.selectors import class_get, student_get

from . import transcripts as tx
from .models import LearningResult, Period, PrimaryYearResult, ShareLevel, Transcript
from .transcript_pdf import pdf_filename, render_transcript, verify_addresses


def _student_or_404(actor, pk: int):
    try:
        return student_get(actor=actor, pk=pk)
    except ObjectDoesNotExist:
        raise Http404 from None


def _year_or_404(code: str) -> SchoolYear:
    year = SchoolYear.objects.filter(code=code).first()
    if year is None:
        raise Http404
    return year


def _qr_svg(url: str) -> str:
    """The verify address as an inline SVG QR code (a few KB, no image request)."""
    svg = segno.make(url, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff")
    return mark_safe(svg)  # noqa: S308 - segno's own markup; the URL is our own address


def _page_url(student, year: SchoolYear) -> str:
    return reverse("transcripts:page", args=[student.pk, year.code])


# --- a learner's transcripts -------------------------------------------------------------------


@login_required
@require_GET
def student_transcripts(request, pk: int):
    """The school years of a learner that have results or a transcript, newest first."""
    student = _student_or_404(request.user, pk)
    issued = {t.year_id: t for t in tx.transcripts_of(actor=request.user, student=student)
              if t.is_current}  # fmt: skip
    year_results = {
        r.year_id: r for r in LearningResult.objects.filter(student=student, term=Period.YEAR)
    }
    primary_results = {r.year_id: r for r in PrimaryYearResult.objects.filter(student=student)}
    year_ids = (
        set(issued)
        | set(LearningResult.objects.filter(student=student).values_list("year_id", flat=True))
        | set(primary_results)
    )
    years = SchoolYear.objects.filter(pk__in=year_ids).order_by("-start_date")
    rows = [
        {"year": year, "transcript": issued.get(year.pk), "result": year_results.get(year.pk),
         "primary": primary_results.get(year.pk)}
        for year in years
    ]  # fmt: skip
    return render(request, "assessment/transcript_index.html", {"student": student, "rows": rows})


@login_required
@require_GET
def transcript_page(request, pk: int, year: str):
    student = _student_or_404(request.user, pk)
    school_year = _year_or_404(year)
    actor = request.user
    current = tx.transcript_current(actor=actor, student=student, year=school_year)
    relation = tx.relation_to(actor, student)
    staff = tx.is_staff_reader(actor, student)
    may_issue = tx.can_issue(actor, student, school_year)
    school_class = tx.class_of_year(student, school_year)
    context = {
        "student": student, "year": school_year, "transcript": current, "relation": relation,
        "staff": staff, "may_issue": may_issue, "ShareLevel": ShareLevel,
    }  # fmt: skip
    if current is not None:
        verify_url, verify_home = verify_addresses(request, current.code)
        context.update(
            shown=tx.present(current.content), code=tx.format_code(current.code),
            verify_url=verify_url, verify_home=verify_home, qr_svg=_qr_svg(verify_url),
            intact=tx.hash_matches(current),
        )  # fmt: skip
        if relation is not None:
            tx.with_share_choice(current, relation)
    if staff:
        context["versions"] = list(
            Transcript.objects.filter(student=student, year=school_year)
            .select_related("issued_by")
            .order_by("-version")
        )
    if school_class is not None:
        draft = tx.build_snapshot(student, school_year, school_class)
        if current is None:
            context["draft"] = tx.present(draft)
        else:
            context["outdated"] = tx.content_body(current.content) != draft
    if may_issue:
        context["problems"] = tx.missing_for_issue(student, school_year, school_class)
        # Re-issuing is offered when it would change something: the results changed since,
        # or the stored snapshot no longer matches its hash.
        context["reissue"] = current is not None and (
            context.get("outdated") or not context.get("intact")
        )
        context["issue_class"] = school_class
    return render(request, "assessment/transcript.html", context)


@login_required
@require_POST
def transcript_issue_view(request, pk: int, year: str):
    student = _student_or_404(request.user, pk)
    school_year = _year_or_404(year)
    current = tx.transcript_current(actor=request.user, student=student, year=school_year)
    if current is not None and request.POST.get("confirm") != "1":
        messages.error(request, _("Hãy đánh dấu xác nhận trước khi cấp lại học bạ."))
        return redirect(_page_url(student, school_year))
    try:
        transcript = tx.transcript_issue(actor=request.user, student=student, year=school_year)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_page_url(student, school_year))
    if current is not None and transcript.pk == current.pk:
        messages.info(request, _("Kết quả không thay đổi kể từ lần cấp trước; học bạ giữ nguyên."))
    elif current is not None:
        messages.success(
            request,
            _("Đã cấp lại học bạ (bản số %(version)s). Mã cũ được ghi là đã thay thế.")
            % {"version": transcript.version},
        )
    else:
        messages.success(request, _("Đã cấp học bạ số."))
    return redirect(_page_url(student, school_year))


SKIPPED_SHOWN = 10  # learners listed by name after a class issue; the rest are counted


@login_required
@require_POST
def transcript_issue_class_view(request, pk: int):
    """Issue the transcripts of the class's year for the whole class (transcripts_issue_class),
    then go back to the learner's page the form was on, or to the class's results."""
    try:
        school_class = class_get(actor=request.user, pk=pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    student = None
    if request.POST.get("student", "").isdigit():
        student = _student_or_404(request.user, int(request.POST["student"]))
    back = (
        _page_url(student, school_class.year)
        if student is not None
        else reverse("assessment:class_results", args=[school_class.pk])
    )
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Hãy đánh dấu xác nhận trước khi cấp học bạ cả lớp."))
        return redirect(back)
    summary = tx.transcripts_issue_class(actor=request.user, school_class=school_class)
    messages.success(
        request,
        _(
            "Lớp %(name)s: đã cấp %(issued)s học bạ; %(unchanged)s học bạ không thay đổi kể từ "
            "lần cấp trước; %(skipped)s học sinh chưa được cấp."
        )
        % {
            "name": school_class.name, "issued": len(summary.issued),
            "unchanged": len(summary.unchanged), "skipped": len(summary.skipped),
        },
    )  # fmt: skip
    for skipped in summary.skipped[:SKIPPED_SHOWN]:
        messages.warning(
            request,
            _("%(learner)s: %(reasons)s")
            % {"learner": skipped.student.full_name, "reasons": "; ".join(skipped.reasons)},
        )
    if len(summary.skipped) > SKIPPED_SHOWN:
        messages.warning(
            request,
            _("… và %(count)s học sinh khác chưa được cấp.")
            % {"count": len(summary.skipped) - SKIPPED_SHOWN},
        )
    return redirect(back)


@login_required
@require_POST
def transcript_share_view(request, pk: int, year: str):
    student = _student_or_404(request.user, pk)
    school_year = _year_or_404(year)
    current = tx.transcript_current(actor=request.user, student=student, year=school_year)
    if current is None:
        raise Http404
    try:
        updated = tx.transcript_set_share(
            actor=request.user, transcript=current, level=request.POST.get("level", "")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if updated.share_level == ShareLevel.FULL:
            messages.success(request, _("Đã lưu. Trang kiểm tra sẽ hiện cả bảng điểm các môn."))
        else:
            messages.success(
                request,
                _("Đã lưu lựa chọn của bạn. Trang kiểm tra hiện thông tin tối thiểu."),
            )
    next_url = request.POST.get("next", "")
    if next_url == "mine":
        return redirect("transcripts:mine")
    return redirect(_page_url(student, school_year))


@login_required
@require_GET
def transcript_pdf(request, pk: int, year: str):
    student = _student_or_404(request.user, pk)
    school_year = _year_or_404(year)
    current = tx.transcript_current(actor=request.user, student=student, year=school_year)
    if current is None:
        raise Http404
    data = render_transcript(current, request=request)
    tx.transcript_downloaded(actor=request.user, transcript=current, via="web")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf_filename(current)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def my_transcripts(request):
    """A learner's or guardian's transcripts: each linked learner's current transcripts."""
    learners = list(tx.own_learners(actor=request.user))
    current = (
        Transcript.objects.filter(student__in=learners, superseded_at__isnull=True)
        .select_related("year", "school", "student")
        .order_by("-year__start_date")
    )
    by_learner: dict[int, list] = {s.pk: [] for s in learners}
    relations = {s.pk: tx.relation_to(request.user, s) for s in learners}
    for transcript in current:
        transcript.shown = tx.present(transcript.content)
        tx.with_share_choice(transcript, relations[transcript.student_id])
        by_learner[transcript.student_id].append(transcript)
    rows = [{"student": s, "transcripts": by_learner[s.pk]} for s in learners]
    return render(
        request, "assessment/transcript_mine.html", {"rows": rows, "ShareLevel": ShareLevel}
    )


# --- public verification -----------------------------------------------------------------------


def _public(response: HttpResponse) -> HttpResponse:
    """Verification answers are not for search engines nor shared caches."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@never_cache
def verify_form(request):
    typed = request.GET.get("code", "")
    if typed.strip():
        code = tx.normalize_code(typed)
        if code:
            return redirect("transcripts:verify", code=code)
    return _public(render(request, "assessment/verify_form.html", {"typed": typed}))


@require_GET
@never_cache
def verify(request, code: str):
    result = tx.transcript_verify(code)
    if result.state == tx.UNKNOWN:
        response = render(
            request, "assessment/verify_form.html", {"typed": code, "unknown": True}, status=404
        )
        return _public(response)
    context = {"result": result, "code": tx.format_code(result.code), "ShareLevel": ShareLevel}
    context.update(tx.verification_display(result))
    return _public(render(request, "assessment/verify.html", context))
