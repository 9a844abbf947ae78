"""Indicator values as of a date, on the boundaries of that date ("then") or of today ("today"):
selectors.indicator_values(on=, boundaries=) and GET /api/v1/indicators/{code}/values?date=.

The `reformed` tree is the `tree` fixture (84 Trà Vinh → 842 → 28432 → A, B; 84 → 847 → 29161
→ C) after the org services did what the 2025 reform and a boundary change did:
  2025-01-01  school B moves from commune 28432 to 29161 (orgunit_move);
  2025-06-30  84, 842 and 847 close, succeeded by 86 Vĩnh Long (valid from 2025-07-01);
  2025-07-01  communes 28432 and 29161 move under 86.
Today's tree: 86 → 28432 → A; 86 → 29161 → B, C.

Learners in 2024-2025 (all from 2024-09-05): A a1 a2 a3 a4, B b1 b2, C c1;
a4 drops out on 2024-12-01; a3 transfers to C on 2025-02-01.
In 2025-2026 (from 2025-09-05): A 2, B 1, C 3.
"""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from hocso.accounts.models import Role
from hocso.accounts.services import role_grant, token_create
from hocso.monitoring import compute, selectors
from hocso.monitoring.compute import recompute
from hocso.orgs.models import OrgKind
from hocso.orgs.services import orgunit_close, orgunit_create, orgunit_move
from hocso.registry import services as registry
from hocso.registry.models import EnrollmentEnd

from ..factories import StudentFactory, UserFactory, make_year

D = Decimal
REFORM_DAY = date(2025, 7, 1)
BEFORE = date(2024, 10, 1)  # before B's move and the reform
AFTER_MOVE = date(2025, 3, 1)  # B under 29161 (still in 847), a3 at C, a4 gone
AFTER_REFORM = date(2025, 10, 1)  # the province 86, communes directly under it


def _enroll(school_class, start, n):
    learners = []
    for _ in range(n):
        learner = StudentFactory(school=school_class.school, national_id=None)
        registry.student_enroll(
            actor=None, student=learner, school_class=school_class, start_date=start
        )
        learners.append(learner)
    return learners


@pytest.fixture
def reformed(tree, indicators):
    old, new = make_year("2024-2025"), make_year("2025-2026")
    a, b, c = tree.school_a, tree.school_b, tree.school_c
    a6 = registry.class_create(actor=None, school=a, year=old, grade=6, name="6A")
    b1 = registry.class_create(actor=None, school=b, year=old, grade=1, name="1A")
    c10 = registry.class_create(actor=None, school=c, year=old, grade=10, name="10A")
    a1, a2, a3, a4 = _enroll(a6, old.start_date, 4)
    _enroll(b1, old.start_date, 2)
    _enroll(c10, old.start_date, 1)
    registry.student_leave(
        actor=None, student=a4, on=date(2024, 12, 1), reason=EnrollmentEnd.DROP_OUT
    )
    registry.student_transfer(actor=None, student=a3, to_class=c10, on=date(2025, 2, 1))

    orgunit_move(actor=None, unit=b, new_parent=tree.commune2, effective_on=date(2025, 1, 1))
    vinh_long = orgunit_create(
        actor=None, code="86", name="Tỉnh Vĩnh Long", kind=OrgKind.PROVINCE, valid_from=REFORM_DAY
    )
    for unit in (tree.province, tree.district1, tree.district2):
        orgunit_close(actor=None, unit=unit, valid_to=date(2025, 6, 30), successors=[vinh_long])
    for commune in (tree.commune1, tree.commune2):
        orgunit_move(actor=None, unit=commune, new_parent=vinh_long, effective_on=REFORM_DAY)

    for school in (a, b, c):
        school.refresh_from_db()
    for school, grade, n in ((a, 7, 2), (b, 2, 1), (c, 11, 3)):
        cls = registry.class_create(actor=None, school=school, year=new, grade=grade, name="X")
        _enroll(cls, new.start_date, n)

    officer = UserFactory(username="so_vinhlong")
    role_grant(actor=None, user=officer, role=Role.PROVINCE_OFFICER, org_unit=vinh_long)
    admin_c = UserFactory(username="admin_c_86")
    role_grant(actor=None, user=admin_c, role=Role.SCHOOL_ADMIN, org_unit=c)
    return SimpleNamespace(
        tree=tree, old=old, new=new, vinh_long=vinh_long, officer=officer, admin_c=admin_c
    )


def _values(r, org, day, boundaries="then", code="enrollment", year=None, actor=None):
    return selectors.indicator_values(
        actor=actor or r.officer, code=code, org_code=org, year_code=year, on=day,
        boundaries=boundaries,
    )  # fmt: skip


def _counts(body) -> tuple:
    return body["numerator"], {c["org"]: c["numerator"] for c in body["children"]}


# --- the tree of a day --------------------------------------------------------------------------


