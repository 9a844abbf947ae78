"""Role assignments: granting, auditing, and the scope they give (accounts/scope.py)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hocso.accounts.models import AuditEntry, Role, RoleAssignment
from hocso.accounts.scope import Scope, _minimal, scope_for
from hocso.accounts.services import role_grant
from hocso.orgs.models import OrgUnit

from ..factories import UserFactory


def test_a_grant_is_audited_with_role_and_unit(tree, users):
    teacher = UserFactory(username="gv_moi")
    role_grant(actor=users.admin_a, user=teacher, role=Role.TEACHER, org_unit=tree.school_a)
    entry = AuditEntry.objects.get(action="role.grant", object_id=str(teacher.pk))
    assert entry.actor == users.admin_a
    assert entry.object_type == "user"
    assert entry.org_unit == tree.school_a
    assert entry.detail == {"role": "teacher"}


def test_granting_the_same_role_twice_changes_nothing(tree, users):
    teacher = UserFactory(username="gv_moi")
    role_grant(actor=None, user=teacher, role=Role.TEACHER, org_unit=tree.school_a)
    role_grant(actor=None, user=teacher, role=Role.TEACHER, org_unit=tree.school_a)
    assert RoleAssignment.objects.filter(user=teacher).count() == 1
    assert AuditEntry.objects.filter(action="role.grant", object_id=str(teacher.pk)).count() == 1


def test_an_unknown_role_is_refused(tree):
    with pytest.raises(ValidationError):
        role_grant(actor=None, user=UserFactory(), role="janitor", org_unit=tree.school_a)


def test_a_school_admin_grants_only_inside_their_school(tree, users):
    with pytest.raises(PermissionDenied):
        role_grant(
            actor=users.admin_a, user=UserFactory(), role=Role.TEACHER, org_unit=tree.school_c
        )


def test_a_teacher_cannot_grant_roles(tree, users):
    with pytest.raises(PermissionDenied):
        role_grant(
            actor=users.teacher_a, user=UserFactory(), role=Role.TEACHER, org_unit=tree.school_a
        )


def test_a_grant_takes_effect_for_the_user_at_once(tree, users):
    admin = users.admin_a
    assert not scope_for(admin).covers(tree.school_c.path)
    role_grant(actor=None, user=admin, role=Role.SCHOOL_ADMIN, org_unit=tree.school_c)
    assert scope_for(admin).covers(tree.school_c.path)


# --- scope ------------------------------------------------------------------------------------


def test_minimal_drops_paths_covered_by_an_ancestor():
    assert _minimal({"84/", "84/842/", "84/847/29161/"}) == ("84/",)
    assert _minimal({"84/842/28432/", "84/842/"}) == ("84/842/",)
    assert _minimal({"84/842/", "84/847/"}) == ("84/842/", "84/847/")
    assert _minimal(set()) == ()


def test_minimal_does_not_confuse_a_code_prefix_with_an_ancestor():
    """ "84/" is not an ancestor of "841/": paths end with the separator for this reason."""
    assert _minimal({"84/", "841/"}) == ("84/", "841/")


def test_office_roles_write_and_teachers_only_read(tree, users):
    admin = scope_for(users.admin_a)
    assert admin.covers(tree.school_a.path, write=True)
    teacher = scope_for(users.teacher_a)
    assert teacher.covers(tree.school_a.path)
    assert not teacher.covers(tree.school_a.path, write=True)
    district = scope_for(users.district2)
    assert district.read_paths == ("84/847/",)
    assert district.covers(tree.school_c.path, write=True)
    assert not district.covers(tree.school_a.path)


def test_students_and_guardians_have_roles_but_no_subtree(tree, users):
    for user in (users.student_a, users.guardian_a):
        scope = scope_for(user)
        assert scope.read_paths == () and scope.write_paths == ()
        assert not scope.is_staff_member
    assert scope_for(users.student_a).roles == frozenset({Role.STUDENT})


def test_anonymous_inactive_and_role_less_users_have_an_empty_scope(tree, users):
    from django.contrib.auth.models import AnonymousUser

    users.admin_c.is_active = False
    for user in (AnonymousUser(), users.outsider, users.admin_c):
        scope = scope_for(user)
        assert not scope.everything and scope.read_paths == ()
        assert not scope.covers(tree.school_a.path)


def test_superuser_covers_everything(tree, users):
    scope = scope_for(users.superuser)
    assert scope.everything and scope.covers("99/") and scope.covers("99/", write=True)


def test_two_roles_combine_their_subtrees(tree, users):
    role_grant(actor=None, user=users.teacher_a, role=Role.TEACHER, org_unit=tree.school_c)
    fresh = type(users.teacher_a).objects.get(pk=users.teacher_a.pk)
    assert scope_for(fresh).read_paths == (tree.school_a.path, tree.school_c.path)


def test_scope_q_of_nothing_finds_no_rows_and_everything_finds_all(tree):
    empty = Scope(False, (), (), frozenset())
    assert not OrgUnit.objects.filter(empty.q("path")).exists()
    assert OrgUnit.objects.filter(Scope(True, (), (), frozenset()).q("path")).count() == 8
