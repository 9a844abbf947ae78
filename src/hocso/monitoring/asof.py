"""The dashboard's indicator page "as of a date" (issue 7): one indicator for a unit and its
child units on a past day, on the boundaries of that day ("then": e.g. Tỉnh Trà Vinh 84 and its
districts before the 1 July 2025 reform) or of today ("today": Tỉnh Vĩnh Long 86 and its
communes).

The figures are the engine's (selectors.indicator_values(on=, boundaries=), the values API's
`?date=&boundaries=`), so the page and the API always agree; this module adds what a page needs
around them: the tree of that day's units the actor reads — the unit, its ancestors (the
breadcrumb) and its children (the picker and the ranking) — and the school year of the day.

Errors: a unit outside the actor's read scope is `OrgUnit.DoesNotExist` (a 404); a unit the
actor reads that is not in the tree of that day is `NotInTree` (the page says so); a malformed
date or boundaries, a date after today or before every school year, a `ValidationError` naming
the field.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from hocso.accounts.scope import scope_for
from hocso.core.text import fold
from hocso.orgs.models import OrgUnit, SchoolYear, ancestor_paths
from hocso.orgs.selectors import current_school_year, home_unit

from . import compute, dashboard, selectors
from .selectors import NO_DATA, Figure

THEN, TODAY = compute.THEN, compute.TODAY


class NotInTree(Exception):
    """The unit (in the actor's read scope) is not a unit of the tree of that day."""

    def __init__(self, unit: OrgUnit, day: date, boundaries: str):
        super().__init__(f"{unit.code} not in the tree of {day} ({boundaries})")
        self.unit, self.day, self.boundaries = unit, day, boundaries


@dataclass(frozen=True)
class Moment:
    """The day and the boundaries asked, with the school year containing the day."""

    day: date
    boundaries: str
    year: SchoolYear


def moment_for(day_text: str | None, boundaries_text: str | None) -> Moment | None:
    """The day and boundaries of a request (`?date=YYYY-MM-DD&boundaries=then|today`), None
    without a date (the stored values). ValidationError (keyed "date" or "boundaries") for a
    malformed value, a day after today, or a day before the first school year."""
    day = selectors.day_for(day_text)
    boundaries = selectors.boundaries_for(boundaries_text)
    if day is None:
        return None
    today = timezone.localdate()
    if day > today:
        raise ValidationError(
            {
                "date": _(
                    "Ngày %(day)s chưa tới: hãy chọn một ngày từ hôm nay (%(today)s) trở về trước."
                )
                % {"day": day.strftime("%d/%m/%Y"), "today": today.strftime("%d/%m/%Y")}
            }
        )
    year = current_school_year(on=day)
    if year is None or year.start_date > day:
        raise ValidationError(
            {
                "date": _(
                    "Không có năm học nào chứa ngày %(day)s: hãy chọn một ngày trong một năm học có trên hệ thống."
                )
                % {"day": day.strftime("%d/%m/%Y")}
            }
        )
    return Moment(day=day, boundaries=boundaries, year=year)


def _by_name(units) -> list[OrgUnit]:
    return sorted(units, key=lambda u: (fold(u.name), u.name, u.code))


def unit_on(*, actor, code: str | None, tree: compute.DayTree) -> OrgUnit:
    """The unit `code` (DoesNotExist outside the actor's read scope; NotInTree when not in
    `tree`); without a code, the actor's home unit, or when it is not in the tree the highest
    unit of the tree the actor reads (the engine's choice: selectors.indicator_values)."""
    units = selectors.units_readable(actor=actor)
    if code:
        unit = units.get(code=code)
        if unit.pk not in tree.paths:
            raise NotInTree(unit, tree.day, tree.boundaries)
        return unit
    unit = home_unit(actor=actor, units=units)
    if unit.pk in tree.paths:
        return unit
    readable = [pk for pk in units.values_list("pk", flat=True) if pk in tree.paths]
    if not readable:
        raise OrgUnit.DoesNotExist("no unit in scope that day")
    top = min(readable, key=lambda pk: (tree.paths[pk].count("/"), tree.paths[pk]))
    return OrgUnit.objects.get(pk=top)


def children_on(*, actor, unit: OrgUnit, tree: compute.DayTree) -> list[OrgUnit]:
    """The unit's children in the tree of that day that the actor reads, by name (as people
    read it) — the same units, in the same order, as the engine's `children`."""
    scope = scope_for(actor)
    children = OrgUnit.objects.filter(pk__in=tree.children(unit.pk))
    return _by_name(child for child in children if scope.covers(child.path))


def ancestors_on(*, actor, unit: OrgUnit, tree: compute.DayTree) -> list[OrgUnit]:
    """The unit's ancestors in the tree of that day that the actor reads, highest first."""
    above = set(ancestor_paths(tree.paths[unit.pk])) - {tree.paths[unit.pk]}
    pks = [pk for pk, path in tree.paths.items() if path in above]
    units = selectors.units_readable(actor=actor).filter(pk__in=pks)
    return sorted(units, key=lambda u: tree.paths[u.pk].count("/"))


def frame_on(*, actor, code: str | None, moment: Moment) -> dashboard.Frame:
    """The page's frame on the tree of `moment`: the unit, its ancestors and children of that
    day (DoesNotExist / NotInTree as `unit_on`)."""
    tree = compute.tree_for(moment.day, moment.boundaries)
    unit = unit_on(actor=actor, code=code, tree=tree)
    return dashboard.Frame(
        unit=unit,
        year=moment.year,
        ancestors=ancestors_on(actor=actor, unit=unit, tree=tree),
        children=children_on(actor=actor, unit=unit, tree=tree),
        years=list(SchoolYear.objects.order_by("-start_date")),
        day=moment.day,
        boundaries=moment.boundaries,
    )


def in_tree_today(unit: OrgUnit, day: date) -> bool:
    """Whether the unit is in today's tree (so "today" boundaries can show it)."""
    return unit.pk in compute.tree_for(day, TODAY).paths


def in_its_place(*, actor, unit: OrgUnit, moment: Moment) -> list[OrgUnit]:
    """The units of the tree of `moment` the actor reads that stood for `unit` then: its
    predecessors (a province before it was formed by a merger) and successors (after it
    closed), following the links transitively — the highest of them, by name."""
    tree = compute.tree_for(moment.day, moment.boundaries)
    found: dict[int, OrgUnit] = {}
    seen = {unit.pk}
    frontier = [unit]
    while frontier:
        node = frontier.pop()
        for other in [*node.predecessors.all(), *node.successors.all()]:
            if other.pk in seen:
                continue
            seen.add(other.pk)
            if other.pk in tree.paths:
                found[other.pk] = other
            else:
                frontier.append(other)
    readable = set(
        selectors.units_readable(actor=actor)
        .filter(pk__in=list(found))
        .values_list("pk", flat=True)
    )
    paths = [tree.paths[pk] for pk in readable]
    # The highest of them only (the old province, not also each of its districts).
    return _by_name(
        found[pk]
        for pk in readable
        if not any(tree.paths[pk] != p and tree.paths[pk].startswith(p) for p in paths)
    )


def indicator_detail_on(*, actor, frame: dashboard.Frame, code: str) -> dashboard.IndicatorDetail:
    """One indicator for the frame's unit and its children on the frame's day and boundaries:
    the engine's figures (Indicator.DoesNotExist for an unknown code). No trend or breakdowns:
    those are the stored values of whole school years."""
    indicator = selectors.indicators_catalog().get(code=code)
    body = selectors.indicator_values(
        actor=actor, code=code, org_code=frame.unit.code, year_code=frame.year.code,
        on=frame.day, boundaries=frame.boundaries,
    )  # fmt: skip
    own = Figure(body["numerator"], body["denominator"], body["value"])
    by_code = {
        c["org"]: Figure(c["numerator"], c["denominator"], c["value"]) for c in body["children"]
    }
    figures = {child.pk: by_code.get(child.code, NO_DATA) for child in frame.children}
    return dashboard.IndicatorDetail(
        indicator=indicator,
        unit=frame.unit,
        year=frame.year,
        card=dashboard.card_for(indicator, own, frame.year, frame.unit),
        trend=[],
        ranking=dashboard.ranking(indicator, frame.children, figures, frame.year),
        breakdowns={},
    )


def boundaries_label(boundaries: str) -> str:
    return (
        _("ranh giới đơn vị tại ngày đó") if boundaries == THEN else _("ranh giới đơn vị hiện nay")
    )


def describe(moment_or_frame) -> str:
    """ "ngày 01/03/2025, ranh giới đơn vị tại ngày đó" (titles of the page and its exports)."""
    return _("ngày %(day)s, %(boundaries)s") % {
        "day": moment_or_frame.day.strftime("%d/%m/%Y"),
        "boundaries": boundaries_label(moment_or_frame.boundaries),
    }


__all__ = [
    "Moment",
    "NotInTree",
    "ancestors_on",
    "boundaries_label",
    "children_on",
    "describe",
    "frame_on",
    "in_its_place",
    "in_tree_today",
    "indicator_detail_on",
    "moment_for",
    "unit_on",
]