def test_paths_of_a_day_undo_the_later_moves(reformed):
    b = reformed.tree.school_b
    assert compute.paths_on(BEFORE)[b.pk] == "84/842/28432/84000002/"
    assert compute.paths_on(AFTER_MOVE)[b.pk] == "84/847/29161/84000002/"
    assert compute.paths_on(AFTER_REFORM)[b.pk] == "86/29161/84000002/"
    assert b.path == "86/29161/84000002/"
    before = compute.paths_on(BEFORE)
    assert reformed.vinh_long.pk not in before  # not valid yet
    assert reformed.tree.district1.pk not in compute.paths_on(AFTER_REFORM)  # closed


# --- values on the boundaries of the day --------------------------------------------------------


def test_before_the_reform_on_its_boundaries(reformed):
    body = _values(reformed, "84", BEFORE)
    assert body["year"] == "2024-2025"  # the year containing the date
    assert _counts(body) == (D(7), {"842": D(6), "847": D(1)})
    district = _values(reformed, "842", BEFORE)
    assert _counts(district) == (D(6), {"28432": D(6)})
    commune = _values(reformed, "28432", BEFORE)
    assert _counts(commune) == (D(6), {"84000001": D(4), "84000002": D(2)})


def test_after_a_school_moved_it_counts_in_its_new_district(reformed):
    body = _values(reformed, "84", AFTER_MOVE)
    # A: a1 a2 (a4 dropped out, a3 moved to C); B moved to 847 with b1 b2; C: c1 a3.
    assert _counts(body) == (D(6), {"842": D(2), "847": D(4)})
    assert _counts(_values(reformed, "29161", AFTER_MOVE)) == (
        D(4), {"84000002": D(2), "84000003": D(2)},
    )  # fmt: skip


def test_the_same_day_on_todays_boundaries(reformed):
    body = _values(reformed, "86", AFTER_MOVE, "today")
    assert _counts(body) == (D(6), {"28432": D(2), "29161": D(4)})
    before = _values(reformed, "86", BEFORE, "today")
    # B counts in 29161 (today's commune) even on a day it was still in 28432.
    assert _counts(before) == (D(7), {"28432": D(4), "29161": D(3)})


def test_after_the_reform_then_and_today_agree(reformed):
    then = _values(reformed, "86", AFTER_REFORM)
    today = _values(reformed, "86", AFTER_REFORM, "today")
    assert then["year"] == "2025-2026"
    assert _counts(then) == _counts(today) == (D(6), {"28432": D(2), "29161": D(4)})


