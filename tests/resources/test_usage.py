"""Usage counting (resources/usage.py): the upsert, its race, the scoped summary and the page."""

import threading
from datetime import date, datetime

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from hocso.accounts.models import Role
from hocso.accounts.services import role_grant
from hocso.resources import usage
from hocso.resources.models import Rating, UsageCount, UsageKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _count(**filters) -> int:
    return sum(UsageCount.objects.filter(**filters).values_list("count", flat=True))


# --- recording --------------------------------------------------------------------------------


def test_the_first_view_inserts_a_row_and_the_next_ones_add_to_it(library, users, tree):
    for _ in range(3):
        usage.usage_record(resource=library.province_pdf, user=users.student_a, kind=UsageKind.VIEW)
    row = UsageCount.objects.get()
    assert (row.school, row.kind, row.count) == (tree.school_a, UsageKind.VIEW, 3)
    assert row.month == timezone.localdate().replace(day=1)


def test_kinds_months_and_schools_are_counted_apart(library, users, tree):
    pdf = library.province_pdf
    usage.usage_record(resource=pdf, user=users.teacher_a, kind=UsageKind.VIEW)
    usage.usage_record(resource=pdf, user=users.teacher_a, kind=UsageKind.DOWNLOAD)
    usage.usage_record(resource=pdf, user=users.admin_c, kind=UsageKind.VIEW)
    usage.usage_record(
        resource=pdf, user=users.teacher_a, kind=UsageKind.VIEW, when=date(2025, 12, 31)
    )
    usage.usage_record(
        resource=pdf, user=users.teacher_a, kind=UsageKind.VIEW, when=date(2026, 1, 1)
    )
    assert UsageCount.objects.count() == 5
    assert _count(school=tree.school_a, month=date(2025, 12, 1)) == 1
    assert _count(school=tree.school_a, month=date(2026, 1, 1)) == 1
    assert _count(school=tree.school_c) == 1


def test_users_outside_any_school_share_one_row_per_month_and_kind(library, users):
    usage.usage_record(resource=library.province_pdf, user=users.province, kind=UsageKind.VIEW)
    usage.usage_record(resource=library.province_pdf, user=users.outsider, kind=UsageKind.VIEW)
    usage.usage_record(resource=library.province_pdf, user=None, kind=UsageKind.VIEW)
    row = UsageCount.objects.get()
    assert (row.school, row.count) == (None, 3)


def test_an_unknown_kind_is_refused(library, users):
    with pytest.raises(ValueError):
        usage.usage_record(resource=library.province_pdf, user=users.teacher_a, kind="like")


def test_an_insert_lost_to_another_request_adds_to_the_winners_row(library, users, monkeypatch):
    """The race: our UPDATE finds no row, another request inserts it before our INSERT; ours is
    refused by the unique constraint inside a savepoint and the UPDATE is retried."""
    real = usage._increment
    calls = []

    def racing(filters):
        calls.append(filters)
        if len(calls) == 1:
            UsageCount.objects.create(count=1, **filters)  # the other request wins
            return 0
        return real(filters)

    monkeypatch.setattr(usage, "_increment", racing)
    for user in (users.teacher_a, users.province):  # a school row and a null-school row
        calls.clear()
        with transaction.atomic():  # the caller's own transaction survives the refused INSERT
            usage.usage_record(resource=library.province_pdf, user=user, kind=UsageKind.VIEW)
            assert UsageCount.objects.filter(resource=library.province_pdf).exists()
        assert len(calls) == 2
    assert sorted(UsageCount.objects.values_list("count", flat=True)) == [2, 2]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_concurrent_views_lose_no_count(library, users):
    errors = []

    def work(user):
        try:
            for _ in range(25):
                usage.usage_record(resource=library.province_pdf, user=user, kind=UsageKind.VIEW)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=work, args=(user,))
        for user in (users.teacher_a, users.student_a, users.province, None) * 2
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _count(school__isnull=False) == 100
    assert _count(school__isnull=True) == 100
    assert UsageCount.objects.count() == 2


# --- the summary ------------------------------------------------------------------------------


@pytest.fixture
def used(library, users, tree):
    """School A: 3 views + 1 download of the PDF this month, 2 views last month; school C:
    1 view of the PDF and 4 of its video this month; a Department officer (no school): 5
    views of the PDF. Ratings: the PDF 4 and 5 stars, the video 3."""
    this_month = timezone.localdate().replace(day=1)
    last_month = usage.months_back(this_month, 2)
    pdf, video = library.province_pdf, library.school_c_video
    record = usage.usage_record
    for _ in range(3):
        record(resource=pdf, user=users.teacher_a, kind=UsageKind.VIEW)
    record(resource=pdf, user=users.student_a, kind=UsageKind.DOWNLOAD)
    for _ in range(2):
        record(resource=pdf, user=users.teacher_a, kind=UsageKind.VIEW, when=last_month)
    record(resource=pdf, user=users.admin_c, kind=UsageKind.VIEW)
    for _ in range(4):
        record(resource=video, user=users.admin_c, kind=UsageKind.VIEW)
    for _ in range(5):
        record(resource=pdf, user=users.province, kind=UsageKind.VIEW)
    Rating.objects.create(resource=pdf, user=users.teacher_a, stars=4)
    Rating.objects.create(resource=pdf, user=users.admin_c, stars=5)
    Rating.objects.create(resource=video, user=users.admin_c, stars=3)
    return this_month, last_month


