"""Who may see and change what: one mechanism for the whole platform (DESIGN.md "Access control").

A role assignment covers its org unit's whole subtree. Staff roles read the subtree; the office
roles also write it. Students and guardians read only their own records (registry selectors add
those rows by their links, not by path).
"""

from dataclasses import dataclass

from django.db.models import Q

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
        assignments = list(user.role_assignments.select_related("org_unit"))
        read = {a.org_unit.path for a in assignments if a.role in READ_ROLES}
        write = {a.org_unit.path for a in assignments if a.role in WRITE_ROLES}
        scope = Scope(
            False, _minimal(read), _minimal(write), frozenset(a.role for a in assignments)
        )
    user._hocso_scope = scope
    return scope


def forget_scope(user) -> None:
    """Call after changing a user's role assignments within the same request."""
    if hasattr(user, "_hocso_scope"):
        del user._hocso_scope
