"""The org tree of a past day: later moves undone, learners enrolled that day (ADR 0002)."""

from datetime import date

import pytest
from django.urls import reverse

from hocso.accounts.models import Role
from hocso.accounts.services import role_grant
from hocso.orgs.models import OrgKind, OrgUnit
from hocso.orgs.selectors import (
    learners_enrolled_on,
    orgunit_children_with_counts_on,
    orgunit_tree_on,
)
from hocso.orgs.services import orgunit_close, orgunit_create, orgunit_move
from hocso.registry.models import Enrollment, EnrollmentEnd, EnrollmentStart, SchoolClass

from ..factories import StudentFactory, UserFactory, make_school, make_year

LAST_DAY = date(2025, 6, 30)
REFORM_DAY = date(2025, 7, 1)
BEFORE = date(2025, 1, 1)
AFTER = date(2025, 10, 1)


def _enroll(student, school_class, start, end=None, end_reason=EnrollmentEnd.DROP_OUT):
    return Enrollment.objects.create(
        student=student, school=school_class.school, year=school_class.year,
        school_class=school_class, start_date=start, start_reason=EnrollmentStart.ADMISSION,
        end_date=end, end_reason=end_reason if end else "",
    )  # fmt: skip


@pytest.fixture
def learners(tree):
    """Enrollments around 1 January 2025 (before the reform) at schools A, B and C.

    School A: three learners studying since September 2024, one who left on 20 December 2024,
    one who left on 1 January 2025 itself, one admitted in September 2025, and one who moved to
    school B on 1 January 2025. School C: two learners since September 2024.
    """
    y2024, y2025 = make_year("2024-2025"), make_year("2025-2026")
    class_a = SchoolClass.objects.create(school=tree.school_a, year=y2024, grade=6, name="6A1")
    class_a_next = SchoolClass.objects.create(school=tree.school_a, year=y2025, grade=6, name="6A1")
    class_b = SchoolClass.objects.create(school=tree.school_b, year=y2024, grade=5, name="5A")
    class_c = SchoolClass.objects.create(school=tree.school_c, year=y2024, grade=10, name="10A")
    start = date(2024, 9, 5)
    for _ in range(3):
        _enroll(StudentFactory(school=tree.school_a), class_a, start)
    _enroll(StudentFactory(school=tree.school_a), class_a, start, date(2024, 12, 20))
    _enroll(StudentFactory(school=tree.school_a), class_a, start, BEFORE)
    _enroll(StudentFactory(school=tree.school_a), class_a_next, date(2025, 9, 5))
    mover = StudentFactory(school=tree.school_b)
    _enroll(mover, class_a, start, BEFORE, EnrollmentEnd.TRANSFER_OUT)
    _enroll(mover, class_b, BEFORE)
    for _ in range(2):
        _enroll(StudentFactory(school=tree.school_c), class_c, start)


@pytest.fixture
def reform(tree):
    """As in the demo: Vĩnh Long opens on 1 July 2025; Trà Vinh and its districts close on
    30 June with Vĩnh Long as successor; the communes move under Vĩnh Long on 1 July."""
    vinh_long = orgunit_create(
        actor=None, code="86", name="Tỉnh Vĩnh Long", kind=OrgKind.PROVINCE, valid_from=REFORM_DAY
    )
    for unit in (tree.province, tree.district1, tree.district2):
        orgunit_close(actor=None, unit=unit, valid_to=LAST_DAY, successors=[vinh_long])
    for commune in (tree.commune1, tree.commune2):
        orgunit_move(
            actor=None, unit=commune, new_parent=vinh_long, effective_on=REFORM_DAY,
            reason="Nghị quyết 202/2025/QH15",
        )  # fmt: skip
    return vinh_long


@pytest.fixture
def officer(reform):
    user = UserFactory(username="so_vinhlong")
    role_grant(actor=None, user=user, role=Role.PROVINCE_OFFICER, org_unit=reform)
    return user


def _get(client, user, **params):
    client.force_login(user)
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.get(reverse("orgs:tree") + (f"?{query}" if query else ""))


def _counts(response):
    return {c.code: (c.school_count, c.student_count) for c in response.context["children"]}


# --- the selector ---------------------------------------------------------------------------


def test_before_the_reform_each_commune_hangs_under_its_old_district(tree, reform, officer):
    day_tree = orgunit_tree_on(actor=officer, day=BEFORE)
    commune = day_tree.get("28432")
    assert commune.parent_on_day.code == "842"
    assert commune.path_on_day == "84/842/28432/"
    assert [a.code for a in day_tree.ancestors(day_tree.get("84000003"))] == ["84", "847", "29161"]
    assert "86" not in day_tree  # Vĩnh Long did not exist yet