def test_the_province_officer_sees_every_school_and_the_totals(used, users, tree, library):
    this_month, last_month = used
    summary = usage.usage_summary(actor=users.province)
    assert (summary.views, summary.downloads, summary.completions) == (15, 1, 0)
    schools = {r.school_code: (r.views, r.downloads) for r in summary.by_school}
    assert schools == {tree.school_a.code: (5, 1), tree.school_c.code: (5, 0), "": (5, 0)}
    months = {r.month: r.total for r in summary.by_month}
    assert len(summary.by_month) == 12 and months[this_month] == 14 and months[last_month] == 2
    assert [(r.title, r.views) for r in summary.top_resources] == [
        (library.province_pdf.title, 11),
        (library.school_c_video.title, 4),
    ]
    assert summary.top_resources[0].rating_average == 4.5
    assert summary.top_resources[0].rating_count == 2
    assert (summary.rating_average, summary.rating_count) == (4.0, 3)


def test_a_school_admin_sees_their_school_only(used, users, tree):
    summary = usage.usage_summary(actor=users.admin_c)
    assert {r.school_code for r in summary.by_school} == {tree.school_c.code}
    assert (summary.views, summary.downloads) == (5, 0)
    # Ratings of the resources their school owns: the video.
    assert (summary.rating_average, summary.rating_count) == (3.0, 1)


def test_a_draft_previewed_by_its_contributor_is_not_named_to_the_rest_of_the_school(
    library, users, tree
):
    usage.usage_record(resource=library.draft_a, user=users.teacher_a, kind=UsageKind.VIEW)
    colleague = UserFactory(username="teacher_a2")
    role_grant(actor=None, user=colleague, role=Role.TEACHER, org_unit=tree.school_a)
    titles = {r.title for r in usage.usage_summary(actor=colleague).top_resources}
    assert library.draft_a.title not in titles
    mine = {r.title for r in usage.usage_summary(actor=users.teacher_a).top_resources}
    assert library.draft_a.title in mine


def test_users_outside_schools_count_for_the_readers_of_the_resources_owner(used, users, tree):
    # The Department officer's 5 views of school A's PDF: school A's admin sees them.
    summary = usage.usage_summary(actor=users.admin_a)
    schools = {r.school_code: r.views for r in summary.by_school}
    assert schools == {tree.school_a.code: 5, "": 5}


def test_learners_and_outsiders_see_nothing(used, users):
    for actor in (users.student_a, users.guardian_a, users.outsider):
        summary = usage.usage_summary(actor=actor)
        assert (summary.total, summary.rows, summary.top_resources) == (0, [], [])


def test_the_summary_narrows_to_a_unit_a_resource_and_a_period(used, users, tree, library):
    by_unit = usage.usage_summary(actor=users.province, org_unit=tree.district2)
    assert (by_unit.views, {r.school_code for r in by_unit.by_school}) == (5, {tree.school_c.code})
    by_resource = usage.usage_summary(actor=users.province, resource=library.school_c_video)
    assert by_resource.views == 4
    this_month_only = usage.usage_summary(actor=users.province, months=1)
    assert this_month_only.views == 13 and len(this_month_only.by_month) == 1


def test_the_summary_takes_a_fixed_number_of_queries(
    used, users, tree, library, django_assert_max_num_queries
):
    # Scope, the rows, ratings, the top list (filtered by what the actor may open: their units
    # and provinces) — not one query per school, month or resource.
    with django_assert_max_num_queries(7):
        usage.usage_summary(actor=users.province)


def test_month_helpers_cross_year_boundaries():
    assert usage.months_back(date(2026, 2, 1), 3) == date(2025, 12, 1)
    assert usage.next_month(date(2025, 12, 1)) == date(2026, 1, 1)
    aware = timezone.make_aware(datetime(2026, 3, 31, 23, 30))
    assert usage.month_start(aware) == date(2026, 3, 1)


# --- the page ---------------------------------------------------------------------------------


def test_page_shows_totals_months_top_resources_and_schools(client, used, users, tree, library):
    client.force_login(users.province)
    response = client.get("/library/usage/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-total="views">15<' in html
    assert 'data-total="downloads">1<' in html
    assert f'data-resource="{library.province_pdf.pk}"' in html
    assert f'data-school="{tree.school_c.code}"' in html
    assert "4,0 ★" in html or "4.0 ★" in html


def test_page_for_one_resource_and_its_scope(client, used, users, tree, library):
    client.force_login(users.admin_a)
    assert client.get("/library/usage/", {"org": tree.school_c.code}).status_code == 404
    # The video is school C's (shared within C): not visible to school A's admin.
    response = client.get("/library/usage/", {"resource": library.school_c_video.pk})
    assert response.status_code == 404
    response = client.get("/library/usage/", {"resource": library.province_pdf.pk})
    assert response.status_code == 200
    assert library.province_pdf.title in response.content.decode()
    client.force_login(users.student_a)
    assert client.get("/library/usage/").status_code == 403


def test_page_has_an_empty_state(client, library, users):
    client.force_login(UserFactory(is_superuser=True, username="goc"))
    response = client.get("/library/usage/")
    assert response.status_code == 200
    assert "Chưa có lượt sử dụng nào" in response.content.decode()
