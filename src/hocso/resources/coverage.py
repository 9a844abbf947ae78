"""How much of the curriculum the library covers, for one org unit (the monitoring centre's
"share of curriculum topics with a digital learning resource" indicator).

The rule. For a unit U, a curriculum topic is *covered* when at least one PUBLISHED resource
aligned to it (Resource.topics) is available in U:
- shared province-wide by a unit of U's province, or
- owned by U, by an ancestor of U (its commune, district, the Department), or
- owned by a unit inside U's subtree (a school's own resources count for its commune, district
  and province — the aggregate of what the schools under it have).

Only *leaf* topics count: a topic with children is a strand (mạch nội dung), and a resource
aligned to a strand covers none of its leaves — otherwise one broad resource would mark a whole
strand covered. A cell is one GradeSubject (subject × grade) that has topics; the numbers roll
up by SUMMING topics and covered over cells, never by averaging shares (a cell of 3 topics must
not weigh as much as one of 30).

Every figure is computed with a fixed number of queries whatever the number of cells or child
units: the leaf topics (one query), the province of the unit (one), the (topic, owner, sharing)
triples of the available resources (one, DISTINCT), and for the child table the children (one).
The arithmetic is then done in Python on sets.

Not scoped by an actor: the figures reveal no resource, only counts and topic names, and the
monitoring centre reads them for any unit. The pages and the API check that the unit is in the
actor's scope first (`coverage_units_for`, `coverage_unit_get`).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from hocso.accounts.scope import scope_for
from hocso.curriculum.models import Topic
from hocso.orgs.models import OrgKind, OrgUnit, ancestor_paths
from hocso.orgs.selectors import home_unit

from .models import Resource, ResourceStatus, Sharing

SHARE_PLACES = Decimal("0.0001")


def share_of(covered: int, topics: int) -> Decimal | None:
    """covered / topics to four decimals (half up); None when there is nothing to cover."""
    if not topics:
        return None
    return (Decimal(covered) / Decimal(topics)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TopicRef:
    pk: int
    code: str
    name: str


@dataclass
class CoverageCell:
    """One subject in one grade: how many of its leaf topics have a resource in reach."""

    grade_subject_id: int
    subject: str  # the subject's code
    subject_name: str  # as the grade calls it (GradeSubject.display_name)
    grade: int
    topics: int = 0
    covered: int = 0
    uncovered: list[TopicRef] = field(default_factory=list)

    @property
    def share(self) -> Decimal | None:
        return share_of(self.covered, self.topics)

    @property
    def percent(self) -> Decimal | None:
        """The share in per cent with one decimal, for pages."""
        share = self.share
        return None if share is None else (share * 100).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class UnitCoverage:
    """A unit's totals (the sum over cells), for the table of child units."""

    unit: OrgUnit
    topics: int
    covered: int

    @property
    def share(self) -> Decimal | None:
        return share_of(self.covered, self.topics)

    @property
    def percent(self) -> Decimal | None:
        share = self.share
        return None if share is None else (share * 100).quantize(Decimal("0.1"))


# --- the queries --------------------------------------------------------------------------------


def _leaf_topics() -> list[dict]:
    """Every topic without children, with its cell, in the curriculum's order (one query)."""
    return list(
        Topic.objects.filter(~Exists(Topic.objects.filter(parent=OuterRef("pk"))))
        .order_by(
            "grade_subject__subject__sort_order",
            "grade_subject__subject__code",
            "grade_subject__grade",
            "order",
            "code",
            "pk",
        )
        .values(
            "pk",
            "code",
            "name",
            "grade_subject_id",
            "grade_subject__grade",
            "grade_subject__name",
            "grade_subject__subject__code",
            "grade_subject__subject__name",
        )
    )


def _province_path(unit: OrgUnit) -> str | None:
    """The path of the province holding `unit` (itself when it is one); None above provinces."""
    if unit.kind == OrgKind.PROVINCE:
        return unit.path
    return (
        OrgUnit.objects.filter(path__in=ancestor_paths(unit.path), kind=OrgKind.PROVINCE)
        .values_list("path", flat=True)
        .first()
    )


def _as_of_moment(as_of: date | datetime | None) -> datetime | None:
    if as_of is None or isinstance(as_of, datetime):
        return as_of
    # A date means "by the end of that day" in the project's time zone.
    end = datetime.combine(as_of, datetime.max.time())
    return timezone.make_aware(end) if timezone.is_naive(end) else end