@pytest.mark.parametrize(
    ("top", "day", "boundaries"),
    [
        ("84", BEFORE, "then"), ("84", AFTER_MOVE, "then"), ("842", BEFORE, "then"),
        ("847", AFTER_MOVE, "then"), ("86", BEFORE, "today"), ("86", AFTER_MOVE, "today"),
        ("86", AFTER_REFORM, "then"), ("86", AFTER_REFORM, "today"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("code", ["enrollment", "learners_valid_id", "dropout_rate"])
def test_sum_of_parts_is_the_whole(reformed, top, day, boundaries, code):
    body = _values(reformed, top, day, boundaries, code=code)
    assert body["children"]
    assert body["numerator"] == sum(c["numerator"] for c in body["children"])
    if body["denominator"] is not None:
        assert body["denominator"] == sum(c["denominator"] for c in body["children"])


def test_a_learner_moving_school_that_day_counts_once_at_the_new_school(reformed):
    body = _values(reformed, "84", date(2025, 2, 1))
    assert _counts(body) == (D(6), {"842": D(2), "847": D(4)})


def test_dropout_rate_on_a_date_counts_the_drop_outs_by_then(reformed):
    before = _values(reformed, "842", date(2024, 11, 30), code="dropout_rate")
    after = _values(reformed, "842", date(2024, 12, 2), code="dropout_rate")
    assert (before["numerator"], before["denominator"]) == (D(0), D(6))
    assert (after["numerator"], after["denominator"]) == (D(1), D(6))


def test_a_closed_school_counts_under_its_successor_on_todays_boundaries(reformed):
    tree = reformed.tree
    orgunit_close(actor=None, unit=tree.school_b, valid_to=date(2025, 8, 31),
                  successors=[tree.school_c])  # fmt: skip
    then = _values(reformed, "84", AFTER_MOVE)
    today = _values(reformed, "29161", AFTER_MOVE, "today")
    assert _counts(then)[0] == D(6)
    assert _counts(today) == (D(4), {"84000003": D(4)})  # B's two learners under C


def test_the_stored_values_are_unchanged_without_a_date(reformed):
    recompute(year=reformed.new)
    body = selectors.indicator_values(
        actor=reformed.officer, code="enrollment", org_code="86", year_code="2025-2026"
    )
    assert _counts(body) == (D(6), {"28432": D(2), "29161": D(4)})


# --- which unit ---------------------------------------------------------------------------------


def test_a_unit_not_in_the_tree_of_that_day_is_a_validation_error(reformed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as before_it_existed:
        _values(reformed, "86", BEFORE)
    assert "org" in before_it_existed.value.message_dict
    with pytest.raises(ValidationError):
        _values(reformed, "842", AFTER_REFORM)
    with pytest.raises(ValidationError):
        _values(reformed, "842", BEFORE, "today")  # closed: not in today's tree


def test_without_a_unit_the_officer_gets_the_highest_unit_of_that_day(reformed):
    assert _values(reformed, None, BEFORE)["org"] == "84"  # 86's predecessor, read as archive
    assert _values(reformed, None, AFTER_REFORM)["org"] == "86"


def test_a_unit_out_of_scope_is_not_found(reformed):
    from hocso.orgs.models import OrgUnit

    with pytest.raises(OrgUnit.DoesNotExist):
        _values(reformed, "842", BEFORE, actor=reformed.admin_c)
    own = _values(reformed, "84000003", AFTER_MOVE, actor=reformed.admin_c)
    assert own["numerator"] == D(2) and own["children"] == []


# --- the API ------------------------------------------------------------------------------------


def _get(client, user, code="enrollment", **params):
    return client.get(
        f"/api/v1/indicators/{code}/values",
        params,
        headers={"Authorization": f"Bearer {token_create(user=user)}"},
    )


def test_api_values_of_a_closed_district_on_a_date_before_the_reform(client, reformed):
    response = _get(client, reformed.officer, org="842", date="2024-10-01", boundaries="then")
    assert response.status_code == 200
    body = response.json()
    assert (body["org"], body["year"], body["numerator"], body["denominator"]) == (
        "842", "2024-2025", 6.0, None,
    )  # fmt: skip
    assert [(c["org"], c["numerator"]) for c in body["children"]] == [("28432", 6.0)]
    assert set(body) == {
        "code", "org", "year", "numerator", "denominator", "value", "target", "children",
    }  # fmt: skip


def test_api_today_boundaries_and_defaults(client, reformed):
    today = _get(client, reformed.officer, org="86", date="2025-03-01", boundaries="today").json()
    assert [(c["org"], c["numerator"]) for c in today["children"]] == [
        ("28432", 2.0), ("29161", 4.0),
    ]  # fmt: skip
    default = _get(client, reformed.officer, org="84", date="2025-03-01").json()
    assert default["numerator"] == 6.0  # boundaries default to "then"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date": "2025-13-01"}, "date"),
        ({"date": "01/03/2025"}, "date"),
        ({"date": "2025-03-01", "boundaries": "yesterday"}, "boundaries"),
        ({"date": "2025-03-01", "org": "86"}, "org"),
    ],
)
def test_api_bad_date_boundaries_or_unit_answer_422(client, reformed, params, field):
    response = _get(client, reformed.officer, **params)
    assert response.status_code == 422
    assert field in response.json()["detail"]


def test_api_out_of_scope_unit_on_a_date_is_404(client, reformed):
    response = _get(client, reformed.admin_c, org="842", date="2024-10-01")
    assert response.status_code == 404


# --- what a reader of part of a unit learns ----------------------------------------------------


@pytest.fixture
def commune_officer(reformed):
    """An officer of commune 28432 (today: 86 → 28432 → A). School B was in 28432 until
    2025-01-01 and is now under 29161: out of this officer's scope."""
    officer = UserFactory(username="phong_28432")
    role_grant(
        actor=None, user=officer, role=Role.DISTRICT_OFFICER, org_unit=reformed.tree.commune1
    )
    return officer


@pytest.mark.parametrize("code", ["enrollment", "learners_valid_id", "dropout_rate"])
def test_a_units_total_on_a_date_is_the_sum_of_what_the_reader_may_see(
    reformed, commune_officer, code
):
    body = _values(reformed, "28432", BEFORE, code=code, actor=commune_officer)
    # That day 28432 held A (4 learners) and B (2): B has moved out of the officer's scope since.
    assert [c["org"] for c in body["children"]] == ["84000001"]
    assert body["numerator"] == sum(c["numerator"] for c in body["children"])
    if body["denominator"] is not None:
        assert body["denominator"] == sum(c["denominator"] for c in body["children"])
    if code == "enrollment":
        assert body["numerator"] == D(4)  # never 6: B's two learners stay out


def test_a_school_moved_out_of_scope_is_never_in_the_readers_total(reformed, commune_officer):
    for day in (BEFORE, date(2024, 12, 31), AFTER_MOVE):
        for boundaries in ("then", "today"):
            body = _values(reformed, "28432", day, boundaries, actor=commune_officer)
            assert body["numerator"] == sum(c["numerator"] for c in body["children"])
            assert "84000002" not in {c["org"] for c in body["children"]}
    # The province officer (who reads B) still sees the whole commune of that day.
    assert _counts(_values(reformed, "28432", BEFORE)) == (
        D(6), {"84000001": D(4), "84000002": D(2)},
    )  # fmt: skip


def test_api_a_restricted_officer_does_not_learn_a_moved_schools_count(
    client, reformed, commune_officer
):
    body = _get(client, commune_officer, org="28432", date="2024-10-01").json()
    assert body["numerator"] == 4.0
    assert [(c["org"], c["numerator"]) for c in body["children"]] == [("84000001", 4.0)]
