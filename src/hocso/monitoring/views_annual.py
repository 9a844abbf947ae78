"""Pages of the monitoring centre: the annual report (issue 7, "Annual report").

- `/monitoring/annual/?org=CODE&year=YYYY-YYYY` (`monitoring:annual`): the report on screen and
  the narrative. Anyone whose read scope covers the unit reads it; the office roles with write
  scope over it (`access.can_edit_annual`) edit the narrative (POST, CSRF) and may start from a
  draft written from the PUBLIC figures (`&draft=1`: filled into the box, saved only when they
  save; the narrative is printed as written in the public version, so the draft never carries a
  figure the public tables hide).
- `/monitoring/annual/<org_code>/<year_code>.xlsx|.pdf` (`monitoring:annual_download`): the
  files; `?public=1` gives the version fit to publish (small cells suppressed, no author).

A unit outside the actor's read scope, an unknown unit or school year: 404. Thin: the figures
come from monitoring/annual.py. Every download is written to the audit log.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import re_path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from hocso.accounts.services import audit_log
from hocso.orgs.models import OrgUnit, SchoolYear, ancestor_paths

from . import access, annual, selectors

CHILDREN_PER_PAGE = 50
PDF_TYPE = "application/pdf"


class NarrativeForm(forms.Form):
    narrative = forms.CharField(
        label=gettext_lazy("Nhận định, đánh giá"),
        required=False,
        max_length=annual.NARRATIVE_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "class": "form-control"}),
    )
    version = forms.CharField(required=False, widget=forms.HiddenInput)


def _unit_and_year(actor, org_code: str | None, year_code: str | None):
    if not access.can_view(actor):
        raise Http404
    try:
        unit = selectors.unit_for(actor=actor, code=org_code or None)
        year = selectors.school_year_for(year_code) if year_code else _last_ended_year()
    except (OrgUnit.DoesNotExist, ValidationError):
        raise Http404 from None
    return unit, year


def _last_ended_year() -> SchoolYear:
    """The report is written once a school year is over: by default the last year that has
    ended, else (no year has ended yet) the current one. The page of a year still in progress
    points to it."""
    ended = SchoolYear.objects.filter(end_date__lt=timezone.localdate()).order_by("-end_date")
    return ended.first() or selectors.school_year_for(None)


def _page_url(unit, year, **extra) -> str:
    query = {"org": unit.code, "year": year.code, **extra}
    return f"{reverse('monitoring:annual')}?{urlencode(query)}"


@login_required
@require_http_methods(["GET", "POST"])
def annual_page(request):
    actor = request.user
    source = request.POST if request.method == "POST" else request.GET
    unit, year = _unit_and_year(actor, source.get("org"), source.get("year"))
    can_edit = access.can_edit_annual(actor, unit)
    form = None
    conflict = False
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = NarrativeForm(request.POST)
        if form.is_valid():
            try:
                annual.narrative_save(
                    actor=actor, unit=unit, year=year,
                    narrative=form.cleaned_data["narrative"],
                    # Absent (not the page's form): no check; "" = there was no text yet.
                    version=request.POST.get("version"),
                )  # fmt: skip
            except ValidationError as error:
                for message in error.message_dict.get("narrative", error.messages):
                    form.add_error("narrative", message)
                conflict = "version" in request.POST
            else:
                messages.success(request, _("Đã lưu phần nhận định của báo cáo năm."))
                return redirect(_page_url(unit, year))
    figures = annual.annual_figures(unit, year)
    current_version = annual.report_version(figures.report)
    if form is not None and conflict and request.POST.get("version") != current_version:
        # They have now seen the newer text (shown beside theirs): saving again overwrites it.
        form.data = form.data.copy()
        form.data["version"] = current_version
    else:
        conflict = False
    drafted = False
    if form is None:
        text = figures.narrative
        if can_edit and request.GET.get("draft") == "1":
            text, drafted = annual.draft_narrative(figures), True
        form = NarrativeForm(initial={"narrative": text, "version": current_version})
    children_page = Paginator(figures.children, CHILDREN_PER_PAGE).get_page(
        request.GET.get("cpage")
    )
    readable = selectors.units_readable(actor=actor)
    breadcrumbs = list(readable.filter(path__in=ancestor_paths(unit.path)).order_by("depth"))
    downloads = {
        fmt: reverse(
            "monitoring:annual_download",
            kwargs={"org_code": unit.code, "year_code": year.code, "fmt": fmt},
        )
        for fmt in ("xlsx", "pdf")
    }
    return render(
        request,
        "monitoring/annual.html",
        {
            "unit": unit,
            "year": year,
            "figures": figures,
            "form": form,
            "can_edit": can_edit,
            "drafted": drafted,
            "conflict": conflict,
            "author": annual.author_of(figures.report),
            "children_page": children_page,
            "page_obj": children_page,
            "child_headings": [
                (n, indicator) for n, indicator in enumerate(figures.child_indicators, start=1)
            ],
            "child_rows": [
                (child, child.texts(figures.child_indicators)) for child in children_page
            ],
            "years": list(SchoolYear.objects.order_by("-start_date")),
            "breadcrumbs": breadcrumbs,
            "xlsx_url": downloads["xlsx"],
            "pdf_url": downloads["pdf"],
            "draft_url": _page_url(unit, year, draft=1),
            "last_ended": _last_ended_year() if year.end_date >= timezone.localdate() else None,
            "section": "annual",
            "nav_query": urlencode({"org": unit.code, "year": year.code}),
        },
    )


@login_required
@require_GET
def annual_download(request, org_code: str, year_code: str, fmt: str):
    unit, year = _unit_and_year(request.user, org_code, year_code)
    public = request.GET.get("public") == "1"
    if fmt == "xlsx":
        body, content_type = annual.annual_xlsx(unit, year, public=public), annual.XLSX_TYPE
    else:
        body, content_type = annual.annual_pdf(unit, year, public=public), PDF_TYPE
    suffix = "-cong-khai" if public else ""
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="bao-cao-nam-{unit.code}-{year.code}{suffix}.{fmt}"'
    )
    response["Cache-Control"] = "private, no-store"
    audit_log(
        actor=request.user, action="monitoring.annual.export", org_unit=unit,
        year=year.code, format=fmt, public=public,
    )  # fmt: skip
    return response


urlpatterns = [
    re_path(r"^annual/$", annual_page, name="annual"),
    re_path(
        r"^annual/(?P<org_code>[0-9A-Za-z_.-]+)/(?P<year_code>[0-9]{4}-[0-9]{4})\.(?P<fmt>xlsx|pdf)$",
        annual_download,
        name="annual_download",
    ),
]
