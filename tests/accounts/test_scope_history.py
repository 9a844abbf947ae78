"""A role also reads — never writes — the archive of its units' predecessors (accounts/scope.py)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from hocso.accounts.models import Role
from hocso.accounts.scope import scope_for
from hocso.accounts.services import role_grant
from hocso.orgs.models import OrgKind, OrgUnit, SchoolType
from hocso.orgs.services import orgunit_close, orgunit_move
from hocso.registry import services
from hocso.registry.selectors import students_visible

from ..factories import StudentFactory, UserFactory, make_school, make_unit

LAST_DAY = date(2025, 6, 30)
REFORM_DAY = date(2025, 7, 1)


def _fresh(user):
    """The same user without the scope cached on the instance."""
    return type(user).objects.get(pk=user.pk)


def _grant(role, unit, username=None):
    user = UserFactory(**({"username": username} if username else {}))
    role_grant(actor=None, user=user, role=role, org_unit=unit)
    return _fresh(user)


@pytest.fixture
def reform(tree):
    """The 2025 reform on the shared tree: Vĩnh Long (86) succeeds Trà Vinh and its districts,
    the communes move under it."""
    vinh_long = make_unit("86", "Tỉnh Vĩnh Long", OrgKind.PROVINCE)
    OrgUnit.objects.filter(pk=vinh_long.pk).update(valid_from=REFORM_DAY)
    for unit in (tree.province, tree.district1, tree.district2):
        orgunit_close(actor=None, unit=unit, valid_to=LAST_DAY, successors=[vinh_long])
    for commune in (tree.commune1, tree.commune2):
        orgunit_move(actor=None, unit=commune, new_parent=vinh_long, effective_on=REFORM_DAY)
    return vinh_long


def test_the_successor_province_officer_reads_the_old_province_but_writes_only_the_new(
    tree, reform
):
    officer = _grant(Role.PROVINCE_OFFICER, reform)
    scope = scope_for(officer)
    assert scope.read_paths == ("84/", "86/")
    assert scope.write_paths == ("86/",)
    assert scope.covers("84/842/") and scope.covers("84/847/")
    assert not scope.covers("84/842/", write=True)
    # The schools moved with their communes: written through the new province.
    assert scope.covers(OrgUnit.objects.get(code="84000001").path, write=True)


def test_a_successor_adds_one_query_to_the_scope_and_no_history_adds_none(
    tree, reform, django_assert_max_num_queries, django_assert_num_queries
):
    officer = _grant(Role.PROVINCE_OFFICER, reform)
    # role assignments (with whether any successor lies below), the predecessor links
    with django_assert_max_num_queries(2):
        scope_for(officer)
    teacher = _grant(Role.TEACHER, OrgUnit.objects.get(code="84000003"))
    with django_assert_num_queries(1):
        scope_for(teacher)


@pytest.fixture
def absorbed(tree):
    """School B closes on 31 May 2025 and school A (same commune) takes it over."""
    orgunit_close(
        actor=None, unit=tree.school_b, valid_to=date(2025, 5, 31), successors=[tree.school_a]
    )
    return tree.school_b


def test_the_admin_of_a_school_that_absorbed_another_reads_its_records_but_cannot_change_them(
    tree, users, absorbed
):
    old_pupil = StudentFactory(school=absorbed, full_name="Thạch Sô Phal")
    admin = _fresh(users.admin_a)
    assert old_pupil in students_visible(actor=admin)
    with pytest.raises(PermissionDenied):
        services.student_update(actor=admin, student=old_pupil, full_name="Thạch Sô Phia")
    # The admin of a school that absorbed nothing still sees only their own school.
    assert old_pupil not in students_visible(actor=_fresh(users.admin_c))


def test_teachers_read_the_predecessors_but_students_and_guardians_gain_nothing(
    tree, users, absorbed
):
    assert scope_for(_fresh(users.teacher_a)).covers(absorbed.path)
    for user in (users.student_a, users.guardian_a):
        scope = scope_for(_fresh(user))
        assert scope.read_paths == () and not scope.covers(absorbed.path)


def test_predecessors_are_inherited_transitively(db, django_assert_max_num_queries):
    province = make_unit("84", "Tỉnh Trà Vinh", OrgKind.PROVINCE)
    commune = make_unit("28432", "Phường 1", OrgKind.COMMUNE, province)
    oldest = make_school("84000010", commune, SchoolType.PRIMARY, "Tiểu học Phường 1 cũ")
    middle = make_school("84000011", commune, SchoolType.PRIMARY, "Tiểu học Phường 1")
    newest = make_school("84000012", commune, SchoolType.MULTI_LEVEL, "Liên cấp Phường 1")
    orgunit_close(actor=None, unit=oldest, valid_to=date(2019, 8, 31), successors=[middle])
    orgunit_close(actor=None, unit=middle, valid_to=date(2024, 8, 31), successors=[newest])
    admin = _grant(Role.SCHOOL_ADMIN, newest)
    # assignments, then one query per generation of predecessors
    with django_assert_max_num_queries(3):
        scope = scope_for(admin)
    assert scope.read_paths == (oldest.path, middle.path, newest.path)
    assert scope.write_paths == (newest.path,)


def test_predecessors_of_units_below_the_role_are_read_too(tree, reform):
    """A school under Vĩnh Long absorbed a Bến Tre school: the province officer reads it."""
    ben_tre = make_unit("83", "Tỉnh Bến Tre", OrgKind.PROVINCE)
    closed = make_school("83000001", ben_tre, SchoolType.UPPER_SECONDARY, "THPT Bến Tre cũ")
    orgunit_close(
        actor=None,
        unit=closed,
        valid_to=LAST_DAY,
        successors=[OrgUnit.objects.get(code="84000003")],
    )
    officer = _grant(Role.PROVINCE_OFFICER, reform)
    assert scope_for(officer).read_paths == ("83/83000001/", "84/", "86/")
    assert not scope_for(officer).covers("83/")  # the rest of Bến Tre is not Vĩnh Long's archive


def test_a_predecessor_already_inside_the_scope_keeps_the_paths_minimal(tree, users, absorbed):
    """School B lies under the province: reading it again changes nothing."""
    assert scope_for(_fresh(users.province)).read_paths == ("84/",)


def test_a_cycle_of_successor_links_in_bad_data_still_ends(tree):
    orgunit_close(actor=None, unit=tree.school_b, valid_to=LAST_DAY, successors=[tree.school_c])
    orgunit_close(actor=None, unit=tree.school_c, valid_to=LAST_DAY, successors=[tree.school_b])
    admin = _grant(Role.SCHOOL_ADMIN, tree.school_c)
    assert scope_for(admin).read_paths == (tree.school_b.path, tree.school_c.path)
