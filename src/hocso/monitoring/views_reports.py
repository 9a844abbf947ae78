"""Pages of the monitoring centre: statistical reports and data quality (issue 7).

- `/monitoring/reports/?year=&period=&status=&org=` — the reports of the actor's scope (a school
  admin: their school's; an officer: their subtree's), filtered and paginated;
- `/monitoring/reports/<pk>/` — one report: its frozen figures (or, before submission, the live
  figures, labelled so), its history and the buttons the actor may use; the actions are POSTs
  to the same address (`action` = submit, return, approve, accept);
- `/monitoring/reports/completeness/?year=&period=&org=` — completeness and timeliness per child
  unit;
- `/monitoring/quality/?org=&year=` — the data-quality checks of the unit's subtree.

Staff only (learners and guardians: 403); a report or unit outside the actor's scope: 404. Thin:
the work is in reports.py and quality.py.
"""

from collections import defaultdict
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from hocso.accounts.scope import scope_for
from hocso.accounts.services import audit_log
from hocso.orgs.models import OrgKind, OrgUnit

from . import access, compute, dashboard, quality, reports, selectors
from .models import Indicator, ReportPeriod, ReportStatus, StatReport

REPORTS_PER_PAGE = 50

STATUS_BADGES = {
    ReportStatus.DRAFT: "text-bg-secondary",
    ReportStatus.SUBMITTED: "text-bg-primary",
    ReportStatus.RETURNED: "text-bg-warning",
    ReportStatus.APPROVED: "text-bg-info",
    ReportStatus.ACCEPTED: "text-bg-success",
}


def _staff_only(request) -> None:
    if not access.can_view(request.user):
        raise PermissionDenied


def _unit(request) -> OrgUnit:
    try:
        return selectors.unit_for(actor=request.user, code=request.GET.get("org") or None)
    except OrgUnit.DoesNotExist:
        raise Http404 from None


def _year(request):
    try:
        return selectors.school_year_for(request.GET.get("year") or None)
    except ValidationError:
        raise Http404 from None


def _period(request) -> str:
    period = request.GET.get("period") or ReportPeriod.START
    return period if period in ReportPeriod.values else ReportPeriod.START


def _picker(request, unit: OrgUnit) -> list[OrgUnit]:
    """Units to choose from: every unit above the school level in scope, plus the current unit
    and its children (schools are reached from their commune)."""
    from django.db.models import Q

    units = selectors.units_readable(actor=request.user)
    return list(
        units.filter(~Q(kind=OrgKind.SCHOOL) | Q(pk=unit.pk) | Q(parent=unit)).order_by("path")
    )


def _years():
    from hocso.orgs.models import SchoolYear

    return list(SchoolYear.objects.order_by("-start_date"))


def _nav_query(unit: OrgUnit, year) -> str:
    return urlencode({"org": unit.code, "year": year.code})


# ---------------------------------------------------------------- the list


