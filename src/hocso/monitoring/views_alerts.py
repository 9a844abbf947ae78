"""Pages of the monitoring centre: the alerts inbox and one alert.

- `monitoring:alerts` `/monitoring/alerts/?tab=open|resolved&rule=&severity=&unread=1&page=`:
  the alerts the user may see (monitoring/alerts.py `visible_alerts`), filtered, paginated, with
  counts per tab, rule and severity and the unread count.
- `monitoring:alert` `/monitoring/alerts/<pk>/`: one alert, marked read on opening, with the data
  behind it (figures against the target, the learner's absences that month, periods needed
  against periods available) and the link to the data page. An alert the user may not see: 404.
- `monitoring:alerts_read_all` (POST, confirmed by a checkbox): every open alert marked read.

Staff only: learners, guardians and users without a role get 403 on the inbox. A learner is named
only to a user who may read the learner (registry.selectors.students_visible).
"""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, Q, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import access
from .alerts import mark_all_read, mark_read, visible_alerts, with_read
from .annual import format_number, format_value
from .models import Alert, AlertRule, Severity

PAGE_SIZE = 25
TABS = ("open", "resolved")


def _require_staff(request) -> None:
    if not access.can_view(request.user):
        raise PermissionDenied


def _learner_names(user, student_ids) -> dict[int, str]:
    """Names of the learners the user may read, among `student_ids` (one query)."""
    from hocso.registry.selectors import students_visible

    ids = {pk for pk in student_ids if pk}
    if not ids:
        return {}
    return dict(students_visible(actor=user).filter(pk__in=ids).values_list("pk", "full_name"))


@login_required
@require_GET
def inbox_page(request):
    _require_staff(request)
    user = request.user
    tab = request.GET.get("tab", "open")
    if tab not in TABS:
        tab = "open"
    rule = request.GET.get("rule", "")
    if rule not in AlertRule.values:
        rule = ""
    severity = request.GET.get("severity", "")
    if severity not in Severity.values:
        severity = ""
    unread_only = request.GET.get("unread") == "1"

    visible = with_read(visible_alerts(user), user)
    is_open = Q(resolved_at__isnull=True)
    counts = visible.aggregate(
        open=Count("pk", filter=is_open),
        resolved=Count("pk", filter=~is_open),
        unread=Count("pk", filter=is_open & Q(is_read=False)),
    )
    in_tab = visible.filter(is_open if tab == "open" else ~is_open)
    by_rule = dict(in_tab.order_by().values_list("rule").annotate(n=Count("pk")))
    by_severity = dict(in_tab.order_by().values_list("severity").annotate(n=Count("pk")))

    shown = in_tab
    if rule:
        shown = shown.filter(rule=rule)
    if severity:
        shown = shown.filter(severity=severity)
    if unread_only:
        shown = shown.filter(is_read=False)
    # Open alerts: unread first, then the most severe, then the newest; resolved: newest first.
    if tab == "open":
        rank = Case(
            When(severity=Severity.CRITICAL, then=Value(0)),
            When(severity=Severity.WARNING, then=Value(1)),
            default=Value(2),
        )
        order = ["is_read", rank, "-raised_at", "-id"]
    else:
        order = ["-resolved_at", "-id"]
    shown = shown.select_related("org_unit").order_by(*order)
    page_obj = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    names = _learner_names(user, [a.student_id for a in page_obj.object_list])
    rows = [{"alert": a, "learner": names.get(a.student_id)} for a in page_obj.object_list]
    return render(
        request,
        "monitoring/alerts.html",
        {
            "section": "alerts",
            "tab": tab,
            "rule": rule,
            "severity": severity,
            "unread_only": unread_only,
            "counts": counts,
            "rules": [(v, label, by_rule.get(v, 0)) for v, label in AlertRule.choices],
            "severities": [(v, label, by_severity.get(v, 0)) for v, label in Severity.choices],
            "rows": rows,
            "page_obj": page_obj,
            "filtered": bool(rule or severity or unread_only),
        },
    )


