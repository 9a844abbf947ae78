"""The forecast page: `/monitoring/forecast/?org=CODE&level=primary|lower_secondary|upper_secondary`.

Enrolment by grade for the past school years and the next five (cohort survival), teacher
demand against today's teachers, the back-test, and how it is computed. Staff only: the unit
must be in the actor's read scope (selectors.unit_for), else 404. Thin: the figures come from
monitoring/forecast.py.
"""

from fractions import Fraction
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hocso.orgs.models import OrgKind, OrgUnit, ancestor_paths

from . import forecast as fc
from .selectors import unit_for, units_readable


def _level_names() -> dict[str, str]:
    return {
        fc.PRIMARY: _("Tiểu học"),
        fc.LOWER_SECONDARY: _("THCS"),
        fc.UPPER_SECONDARY: _("THPT"),
    }


def _num(x: Fraction | None, places: int = 1) -> str | None:
    """A Fraction for people: rounded, with a decimal comma (Vietnamese)."""
    if x is None:
        return None
    return f"{float(x):.{places}f}".replace(".", ",")


def _pairs_label(years: tuple[int, ...]) -> str:
    """The pairs of years a ratio was summed over: "2023-2024 → 2026-2027 (3 cặp năm)"."""
    if not years:
        return "—"
    return _("%(first)s → %(last)s (%(n)s cặp năm)") % {
        "first": fc.year_code(years[0]),
        "last": fc.year_code(years[-1] + 1),
        "n": len(years),
    }


def _signed(n: int) -> str:
    """+3, −2 (a real minus sign), 0."""
    return f"+{n}" if n > 0 else (f"−{-n}" if n < 0 else "0")


def _level(request, unit: OrgUnit) -> str:
    level = request.GET.get("level") or ""
    if level in fc.LEVELS:
        return level
    return unit.school_type if unit.school_type in fc.LEVELS else fc.PRIMARY


def _picker(actor, unit: OrgUnit) -> list[OrgUnit]:
    """Units to choose from: those above the school level in scope, the unit and its children."""
    return list(
        units_readable(actor=actor)
        .filter(~Q(kind=OrgKind.SCHOOL) | Q(pk=unit.pk) | Q(parent=unit))
        .order_by("path")
    )


def _breadcrumbs(actor, unit: OrgUnit) -> list[OrgUnit]:
    paths = ancestor_paths(unit.path)
    return list(units_readable(actor=actor).filter(path__in=paths).order_by("depth"))


