"""Reads of the org tree, always filtered by the actor's scope."""

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from hocso.accounts.scope import scope_for

from .models import OrgKind, OrgUnit, SchoolYear


def orgunits_visible(*, actor) -> QuerySet[OrgUnit]:
    """Units in the actor's subtrees, plus their ancestors (so the tree can be drawn to them)."""
    scope = scope_for(actor)
    if scope.everything:
        return OrgUnit.objects.all()
    if not scope.read_paths:
        return OrgUnit.objects.none()
    ancestor_paths = set()
    for path in scope.read_paths:
        parts = path.rstrip("/").split("/")
        ancestor_paths.update("/".join(parts[:i]) + "/" for i in range(1, len(parts)))
    return OrgUnit.objects.filter(scope.q("path") | Q(path__in=ancestor_paths))


def orgunits_in_scope(*, actor) -> QuerySet[OrgUnit]:
    """Units the actor's roles actually cover (no ancestors)."""
    return OrgUnit.objects.filter(scope_for(actor).q("path"))


def schools_in_scope(*, actor, on: date | None = None) -> QuerySet[OrgUnit]:
    schools = orgunits_in_scope(actor=actor).filter(kind=OrgKind.SCHOOL)
    if on is not None:
        schools = schools.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )
    return schools


def schools_writable(*, actor, on: date | None = None) -> QuerySet[OrgUnit]:
    """Schools where the actor may write (office roles), valid on `on` when given."""
    schools = OrgUnit.objects.filter(scope_for(actor).q("path", write=True), kind=OrgKind.SCHOOL)
    if on is not None:
        schools = schools.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )
    return schools


def orgunit_get(*, actor, code: str) -> OrgUnit:
    """The unit with this code if the actor may see it; raises OrgUnit.DoesNotExist otherwise."""
    return orgunits_visible(actor=actor).get(code=code)


def school_get(*, actor, code: str) -> OrgUnit:
    return schools_in_scope(actor=actor).get(code=code)


def orgunit_children_with_counts(*, actor, parent: OrgUnit | None) -> list[OrgUnit]:
    """Children of `parent` the actor may see, each with .school_count and .student_count.

    Two grouped queries whatever the number of children: counts per school, summed by path prefix.
    """
    from hocso.registry.models import Student, StudentStatus  # registry depends on orgs, not back

    children = list(orgunits_visible(actor=actor).filter(parent=parent).order_by("kind", "name"))
    scope = scope_for(actor)
    per_school = {
        row["school__path"]: row["n"]
        for row in Student.objects.filter(scope.q("school__path"), status=StudentStatus.STUDYING)
        .values("school__path")
        .annotate(n=Count("id"))
    }
    school_paths = list(
        OrgUnit.objects.filter(scope.q("path"), kind=OrgKind.SCHOOL).values_list("path", flat=True)
    )
    for child in children:
        child.school_count = sum(1 for p in school_paths if p.startswith(child.path))
        child.student_count = sum(n for p, n in per_school.items() if p.startswith(child.path))
    return children


def current_school_year(*, on: date | None = None) -> SchoolYear | None:
    on = on or date.today()
    year = SchoolYear.objects.filter(start_date__lte=on, end_date__gte=on).first()
    return year or SchoolYear.objects.filter(start_date__lte=on).order_by("-start_date").first()


def schools_search(
    *, actor, q: str = "", school_type: str = "", under: str = "", on: date | None = None
) -> QuerySet[OrgUnit]:
    """Schools in scope, narrowed by name or code, type, a unit above them and an open date.

    A name matches when every word of `q` occurs in it, ignoring case, diacritics and đ/d. Names
    are folded in Python over the schools in scope (a province has a few hundred), so no folded
    column is needed; a query of digits matches a code prefix instead.
    """
    from hocso.core.text import fold

    schools = schools_in_scope(actor=actor, on=on)
    if school_type:
        schools = schools.filter(school_type=school_type)
    if under:
        under_path = OrgUnit.objects.filter(code=under).values_list("path", flat=True).first()
        if under_path is None:
            return schools.none()
        schools = schools.filter(path__startswith=under_path)
    text = q.strip()
    if text.isdigit():
        schools = schools.filter(code__startswith=text)
    elif text:
        words = fold(text).split()
        matching = [
            pk
            for pk, name in schools.values_list("pk", "name")
            if all(word in fold(name) for word in words)
        ]
        schools = schools.filter(pk__in=matching)
    return schools


