"""Writes of the org tree: creating units, moving subtrees, closing units with successors."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hocso.accounts.scope import scope_for
from hocso.orgs.models import OrgKind, OrgUnit, OrgUnitMove, SchoolType
from hocso.orgs.services import (
    orgunit_close,
    orgunit_create,
    orgunit_move,
    schoolyear_get_or_create,
)

from ..factories import make_unit


def _paths() -> dict[str, tuple[str, int]]:
    return {u.code: (u.path, u.depth) for u in OrgUnit.objects.all()}


def test_create_builds_path_and_depth_from_the_parent(tree):
    assert (tree.province.path, tree.province.depth) == ("84/", 0)
    assert (tree.district1.path, tree.district1.depth) == ("84/842/", 1)
    assert (tree.commune1.path, tree.commune1.depth) == ("84/842/28432/", 2)
    assert (tree.school_a.path, tree.school_a.depth) == ("84/842/28432/84000001/", 3)


def test_create_cleans_names_to_nfc_single_spaces(tree):
    unit = orgunit_create(
        actor=None, code=" 28433 ", name="  Phu\u031bo\u031b\u0300ng   2 ", kind=OrgKind.COMMUNE,
        parent=tree.district1,
    )  # fmt: skip
    assert unit.code == "28433"
    assert unit.name == "Phường 2"
    assert unit.path == "84/842/28433/"


def test_a_school_needs_a_school_type(tree):
    with pytest.raises(ValidationError) as info:
        orgunit_create(
            actor=None, code="84000009", name="Trường X", kind=OrgKind.SCHOOL, parent=tree.commune1
        )
    assert "school_type" in info.value.message_dict


def test_only_a_school_may_have_a_school_type(tree):
    with pytest.raises(ValidationError):
        orgunit_create(
            actor=None, code="28499", name="Xã Y", kind=OrgKind.COMMUNE, parent=tree.district1,
            school_type=SchoolType.PRIMARY,
        )  # fmt: skip


def test_a_code_may_not_contain_the_path_separator(tree):
    with pytest.raises(ValidationError):
        make_unit("28/99", "Xã Z", OrgKind.COMMUNE, tree.district1)


def test_codes_are_unique(tree):
    with pytest.raises(ValidationError):
        make_unit("842", "Trùng mã", OrgKind.DISTRICT, tree.province)


def test_a_district_officer_creates_only_inside_their_district(tree, users):
    unit = orgunit_create(
        actor=users.district2,
        code="29162",
        name="Xã Tập Sơn",
        kind=OrgKind.COMMUNE,
        parent=tree.district2,
    )
    assert unit.path == "84/847/29162/"
    with pytest.raises(PermissionDenied):
        orgunit_create(
            actor=users.district2,
            code="28434",
            name="Phường 4",
            kind=OrgKind.COMMUNE,
            parent=tree.district1,
        )


def test_only_the_system_or_a_superuser_creates_a_root(tree, users):
    with pytest.raises(PermissionDenied):
        orgunit_create(actor=users.province, code="86", name="Vĩnh Long", kind=OrgKind.PROVINCE)
    unit = orgunit_create(actor=users.superuser, code="86", name="Vĩnh Long", kind=OrgKind.PROVINCE)
    assert (unit.path, unit.depth) == ("86/", 0)


def test_teachers_may_not_create_units(tree, users):
    with pytest.raises(PermissionDenied):
        orgunit_create(
            actor=users.teacher_a, code="84000010", name="Trường mới", kind=OrgKind.SCHOOL,
            parent=tree.school_a, school_type=SchoolType.PRIMARY,
        )  # fmt: skip


# --- moves ------------------------------------------------------------------------------------


def test_move_rewrites_the_whole_subtree_and_records_the_move(tree):
    """The 2025 reform: a commune leaves its (abolished) district for the province directly."""
    before = _paths()
    orgunit_move(
        actor=None, unit=tree.commune1, new_parent=tree.province, effective_on=date(2025, 7, 1),
        reason="Nghị quyết 202/2025/QH15",
    )  # fmt: skip
    after = _paths()
    assert after["28432"] == ("84/28432/", 1)
    assert after["84000001"] == ("84/28432/84000001/", 2)
    assert after["84000002"] == ("84/28432/84000002/", 2)
    unchanged = set(before) - {"28432", "84000001", "84000002"}
    assert {code: after[code] for code in unchanged} == {code: before[code] for code in unchanged}
    tree.commune1.refresh_from_db()
    assert tree.commune1.parent == tree.province

    move = OrgUnitMove.objects.get()
    assert (move.unit, move.old_parent, move.new_parent) == (
        tree.commune1,
        tree.district1,
        tree.province,
    )
    assert move.old_path == "84/842/28432/"
    assert move.effective_on == date(2025, 7, 1)
    assert move.reason == "Nghị quyết 202/2025/QH15"


def test_move_down_a_level_increases_depths(tree):
    orgunit_move(
        actor=None, unit=tree.district1, new_parent=tree.district2, effective_on=date(2025, 1, 1)
    )
    after = _paths()
    assert after["842"] == ("84/847/842/", 2)
    assert after["84000001"] == ("84/847/842/28432/84000001/", 4)


def test_a_school_admins_scope_follows_their_school_when_it_moves(tree, users):
    orgunit_move(
        actor=None, unit=tree.commune1, new_parent=tree.province, effective_on=date(2025, 7, 1)
    )
    admin = type(users.admin_a).objects.get(pk=users.admin_a.pk)  # a fresh request's user
    assert scope_for(admin).read_paths == ("84/28432/84000001/",)


def test_moving_a_unit_into_its_own_subtree_is_refused(tree):
    with pytest.raises(ValidationError):
        orgunit_move(
            actor=None, unit=tree.district1, new_parent=tree.commune1, effective_on=date(2025, 7, 1)
        )
    with pytest.raises(ValidationError):
        orgunit_move(
            actor=None,
            unit=tree.district1,
            new_parent=tree.district1,
            effective_on=date(2025, 7, 1),
        )
    assert not OrgUnitMove.objects.exists()
    assert _paths()["842"] == ("84/842/", 1)


def test_a_district_officer_cannot_move_units_out_of_another_district(tree, users):
    with pytest.raises(PermissionDenied):
        orgunit_move(
            actor=users.district2,
            unit=tree.commune1,
            new_parent=tree.district2,
            effective_on=date(2025, 7, 1),
        )
    assert not OrgUnitMove.objects.exists()


def test_the_province_officer_may_move_within_the_province(tree, users):
    orgunit_move(
        actor=users.province,
        unit=tree.commune1,
        new_parent=tree.province,
        effective_on=date(2025, 7, 1),
    )
    assert OrgUnitMove.objects.count() == 1


# --- closing ----------------------------------------------------------------------------------


def test_close_sets_validity_and_links_successors(tree):
    vinh_long = make_unit("86", "Tỉnh Vĩnh Long", OrgKind.PROVINCE)
    orgunit_close(
        actor=None, unit=tree.province, valid_to=date(2025, 6, 30), successors=[vinh_long]
    )
    tree.province.refresh_from_db()
    assert tree.province.valid_to == date(2025, 6, 30)
    assert list(tree.province.successors.all()) == [vinh_long]
    assert list(vinh_long.predecessors.all()) == [tree.province]
    assert tree.province.is_active_on(date(2025, 6, 30))
    assert not tree.province.is_active_on(date(2025, 7, 1))


def test_a_unit_merged_into_two_successors(tree):
    orgunit_close(
        actor=None, unit=tree.commune2, valid_to=date(2025, 6, 30),
        successors=[tree.commune1, tree.district1],
    )  # fmt: skip
    assert set(tree.commune2.successors.all()) == {tree.commune1, tree.district1}


def test_close_before_the_unit_opened_is_refused(tree):
    unit = orgunit_create(
        actor=None, code="29163", name="Xã mới", kind=OrgKind.COMMUNE, parent=tree.district2,
        valid_from=date(2024, 1, 1),
    )  # fmt: skip
    with pytest.raises(ValidationError):
        orgunit_close(actor=None, unit=unit, valid_to=date(2023, 12, 31))


def test_a_school_admin_cannot_close_a_school_of_another_district(tree, users):
    with pytest.raises(PermissionDenied):
        orgunit_close(actor=users.admin_a, unit=tree.school_c, valid_to=date(2025, 6, 30))


# --- school years -----------------------------------------------------------------------------


def test_school_year_has_the_usual_calendar_and_is_created_once(db):
    year = schoolyear_get_or_create(code="2025-2026")
    assert (year.start_date, year.term1_end, year.term2_start, year.end_date) == (
        date(2025, 9, 5), date(2026, 1, 15), date(2026, 1, 16), date(2026, 5, 31),
    )  # fmt: skip
    assert schoolyear_get_or_create(code="2025-2026").pk == year.pk


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["2025-2027", "2026-2025", "2025-2025"])
def test_a_school_year_must_span_consecutive_years(code):
    with pytest.raises(ValidationError):
        schoolyear_get_or_create(code=code)
