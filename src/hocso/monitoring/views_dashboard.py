"""The monitoring centre's dashboard pages (issue 7, "Dashboard").

- `/monitoring/?org=&year=`: the overview — the plan's indicators as cards (value against the
  target, written out and drawn as a bullet), then the usual statistics.
- `/monitoring/indicators/<code>/?org=&year=`: one indicator — its trend over the school years
  with the target, the ranking of the child units (a click on a bar or a row opens the same page
  for that child: drill-down without a map), the breakdowns, the definition. With
  `&date=YYYY-MM-DD&boundaries=then|today`: the indicator as of that day (monitoring/asof.py) —
  the unit and its children of that day's tree ("then") or of today's, computed by the engine
  like the values API; drill-down keeps the date; a unit not in that tree is explained.
- `/monitoring/table/?org=&year=&sort=&order=`: every indicator × (the unit and each child).

Each view also answers `&format=xlsx` and `&format=pdf` with the same tables (monitoring/
export.py). Staff only (access.can_view: learners and guardians get 403); a unit outside the
actor's scope is a 404. Thin: the figures come from monitoring/dashboard.py.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hocso.orgs.models import OrgUnit

from . import access, asof, dashboard, export, selectors
from .models import Indicator, Unit

FORMATS = ("xlsx", "pdf")
RANKING_BAR = 26  # px per child unit in the ranking chart
RANKING_MIN_HEIGHT = 200


def _frame(request) -> dashboard.Frame | None:
    """The unit and year of the page (404 out of scope, 403 for non-staff), or None when the
    system has no school year yet. A malformed year is reported and the current one shown."""
    if not access.can_view(request.user):
        raise PermissionDenied
    try:
        unit = selectors.unit_for(actor=request.user, code=request.GET.get("org") or None)
    except OrgUnit.DoesNotExist:
        raise Http404 from None
    code = request.GET.get("year") or None
    try:
        year = selectors.school_year_for(code)
    except ValidationError as error:
        if code is None:
            return None
        messages.error(request, " ".join(error.messages))
        try:
            year = selectors.school_year_for(None)
        except ValidationError:
            return None
    return dashboard.frame_for(actor=request.user, unit=unit, year=year)


def _no_year(request, section: str):
    return render(
        request, "monitoring/dashboard.html", {"frame": None, "section": section, "no_year": True}
    )


def _export_links(request) -> dict:
    """The current query with format=xlsx / format=pdf (the export buttons)."""
    query = request.GET.copy()
    query.pop("format", None)
    links = {}
    for kind in FORMATS:
        query["format"] = kind
        links[kind] = f"?{query.urlencode()}"
    return links


def _labels() -> dict:
    """The words the charts write (static/monitoring/dashboard.js), in the page's language."""
    return {
        "target": _("Mục tiêu"),
        "value": _("Giá trị"),
        "no_value": _("chưa có số liệu"),
        "open": _("Bấm để xem đơn vị này"),
    }


def _texts(row, unit: str) -> None:
    """The figure of a row written out for the page (value, numerator, denominator)."""
    row.value_text = dashboard.format_value(row.figure.value, unit)
    row.num_text = dashboard.format_number(row.figure.numerator)
    row.den_text = dashboard.format_number(row.figure.denominator)


def _unit_label(indicator: Indicator) -> str:
    return str(Unit(indicator.unit).label)


def _value_header(indicator: Indicator) -> str:
    sign = " (%)" if indicator.unit == Unit.PERCENT else ""
    return f"{indicator.name}{sign}"


def _indicator_url(code: str, unit_code: str, year_code: str) -> str:
    query = urlencode({"org": unit_code, "year": year_code})
    return f"{reverse('monitoring:indicator', args=[code])}?{query}"


# ---------------------------------------------------------------- overview


def _overview_sheet(result: dashboard.Overview) -> export.Sheet:
    rows = []
    for card in result.cards:
        rows.append(
            [
                card.indicator.code,
                card.indicator.name,
                _unit_label(card.indicator),
                _("Kế hoạch") if card.indicator.in_plan else _("Thống kê"),
                card.figure.value,
                card.figure.numerator,
                card.figure.denominator,
                card.target,
                card.gap,
                card.status_label,
            ]
        )
    return export.Sheet(
        title=_("Tổng quan"),
        headers=[
            _("Mã"),
            _("Chỉ tiêu"),
            _("Đơn vị tính"),
            _("Nhóm"),
            _("Giá trị"),
            _("Tử số"),
            _("Mẫu số"),
            _("Mục tiêu"),
            _("Chênh lệch so với mục tiêu"),
            _("Đánh giá"),
        ],  # fmt: skip
        rows=rows,
        widths=[18, 50, 10, 9, 12, 13, 13, 9, 12, 16],
    )


