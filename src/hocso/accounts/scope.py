"""Who may see and change what: one mechanism for the whole platform (DESIGN.md "Access control").

A role assignment covers its org unit's whole subtree. Staff roles read the subtree; the office
roles also write it. Students and guardians read only their own records (registry selectors add
those rows by their links, not by path).

A successor holds its predecessors' archive (docs/decisions/0002-org-tree-history.md): staff roles
also READ — never write — the subtree of every predecessor of a unit they read, transitively. After
the 2025 reform the Vĩnh Long officer reads old Trà Vinh and its districts; the admin of a school
that absorbed a closed school reads the closed school's records.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from .models import Role

READ_ROLES = frozenset(
    {Role.PROVINCE_OFFICER, Role.DISTRICT_OFFICER, Role.SCHOOL_ADMIN, Role.TEACHER}
)
WRITE_ROLES = frozenset({Role.PROVINCE_OFFICER, Role.DISTRICT_OFFICER, Role.SCHOOL_ADMIN})


@dataclass(frozen=True)
class Scope:
    everything: bool
    read_paths: tuple[str, ...]
    write_paths: tuple[str, ...]
    roles: frozenset[str]

    def q(self, field: str, *, write: bool = False) -> Q:
        """A filter on `field` (a path, e.g. "school__path") for the units in scope."""
        if self.everything:
            return Q()
        paths = self.write_paths if write else self.read_paths
        if not paths:
            return Q(pk__in=[])
        query = Q()
        for path in paths:
            query |= Q(**{f"{field}__startswith": path})
        return query

    def covers(self, path: str, *, write: bool = False) -> bool:
        if self.everything:
            return True
        return any(path.startswith(p) for p in (self.write_paths if write else self.read_paths))

    @property
    def is_staff_member(self) -> bool:
        return self.everything or bool(self.read_paths)


def _minimal(paths: set[str]) -> tuple[str, ...]:
    """Drop paths already covered by an ancestor path, so filters stay short."""
    ordered = sorted(paths, key=len)
    kept: list[str] = []
    for path in ordered:
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(sorted(kept))


def _successor_links():
    from hocso.orgs.models import OrgUnit  # orgs imports this module: import at call time

    return OrgUnit.successors.through.objects


def _startswith_any(field: str, paths) -> Q:
    query = Q()
    for path in paths:
        query |= Q(**{f"{field}__startswith": path})
    return query


def _with_predecessors(paths: tuple[str, ...], frontier: tuple[str, ...]) -> tuple[str, ...]:
    """`paths` plus the subtrees of the predecessors of every unit under them, transitively.

    Walks the successor links frontier by frontier: each step is one query for the links into the
    subtrees added by the step before, and each returned link says whether its predecessor has
    predecessors of its own under it, so the walk stops without an empty last query. A path
    already covered is never walked again, so the walk ends on any data, cycles included.
    """
    covered = set(paths)
    while frontier:
        rows = (
            _successor_links()
            .filter(_startswith_any("to_orgunit__path", frontier))
            .annotate(
                more=Exists(
                    _successor_links().filter(
                        to_orgunit__path__startswith=OuterRef("from_orgunit__path")
                    )
                )
            )
            .values_list("from_orgunit__path", "more")
        )
        kept = _minimal(covered)
        next_frontier = set()
        for path, more in rows:
            if any(path.startswith(k) for k in kept):
                continue
            covered.add(path)
            if more:
                next_frontier.add(path)
        frontier = _minimal(next_frontier)
    return _minimal(covered)


def scope_for(user) -> Scope:
    """The actor's scope, computed once per request (cached on the user object)."""
    cached = getattr(user, "_hocso_scope", None)
    if cached is not None:
        return cached
    if not user or not user.is_authenticated or not user.is_active:
        scope = Scope(False, (), (), frozenset())
    elif user.is_superuser:
        scope = Scope(True, (), (), frozenset(Role.values))
    else:
        # Whether the unit's subtree holds a successor of some other unit rides along with the
        # assignments, so a user without any history in reach costs one query as before.
        assignments = list(
            user.role_assignments.select_related("org_unit").annotate(
                has_history=Exists(
                    _successor_links().filter(
                        to_orgunit__path__startswith=OuterRef("org_unit__path")
                    )
                )
            )
        )
        read = _minimal({a.org_unit.path for a in assignments if a.role in READ_ROLES})
        write = {a.org_unit.path for a in assignments if a.role in WRITE_ROLES}
        frontier = _minimal(
            {a.org_unit.path for a in assignments if a.role in READ_ROLES and a.has_history}
        )
        scope = Scope(
            False,
            _with_predecessors(read, tuple(p for p in frontier if p in read)),
            _minimal(write),
            frozenset(a.role for a in assignments),
        )
    user._hocso_scope = scope
    return scope


def forget_scope(user) -> None:
    """Call after changing a user's role assignments within the same request."""
    if hasattr(user, "_hocso_scope"):
        del user._hocso_scope
