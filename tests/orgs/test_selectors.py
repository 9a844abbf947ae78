"""Reads of the org tree, scoped by the actor's roles."""

from datetime import date

from hocso.orgs.models import SchoolType
from hocso.orgs.selectors import (
    current_school_year,
    orgunit_children_with_counts,
    orgunits_in_scope,
    orgunits_visible,
    schools_in_scope,
    schools_search,
)
from hocso.orgs.services import orgunit_close
from hocso.registry.models import StudentStatus

from ..factories import StudentFactory, make_school, make_year


def codes(units) -> set[str]:
    return {u.code for u in units}


def test_a_district_officer_sees_only_their_district_and_the_way_up_to_it(tree, users):
    assert codes(schools_in_scope(actor=users.district2)) == {"84000003"}
    assert codes(orgunits_in_scope(actor=users.district2)) == {"847", "29161", "84000003"}
    assert codes(orgunits_visible(actor=users.district2)) == {"84", "847", "29161", "84000003"}


def test_a_province_officer_sees_every_school_of_the_province(tree, users):
    assert codes(schools_in_scope(actor=users.province)) == {"84000001", "84000002", "84000003"}


def test_a_school_admin_sees_their_school_only(tree, users):
    assert codes(schools_in_scope(actor=users.admin_a)) == {"84000001"}
    assert codes(orgunits_visible(actor=users.admin_a)) == {"84", "842", "28432", "84000001"}


def test_students_guardians_and_outsiders_see_no_units(tree, users):
    for actor in (users.student_a, users.guardian_a, users.outsider):
        assert not orgunits_visible(actor=actor).exists()
        assert not schools_in_scope(actor=actor).exists()


def test_a_superuser_sees_everything(tree, users):
    assert schools_in_scope(actor=users.superuser).count() == 3


def test_schools_in_scope_on_a_date_leaves_out_closed_and_future_schools(tree, users):
    orgunit_close(actor=None, unit=tree.school_b, valid_to=date(2025, 6, 30))
    future = make_school("84000004", tree.commune1, SchoolType.PRIMARY, "Tiểu học mới")
    future.valid_from = date(2026, 9, 1)
    future.save()
    province = users.province
    assert codes(schools_in_scope(actor=province, on=date(2025, 6, 30))) == {
        "84000001", "84000002", "84000003",
    }  # fmt: skip
    assert codes(schools_in_scope(actor=province, on=date(2025, 7, 1))) == {"84000001", "84000003"}
    assert codes(schools_in_scope(actor=province, on=date(2026, 9, 1))) == {
        "84000001", "84000003", "84000004",
    }  # fmt: skip
    assert len(codes(schools_in_scope(actor=province))) == 4


def test_schools_search_folds_names_and_filters(tree, users):
    province = users.province
    assert codes(schools_search(actor=province, q="ly tu trong")) == {"84000001"}
    assert codes(schools_search(actor=province, q="TRÀ CÚ")) == {"84000003"}
    assert codes(schools_search(actor=province, q="8400000")) == {
        "84000001",
        "84000002",
        "84000003",
    }
    assert codes(schools_search(actor=province, school_type=SchoolType.PRIMARY)) == {"84000002"}
    assert codes(schools_search(actor=province, under="842")) == {"84000001", "84000002"}
    assert codes(schools_search(actor=province, under="nope")) == set()
    assert codes(schools_search(actor=users.admin_a, under="84")) == {"84000001"}
    assert codes(schools_search(actor=users.admin_a, q="tra cu")) == set()


def test_children_with_counts_counts_schools_and_studying_learners(tree, users):
    StudentFactory.create_batch(3, school=tree.school_a)
    StudentFactory.create_batch(2, school=tree.school_b)
    StudentFactory.create_batch(4, school=tree.school_c)
    StudentFactory(school=tree.school_c, status=StudentStatus.GRADUATED)
    children = orgunit_children_with_counts(actor=users.province, parent=tree.province)
    assert [(c.code, c.school_count, c.student_count) for c in children] == [
        ("847", 1, 4),
        ("842", 2, 5),
    ]


def test_children_with_counts_stays_inside_the_actors_scope(tree, users):
    StudentFactory.create_batch(3, school=tree.school_a)
    StudentFactory.create_batch(2, school=tree.school_b)
    children = orgunit_children_with_counts(actor=users.admin_a, parent=tree.commune1)
    assert [(c.code, c.school_count, c.student_count) for c in children] == [("84000001", 1, 3)]
    roots = orgunit_children_with_counts(actor=users.admin_a, parent=None)
    assert [(c.code, c.school_count, c.student_count) for c in roots] == [("84", 1, 3)]


def test_children_with_counts_takes_a_bounded_number_of_queries(
    tree, users, django_assert_max_num_queries
):
    for n in range(20):
        school = make_school(f"8401{n:04d}", tree.commune2 if n % 2 else tree.commune1)
        StudentFactory.create_batch(2, school=school)
    fresh = type(users.province).objects.get(pk=users.province.pk)
    # role assignments, children, per-school counts, school paths
    with django_assert_max_num_queries(4):
        children = orgunit_children_with_counts(actor=fresh, parent=tree.province)
    assert sum(c.school_count for c in children) == 23
    assert sum(c.student_count for c in children) == 40


def test_current_school_year(db):
    make_year("2024-2025")
    year = make_year("2025-2026")
    assert current_school_year(on=date(2025, 10, 1)) == year
    # In the summer, the year that ended most recently started last.
    assert current_school_year(on=date(2026, 7, 15)) == year
    assert current_school_year(on=date(2020, 1, 1)) is None
