"""Curriculum coverage (resources/coverage.py), its API and its page, on hand-counted examples.

The `library` fixture: Toán 6 has three topics T1..T3, Ngữ văn 6 two. The province PDF
(published, shared province-wide, owned by school A) is aligned to Toán 6 T1; the submitted
image (school A) to T2; nothing is aligned to Ngữ văn. So every unit of the province starts at
Toán 6 1/3, Ngữ văn 6 0/2, total 1/5.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hocso.accounts.models import Role
from hocso.accounts.services import role_grant, token_create
from hocso.curriculum.models import GradeSubject, Topic
from hocso.orgs.models import OrgKind
from hocso.orgs.services import orgunit_close
from hocso.resources import coverage
from hocso.resources.models import ResourceStatus, ResourceType, Sharing
from tests.factories import UserFactory, make_school, make_unit

from .conftest import make_resource

pytestmark = pytest.mark.django_db


def _cells(unit, **kwargs):
    return {(c.subject, c.grade): c for c in coverage.coverage_cells(org_unit=unit, **kwargs)}


def _counts(unit, **kwargs):
    return {key: (c.topics, c.covered) for key, c in _cells(unit, **kwargs).items()}


def _publish(resource, sharing=Sharing.SCHOOL, when=None):
    resource.status = ResourceStatus.PUBLISHED
    resource.sharing = sharing
    resource.published_at = when or timezone.now()
    resource.save()


def _resource(library, unit, topics, *, sharing=Sharing.SCHOOL, status=ResourceStatus.PUBLISHED):
    return make_resource(
        title="Học liệu thêm",
        org_unit=unit,
        status=status,
        sharing=sharing,
        subject=library.math,
        grades=(6, 6),
        topics=topics,
    )


# --- the arithmetic ---------------------------------------------------------------------------


def test_toan_6_has_one_of_three_topics_covered_by_the_province_pdf(library, tree):
    cells = _cells(tree.province)
    math = cells[("TOAN", 6)]
    assert (math.topics, math.covered) == (3, 1)
    assert math.share == Decimal("0.3333")
    assert [t.code for t in math.uncovered] == ["T2", "T3"]
    assert (cells[("NV", 6)].topics, cells[("NV", 6)].covered) == (2, 0)
    assert cells[("NV", 6)].share == Decimal("0")


def test_only_cells_with_topics_are_listed(library, tree):
    assert set(_cells(tree.province)) == {("TOAN", 6), ("NV", 6)}


def test_no_topics_at_all_gives_no_cells_and_a_zero_total(tree):
    assert coverage.coverage_cells(org_unit=tree.province) == []
    assert coverage.coverage_total(org_unit=tree.province) == (0, 0)
    assert coverage.share_of(0, 0) is None


def test_a_submitted_resource_does_not_count_until_it_is_published(library, tree):
    assert _counts(tree.school_a)[("TOAN", 6)] == (3, 1)
    _publish(library.submitted_a)
    assert _counts(tree.school_a)[("TOAN", 6)] == (3, 2)


def test_drafts_rejected_and_retired_resources_never_count(library, tree):
    for status in (ResourceStatus.DRAFT, ResourceStatus.REJECTED, ResourceStatus.RETIRED):
        _resource(library, tree.school_a, [library.math_topics[2]], status=status)
    assert _counts(tree.school_a)[("TOAN", 6)] == (3, 1)


def test_two_resources_on_one_topic_count_it_once(library, tree):
    _resource(library, tree.province, [library.math_topics[0]])
    _resource(library, tree.school_b, [library.math_topics[0]], sharing=Sharing.SCHOOL)
    assert _counts(tree.province)[("TOAN", 6)] == (3, 1)


def test_a_strand_counts_its_leaves_only_and_a_resource_on_the_strand_covers_none(library, tree):
    strand = Topic.objects.create(grade_subject=library.math6, code="S", name="Đại số", order=9)
    Topic.objects.create(grade_subject=library.math6, code="S.1", name="Biểu thức", parent=strand)
    leaf = Topic.objects.create(
        grade_subject=library.math6, code="S.2", name="Phương trình", parent=strand
    )
    _resource(library, tree.province, [strand], sharing=Sharing.PROVINCE)
    math = _cells(tree.province)[("TOAN", 6)]
    # T1, T2, T3, S.1, S.2: the strand S itself is not a topic to cover.
    assert (math.topics, math.covered) == (5, 1)
    assert "S" not in [t.code for t in math.uncovered]
    _resource(library, tree.province, [leaf], sharing=Sharing.PROVINCE)
    assert _counts(tree.province)[("TOAN", 6)] == (5, 2)


def test_school_shared_resources_count_only_for_units_in_reach(library, tree):
    _publish(library.submitted_a)  # shared within school A, aligned to T2
    # School A and every unit above it have it; school B (same commune) and school C do not.
    for unit in (tree.school_a, tree.commune1, tree.district1, tree.province):
        assert _counts(unit)[("TOAN", 6)] == (3, 2), unit
    for unit in (tree.school_b, tree.school_c, tree.commune2, tree.district2):
        assert _counts(unit)[("TOAN", 6)] == (3, 1), unit


def test_a_resource_owned_above_a_school_counts_for_the_units_below_it(library, tree):
    _resource(library, tree.district1, [library.math_topics[2]], sharing=Sharing.SCHOOL)
    assert _counts(tree.school_b)[("TOAN", 6)] == (3, 2)
    assert _counts(tree.commune1)[("TOAN", 6)] == (3, 2)
    assert _counts(tree.school_c)[("TOAN", 6)] == (3, 1)


def test_province_wide_resources_of_another_province_do_not_count(library, tree):
    other = make_unit("86", "Tỉnh Vĩnh Long", OrgKind.PROVINCE)
    school = make_school("86000001", other)
    _resource(library, school, [library.math_topics[2]], sharing=Sharing.PROVINCE)
    assert _counts(tree.province)[("TOAN", 6)] == (3, 1)
    assert _counts(tree.school_a)[("TOAN", 6)] == (3, 1)
    # In its own province it counts (T3), and 84's province PDF does not (T1).
    assert _counts(school)[("TOAN", 6)] == (3, 1)
    assert [t.code for t in _cells(school)[("TOAN", 6)].uncovered] == ["T1", "T2"]


def test_the_total_sums_topics_and_covered_over_cells_never_averages_shares(library, tree):
    _resource(library, tree.province, [library.literature_topics[0]])
    # Toán 6 1/3 and Ngữ văn 6 1/2: the total is 2/5 = 0.4, not (1/3 + 1/2) / 2 ≈ 0.4167.
    topics, covered = coverage.coverage_total(org_unit=tree.province)
    assert (topics, covered) == (5, 2)
    assert coverage.share_of(covered, topics) == Decimal("0.4")


def test_as_of_counts_only_resources_published_by_then(library, tree):
    last_week = timezone.now() - timedelta(days=7)
    library.province_pdf.published_at = last_week
    library.province_pdf.save()
    _publish(library.submitted_a, when=timezone.now())
    # A date is a day of the site's time zone (in Việt Nam, 18:00 UTC is already tomorrow).
    day = timezone.localtime(last_week).date()
    assert _counts(tree.school_a, as_of=day - timedelta(days=1))[("TOAN", 6)] == (3, 0)
    assert _counts(tree.school_a, as_of=day)[("TOAN", 6)] == (3, 1)
    assert _counts(tree.school_a, as_of=timezone.now())[("TOAN", 6)] == (3, 2)


def test_children_shares_add_up_from_the_shared_part_and_each_subtree(library, tree):
    _publish(library.submitted_a)
    _resource(library, tree.school_c, [library.literature_topics[1]])
    rows = {
        r.unit.code: (r.topics, r.covered)
        for r in coverage.coverage_children(org_unit=tree.province)
    }
    # 5 topics in all; district 842 holds school A (T1 province-wide, T2 its own);
    # district 847 holds school C (T1 province-wide, NV T2 its own).
    assert rows == {"842": (5, 2), "847": (5, 2)}
    rows = {
        r.unit.code: (r.topics, r.covered)
        for r in coverage.coverage_children(org_unit=tree.commune1)
    }
    assert rows == {tree.school_a.code: (5, 2), tree.school_b.code: (5, 1)}
    assert coverage.coverage_children(org_unit=tree.school_a) == []


def test_each_child_row_matches_the_childs_own_coverage(library, tree):
    _publish(library.submitted_a)
    _resource(library, tree.district1, [library.literature_topics[0]])
    _resource(library, tree.school_b, [library.math_topics[2]])
    for parent in (tree.province, tree.district1, tree.commune1):
        for row in coverage.coverage_children(org_unit=parent):
            assert (row.topics, row.covered) == coverage.coverage_total(org_unit=row.unit)


def _many_cells(count):
    """Topics in `count` more subject × grade cells, each with a strand and two leaves."""
    for grade_subject in GradeSubject.objects.exclude(topics__isnull=False)[:count]:
        strand = Topic.objects.create(grade_subject=grade_subject, code="M", name="Mạch")
        for i in (1, 2):
            Topic.objects.create(
                grade_subject=grade_subject, code=f"M.{i}", name=f"Bài {i}", parent=strand
            )


def test_the_number_of_queries_does_not_grow_with_cells_or_children(
    library, tree, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        few = coverage.coverage_cells(org_unit=tree.school_a)
    with django_assert_max_num_queries(4):
        coverage.coverage_children(org_unit=tree.commune1)
    _many_cells(30)
    for i in range(12):
        make_school(f"8400010{i:02d}", tree.commune1)
    with django_assert_max_num_queries(3):
        many = coverage.coverage_cells(org_unit=tree.school_a)
    with django_assert_max_num_queries(4):
        children = coverage.coverage_children(org_unit=tree.commune1)
    assert len(many) == len(few) + 30
    assert len(children) == 14


# --- scope ------------------------------------------------------------------------------------


def test_the_units_an_actor_may_read_coverage_of_follow_the_staff_scope(library, tree, users):
    codes = lambda actor: set(coverage.coverage_units_for(actor).values_list("code", flat=True))  # noqa: E731
    assert codes(users.teacher_a) == {tree.school_a.code}
    assert codes(users.admin_c) == {tree.school_c.code}
    assert tree.school_c.code in codes(users.district2)
    assert tree.school_a.code not in codes(users.district2)
    assert codes(users.student_a) == set()
    assert codes(users.outsider) == set()
    assert tree.school_a.code in codes(users.province)


def test_the_default_unit_is_the_top_of_the_actors_scope(library, tree, users):
    assert coverage.coverage_unit_get(actor=users.province) == tree.province
    assert coverage.coverage_unit_get(actor=users.admin_a) == tree.school_a
    with pytest.raises(coverage.OrgUnit.DoesNotExist):
        coverage.coverage_unit_get(actor=users.admin_a, code=tree.school_c.code)
    with pytest.raises(coverage.OrgUnit.DoesNotExist):
        coverage.coverage_unit_get(actor=users.student_a)


def test_after_a_merger_the_default_unit_is_the_officers_current_province(library, tree):
    vinh_long = make_unit("86", "Tỉnh Vĩnh Long", OrgKind.PROVINCE)
    orgunit_close(
        actor=None, unit=tree.province, valid_to=date(2025, 6, 30), successors=[vinh_long]
    )
    officer = UserFactory(username="so_vinhlong")
    role_grant(actor=None, user=officer, role=Role.PROVINCE_OFFICER, org_unit=vinh_long)
    # The officer also reads old Trà Vinh (its predecessor), which sorts first by code.
    assert coverage.coverage_units_for(officer).filter(pk=tree.province.pk).exists()
    assert coverage.coverage_unit_get(actor=officer) == vinh_long


# --- the API ----------------------------------------------------------------------------------


def _api(client, user, **query):
    headers = {"Authorization": f"Bearer {token_create(user=user)}"}
    return client.get("/api/v1/resources/coverage", query, headers=headers)


def test_api_gives_cells_totals_and_uncovered_topics(client, library, tree, users):
    response = _api(client, users.province, org=tree.province.code)
    assert response.status_code == 200
    body = response.json()
    assert (body["org"], body["topics"], body["covered"], body["share"]) == ("84", 5, 1, 0.2)
    math = next(c for c in body["cells"] if c["subject"] == "TOAN")
    assert math == {
        "subject": "TOAN",
        "subject_name": library.math6.display_name,
        "grade": 6,
        "topics": 3,
        "covered": 1,
        "share": 0.3333,
        "uncovered": [
            {"code": "T2", "name": "Phân số"},
            {"code": "T3", "name": "Hình học trực quan"},
        ],
    }


def test_api_defaults_to_the_callers_unit_and_hides_units_outside_scope(
    client, library, tree, users
):
    assert _api(client, users.admin_a).json()["org"] == tree.school_a.code
    assert _api(client, users.admin_a, org=tree.school_c.code).status_code == 404
    assert _api(client, users.admin_a, org="no-such-unit").status_code == 404
    assert _api(client, users.student_a).status_code == 404
    assert client.get("/api/v1/resources/coverage").status_code == 401


# --- the page ---------------------------------------------------------------------------------


def test_page_shows_the_cells_bars_uncovered_topics_and_children(client, library, tree, users):
    client.force_login(users.province)
    response = client.get("/library/coverage/", {"org": tree.commune1.code})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-total-topics="5" data-total-covered="1"' in html
    assert 'data-cell="TOAN-6"' in html and "Hình học trực quan" in html
    assert f'data-child="{tree.school_a.code}"' in html
    assert f'data-child="{tree.school_b.code}"' in html
    assert "<details" in html and 'class="progress-bar' in html
    # The picker offers units of the officer's scope only, the current one selected.
    assert f'<option value="{tree.commune1.code}" selected>' in html


def test_page_filters_by_grade(client, library, tree, users):
    client.force_login(users.province)
    html = client.get("/library/coverage/", {"grade": "7"}).content.decode()
    assert 'data-cell="TOAN-6"' not in html


def test_page_refuses_units_outside_scope_and_non_staff(client, library, tree, users):
    client.force_login(users.admin_a)
    assert client.get("/library/coverage/", {"org": tree.school_c.code}).status_code == 404
    response = client.get("/library/coverage/")
    assert response.status_code == 200
    assert f'<option value="{tree.school_c.code}"' not in response.content.decode()
    client.force_login(users.student_a)
    assert client.get("/library/coverage/").status_code == 403


def test_page_has_an_empty_state_without_topics(client, tree, users):
    client.force_login(users.province)
    response = client.get("/library/coverage/")
    assert response.status_code == 200
    assert "chưa có chủ đề" in response.content.decode()


def test_a_published_video_without_topics_changes_nothing(library, tree):
    make_resource(
        title="Video",
        type=ResourceType.VIDEO,
        org_unit=tree.school_a,
        status=ResourceStatus.PUBLISHED,
        sharing=Sharing.PROVINCE,
    )
    assert coverage.coverage_total(org_unit=tree.province) == (5, 1)