@login_required
@require_GET
def report_list(request):
    _staff_only(request)
    unit = _unit(request)
    year = _year(request)
    period = request.GET.get("period", "")
    status = request.GET.get("status", "")
    qs = (
        StatReport.objects.filter(
            scope_for(request.user).q("org_unit__path"),
            org_unit__path__startswith=unit.path,
            year=year,
        )
        .select_related("org_unit", "year")
        .order_by("org_unit__path", "period")
    )
    if period in ReportPeriod.values:
        qs = qs.filter(period=period)
    else:
        period = ""
    if status == "late":
        qs = qs.filter(status__in=reports.OPEN_FOR_SCHOOL, due_date__lt=timezone.localdate())
    elif status in ReportStatus.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    page = Paginator(qs, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for report in page:
        report.badge = STATUS_BADGES.get(report.status, "text-bg-secondary")
        report.late = reports.is_late(report, today)
        report.on_time = reports.was_on_time(report)
    return render(
        request,
        "monitoring/reports.html",
        {
            "unit": unit,
            "year": year,
            "years": _years(),
            "period": period,
            "status": status,
            "periods": ReportPeriod.choices,
            "statuses": ReportStatus.choices,
            "page_obj": page,
            "picker": _picker(request, unit),
            "section": "reports",
            "nav_query": _nav_query(unit, year),
        },
    )


# ---------------------------------------------------------------- one report


def _breakdown_label(key: str) -> str:
    """ "Nữ" for "gender:F", "Thành thị" for "area:urban": the dashboard's labels."""
    return dashboard.breakdown_label(key)[1]


def _figure_rows(figures: dict) -> list[dict]:
    """One row per indicator that has a figure, in catalog order, with its breakdowns."""
    by_indicator = defaultdict(dict)
    for (indicator_id, breakdown), pair in figures.items():
        by_indicator[indicator_id][breakdown] = pair
    rows = []
    for indicator in Indicator.objects.filter(pk__in=by_indicator).order_by("order", "code"):
        pairs = by_indicator[indicator.pk]
        num, den = pairs.get("", (None, None))
        rows.append(
            {
                "indicator": indicator,
                "numerator": num,
                "denominator": den,
                "value": compute.value_of(num, den, indicator.unit),
                "breakdowns": [
                    {
                        "label": _breakdown_label(key),
                        "numerator": n,
                        "denominator": d,
                        "value": compute.value_of(n, d, indicator.unit),
                    }
                    for key, (n, d) in sorted(
                        pairs.items(), key=lambda kv: dashboard.breakdown_order(kv[0])
                    )
                    if key
                ],
            }
        )
    return rows


def _report_or_404(request, pk: int) -> StatReport:
    try:
        return StatReport.objects.select_related(
            "org_unit", "year", "submitted_by", "approved_by", "accepted_by"
        ).get(scope_for(request.user).q("org_unit__path"), pk=pk)
    except StatReport.DoesNotExist:
        raise Http404 from None


ACTIONS = {
    reports.Action.SUBMIT: (lambda r, u, p: reports.submit(r, u), _("Đã gửi báo cáo.")),
    reports.Action.RETURN: (
        lambda r, u, p: reports.return_report(r, u, p.get("comment", "")),
        _("Đã trả lại báo cáo cho trường."),
    ),
    reports.Action.APPROVE: (lambda r, u, p: reports.approve(r, u), _("Đã duyệt báo cáo.")),
    reports.Action.ACCEPT: (lambda r, u, p: reports.accept(r, u), _("Đã tiếp nhận báo cáo.")),
}


def _messages_of(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request, pk: int):
    _staff_only(request)
    report = _report_or_404(request, pk)
    errors: list[str] = []
    comment = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        comment = request.POST.get("comment", "")
        if action not in ACTIONS:
            errors.append(_("Thao tác không hợp lệ."))
        elif action == reports.Action.SUBMIT and request.POST.get("confirm") != "1":
            errors.append(_("Hãy đánh dấu xác nhận trước khi gửi: số liệu sẽ được chốt."))
        else:
            run, done = ACTIONS[action]
            try:
                run(report, request.user, request.POST)
            except PermissionDenied:
                raise
            except ValidationError as error:
                errors += _messages_of(error)
            else:
                messages.success(request, done)
                return redirect("monitoring:report", pk=report.pk)
        report = _report_or_404(request, pk)
    frozen = report.status in reports.SENT
    figures = (
        reports.frozen_figures(report)
        if frozen
        else reports.live_figures(report.org_unit, report.year)
    )
    status = 400 if errors else 200
    return render(
        request,
        "monitoring/report.html",
        {
            "report": report,
            "badge": STATUS_BADGES.get(report.status, "text-bg-secondary"),
            "late": reports.is_late(report),
            "on_time": reports.was_on_time(report),
            "frozen": frozen,
            "rows": _figure_rows(figures),
            "events": list(report.events.select_related("actor")),
            "actions": reports.allowed_actions(report, request.user),
            "errors": errors,
            "comment": comment,
            "section": "reports",
            "nav_query": _nav_query(report.org_unit, report.year),
        },
        status=status,
    )


# ---------------------------------------------------------------- completeness


@login_required
@require_GET
def completeness_page(request):
    _staff_only(request)
    unit = _unit(request)
    year = _year(request)
    period = _period(request)
    rows = reports.completeness(unit, year, period)
    return render(
        request,
        "monitoring/completeness.html",
        {
            "unit": unit,
            "year": year,
            "years": _years(),
            "period": period,
            "periods": ReportPeriod.choices,
            "total": rows[0],
            "rows": rows[1:],
            "picker": _picker(request, unit),
            "section": "reports",
            "nav_query": _nav_query(unit, year),
        },
    )


# ---------------------------------------------------------------- data quality


@login_required
@require_GET
def quality_page(request):
    _staff_only(request)
    unit = _unit(request)
    year = _year(request)
    issues = quality.quality_checks(unit, year)
    # The lists name learners: a bulk read of personal data.
    audit_log(
        actor=request.user, action="monitoring.quality", org_unit=unit, year=year.code,
        shown=sum(len(i.rows) for i in issues),
    )  # fmt: skip
    return render(
        request,
        "monitoring/quality.html",
        {
            "unit": unit,
            "year": year,
            "years": _years(),
            "issues": issues,
            "problems": sum(i.count for i in issues),
            "picker": _picker(request, unit),
            "section": "quality",
            "nav_query": _nav_query(unit, year),
        },
    )


urlpatterns = [
    path("reports/", report_list, name="reports"),
    path("reports/completeness/", completeness_page, name="completeness"),
    path("reports/<int:pk>/", report_detail, name="report"),
    path("quality/", quality_page, name="quality"),
]