@login_required
@require_GET
def dashboard_page(request):
    frame = _frame(request)
    if frame is None:
        return _no_year(request, "dashboard")
    result = dashboard.overview(unit=frame.unit, year=frame.year)
    title = _("Tổng quan giám sát")
    kind = request.GET.get("format")
    if kind in FORMATS:
        return export.response(
            kind, title=title, unit=frame.unit, year=frame.year, sheets=[_overview_sheet(result)]
        )
    for card in result.cards:
        card.url = _indicator_url(card.indicator.code, frame.unit.code, frame.year.code)
    return render(
        request,
        "monitoring/dashboard.html",
        {
            "frame": frame,
            "overview": result,
            "charts": {c.indicator.code: c.chart for c in result.plan},
            "section": "dashboard",
            "nav_query": frame.query,
            "exports": _export_links(request),
            "page_title": title,
            "view_name": "monitoring:dashboard",
            "labels": _labels(),
        },
    )


# ---------------------------------------------------------------- one indicator


def _indicator_sheets(detail: dashboard.IndicatorDetail) -> list[export.Sheet]:
    trend = export.Sheet(
        title=_("Xu hướng"),
        headers=[_("Năm học"), _("Giá trị"), _("Tử số"), _("Mẫu số"), _("Mục tiêu")],
        rows=[
            [p.year.code, p.figure.value, p.figure.numerator, p.figure.denominator, p.target]
            for p in detail.trend
        ],
        widths=[14, 12, 12, 12, 12],
    )
    ranking = export.Sheet(
        title=_("Xếp hạng đơn vị trực thuộc"),
        headers=[
            _("Hạng"),
            _("Mã đơn vị"),
            _("Đơn vị"),
            _("Giá trị"),
            _("Tử số"),
            _("Mẫu số"),
            _("Đánh giá"),
        ],  # fmt: skip
        rows=[
            [
                r.rank,
                r.unit.code,
                r.unit.name,
                r.figure.value,
                r.figure.numerator,
                r.figure.denominator,
                str(dashboard.STATUS_LABELS[r.status]),
            ]  # fmt: skip
            for r in detail.ranking
        ],
        widths=[8, 14, 40, 12, 12, 12, 18],
    )
    groups = export.Sheet(
        title=_("Phân tổ"),
        headers=[_("Nhóm"), _("Phân tổ"), _("Giá trị"), _("Tử số"), _("Mẫu số")],
        rows=[
            [
                str(dashboard.BREAKDOWN_GROUPS.get(group, group)),
                row.label,
                row.figure.value,
                row.figure.numerator,
                row.figure.denominator,
            ]  # fmt: skip
            for group, rows in detail.breakdowns.items()
            for row in rows
        ],
        widths=[22, 22, 12, 12, 12],
    )
    return [trend, ranking, groups]


def _asof_sheets(detail: dashboard.IndicatorDetail) -> list[export.Sheet]:
    """The as-of view's tables: the unit's own figure, then the ranking of its children."""
    card = detail.card
    own = export.Sheet(
        title=_("Giá trị của đơn vị"),
        headers=[
            _("Mã đơn vị"),
            _("Đơn vị"),
            _("Giá trị"),
            _("Tử số"),
            _("Mẫu số"),
            _("Mục tiêu"),
            _("Chênh lệch so với mục tiêu"),
            _("Đánh giá"),
        ],  # fmt: skip
        rows=[
            [
                detail.unit.code,
                detail.unit.name,
                card.figure.value,
                card.figure.numerator,
                card.figure.denominator,
                card.target,
                card.gap,
                card.status_label,
            ]  # fmt: skip
        ],
        widths=[14, 40, 12, 12, 12, 10, 12, 18],
    )
    return [own, _indicator_sheets(detail)[1]]


