"""Who may do what in the monitoring centre (on top of accounts.scope, which decides what a user
may read at all).

- The centre (dashboards, tables, forecasts, quality lists) is for staff: any unit in the user's
  READ scope (teachers see their school's aggregates; learners and guardians see nothing).
- A school's statistical report is *submitted* by an admin of that school (school_admin over it);
  *approved or returned* by the level above: a district or province officer whose role sits on a
  unit strictly above the school; *accepted* by a province officer over it. Nobody approves a
  report they submitted.
- A unit's annual report narrative is written by the office roles (province/district officer,
  school admin) holding write scope over the unit. Targets are edited by province officers.
"""

from hocso.accounts.models import Role
from hocso.accounts.scope import scope_for

OFFICER_ROLES = frozenset({Role.PROVINCE_OFFICER, Role.DISTRICT_OFFICER})


def _assignments(user) -> list[tuple[str, str]]:
    """(role, unit path) of every role assignment of the user, cached on the user object."""
    cached = getattr(user, "_hocso_monitoring_roles", None)
    if cached is None:
        if not user or not user.is_authenticated or not user.is_active:
            cached = []
        else:
            cached = list(user.role_assignments.values_list("role", "org_unit__path"))
        user._hocso_monitoring_roles = cached
    return cached


def holds(user, roles, path: str, *, strictly_above: bool = False) -> bool:
    """Whether the user holds one of `roles` on `path` or an ancestor of it (only an ancestor
    with `strictly_above`). A superuser holds every role everywhere."""
    if user.is_superuser and user.is_active:
        return True
    for role, unit_path in _assignments(user):
        if (
            role in roles
            and path.startswith(unit_path)
            and not (strictly_above and unit_path == path)
        ):
            return True
    return False


def can_view(user, unit=None) -> bool:
    """The monitoring centre at all (no unit) or one unit's figures."""
    scope = scope_for(user)
    if unit is None:
        return scope.is_staff_member
    return scope.covers(unit.path)


def can_submit_report(user, school) -> bool:
    return holds(user, {Role.SCHOOL_ADMIN}, school.path)


def can_approve_report(user, school) -> bool:
    return holds(user, OFFICER_ROLES, school.path, strictly_above=True)


def can_accept_report(user, school) -> bool:
    return holds(user, {Role.PROVINCE_OFFICER}, school.path)


def can_edit_annual(user, unit) -> bool:
    return scope_for(user).covers(unit.path, write=True)


def can_edit_targets(user) -> bool:
    if user.is_superuser and user.is_active:
        return True
    return any(role == Role.PROVINCE_OFFICER for role, _ in _assignments(user))