# --- the tree on a past date ----------------------------------------------------------------------
#
# `path` and `parent` describe the tree as it is now. The tree of an earlier day is the current
# tree with every later move undone (docs/decisions/0002-org-tree-history.md): a unit's parent on
# `day` is the old parent of its earliest OrgUnitMove dated after `day`, or its current parent if
# it has not moved since. The tree is loaded and rebuilt in Python: a province has a few hundred
# units and the country tens of thousands, one query each for units and moves.

# Above this many schools the learner count filters by the actor's scope instead of listing
# school ids (SQLite builds may cap a statement at 999 parameters).
_MAX_SCHOOL_IDS_IN_FILTER = 900


def _sort_key(unit: OrgUnit):
    from hocso.core.text import fold

    # Alphabetical the Vietnamese way: "Xã Đa Lộc" among the D's, not after the Z's.
    return (unit.kind, fold(unit.name), unit.code)


class OrgTreeOnDay:
    """The org tree as it stood on `day`, cut to what one actor may see.

    Units are those valid on `day` that the actor's scope covers, plus their ancestors on that
    day (shown so the tree can be drawn down to them, without their other branches). Each unit
    carries `parent_on_day` (an OrgUnit of this tree, or None for a root), `path_on_day`,
    `depth_on_day` and `in_scope` (covered by the actor's roles, not only an ancestor).
    """

    def __init__(self, day: date, units: list[OrgUnit]):
        self.day = day
        self.units = sorted(units, key=lambda u: (u.depth_on_day, *_sort_key(u)))
        self._by_code = {unit.code: unit for unit in units}
        self._children: dict[int | None, list[OrgUnit]] = {}
        for unit in self.units:
            parent_id = unit.parent_on_day.pk if unit.parent_on_day else None
            self._children.setdefault(parent_id, []).append(unit)

    def __contains__(self, code: str) -> bool:
        return code in self._by_code

    def get(self, code: str) -> OrgUnit:
        """The unit with this code on that day; raises OrgUnit.DoesNotExist when not in the tree."""
        try:
            return self._by_code[code]
        except KeyError:
            raise OrgUnit.DoesNotExist(code) from None

    def children(self, parent: OrgUnit | None) -> list[OrgUnit]:
        return list(self._children.get(parent.pk if parent else None, ()))

    def ancestors(self, unit: OrgUnit) -> list[OrgUnit]:
        """The unit's ancestors on that day, the root first."""
        chain = []
        node = unit.parent_on_day
        while node is not None:
            chain.append(node)
            node = node.parent_on_day
        return chain[::-1]

    def top_below(self, unit: OrgUnit, parent: OrgUnit | None) -> OrgUnit | None:
        """The child of `parent` (a root when None) on the way up from `unit` (`unit` itself when
        it is one), or None when `unit` is not under `parent` on that day."""
        target = parent.pk if parent is not None else None
        node = unit
        while node is not None:
            above = node.parent_on_day
            if (above.pk if above is not None else None) == target:
                return node
            node = above
        return None


def orgunit_tree_on(*, actor, day: date) -> OrgTreeOnDay:
    """The org tree as it stood on `day`, as far as the actor may see it.

    Two queries (all units; the moves dated after `day`) plus the actor's scope.
    """
    from .models import OrgUnitMove

    scope = scope_for(actor)
    if not scope.is_staff_member:
        return OrgTreeOnDay(day, [])
    all_units = {unit.pk: unit for unit in OrgUnit.objects.order_by()}
    raw_parent = {pk: unit.parent_id for pk, unit in all_units.items()}
    undone: set[int] = set()
    for unit_id, old_parent_id in (
        OrgUnitMove.objects.filter(effective_on__gt=day)
        .order_by("effective_on", "id")
        .values_list("unit_id", "old_parent_id")
    ):
        if unit_id not in undone:  # the earliest later move says where it was on `day`
            undone.add(unit_id)
            raw_parent[unit_id] = old_parent_id

    valid = {pk for pk, unit in all_units.items() if unit.is_active_on(day)}
    # A unit is in the tree of `day` when it and all its ancestors of that day were valid that
    # day. A unit left under a closed parent (a reform recorded without moving it out) is cut off
    # with its parent, as the tree filtered by validity would cut it.
    attached: dict[int, bool] = {}

    def is_attached(pk: int) -> bool:
        chain: list[int] = []
        node = pk
        while node is not None and node not in attached:
            if node not in valid or node in chain:  # closed that day, or a cycle in bad data
                result = False
                break
            chain.append(node)
            node = raw_parent[node]
        else:
            result = node is None or attached[node]
        attached.update(dict.fromkeys(chain, result))
        return result

    in_tree = {pk for pk in valid if is_attached(pk)}
    visible: set[int] = set()
    for pk in in_tree:
        unit = all_units[pk]
        unit.in_scope = scope.covers(unit.path)
        if not unit.in_scope:
            continue
        node = pk
        while node is not None and node not in visible:
            visible.add(node)
            node = raw_parent[node]

    units = []
    for pk in visible:
        unit = all_units[pk]
        parent_id = raw_parent[pk]
        unit.parent_on_day = all_units[parent_id] if parent_id is not None else None
        units.append(unit)
    for unit in units:
        chain = [unit]
        while chain[-1].parent_on_day is not None and len(chain) <= len(units):
            chain.append(chain[-1].parent_on_day)
        unit.path_on_day = "".join(u.code + "/" for u in reversed(chain))
        unit.depth_on_day = len(chain) - 1
    return OrgTreeOnDay(day, units)