def _render_indicator(request, frame, detail: dashboard.IndicatorDetail, extra: dict, status=200):
    """The indicator page (stored values or as of a date): texts, drill-down links, charts."""
    indicator = detail.indicator
    page_url = reverse("monitoring:indicator", args=[indicator.code])
    for row in detail.ranking:
        row.url = f"{page_url}?{frame.query_for(row.unit.code)}"
        _texts(row, indicator.unit)
        row.colour = dashboard.STATUS_COLOURS[row.status]
        row.status_label = str(dashboard.STATUS_LABELS[row.status])
    for point in detail.trend:
        _texts(point, indicator.unit)
        point.target_text = dashboard.format_value(point.target, indicator.unit)
    for rows in detail.breakdowns.values():
        for row in rows:
            _texts(row, indicator.unit)
    chart = {
        "unit": indicator.unit,
        "name": indicator.name,
        "higher_is_better": indicator.higher_is_better,
        "trend": {
            "years": [p.year.code for p in detail.trend],
            "values": [dashboard._float(p.figure.value) for p in detail.trend],
            "targets": [dashboard._float(p.target) for p in detail.trend],
        },
        "ranking": [
            {
                "name": r.unit.name,
                "code": r.unit.code,
                "value": dashboard._float(r.figure.value),
                "status": r.status,
                "url": r.url,
            }
            for r in detail.ranking
        ],
        "target": dashboard._float(detail.card.target),
    }
    context = {
        "frame": frame,
        "detail": detail,
        "indicator": indicator,
        "card": detail.card,
        "chart": chart,
        "groups": [
            (dashboard.BREAKDOWN_GROUPS.get(group, group), rows)
            for group, rows in detail.breakdowns.items()
        ],
        "section": "dashboard",
        "nav_query": frame.query,
        "exports": _export_links(request),
        "view_name": "monitoring:indicator",
        "view_args": indicator.code,
        "unit_label": _unit_label(indicator),
        "labels": _labels(),
        "ranking_height": max(RANKING_MIN_HEIGHT, RANKING_BAR * len(detail.ranking) + 60),
        "asof_form": _asof_form(request, frame),
        **extra,
    }
    return render(request, "monitoring/indicator.html", context, status=status)


def _asof_form(request, frame, errors: dict | None = None) -> dict:
    """The "as of a date" form's values (as typed) and errors ({field: [messages]})."""
    return {
        "enabled": True,
        "date": request.GET.get("date", ""),
        "boundaries": request.GET.get("boundaries") or asof.THEN,
        "errors": errors or {},
        "stored_url": "?" + urlencode({"org": frame.unit.code, "year": frame.year.code}),
    }


@login_required
@require_GET
def indicator_page(request, code: str):
    if request.GET.get("date"):
        return _indicator_on_page(request, code)
    frame = _frame(request)
    if frame is None:
        return _no_year(request, "dashboard")
    try:
        detail = dashboard.indicator_detail(frame=frame, code=code)
    except Indicator.DoesNotExist:
        raise Http404 from None
    kind = request.GET.get("format")
    if kind in FORMATS:
        return export.response(
            kind, title=detail.indicator.name, unit=frame.unit, year=frame.year,
            sheets=_indicator_sheets(detail),
        )  # fmt: skip
    return _render_indicator(request, frame, detail, {})


def _indicator_on_page(request, code: str):
    """The indicator as of `?date=` on `&boundaries=then|today` (monitoring/asof.py)."""
    if not access.can_view(request.user):
        raise PermissionDenied
    org = request.GET.get("org") or None
    try:
        moment = asof.moment_for(request.GET.get("date"), request.GET.get("boundaries"))
    except ValidationError as error:
        return _asof_invalid(request, code, error)
    try:
        frame = asof.frame_on(actor=request.user, code=org, moment=moment)
    except OrgUnit.DoesNotExist:
        raise Http404 from None
    except asof.NotInTree as error:
        return _not_in_tree(request, code, error, moment)
    try:
        detail = asof.indicator_detail_on(actor=request.user, frame=frame, code=code)
    except Indicator.DoesNotExist:
        raise Http404 from None
    description = asof.describe(frame)
    kind = request.GET.get("format")
    if kind in FORMATS:
        return export.response(
            kind, title=f"{detail.indicator.name} — {description}", unit=frame.unit,
            year=frame.year, sheets=_asof_sheets(detail),
            file_title=" ".join(
                [detail.indicator.name, _("ngày"), frame.day.isoformat(),
                 asof.boundaries_label(frame.boundaries)]
            ),
        )  # fmt: skip
    return _render_indicator(request, frame, detail, {"asof": description})


def _asof_invalid(request, code: str, error: ValidationError):
    """A malformed date or boundaries: the stored values' page with the form's error (400)."""
    frame = _frame(request)
    if frame is None:
        return _no_year(request, "dashboard")
    try:
        detail = dashboard.indicator_detail(frame=frame, code=code)
    except Indicator.DoesNotExist:
        raise Http404 from None
    errors = error.message_dict if hasattr(error, "error_dict") else {"date": error.messages}
    # The form is re-rendered with what was typed and why it was refused.
    return _render_indicator(
        request, frame, detail, {"asof_form": _asof_form(request, frame, errors)}, status=400
    )