def _context(unit: OrgUnit, level: str, result: fc.UnitForecast) -> dict:
    grades = result.grades
    observed = [t for t, row in result.history.items() if any(row.get(g) for g in grades)]
    projection = result.projection
    columns = [{"year": t, "code": fc.year_code(t), "forecast": False} for t in observed]
    rows_by_year = {t: result.history[t] for t in observed}
    if projection:
        columns += [
            {"year": t, "code": fc.year_code(t), "forecast": True} for t in projection.years
        ]
        rows_by_year.update(projection.enrolment)
    table = [
        {"grade": g, "cells": [rows_by_year[c["year"]].get(g, 0) for c in columns]} for g in grades
    ]
    totals = [sum(rows_by_year[c["year"]].get(g, 0) for g in grades) for c in columns]
    for col, total in zip(columns, totals, strict=True):
        col["total"] = total

    teachers_today = fc.round_half_up(result.teachers_today)
    demand = [
        {
            "code": fc.year_code(t),
            "forecast": projection is not None and t in projection.years,
            "classes": d.classes,
            "teachers": d.teachers,
            "exact": _num(d.teachers_exact),
            "gap": d.teachers - teachers_today,
            "balance": _signed(teachers_today - d.teachers),
        }
        for t, d in sorted(result.demand.items())
    ]

    ratios, entry, backtest, methods = [], None, None, {}
    if projection:
        # Every ratio of the chain (grade 6 in five years is today's grade 1 moved up), but
        # those of grades nobody studies here (a THCS school has no grades 1 to 5).
        for g, ratio in sorted(projection.ratios.items()):
            if not (ratio.numerator or ratio.denominator):
                continue
            ratios.append(
                {
                    "from": g,
                    "to": g + 1,
                    "numerator": ratio.numerator,
                    "denominator": ratio.denominator,
                    "value": _num(ratio.value, 3),
                    "years": _pairs_label(ratio.years),
                }
            )
        primary = grades[0] == 1  # births feed grade 1; the others only after the horizon
        if primary and projection.entry is not None:
            e = projection.entry
            entry = {
                "numerator": e.numerator,
                "denominator": e.denominator,
                "value": _num(e.value, 3),
                "years": ", ".join(fc.year_code(t) for t in e.years),
                "births": [(t - fc.ENTRY_AGE, result.births[t - fc.ENTRY_AGE]) for t in e.years],
            }
        # Trends used: a grade of the chain projected without a ratio (grade 1 only matters
        # on the primary page: it reaches grade 6 after the horizon).
        trend_grades = {
            g for t in projection.years for g, m in projection.methods[t].items() if m == fc.TREND
        }
        if not primary:
            trend_grades.discard(1)
        methods = {
            "grade1_trend": [
                fc.year_code(t)
                for t in projection.years
                if primary and projection.methods[t].get(1) == fc.TREND
            ],
            "trends": [
                {
                    "grade": g,
                    "step": _num(projection.trends[g].step),
                    "years": ", ".join(fc.year_code(t) for t in projection.trends[g].years),
                }
                for g in sorted(trend_grades)
            ],
        }
        bt = result.backtest
        backtest = {
            "years": [
                {
                    "code": fc.year_code(row.year),
                    "cells": [
                        {
                            "forecast": row.forecast[g],
                            "actual": row.actual[g],
                            "error": _num(row.errors[g]),
                        }
                        for g in bt.grades
                    ],
                    "total_forecast": row.total_forecast,
                    "total_actual": row.total_actual,
                    "total_error": _num(row.total_error),
                    "mape": _num(row.mape),
                }
                for row in bt.years
            ],
            "grade_mape": [_num(bt.grade_mape[g]) for g in bt.grades],
            "total_mape": _num(bt.total_mape),
        }

    chart = {
        "years": [c["code"] for c in columns],
        "forecast": [c["forecast"] for c in columns],
        "totals": totals,
        "grades": [
            {"grade": g, "values": row["cells"]} for g, row in zip(grades, table, strict=True)
        ],
        "demand": [{"year": d["code"], "teachers": d["teachers"]} for d in demand if d["forecast"]],
        "teachers_today": teachers_today,
        "labels": {
            "observed": _("Thực tế"),
            "forecast": _("Dự báo"),
            "total": _("Tổng số học sinh"),
            "grade": _("Khối %(grade)s"),
            "demand": _("Giáo viên cần theo định mức"),
            "today": _("Giáo viên hiện có"),
        },
    }
    return {
        "columns": columns,
        "table": table,
        "observed": [fc.year_code(t) for t in observed],
        "demand": demand,
        "teachers_today": teachers_today,
        "teachers_today_exact": _num(result.teachers_today),
        "ratios": ratios,
        "entry": entry,
        "methods": methods,
        "backtest": backtest,
        "chart": chart,
        "has_births": bool(result.births),
        "class_size": fc.CLASS_SIZE_NORM[level],
        "per_class": _num(fc.TEACHERS_PER_CLASS[level], 2),
        "pairs": fc.PAIRS,
        "horizon": fc.HORIZON,
        "min_years": fc.MIN_YEARS,
        "entry_age": fc.ENTRY_AGE,
        "first_grade": grades[0],
    }


def _successors(actor, unit: OrgUnit) -> list[OrgUnit]:
    """A closed unit's successors the actor may read (its schools' history is counted there)."""
    if unit.valid_to is None:
        return []
    codes = unit.successors.values("pk")
    return list(units_readable(actor=actor).filter(pk__in=codes).order_by("path"))


@login_required
@require_GET
def forecast_page(request):
    try:
        unit = unit_for(actor=request.user, code=request.GET.get("org") or None)
    except OrgUnit.DoesNotExist:
        raise Http404 from None
    level = _level(request, unit)
    result = fc.unit_forecast(unit, level)
    names = _level_names()
    context = {
        "unit": unit,
        "level": level,
        "level_name": names[level],
        "levels": list(names.items()),
        "picker": _picker(request.user, unit),
        "breadcrumbs": _breadcrumbs(request.user, unit),
        "section": "forecast",
        "nav_query": urlencode({"org": unit.code}),
        "enough": result.enough,
        "successors": [] if result.enough else _successors(request.user, unit),
    }
    context.update(_context(unit, level, result))
    return render(request, "monitoring/forecast.html", context)


urlpatterns = [
    path("forecast/", forecast_page, name="forecast"),
]