def learners_enrolled_on(*, actor, day: date, schools: list[OrgUnit]) -> dict[int, int]:
    """School id → learners enrolled there on `day`, in one grouped query.

    Enrolled on `day`: start_date <= day and (end_date is null or end_date >= day). A learner who
    changed school or class that very day (one stay ends on `day`, the next starts on it) is
    counted once, where the new stay is, so totals over several schools add up.
    """
    from django.db.models import Exists, OuterRef

    from hocso.registry.models import Enrollment  # registry depends on orgs, not back

    scope = scope_for(actor)
    if not schools or not scope.is_staff_member:
        return {}
    continued = Enrollment.objects.filter(student=OuterRef("student"), start_date=day).exclude(
        pk=OuterRef("pk")
    )
    enrollments = Enrollment.objects.filter(start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=day) | (Q(end_date=day) & ~Exists(continued))
    )
    if len(schools) <= _MAX_SCHOOL_IDS_IN_FILTER:
        enrollments = enrollments.filter(school_id__in=[s.pk for s in schools])
    else:
        enrollments = enrollments.filter(scope.q("school__path"))
    wanted = {s.pk for s in schools}
    return {
        row["school_id"]: row["n"]
        for row in enrollments.values("school_id").annotate(n=Count("student_id", distinct=True))
        if row["school_id"] in wanted
    }


def orgunit_children_with_counts_on(
    *, actor, tree: OrgTreeOnDay, parent: OrgUnit | None
) -> list[OrgUnit]:
    """Children of `parent` on `tree.day`, each with .school_count (schools valid that day in its
    subtree that day) and .student_count (learners enrolled on that day), within the actor's
    scope. One query whatever the size of the subtree."""
    children = tree.children(parent)
    counted: list[tuple[OrgUnit, OrgUnit]] = []  # (school, the child it counts for)
    for unit in tree.units:
        if unit.is_school and unit.in_scope:
            top = tree.top_below(unit, parent)
            if top is not None:
                counted.append((unit, top))
    learners = learners_enrolled_on(
        actor=actor, day=tree.day, schools=[school for school, _ in counted]
    )
    for child in children:
        child.school_count = 0
        child.student_count = 0
    for school, top in counted:
        top.school_count += 1
        top.student_count += learners.get(school.pk, 0)
    return children


def orgunit_is_visible(*, actor, unit: OrgUnit) -> bool:
    """What orgunits_visible decides for one unit, without a query: in scope or an ancestor."""
    scope = scope_for(actor)
    if scope.everything:
        return True
    return scope.covers(unit.path) or any(p.startswith(unit.path) for p in scope.read_paths)


def home_unit(*, actor, units: QuerySet[OrgUnit]) -> OrgUnit:
    """The unit a page opens on for `actor` among `units` (what they may read): the highest unit
    they hold a role at that exists today (the officer of a merged province opens that province,
    not a predecessor whose archive they also read), else the top current unit, else the top
    one. DoesNotExist when `units` is empty."""
    from hocso.accounts.models import RoleAssignment  # accounts imports orgs: at call time

    units = units.order_by("depth", "path")
    current = Q(valid_to__isnull=True) | Q(valid_to__gte=timezone.localdate())
    unit = None
    if actor is not None:
        assigned = RoleAssignment.objects.filter(user=actor).values("org_unit")
        unit = units.filter(current, pk__in=assigned).first()
    unit = unit or units.filter(current).first() or units.first()
    if unit is None:
        raise OrgUnit.DoesNotExist("no unit in scope")
    return unit