def _not_in_tree(request, code: str, error: asof.NotInTree, moment: asof.Moment):
    """The unit asked is not in the tree of that day: say so, and where to look instead."""
    try:
        indicator = selectors.indicators_catalog().get(code=code)
    except Indicator.DoesNotExist:
        raise Http404 from None
    unit = error.unit
    frame = dashboard.Frame(
        unit=unit, year=moment.year, ancestors=[], children=[], years=[],
        day=moment.day, boundaries=moment.boundaries,
    )  # fmt: skip
    page_url = reverse("monitoring:indicator", args=[indicator.code])
    day = moment.day.isoformat()
    alternatives = [
        {"unit": other, "url": f"{page_url}?{frame.query_for(other.code)}"}
        for other in asof.in_its_place(actor=request.user, unit=unit, moment=moment)
    ]
    today_url = None
    if moment.boundaries == asof.THEN and asof.in_tree_today(unit, moment.day):
        today_url = "?" + urlencode({"org": unit.code, "date": day, "boundaries": asof.TODAY})
    context = {
        "frame": frame,
        "indicator": indicator,
        "heading": indicator.name,
        "section": "dashboard",
        "nav_query": frame.query,
        "view_name": "monitoring:indicator",
        "view_args": indicator.code,
        "asof": asof.describe(moment),
        "asof_form": _asof_form(request, frame),
        "not_in_tree": {
            "alternatives": alternatives,
            "today_url": today_url,
            "top_url": "?" + urlencode({"date": day, "boundaries": moment.boundaries}),
        },
    }
    return render(request, "monitoring/indicator.html", context)


# ---------------------------------------------------------------- the table


def _table_sheet(table: dashboard.IndicatorTable) -> export.Sheet:
    headers = [_("Mã đơn vị"), _("Đơn vị")]
    for indicator in table.indicators:
        header = _value_header(indicator)
        if not indicator.has_source:
            header += " — " + _("chưa có nguồn dữ liệu")
        headers.append(header)
    rows = [
        [row.unit.code, row.unit.name, *[cell.figure.value for cell in row.cells]]
        for row in table.rows
    ]
    return export.Sheet(
        title=_("Bảng số liệu"),
        headers=headers,
        rows=rows,
        widths=[12, 34, *[14] * len(table.indicators)],
    )


@login_required
@require_GET
def table_page(request):
    frame = _frame(request)
    if frame is None:
        return _no_year(request, "table")
    sort = request.GET.get("sort", "")
    descending = request.GET.get("order") == "desc"
    table = dashboard.indicator_table(frame=frame, sort=sort, descending=descending)
    kind = request.GET.get("format")
    title = _("Bảng số liệu các chỉ tiêu")
    if kind in FORMATS:
        return export.response(
            kind, title=title, unit=frame.unit, year=frame.year, sheets=[_table_sheet(table)],
            landscape=True,
        )  # fmt: skip
    base = {"org": frame.unit.code, "year": frame.year.code}
    columns = []
    for indicator in table.indicators:
        active = table.sort == indicator.code
        # First click: the best first (highest, or lowest when lower is better).
        first_desc = indicator.higher_is_better
        order = (
            ("asc" if table.descending else "desc") if active else ("desc" if first_desc else "asc")
        )
        columns.append(
            {
                "indicator": indicator,
                "url": "?" + urlencode({**base, "sort": indicator.code, "order": order}),
                "aria_sort": (
                    ("descending" if table.descending else "ascending") if active else "none"
                ),
                "unit_sign": "%" if indicator.unit == Unit.PERCENT else "",
            }
        )
    name_active = table.sort == "name"
    name_order = "asc" if (name_active and table.descending) else "desc" if name_active else "asc"
    for row in table.rows:
        row.url = "?" + urlencode({"org": row.unit.code, "year": frame.year.code})
    return render(
        request,
        "monitoring/table.html",
        {
            "frame": frame,
            "table": table,
            "columns": columns,
            "name_url": "?" + urlencode({**base, "sort": "name", "order": name_order}),
            "name_aria_sort": (
                ("descending" if table.descending else "ascending") if name_active else "none"
            ),
            "section": "table",
            "nav_query": frame.query,
            "exports": _export_links(request),
            "view_name": "monitoring:table",
        },
    )


urlpatterns = [
    path("", dashboard_page, name="dashboard"),
    path("indicators/<slug:code>/", indicator_page, name="indicator"),
    path("table/", table_page, name="table"),
]
