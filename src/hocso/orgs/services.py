"""Writes of the org tree. The tree changes as data: units open and close, and move."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from hocso.accounts.scope import scope_for
from hocso.core.text import clean_text

from .models import PATH_SEPARATOR, OrgKind, OrgUnit, OrgUnitMove, SchoolYear


def _check_write(actor, parent: OrgUnit | None) -> None:
    """actor=None is the system (command line, demo generator)."""
    if actor is None:
        return
    scope = scope_for(actor)
    if parent is None and not scope.everything:
        raise PermissionDenied
    if parent is not None and not scope.covers(parent.path, write=True):
        raise PermissionDenied


@transaction.atomic
def orgunit_create(
    *,
    actor,
    code: str,
    name: str,
    kind: str,
    parent: OrgUnit | None = None,
    school_type: str = "",
    ownership: str = "public",
    address: str = "",
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> OrgUnit:
    _check_write(actor, parent)
    unit = OrgUnit(
        code=clean_text(code),
        name=clean_text(name),
        kind=kind,
        school_type=school_type,
        ownership=ownership,
        address=clean_text(address),
        parent=parent,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    unit.path = (parent.path if parent else "") + unit.code + PATH_SEPARATOR
    unit.depth = parent.depth + 1 if parent else 0
    if kind == OrgKind.SCHOOL and not school_type:
        raise ValidationError({"school_type": _("Cơ sở giáo dục phải có loại hình")})
    unit.full_clean()
    unit.save()
    return unit


@transaction.atomic
def orgunit_move(
    *, actor, unit: OrgUnit, new_parent: OrgUnit | None, effective_on: date, reason: str = ""
) -> OrgUnit:
    """Re-parent a unit and its whole subtree, keeping a record of where it was."""
    _check_write(actor, unit.parent)
    _check_write(actor, new_parent)
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise ValidationError(_("Không thể chuyển một đơn vị vào chính cây con của nó"))
    old_path = unit.path
    new_path = (new_parent.path if new_parent else "") + unit.code + PATH_SEPARATOR
    OrgUnitMove.objects.create(
        unit=unit,
        old_parent=unit.parent,
        new_parent=new_parent,
        old_path=old_path,
        effective_on=effective_on,
        reason=clean_text(reason),
    )
    depth_change = new_path.count(PATH_SEPARATOR) - old_path.count(PATH_SEPARATOR)
    # One UPDATE rewrites the prefix of every path in the subtree.
    OrgUnit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )
    OrgUnit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.refresh_from_db()
    return unit


@transaction.atomic
def orgunit_close(
    *, actor, unit: OrgUnit, valid_to: date, successors: list[OrgUnit] = ()
) -> OrgUnit:
    """End a unit's validity (a merger, a dissolved level) and link it to what replaces it."""
    _check_write(actor, unit)
    unit.valid_to = valid_to
    unit.full_clean()
    unit.save(update_fields=["valid_to"])
    if successors:
        unit.successors.add(*successors)
    return unit


def schoolyear_get_or_create(*, code: str) -> SchoolYear:
    """The school year "YYYY-YYYY" with the usual calendar (5 Sep – 31 May, term II from mid-Jan)."""
    start_year, end_year = (int(part) for part in code.split("-"))
    if end_year != start_year + 1:
        raise ValidationError({"year": _("Năm học không hợp lệ: %(code)s") % {"code": code}})
    year, _created = SchoolYear.objects.get_or_create(
        code=code,
        defaults={
            "start_date": date(start_year, 9, 5),
            "term1_end": date(end_year, 1, 15),
            "term2_start": date(end_year, 1, 16),
            "end_date": date(end_year, 5, 31),
        },
    )
    return year