def _month_bounds(code: str) -> tuple[date, date] | None:
    try:
        year, month = (int(part) for part in code.split("-"))
        first = date(year, month, 1)
    except (ValueError, AttributeError):
        return None
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first, last


def _absences(alert: Alert) -> list:
    from hocso.registry.models import Absence

    bounds = _month_bounds((alert.data or {}).get("month", ""))
    if bounds is None:
        return []
    return list(
        Absence.objects.filter(student_id=alert.student_id, date__range=bounds)
        .select_related("school_class")
        .order_by("date")
    )


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _number(value, places: int = 2) -> str:
    """A stored figure the way the site writes it: "1.234,5" ("—" when missing or unreadable)."""
    return format_number(_decimal(value), places)


def _day(value) -> str:
    """A stored ISO date as dd/mm/YYYY (as it is when it is not one)."""
    try:
        return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
    except ValueError:
        return str(value or "—")


def _month(value) -> str:
    """A stored "YYYY-MM" as mm/YYYY."""
    bounds = _month_bounds(str(value or ""))
    return bounds[0].strftime("%m/%Y") if bounds else str(value or "—")


def _shown(alert: Alert) -> dict:
    """The alert's stored data (`Alert.data`: Decimal strings, ISO dates) as the page shows it:
    decimal comma, "%" after a percent, dd/mm/YYYY."""
    data = alert.data or {}
    if alert.rule == AlertRule.BELOW_TARGET:
        unit = data.get("unit", "")
        margin = _decimal(data.get("margin"))
        if margin is not None and data.get("margin_kind") != "points":
            margin *= 100  # a share of the target, shown as a percent of it
        return {
            "value": format_value(_decimal(data.get("value")), unit),
            "target": format_value(_decimal(data.get("target")), unit),
            "numerator": _number(data.get("numerator")),
            "denominator": _number(data.get("denominator")) if data.get("denominator") else "",
            "margin": format_number(margin),
        }
    if alert.rule == AlertRule.REPORT_LATE:
        return {"due_date": _day(data.get("due_date"))}
    if alert.rule == AlertRule.ABSENCE:
        return {"month": _month(data.get("month"))}
    if alert.rule == AlertRule.TEACHER_SHORTAGE:
        return {
            "needed": _number(data.get("needed"), 1),
            "available": _number(data.get("available"), 1),
            "shortfall": _number(data.get("shortfall"), 1),
            "grades": [
                {**g, "periods": _number(g.get("periods"), 1)} for g in data.get("grades", [])
            ],
        }
    return {}


@login_required
@require_GET
def alert_page(request, pk: int):
    _require_staff(request)
    user = request.user
    try:
        alert = (
            visible_alerts(user)
            .select_related("org_unit", "year", "indicator", "subject")
            .get(pk=pk)
        )
    except Alert.DoesNotExist:
        raise Http404 from None
    mark_read(alert, user)
    learner = None
    absences = []
    if alert.student_id:
        learner = _learner_names(user, [alert.student_id]).get(alert.student_id)
        if learner is not None:
            absences = _absences(alert)
    return render(
        request,
        "monitoring/alert.html",
        {
            "section": "alerts",
            "alert": alert,
            "data": alert.data or {},
            "learner": learner,
            "absences": absences,
            "unexcused": sum(1 for a in absences if not a.excused),
            "shown": _shown(alert),
        },
    )


@login_required
@require_POST
def read_all(request):
    _require_staff(request)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Hãy đánh dấu ô xác nhận trước khi đánh dấu tất cả là đã đọc."))
    else:
        count = mark_all_read(request.user)
        messages.success(request, _("Đã đánh dấu %(n)s cảnh báo là đã đọc.") % {"n": count})
    return redirect("monitoring:alerts")


urlpatterns = [
    path("alerts/", inbox_page, name="alerts"),
    path("alerts/read-all/", read_all, name="alerts_read_all"),
    path("alerts/<int:pk>/", alert_page, name="alert"),
]
