"""Results summaries of a class, a school and an area through the Django test client: counts and
shares per learning level, missing subjects, rollup over child units, drill-down links, scope,
the xlsx exports, the empty state with its compute action, and bounded query counts."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from hocso.accounts.models import AuditEntry, Role
from hocso.accounts.scope import forget_scope
from hocso.accounts.services import role_grant
from hocso.assessment import services
from hocso.assessment.models import LearningResult, Level, LockStatus
from hocso.orgs.models import SchoolType
from hocso.registry import services as registry

from ..factories import UserFactory, make_school, make_year
from .conftest import enrol, full_term, put_scores, teacher_user

GOOD, FAIR, PASS, FAIL = Level.GOOD, Level.FAIR, Level.PASS, Level.FAIL


def compute(school, year, term=None):
    services.results_compute(actor=None, school=school, year=year, term=term)


def grade_class(school, year, name, learners, *, grade=6, start=0):
    school_class = registry.class_create(
        actor=None, school=school, year=year, grade=grade, name=name
    )
    return school_class, enrol(school_class, learners, start=start)


def give(school_class, learners, scored, term=1, **overrides):
    """Every learner gets every counted subject at `scored` (9 → Tốt, 7 → Khá, 5.5 → Đạt,
    3 → Chưa đạt), minus/plus the overrides."""
    for learner in learners:
        put_scores(school_class, learner, term, full_term(school_class.grade, scored, **overrides))


@pytest.fixture
def school_d(tree):
    """A second lower secondary school in Phường 1, next to school A."""
    return make_school("84000004", tree.commune1, SchoolType.LOWER_SECONDARY, "THCS Phường 1")


@pytest.fixture
def filled(people, school_d):
    """School A, term I: 6A1 (3 learners: Tốt, Khá, one missing TIN) and 7A1 (2 learners: Đạt,
    Chưa đạt) plus one learner of 7A1 with no score; school D: 6B1 (4 learners: 3 Tốt, 1 Khá)."""
    good, fair, partial = people.learners
    give(people.school_class, [good], 9)
    give(people.school_class, [fair], 7)
    values = full_term(6)
    del values["TIN"]
    put_scores(people.school_class, partial, 1, values)
    class_7, learners_7 = grade_class(people.school, people.year, "7A1", 3, grade=7, start=10)
    give(class_7, [learners_7[0]], 5.5)
    give(class_7, [learners_7[1]], 3)
    compute(people.school, people.year, term=1)
    class_d, learners_d = grade_class(school_d, people.year, "6B1", 4, start=20)
    give(class_d, learners_d[:3], 9)
    give(class_d, learners_d[3:], 7)
    compute(school_d, people.year, term=1)
    return class_7, class_d


def level_counts(row) -> dict:
    return {share.key: share.count for share in row.shares}


def get(client, user, name, pk, **params):
    client.force_login(user)
    return client.get(reverse(f"assessment:{name}", args=[pk]), params)


# --- the class -------------------------------------------------------------------------------


def test_the_class_page_counts_levels_with_shares_and_lists_missing_subjects(
    client, people, filled
):
    response = get(client, people.homeroom, "class_results", people.school_class.pk, term=1)

    assert response.status_code == 200
    row = response.context["row"]
    assert level_counts(row) == {
        GOOD: 1, FAIR: 1, PASS: 0, FAIL: 0, "incomplete": 1, "no_result": 0,
    }  # fmt: skip
    assert {s.key: str(s.percent) for s in row.shares}[GOOD] == "33.3"
    [missing] = response.context["missing"]
    assert (missing["subject"].code, missing["lacking"]) == ("TIN", 1)
    tin_book = reverse("assessment:gradebook", args=[people.school_class.pk, "TIN", 1])
    assert [b["url"] for b in missing["books"]] == [tin_book]
    assert tin_book in response.content.decode()
    assert [s["status"] for s in response.context["statuses"]] == [LockStatus.OPEN]
    statuses = [(r.student.pk, r.status_key, r.missing) for r in response.context["learners"]]
    good, fair, partial = people.learners
    assert sorted(statuses) == sorted(
        [(good.pk, GOOD, []), (fair.pk, FAIR, []), (partial.pk, "incomplete", ["Tin học"])]
    )


def test_the_class_page_shows_conduct_days_absent_and_the_locked_term(client, people, filled):
    learner = people.learners[0]
    services.term_record_save(
        actor=None, student=learner, school_class=people.school_class, term=1, days_absent=3,
        conduct=Level.GOOD,
    )  # fmt: skip
    services.gradebook_review(actor=people.homeroom, school_class=people.school_class, term=1)
    services.gradebook_approve_lock(
        actor=people.principal, school_class=people.school_class, term=1
    )

    response = get(client, people.teacher, "class_results", people.school_class.pk, term=1)

    row = next(r for r in response.context["learners"] if r.student.pk == learner.pk)
    assert (row.conduct, row.days_absent) == ("Tốt", 3)
    others = [r for r in response.context["learners"] if r.student.pk != learner.pk]
    assert {(r.conduct, r.days_absent) for r in others} == {("", None)}
    assert response.context["statuses"][0]["locked"]
    assert "Đã duyệt và khóa" in response.content.decode()


def test_the_year_tab_counts_learners_without_a_year_result_and_links_both_term_books(
    client, people, filled
):
    response = get(client, people.homeroom, "class_results", people.school_class.pk, term=0)

    assert level_counts(response.context["row"])["no_result"] == 3
    assert len(response.context["statuses"]) == 2
    toan = next(m for m in response.context["missing"] if m["subject"].code == "TOAN")
    assert [b["url"] for b in toan["books"]] == [
        reverse("assessment:gradebook", args=[people.school_class.pk, "TOAN", t]) for t in (1, 2)
    ]


def test_without_a_term_the_class_page_opens_the_latest_period_with_results(client, people, filled):
    response = get(client, people.homeroom, "class_results", people.school_class.pk)

    assert response.context["term"] == 1
    tabs = {t["label"]: t["has_results"] for t in response.context["tabs"]}
    assert tabs == {"Học kì I": True, "Học kì II": False, "Cả năm": False}


def test_a_class_without_results_shows_the_empty_state_with_the_compute_action(client, people):
    response = get(client, people.admin, "class_results", people.school_class.pk, term=1)

    page = response.content.decode()
    assert "Chưa có kết quả — hãy tính kết quả" in page
    assert reverse("assessment:results_compute", args=[people.school.pk]) in page
    assert f"hocso compute-results --school {people.school.code} --year 2025-2026" in page
    assert level_counts(response.context["row"])["no_result"] == 3
    as_teacher = get(client, people.teacher, "class_results", people.school_class.pk, term=1)
    # A teacher cannot compute: the command is shown, not the button.
    assert reverse("assessment:results_compute", args=[people.school.pk]) not in (
        as_teacher.content.decode()
    )


def test_primary_classes_and_schools_say_they_have_no_circular_22_results(
    client, users, tree, year
):
    school_class, _learners = grade_class(tree.school_b, year, "1A", 2, grade=1)
    client.force_login(users.province)

    for response in (
        client.get(reverse("assessment:class_results", args=[school_class.pk])),
        client.get(reverse("assessment:school_results", args=[tree.school_b.pk])),
    ):
        page = response.content.decode()
        assert "Không có kết quả học tập theo Thông tư 22" in page
        assert "hãy tính kết quả" not in page
        assert reverse("assessment:results_compute", args=[tree.school_b.pk]) not in page


def test_the_class_page_reads_in_the_same_number_of_queries_whatever_the_class_size(
    client, people, django_assert_max_num_queries
):
    def page_queries(school_class) -> int:
        client.force_login(people.admin)
        url = reverse("assessment:class_results", args=[school_class.pk])
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"term": 1})
        assert response.status_code == 200
        return len(captured)

    small, small_learners = grade_class(people.school, people.year, "6A2", 2, start=30)
    large, large_learners = grade_class(people.school, people.year, "6A3", 25, start=40)
    give(small, small_learners, 8)
    give(large, large_learners, 8)
    for learner in (small_learners[0], large_learners[0]):
        services.term_record_save(
            actor=None, student=learner, school_class=small if learner in small_learners
            else large, term=1, days_absent=1, conduct=Level.FAIR,
        )  # fmt: skip
    compute(people.school, people.year, term=1)

    page_queries(small)  # warm the session and the scope
    assert page_queries(small) == page_queries(large)
    client.force_login(people.admin)
    with django_assert_max_num_queries(20):
        client.get(reverse("assessment:class_results", args=[large.pk]), {"term": 1})


# --- the school ------------------------------------------------------------------------------


def test_the_school_page_sums_grades_into_a_total_and_links_each_class(client, people, filled):
    class_7, _class_d = filled

    response = get(client, people.admin, "school_results", people.school.pk, term=1)

    assert response.status_code == 200
    grades = {r.extra["grade"]: level_counts(r) for r in response.context["grade_rows"]}
    assert grades[6] == {GOOD: 1, FAIR: 1, PASS: 0, FAIL: 0, "incomplete": 1, "no_result": 0}
    assert grades[7] == {GOOD: 0, FAIR: 0, PASS: 1, FAIL: 1, "incomplete": 0, "no_result": 1}
    total = response.context["total"]
    assert level_counts(total) == {
        GOOD: 1, FAIR: 1, PASS: 1, FAIL: 1, "incomplete": 1, "no_result": 1,
    }  # fmt: skip
    assert total.learners == 6
    assert [r.label for r in response.context["class_rows"]] == ["6A1", "7A1"]
    page = response.content.decode()
    for school_class in (people.school_class, class_7):
        assert reverse("assessment:class_results", args=[school_class.pk]) + "?term=1" in page


def test_the_school_page_offers_the_school_years_that_have_results(client, people, filled):
    older = make_year("2024-2025")
    response = get(client, people.admin, "school_results", people.school.pk)

    assert [y.code for y in response.context["years"]] == ["2025-2026"]
    assert response.context["year"] == people.year
    assert older not in response.context["years"]
    empty = get(client, people.admin, "school_results", people.school.pk, year="2024-2025")
    assert empty.status_code == 200
    assert "Chưa có kết quả — hãy tính kết quả" in empty.content.decode()
    assert get(client, people.admin, "school_results", people.school.pk, year="1999-2000")\
        .status_code == 404  # fmt: skip


def test_the_compute_button_computes_the_school_and_comes_back(client, people):
    give(people.school_class, people.learners, 9)
    client.force_login(people.admin)
    back = reverse("assessment:class_results", args=[people.school_class.pk]) + "?term=1"

    response = client.post(
        reverse("assessment:results_compute", args=[people.school.pk]),
        {"year": "2025-2026", "next": back},
    )

    assert response.status_code == 302
    assert response["Location"] == back
    assert LearningResult.objects.filter(school=people.school, term=1, level=GOOD).count() == 3


def test_only_who_may_write_at_the_school_computes_and_only_by_post(client, people, users):
    url = reverse("assessment:results_compute", args=[people.school.pk])
    client.force_login(people.teacher)
    assert client.post(url, {"year": "2025-2026"}).status_code == 403
    client.force_login(users.admin_c)
    assert client.post(url, {"year": "2025-2026"}).status_code == 404
    client.force_login(people.admin)
    assert client.get(url).status_code == 405
    assert not LearningResult.objects.exists()


# --- the area --------------------------------------------------------------------------------


def test_the_commune_page_has_one_row_per_school_and_a_total(client, users, tree, filled, school_d):
    response = get(client, users.province, "area_results", tree.commune1.pk, term=1)

    assert response.status_code == 200
    rows = {r.obj.code: r for r in response.context["rows"]}
    # School B is a primary school: no Circular 22 results, so no row (and a note instead).
    assert set(rows) == {tree.school_a.code, school_d.code}
    assert response.context["without_schools"] == 1
    assert level_counts(rows[school_d.code]) == {
        GOOD: 3, FAIR: 1, PASS: 0, FAIL: 0, "incomplete": 0, "no_result": 0,
    }  # fmt: skip
    total = response.context["total"]
    assert level_counts(total) == {
        GOOD: 4, FAIR: 2, PASS: 1, FAIL: 1, "incomplete": 1, "no_result": 1,
    }  # fmt: skip
    assert (total.extra["schools_with_results"], total.extra["schools"]) == (2, 2)
    page = response.content.decode()
    school_link = reverse("assessment:school_results", args=[school_d.pk])
    assert f"{school_link}?year=2025-2026&amp;term=1" in page


def test_the_province_rolls_two_schools_up_into_their_district_by_summing_counts(
    client, users, tree, filled
):
    response = get(client, users.province, "area_results", tree.province.pk, term=1)

    rows = {r.obj.code: r for r in response.context["rows"]}
    assert level_counts(rows[tree.district1.code]) == {
        GOOD: 4, FAIR: 2, PASS: 1, FAIL: 1, "incomplete": 1, "no_result": 1,
    }  # fmt: skip
    assert rows[tree.district1.code].learners == 10
    # Summed counts, never averaged shares: 4 of 10, not the mean of 1/6 and 3/4.
    assert {s.key: str(s.percent) for s in rows[tree.district1.code].shares}[GOOD] == "40.0"
    assert rows[tree.district2.code].learners == 0
    drill = reverse("assessment:area_results", args=[tree.district1.pk])
    assert drill + "?year=2025-2026&amp;term=1" in response.content.decode()
    district = get(client, users.province, "area_results", tree.district1.pk, term=1)
    [commune] = district.context["rows"]
    assert level_counts(commune) == level_counts(rows[tree.district1.code])


def test_the_area_selector_rolls_up_in_a_fixed_number_of_queries(
    people, users, tree, filled, django_assert_max_num_queries
):
    from hocso.assessment import selectors

    forget_scope(users.province)  # the scope's own query counts too
    with django_assert_max_num_queries(5):
        rows = selectors.area_summary_by_child(
            actor=users.province, unit=tree.province, year=people.year, term=1
        )
    assert {r.unit.code for r in rows} == {tree.district1.code, tree.district2.code}


def test_an_area_without_results_shows_the_empty_state(client, users, tree, year):
    response = get(client, users.province, "area_results", tree.province.pk)

    assert response.status_code == 200
    assert "Chưa có kết quả — hãy tính kết quả" in response.content.decode()
    assert response.context["total"].learners == 0


# --- scope -----------------------------------------------------------------------------------


def test_every_summary_page_is_a_404_outside_the_actors_read_scope(client, people, users, tree):
    teacher_c, _staff = teacher_user("teacher_c", tree.school_c)
    pages = [
        ("class_results", people.school_class.pk),
        ("class_results_export", people.school_class.pk),
        ("school_results", people.school.pk),
        ("school_results_export", people.school.pk),
        ("area_results", tree.commune1.pk),
        ("area_results_export", tree.commune1.pk),
    ]
    for actor in (teacher_c, users.district2, users.student_a, users.guardian_a):
        for name, pk in pages:
            assert get(client, actor, name, pk).status_code == 404, (actor.username, name)
    # Staff of school A read their school, not the commune above it.
    assert get(client, people.teacher, "school_results", people.school.pk).status_code == 200
    assert get(client, users.admin_a, "area_results", tree.commune1.pk).status_code == 404
    # A school is not an area, and an area is not a school.
    assert get(client, users.province, "area_results", people.school.pk).status_code == 404
    assert get(client, users.province, "school_results", tree.commune1.pk).status_code == 404


def test_the_org_pages_link_to_the_results_only_for_those_who_may_open_them(
    client, people, users, tree
):
    area_link = reverse("assessment:area_results", args=[tree.commune1.pk])
    client.force_login(users.province)
    assert area_link in client.get(reverse("orgs:tree"), {"unit": tree.commune1.code}).content\
        .decode()  # fmt: skip
    client.force_login(users.admin_a)
    assert area_link not in client.get(reverse("orgs:tree"), {"unit": tree.commune1.code})\
        .content.decode()  # fmt: skip
    school_page = client.get(reverse("orgs:school", args=[people.school.code])).content.decode()
    assert reverse("assessment:school_results", args=[people.school.pk]) in school_page
    class_page = client.get(reverse("registry:class", args=[people.school_class.pk]))
    assert reverse("assessment:class_results", args=[people.school_class.pk]) in (
        class_page.content.decode()
    )


# --- exports ---------------------------------------------------------------------------------


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content), read_only=True)


def sheet_rows(book, index):
    return [list(row) for row in book.worksheets[index].iter_rows(values_only=True)]


def test_the_class_export_has_the_page_numbers_and_is_audited_as_personal_data(
    client, people, filled
):
    page = get(client, people.homeroom, "class_results", people.school_class.pk, term=1)
    response = get(client, people.homeroom, "class_results_export", people.school_class.pk,
                   term=1)  # fmt: skip

    book = workbook(response)
    summary = sheet_rows(book, 0)
    assert [r[1] for r in summary[1:-1]] == [s.count for s in page.context["row"].shares]
    assert summary[1][2] == pytest.approx(33.3)
    learners = sheet_rows(book, 1)
    assert len(learners) == 1 + 3
    assert sorted(r[3] for r in learners[1:]) == ["Chưa đủ điểm", "Khá", "Tốt"]
    assert sheet_rows(book, 2)[1] == ["Tin học", 1]
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="results.export")
    assert (entry.actor, entry.org_unit, entry.detail["kind"], entry.detail["personal"]) == (
        people.homeroom, people.school, "class", True,
    )  # fmt: skip
    assert entry.detail["rows"] == 3


def test_the_school_and_area_exports_have_the_page_numbers_and_are_audited(
    client, people, users, tree, filled
):
    page = get(client, users.province, "school_results", people.school.pk, term=1)
    school_file = workbook(
        get(client, users.province, "school_results_export", people.school.pk, term=1)
    )
    by_grade = sheet_rows(school_file, 0)
    total_row = by_grade[-1]
    total = page.context["total"]
    assert total_row[1] == total.learners
    assert total_row[2::2] == [s.count for s in total.shares]
    assert total_row[3::2] == [pytest.approx(float(s.percent)) for s in total.shares]
    assert [r[0] for r in sheet_rows(school_file, 1)[1:]] == ["6A1", "7A1"]

    area = get(client, users.province, "area_results", tree.province.pk, term=1)
    area_file = sheet_rows(
        workbook(get(client, users.province, "area_results_export", tree.province.pk, term=1)), 0
    )
    assert sorted(r[0] for r in area_file[1:-1]) == [tree.district1.code, tree.district2.code]
    assert area_file[-1][1] == "Tổng cộng"
    assert area_file[-1][5] == area.context["total"].learners == 10
    assert area_file[-1][6::2] == [s.count for s in area.context["total"].shares]
    kinds = sorted(
        (e.detail["kind"], e.detail["personal"])
        for e in AuditEntry.objects.filter(action="results.export")
    )
    assert kinds == [("area", False), ("school", False)]


def test_exported_names_cannot_run_as_spreadsheet_formulas(client, people):
    learner = people.learners[0]
    learner.full_name = '=HYPERLINK("http://x")'
    learner.save()
    give(people.school_class, [learner], 9)
    compute(people.school, people.year, term=1)

    rows = sheet_rows(
        workbook(get(client, people.admin, "class_results_export", people.school_class.pk,
                     term=1)), 1,
    )  # fmt: skip

    assert '\'=HYPERLINK("http://x")' in [r[2] for r in rows]


def test_a_province_officer_opens_any_class_of_the_province(client, people, users, filled):
    assert get(client, users.province, "class_results", people.school_class.pk).status_code == 200
    nobody = UserFactory()
    role_grant(actor=None, user=nobody, role=Role.TEACHER, org_unit=people.school)
    assert get(client, nobody, "class_results", people.school_class.pk).status_code == 200