def _available_links(unit: OrgUnit, province: str | None, as_of):
    """(topic id, owner path, sharing) of every published resource available in `unit` or in a
    unit under it, aligned to a leaf topic, without repeats (one query)."""
    reach = Q(resource__org_unit__path__in=ancestor_paths(unit.path)) | Q(
        resource__org_unit__path__startswith=unit.path
    )
    if province:
        reach |= Q(resource__sharing=Sharing.PROVINCE) & Q(
            resource__org_unit__path__startswith=province
        )
    links = Resource.topics.through.objects.filter(
        reach,
        ~Exists(Topic.objects.filter(parent=OuterRef("topic_id"))),
        resource__status=ResourceStatus.PUBLISHED,
    )
    moment = _as_of_moment(as_of)
    if moment is not None:
        links = links.filter(resource__published_at__lte=moment)
    return links.values_list("topic_id", "resource__org_unit__path", "resource__sharing").distinct()


def _cells(leaves: list[dict], covered: set[int]) -> list[CoverageCell]:
    cells: dict[int, CoverageCell] = {}
    for leaf in leaves:
        cell = cells.get(leaf["grade_subject_id"])
        if cell is None:
            cell = cells[leaf["grade_subject_id"]] = CoverageCell(
                grade_subject_id=leaf["grade_subject_id"],
                subject=leaf["grade_subject__subject__code"],
                subject_name=leaf["grade_subject__name"] or leaf["grade_subject__subject__name"],
                grade=leaf["grade_subject__grade"],
            )
        cell.topics += 1
        if leaf["pk"] in covered:
            cell.covered += 1
        else:
            cell.uncovered.append(TopicRef(leaf["pk"], leaf["code"], leaf["name"]))
    return list(cells.values())


# --- the figures --------------------------------------------------------------------------------


def coverage_cells(
    *, org_unit: OrgUnit, as_of: date | datetime | None = None
) -> list[CoverageCell]:
    """Per subject × grade (cells with topics only), the leaf topics and how many are covered in
    `org_unit`, ordered by subject then grade. `as_of`: count only resources published by then
    (a resource retired since is not counted, even for that date)."""
    leaves = _leaf_topics()
    if not leaves:
        return []
    links = _available_links(org_unit, _province_path(org_unit), as_of)
    return _cells(leaves, {topic_id for topic_id, _owner, _sharing in links})


def coverage_total(*, org_unit: OrgUnit, as_of: date | datetime | None = None) -> tuple[int, int]:
    """(topics, covered) summed over the cells: the indicator's denominator and numerator."""
    cells = coverage_cells(org_unit=org_unit, as_of=as_of)
    return sum(c.topics for c in cells), sum(c.covered for c in cells)


def coverage_children(
    *, org_unit: OrgUnit, as_of: date | datetime | None = None
) -> list[UnitCoverage]:
    """The totals of each unit directly under `org_unit` (active ones), from one query of the
    resources in reach: what every child shares (province-wide resources, those of `org_unit`
    and above) plus what lies in each child's own subtree."""
    children = list(
        OrgUnit.objects.filter(parent=org_unit).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=timezone.localdate())
        )
    )
    if not children:
        return []
    leaves = _leaf_topics()
    leaf_ids = {leaf["pk"] for leaf in leaves}
    province = _province_path(org_unit)
    common: set[int] = set()
    by_child: dict[str, set[int]] = defaultdict(set)  # child path → topics owned in its subtree
    ancestors = set(ancestor_paths(org_unit.path))
    for topic_id, owner, sharing in _available_links(org_unit, province, as_of):
        if owner in ancestors or (
            sharing == Sharing.PROVINCE and province and owner.startswith(province)
        ):
            common.add(topic_id)
            continue
        # Owned under org_unit: the child whose subtree holds the owner (the path's next part).
        rest = owner[len(org_unit.path) :]
        child_path = org_unit.path + rest.split("/", 1)[0] + "/"
        by_child[child_path].add(topic_id)
    total = len(leaf_ids)
    rows = [
        UnitCoverage(unit=c, topics=total, covered=len((common | by_child[c.path]) & leaf_ids))
        for c in children
    ]
    # Under a ministry the children are provinces: their province-wide resources lie in their
    # own subtrees, so the split above already gives each province only its own.
    return rows


# --- scope --------------------------------------------------------------------------------------


def coverage_units_for(actor):
    """The units whose coverage the actor may read: staff read their scope's subtrees; the
    system and superusers everything. Learners, guardians and citizens: none."""
    units = OrgUnit.objects.all()
    if actor is None:
        return units
    scope = scope_for(actor)
    if scope.everything:
        return units
    if not scope.read_paths:
        return units.none()
    return units.filter(scope.q("path"))


def coverage_unit_get(*, actor, code: str | None = None) -> OrgUnit:
    """The unit `code` if the actor may read its coverage, else DoesNotExist (a 404). Without a
    code: the actor's home unit (orgs.selectors.home_unit)."""
    units = coverage_units_for(actor)
    if code:
        return units.get(code=code)
    return home_unit(actor=actor, units=units)


__all__ = [
    "CoverageCell",
    "TopicRef",
    "UnitCoverage",
    "coverage_cells",
    "coverage_children",
    "coverage_total",
    "coverage_unit_get",
    "coverage_units_for",
    "share_of",
]
