"""The coverage and usage pages of the library: `/library/coverage/?org=` (per subject × grade,
the share of curriculum topics with a published resource in reach, the uncovered topics, and
the child units' shares) and `/library/usage/?org=&months=` (views, downloads and completions by
school and month, top resources and ratings).

Staff only (learners and guardians have no unit to report on); a unit outside the actor's scope
is a 404. Thin: the figures come from resources/coverage.py and resources/usage.py.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from hocso.orgs.models import OrgKind, OrgUnit, ancestor_paths

from . import coverage, usage
from .access import resources_visible
from .models import Resource

CELLS_PER_PAGE = 60
CHILDREN_PER_PAGE = 50
SCHOOLS_PER_PAGE = 50
MONTH_CHOICES = (3, 6, 12, 24)


def _unit_or_404(request) -> OrgUnit:
    if not coverage.coverage_units_for(request.user).exists():
        raise PermissionDenied
    try:
        return coverage.coverage_unit_get(actor=request.user, code=request.GET.get("org") or None)
    except OrgUnit.DoesNotExist:
        raise Http404 from None


def _picker(request, unit: OrgUnit) -> list[OrgUnit]:
    """Units to choose from: every unit above the school level in the actor's scope, plus the
    current unit and its own children (schools are reached through their commune's table), so
    the list stays short in a province of hundreds of schools."""
    units = coverage.coverage_units_for(request.user)
    return list(
        units.filter(~Q(kind=OrgKind.SCHOOL) | Q(pk=unit.pk) | Q(parent=unit)).order_by("path")
    )


def _breadcrumbs(request, unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors the actor may open, top first, the unit last."""
    paths = ancestor_paths(unit.path)
    return list(coverage.coverage_units_for(request.user).filter(path__in=paths).order_by("depth"))


@login_required
@require_GET
def coverage_page(request):
    unit = _unit_or_404(request)
    cells = coverage.coverage_cells(org_unit=unit)
    topics = sum(c.topics for c in cells)
    covered = sum(c.covered for c in cells)
    grades = sorted({c.grade for c in cells})
    grade = request.GET.get("grade", "")
    shown = [c for c in cells if str(c.grade) == grade] if grade else cells
    cells_page = Paginator(shown, CELLS_PER_PAGE).get_page(request.GET.get("page"))
    children = coverage.coverage_children(org_unit=unit)
    children.sort(key=lambda c: (c.share if c.share is not None else 2, c.unit.name))
    children_page = Paginator(children, CHILDREN_PER_PAGE).get_page(request.GET.get("cpage"))
    share = coverage.share_of(covered, topics)
    return render(
        request,
        "resources/coverage.html",
        {
            "unit": unit,
            "cells_page": cells_page,
            "page_obj": cells_page,
            "children_page": children_page,
            "topics": topics,
            "covered": covered,
            "percent": None if share is None else round(share * 100, 1),
            "grades": grades,
            "grade": grade,
            "picker": _picker(request, unit),
            "breadcrumbs": _breadcrumbs(request, unit),
            "section": "resources",
        },
    )


@login_required
@require_GET
def usage_page(request):
    unit = _unit_or_404(request)
    try:
        months = int(request.GET.get("months", 12))
    except ValueError:
        months = 12
    if months not in MONTH_CHOICES:
        months = 12
    resource = None
    if request.GET.get("resource"):
        try:
            resource = resources_visible(request.user).get(pk=int(request.GET["resource"]))
        except (ValueError, Resource.DoesNotExist):
            raise Http404 from None
    summary = usage.usage_summary(
        actor=request.user, org_unit=unit, resource=resource, months=months
    )
    peak = max((m.total for m in summary.by_month), default=0)
    month_rows = [
        {"row": m, "width": round(100 * m.total / peak) if peak else 0} for m in summary.by_month
    ]
    schools_page = Paginator(summary.by_school, SCHOOLS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "resources/usage.html",
        {
            "unit": unit,
            "summary": summary,
            "month_rows": month_rows,
            "schools_page": schools_page,
            "page_obj": schools_page,
            "months": months,
            "month_choices": MONTH_CHOICES,
            "resource": resource,
            "picker": _picker(request, unit),
            "section": "resources",
        },
    )


urlpatterns = [
    path("library/coverage/", coverage_page, name="coverage"),
    path("library/usage/", usage_page, name="usage"),
]