def test_after_the_reform_the_communes_hang_under_the_new_province(tree, reform, officer):
    day_tree = orgunit_tree_on(actor=officer, day=AFTER)
    assert [u.code for u in day_tree.children(None)] == ["86"]
    assert [u.code for u in day_tree.children(day_tree.get("86"))] == ["28432", "29161"]
    assert "84" not in day_tree and "842" not in day_tree


def test_the_earliest_later_move_gives_the_parent_of_the_day(tree, users):
    """Phường 1 moves to Trà Cú in 2023, then to the province in 2024."""
    orgunit_move(
        actor=None, unit=tree.commune1, new_parent=tree.district2, effective_on=date(2023, 1, 1)
    )
    orgunit_move(
        actor=None, unit=tree.commune1, new_parent=tree.province, effective_on=date(2024, 1, 1)
    )
    parent_on = {
        day: orgunit_tree_on(actor=users.province, day=day).get("28432").parent_on_day.code
        for day in (date(2022, 6, 1), date(2023, 1, 1), date(2023, 6, 1), date(2024, 6, 1))
    }
    assert parent_on == {
        date(2022, 6, 1): "842",
        date(2023, 1, 1): "847",  # a move takes effect on its own day
        date(2023, 6, 1): "847",
        date(2024, 6, 1): "84",
    }


def test_learners_are_those_enrolled_on_the_day(tree, learners, users):
    schools = [tree.school_a, tree.school_b, tree.school_c]
    by_code = lambda counts: {s.code: counts.get(s.pk, 0) for s in schools}  # noqa: E731
    on_new_year = learners_enrolled_on(actor=users.province, day=BEFORE, schools=schools)
    # A: three studying + the one who left that very day; the mover counts once, at B.
    assert by_code(on_new_year) == {"84000001": 4, "84000002": 1, "84000003": 2}
    on_eve = learners_enrolled_on(actor=users.province, day=date(2024, 12, 31), schools=schools)
    assert by_code(on_eve) == {"84000001": 5, "84000002": 0, "84000003": 2}
    in_october = learners_enrolled_on(actor=users.province, day=AFTER, schools=schools)
    assert by_code(in_october) == {"84000001": 4, "84000002": 1, "84000003": 2}


def test_counts_exclude_enrollments_that_ended_before_the_day(tree, learners, users):
    def commune_on(day):
        day_tree = orgunit_tree_on(actor=users.province, day=day)
        (commune,) = orgunit_children_with_counts_on(
            actor=users.province, tree=day_tree, parent=day_tree.get("842")
        )
        return commune.code, commune.school_count, commune.student_count

    # On 20 December the learner who left that day still counts; on the 21st they are gone.
    # Nobody is at B yet, and the admission of September 2025 is in the future.
    assert commune_on(date(2024, 12, 20)) == ("28432", 2, 6)
    assert commune_on(date(2024, 12, 21)) == ("28432", 2, 5)


def test_schools_count_on_the_day_only_when_valid_that_day(tree, learners, users):
    later = make_school("84000009", tree.commune1)
    OrgUnit.objects.filter(pk=later.pk).update(valid_from=date(2025, 9, 1))
    day_tree = orgunit_tree_on(actor=users.province, day=BEFORE)
    (commune,) = orgunit_children_with_counts_on(
        actor=users.province, tree=day_tree, parent=day_tree.get("842")
    )
    assert commune.school_count == 2
    assert "84000009" not in day_tree


def test_students_and_role_less_users_get_an_empty_tree(tree, users):
    for user in (users.student_a, users.guardian_a, users.outsider):
        assert orgunit_tree_on(actor=user, day=BEFORE).units == []


# --- the page -------------------------------------------------------------------------------


def test_before_the_reform_the_district_has_its_communes_schools_and_learners_of_that_day(
    client, tree, learners, reform, officer
):
    districts = _get(client, officer, unit="84", on="2025-01-01")
    assert _counts(districts) == {"842": (2, 5), "847": (1, 2)}
    assert districts.context["totals"] == {"schools": 3, "learners": 7}
    communes = client.get(reverse("orgs:tree") + "?unit=842&on=2025-01-01")
    assert _counts(communes) == {"28432": (2, 5)}
    schools = client.get(reverse("orgs:tree") + "?unit=28432&on=2025-01-01")
    assert _counts(schools) == {"84000001": (1, 4), "84000002": (1, 1)}
    assert [a.code for a in schools.context["breadcrumbs"]] == ["84", "842"]


def test_after_the_reform_the_same_schools_hang_under_the_new_province(
    client, tree, learners, reform, officer
):
    roots = _get(client, officer, on="2025-10-01")
    assert [c.code for c in roots.context["children"]] == ["86"]
    communes = client.get(reverse("orgs:tree") + "?unit=86&on=2025-10-01")
    assert _counts(communes) == {"28432": (2, 5), "29161": (1, 2)}
    assert [a.code for a in client.get(
        reverse("orgs:tree") + "?unit=28432&on=2025-10-01"
    ).context["breadcrumbs"]] == ["86"]  # fmt: skip


