"""Reads of the monitoring centre: the indicator catalog and one indicator's values for a unit.

The catalog is the same for every signed-in user (it names indicators, not people). Values are
scoped: the unit must be in the actor's READ scope (staff roles: their subtrees, and the archive
of predecessor units), else `OrgUnit.DoesNotExist` — a 404, like every object of the API; its
children are listed only when in scope too. Learners, guardians and citizens have no read scope,
so they reach no unit.

Values come from the stored `IndicatorValue` rows (`hocso monitoring recompute`); a unit without
a stored row is computed on demand by the engine (compute.compute_one), never written from here:
a read must not change data. An indicator without a data source yields null figures, never zero.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hocso.accounts.models import RoleAssignment
from hocso.core.text import fold
from hocso.orgs.models import OrgUnit, SchoolYear
from hocso.orgs.selectors import current_school_year, orgunits_in_scope

from .models import Indicator, IndicatorValue, Target

YEAR_CODE = re.compile(r"^[0-9]{4}-[0-9]{4}$")


def indicators_catalog() -> QuerySet[Indicator]:
    """Every indicator in catalog order, with its targets (by year) prefetched."""
    return Indicator.objects.order_by("order", "code").prefetch_related(
        Prefetch("targets", queryset=Target.objects.order_by("year"))
    )


def target_for(indicator: Indicator, year: SchoolYear) -> Decimal | None:
    """The plan's target that applies to a school year: the one set for the calendar year the
    school year ends in, else the next target year after it (a 2025-2026 value is measured
    against the 2030 target once 2025 is past), else the last one (a "100% by 2025" target
    stays in force after 2025), else None."""
    end_year = year.end_date.year
    # Through the prefetched targets when there are any (the catalog), else one query.
    targets = list(indicator.targets.all())
    later = [t for t in targets if t.year >= end_year]
    if later:
        return min(later, key=lambda t: t.year).value
    return max(targets, key=lambda t: t.year).value if targets else None


def units_readable(*, actor) -> QuerySet[OrgUnit]:
    """The units whose figures the actor may read: the actor's read scope (staff)."""
    return orgunits_in_scope(actor=actor)


def unit_for(*, actor, code: str | None) -> OrgUnit:
    """The unit `code` if the actor may read it, else DoesNotExist. Without a code, the actor's
    own unit: the highest unit they hold a role at that exists today (the officer of a merged
    province opens that province, not a predecessor whose archive they also read), else the top
    of their scope."""
    units = units_readable(actor=actor).order_by("depth", "path")
    if code:
        return units.get(code=code)
    today = timezone.localdate()
    current = Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    assigned = RoleAssignment.objects.filter(user=actor).values("org_unit")
    unit = (
        units.filter(current, pk__in=assigned).first()
        or units.filter(current).first()
        or units.first()
    )
    if unit is None:
        raise OrgUnit.DoesNotExist("no unit in scope")
    return unit


def school_year_for(code: str | None) -> SchoolYear:
    """The school year "YYYY-YYYY", or the current one. Bad input is a ValidationError naming
    the field, the value and what was expected (the API answers 422)."""
    if not code:
        year = current_school_year()
        if year is None:
            raise ValidationError({"year": _("Chưa có năm học nào trên hệ thống.")})
        return year
    if not YEAR_CODE.match(code):
        raise ValidationError(
            {
                "year": _("Năm học “%(value)s” không đúng định dạng YYYY-YYYY (ví dụ 2025-2026).")
                % {"value": code}
            }
        )
    try:
        return SchoolYear.objects.get(code=code)
    except SchoolYear.DoesNotExist:
        raise ValidationError(
            {"year": _("Không có năm học “%(value)s” trên hệ thống.") % {"value": code}}
        ) from None


@dataclass(frozen=True)
class Figure:
    """One unit's numerator, denominator and value (in the indicator's unit); all None for an
    indicator without a data source."""

    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None


NO_DATA = Figure(None, None, None)


def _children_in_scope(*, actor, unit: OrgUnit, year: SchoolYear) -> list[OrgUnit]:
    """The unit's child units the actor may read that were open at some point of the school
    year (a school closed before it began has nothing to show), sorted by name as people read
    it (diacritics folded, so "Đ" sorts with "D", not after "Z")."""
    children = units_readable(actor=actor).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=year.end_date),
        Q(valid_to__isnull=True) | Q(valid_to__gte=year.start_date),
        parent=unit,
    )
    return sorted(children, key=lambda u: (fold(u.name), u.name, u.code))


def _figures(indicator: Indicator, units: list[OrgUnit], year: SchoolYear) -> dict[int, Figure]:
    """Each unit's figure: the stored rows (one query), the missing ones computed on demand."""
    if not indicator.has_source:
        return {unit.pk: NO_DATA for unit in units}
    # The engine is its own module (sources.py, compute.py); imported when first needed.
    from . import compute

    stored = {
        row.org_unit_id: (row.numerator, row.denominator)
        for row in IndicatorValue.objects.filter(
            indicator=indicator, year=year, breakdown="", org_unit__in=units
        ).only("org_unit_id", "numerator", "denominator")
    }
    figures = {}
    for unit in units:
        if unit.pk in stored:
            numerator, denominator = stored[unit.pk]
        else:
            numerator, denominator = compute.compute_one(indicator, unit, year)
        value = compute.value_of(numerator, denominator, indicator.unit)
        figures[unit.pk] = Figure(numerator, denominator, value)
    return figures


def indicator_values(
    *, actor, code: str, org_code: str | None = None, year_code: str | None = None
) -> dict:
    """One indicator for one unit and school year, with the unit's children in scope.

    `{"code", "org", "year", "numerator", "denominator", "value", "target", "children":
    [{"org", "name", "numerator", "denominator", "value"}, …]}` with Decimals (or None); the
    API turns them into JSON numbers. Unknown indicator or a unit out of scope: DoesNotExist.
    """
    indicator = indicators_catalog().get(code=code)
    unit = unit_for(actor=actor, code=org_code)
    year = school_year_for(year_code)
    children = _children_in_scope(actor=actor, unit=unit, year=year)
    figures = _figures(indicator, [unit, *children], year)
    own = figures[unit.pk]
    return {
        "code": indicator.code,
        "org": unit.code,
        "year": year.code,
        "numerator": own.numerator,
        "denominator": own.denominator,
        "value": own.value,
        "target": target_for(indicator, year),
        "children": [
            {
                "org": child.code,
                "name": child.name,
                "numerator": figures[child.pk].numerator,
                "denominator": figures[child.pk].denominator,
                "value": figures[child.pk].value,
            }
            for child in children
        ],
    }


__all__ = [
    "Figure",
    "indicator_values",
    "indicators_catalog",
    "school_year_for",
    "target_for",
    "unit_for",
    "units_readable",
]
