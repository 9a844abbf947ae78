"""Org-unit tree and schools: /api/v1/org-units and /api/v1/schools (read-only).

Org units are those the caller's roles cover plus their ancestors (so a client can draw the tree
down to them); schools are only those the roles cover. Anything else answers 404.
"""

from datetime import date

from django.db.models import Q
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from hocso.core.api_pagination import Pagination

from .selectors import orgunit_get, orgunits_visible, school_get, schools_search

router = Router(tags=["orgs"])


class UnitRef(Schema):
    code: str
    name: str
    kind: str


class OrgUnitItem(Schema):
    code: str
    name: str
    kind: str = Field(description="ministry, province, district, commune or school")
    school_type: str = Field(description='Type of a school; "" for other units')
    ownership: str = Field(description="public or private")
    address: str
    parent: str | None = Field(description="Code of the parent unit")
    path: str = Field(description='Codes from the root, e.g. "84/842/28432/"')
    depth: int
    valid_from: date | None
    valid_to: date | None

    @staticmethod
    def resolve_parent(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None


class OrgUnitDetail(OrgUnitItem):
    children: list[UnitRef] = Field(
        alias="visible_children", description="Children the caller may see"
    )
    successors: list[UnitRef] = Field(description="Units that replaced this one when it closed")
    predecessors: list[UnitRef] = Field(description="Units this one replaced")


class SchoolItem(Schema):
    code: str
    name: str
    school_type: str
    ownership: str
    address: str
    parent: str | None = Field(description="Code of the commune (or other unit) above it")
    valid_from: date | None
    valid_to: date | None

    @staticmethod
    def resolve_parent(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None


class SchoolCounts(Schema):
    students: int = Field(description="Learners currently studying")
    staff: int = Field(description="Staff currently working (main school)")
    classes: int
    rooms: int
    equipment: int = Field(description="Equipment records")


class SchoolDetail(SchoolItem):
    path: str
    counts: SchoolCounts


def _active_on(on: date) -> Q:
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=on)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )


@router.get("/org-units", response=list[OrgUnitItem], url_name="orgunit_list")
@paginate(Pagination)
def list_org_units(
    request, parent: str = "", kind: str = "", on: date | None = None, q: str = ""
):  # fmt: skip
    """Units the caller may see, in tree order. `parent` = code of the parent unit, `kind` =
    province/district/commune/school, `on` = only units valid on that date, `q` = code prefix."""
    units = orgunits_visible(actor=request.auth).select_related("parent")
    if parent:
        units = units.filter(parent__code=parent)
    if kind:
        units = units.filter(kind=kind)
    if on is not None:
        units = units.filter(_active_on(on))
    if q.strip():
        units = units.filter(code__startswith=q.strip())
    return units.order_by("path")


@router.get("/org-units/{code}", response=OrgUnitDetail, url_name="orgunit_detail")
def get_org_unit(request, code: str):
    unit = orgunit_get(actor=request.auth, code=code)
    unit.visible_children = list(
        orgunits_visible(actor=request.auth).filter(parent=unit).order_by("kind", "name")
    )
    return unit


@router.get("/schools", response=list[SchoolItem], url_name="school_list")
@paginate(Pagination)
def list_schools(
    request, q: str = "", school_type: str = "", under: str = "", on: date | None = None
):  # fmt: skip
    """Schools the caller's roles cover. `q` = name (any case, with or without diacritics) or code
    prefix; `school_type` = preschool/primary/lower_secondary/…; `under` = code of a unit above
    them; `on` = only schools open on that date."""
    return schools_search(
        actor=request.auth, q=q, school_type=school_type, under=under, on=on
    ).select_related("parent")


@router.get("/schools/{code}", response=SchoolDetail, url_name="school_detail")
def get_school(request, code: str):
    from hocso.registry import selectors as registry  # the registry sits above the org tree

    school = school_get(actor=request.auth, code=code)
    actor = request.auth
    school.counts = {
        "students": registry.students_visible(actor=actor)
        .filter(school=school, status="studying")
        .count(),
        "staff": registry.staff_visible(actor=actor).filter(school=school, is_active=True).count(),
        "classes": registry.classes_visible(actor=actor).filter(school=school).count(),
        "rooms": registry.rooms_visible(actor=actor).filter(school=school).count(),
        "equipment": registry.equipment_visible(actor=actor).filter(school=school).count(),
    }
    return school