def test_the_officer_of_the_new_province_sees_the_old_province_on_the_old_date(
    client, tree, learners, reform, officer
):
    roots = _get(client, officer, on="2025-01-01")
    assert _counts(roots) == {"84": (3, 7)}
    # Today, too, the old province is reachable (as a closed unit) and 86 links back to it.
    current = _get(client, officer, unit="84", history="1")
    assert current.status_code == 200
    assert {c.code for c in current.context["children"]} == {"842", "847"}
    html = _get(client, officer, unit="86").content.decode()
    assert 'href="?unit=84&amp;on=2025-06-30"' in html  # "Hợp nhất từ": on its last day


def test_the_officer_of_the_old_province_no_longer_reaches_the_moved_communes(
    client, tree, learners, reform, users
):
    """Scope follows the current tree: the communes left 84/ with the reform."""
    roots = _get(client, users.province, on="2025-01-01")
    assert _counts(roots) == {"84": (0, 0)}


def test_a_school_admin_sees_only_their_ancestors_of_that_day(
    client, tree, learners, reform, users
):
    roots = _get(client, users.admin_a, on="2025-01-01")
    assert _counts(roots) == {"84": (1, 4)}
    districts = client.get(reverse("orgs:tree") + "?unit=84&on=2025-01-01")
    assert _counts(districts) == {"842": (1, 4)}
    schools = client.get(reverse("orgs:tree") + "?unit=28432&on=2025-01-01")
    assert [a.code for a in schools.context["breadcrumbs"]] == ["84", "842"]
    assert _counts(schools) == {"84000001": (1, 4)}
    assert client.get(reverse("orgs:tree") + "?unit=847&on=2025-01-01").status_code == 404
    # After the reform the same admin's path runs through Vĩnh Long.
    after = client.get(reverse("orgs:tree") + "?unit=28432&on=2025-10-01")
    assert [a.code for a in after.context["breadcrumbs"]] == ["86"]


def test_links_keep_the_day_so_drill_down_stays_in_the_past(client, tree, reform, officer):
    html = _get(client, officer, unit="84", on="2025-01-01").content.decode()
    assert 'href="?unit=842&amp;on=2025-01-01"' in html
    assert 'href="?on=2025-01-01"' in html  # breadcrumb back to the roots of that day
    assert 'href="?unit=84"' in html  # back to today's tree
    # The successor did not exist that day: its link opens today's tree.
    assert 'href="?unit=86"' in html


def test_the_page_says_which_day_the_tree_is_drawn_for(client, tree, learners, reform, officer):
    html = _get(client, officer, unit="84", on="2025-01-01").content.decode()
    assert "Cây đơn vị theo ranh giới ngày 01/01/2025." in html
    assert "số học sinh là số người học đang theo học vào ngày 01/01/2025" in html
    assert "học sinh đang học ngày 01/01/2025" in html
    assert 'value="2025-01-01"' in html


def test_a_unit_that_did_not_exist_that_day_says_so_and_links_its_predecessors(
    client, tree, reform, officer
):
    response = _get(client, officer, unit="86", on="2025-01-01")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Vào ngày 01/01/2025 đơn vị này chưa được thành lập." in html
    assert 'href="?unit=84&amp;on=2025-01-01"' in html


def test_a_closed_unit_today_links_to_its_last_valid_day(client, tree, reform, officer):
    html = _get(client, officer, history="1").content.decode()
    assert 'href="?unit=84&amp;on=2025-06-30"' in html


def test_a_unit_outside_scope_on_that_day_is_404(client, tree, reform, users):
    assert _get(client, users.admin_c, unit="842", on="2025-01-01").status_code == 404
    assert _get(client, users.outsider, unit="84", on="2025-01-01").status_code == 404


def test_a_school_on_that_day_opens_the_school_page(client, tree, reform, officer):
    response = _get(client, officer, unit="84000001", on="2025-01-01")
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:school", args=["84000001"])


def test_without_a_day_the_tree_is_todays(client, tree, learners, reform, officer):
    response = _get(client, officer)
    assert [c.code for c in response.context["children"]] == ["86"]
    assert response.context["on"] is None


def test_the_tree_of_a_day_takes_a_bounded_number_of_queries(
    client, tree, reform, officer, django_assert_max_num_queries
):
    year = make_year("2024-2025")
    communes = [tree.commune1, tree.commune2]
    for n in range(20):
        school = make_school(f"8401{n:04d}", communes[n % 2])
        school_class = SchoolClass.objects.create(school=school, year=year, grade=6, name="6A")
        for _ in range(2):
            _enroll(StudentFactory(school=school), school_class, date(2024, 9, 5))
    client.force_login(officer)
    # session, user, scope (2), units, moves, learners, successors, predecessors
    with django_assert_max_num_queries(9):
        response = client.get(reverse("orgs:tree") + "?unit=84&on=2025-01-01")
    assert response.context["totals"] == {"schools": 23, "learners": 40}
