"""session_analyse: the matrix built from stored responses, what is stored, who may run it.

The fixture's form asks, in order: three single-choice items (right answer = option 0, 1
point each), a multiple response, a 2025 true/false, a short numeric (3,5) and an essay of
2 points (analysis_setup.py adds candidates and their responses).
"""

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from hocso.exams.analysis import session_analyse, stored_items
from hocso.exams.models import Attempt, AttemptStatus, ItemAnalysis, Response
from hocso.questions.models import Item

from .analysis_setup import (
    ESSAY,
    MR,
    NUM,
    SC1,
    SC2,
    SC3,
    TF4,
    candidates,
    example_a,
    respond,
    simulated,
)

pytestmark = pytest.mark.django_db


def by_item(exam):
    return {row.item_id: row for row in ItemAnalysis.objects.filter(session=exam.session)}


def test_classical_statistics_are_stored_per_item(exam):
    example_a(exam)
    outcome = session_analyse(actor=exam.teacher, session=exam.session)
    assert outcome.candidates == 6 and len(outcome.items) == 7
    rows = by_item(exam)
    sc1, sc2, num = (rows[exam.items[k].pk] for k in (SC1, SC2, NUM))
    # Example A (test_stats.py): p = 5/6, 1/2, 1/3; r = 1/(2√10), 1/√5, −2/√82.
    assert sc1.facility == pytest.approx(5 / 6, abs=1e-4)
    assert sc1.point_biserial == pytest.approx(1 / (2 * np.sqrt(10)), abs=1e-4)
    assert sc2.point_biserial == pytest.approx(1 / np.sqrt(5), abs=1e-4)
    assert sc2.upper_lower == 1.0
    assert num.facility == pytest.approx(1 / 3, abs=1e-4)
    assert num.point_biserial == pytest.approx(-2 / np.sqrt(82), abs=1e-4)
    assert num.flags == ["negative_discrimination"]
    # Nobody answered the multiple response: asked and unanswered is 0, p = 0, too hard.
    assert rows[exam.items[MR].pk].facility == 0.0
    assert rows[exam.items[MR].pk].flags == ["too_hard"]
    assert rows[exam.items[MR].pk].responses == 6


def test_the_session_keeps_the_test_statistics(exam):
    example_a(exam)
    session_analyse(actor=exam.teacher, session=exam.session)
    exam.session.refresh_from_db()
    summary = exam.session.analysis
    # Seven items, three of them all zero (no variance): α = 7/6 · (1 − (31/36)/(41/36))
    # = 7/6 · 10/41 = 35/123. Totals 4,3,2,2,1,1 of 8 points → 10-point mean 13/6 · 10/8.
    assert summary["reliability"] == pytest.approx(35 / 123, abs=1e-4)
    # Every fraction is 0 or 1 (unanswered items score 0): KR-20 applies and equals α.
    assert summary["kr20"] == pytest.approx(35 / 123, abs=1e-4)
    assert summary["candidates"] == 6 and summary["items"] == 7
    assert summary["mean"] == pytest.approx(13 / 6 * 10 / 8, abs=1e-4)
    assert sum(summary["distribution"]) == 6
    assert summary["irt"] is None
    assert exam.session.analysed_at is not None


def test_distractors_count_original_options_and_blanks(exam):
    attempts = candidates(exam, 5)
    for attempt, answer in zip(attempts, [0, 0, 2, None], strict=False):
        respond(exam, attempt, SC1, answer, score=1 if answer == 0 else 0)
    respond(exam, attempts[0], MR, [0, 1], score="1")
    session_analyse(actor=exam.teacher, session=exam.session)
    rows = by_item(exam)
    # Five asked: two chose 0, one chose 2, one sent no answer, one never answered.
    assert rows[exam.items[SC1].pk].distractors == {"0": 2, "1": 0, "2": 1, "3": 0, "blank": 2}
    assert rows[exam.items[MR].pk].distractors == {"0": 1, "1": 1, "2": 0, "blank": 4}
    assert rows[exam.items[NUM].pk].distractors == {}


def test_unscored_responses_are_scored_by_the_rules_and_essays_wait(exam):
    attempts = candidates(exam, 4)
    respond(exam, attempts[0], SC1, 0)  # right, score not yet written by grading
    respond(exam, attempts[1], SC1, 3)
    respond(exam, attempts[0], TF4, [True, False, True, True])  # 3 of 4 right → 0.5
    respond(exam, attempts[0], ESSAY, "Bước 1 …")  # not graded yet: not known
    respond(exam, attempts[1], ESSAY, "…", score="1")  # half of 2 points
    session_analyse(actor=exam.teacher, session=exam.session)
    rows = by_item(exam)
    assert rows[exam.items[SC1].pk].facility == pytest.approx(1 / 4)
    assert rows[exam.items[TF4].pk].facility == pytest.approx(0.5 / 4)
    essay = rows[exam.items[ESSAY].pk]
    assert essay.responses == 3  # the ungraded essay is left out
    assert essay.facility == pytest.approx(0.5 / 3, abs=1e-4)


def test_only_submitted_attempts_count(exam):
    attempts = candidates(exam, 4)
    respond(exam, attempts[0], SC1, 0, score=1)
    Attempt.objects.filter(pk=attempts[0].pk).update(status=AttemptStatus.IN_PROGRESS)
    outcome = session_analyse(actor=exam.teacher, session=exam.session)
    assert outcome.candidates == 3
    assert by_item(exam)[exam.items[SC1].pk].facility == 0.0


def test_item_statistics_reach_the_question_bank(exam):
    example_a(exam)
    session_analyse(actor=exam.teacher, session=exam.session)
    item = Item.objects.get(pk=exam.items[SC1].pk)
    assert item.difficulty == pytest.approx(5 / 6, abs=1e-4)
    assert item.discrimination == pytest.approx(1 / (2 * np.sqrt(10)), abs=1e-4)
    assert item.stats_responses == 6 and item.stats_at is not None
    assert item.irt_model == "" and item.irt_b is None


def test_irt_calibration_stores_item_parameters_and_abilities(exam):
    attempts, _theta = simulated(exam)
    outcome = session_analyse(actor=exam.teacher, session=exam.session, model="2pl")
    assert outcome.calibration is not None
    rows = by_item(exam)
    b = [rows[exam.items[k].pk].irt_b for k in (SC1, SC2, SC3, NUM)]
    assert all(value is not None for value in b)
    assert rows[exam.items[SC1].pk].irt_model == "2pl"
    # Items nobody got right (MR, TF4 unanswered) have no finite difficulty.
    assert rows[exam.items[MR].pk].irt_b is None
    item = Item.objects.get(pk=exam.items[SC2].pk)
    assert item.irt_model == "2pl" and item.irt_b == rows[item.pk].irt_b
    stored = dict(Attempt.objects.filter(session=exam.session).values_list("pk", "theta"))
    estimates = np.array([stored[a.pk] for a in attempts])
    assert np.all(np.isfinite(estimates))
    assert Attempt.objects.filter(session=exam.session, theta_se__gt=0).count() == 40
    exam.session.refresh_from_db()
    irt_summary = exam.session.analysis["irt"]
    assert irt_summary["model"] == "2pl" and irt_summary["candidates"] == 40
    assert isinstance(irt_summary["converged"], bool) and irt_summary["iterations"] >= 1


def test_rasch_reports_a_equal_to_one_and_orders_abilities_by_raw_score(exam):
    attempts, _theta = simulated(exam)
    session_analyse(actor=exam.teacher, session=exam.session, model="rasch")
    row = by_item(exam)[exam.items[SC1].pk]
    assert row.irt_model == "rasch" and row.irt_a == 1.0
    # Under Rasch the number right is a sufficient statistic: equal raw scores, equal θ.
    stored = dict(Attempt.objects.filter(session=exam.session).values_list("pk", "theta"))
    raw = dict(
        Response.objects.filter(attempt__session=exam.session, score=1)
        .values("attempt").annotate(n=Count("pk")).values_list("attempt", "n")
    )  # fmt: skip
    by_raw = {}
    for attempt in attempts:
        by_raw.setdefault(raw.get(attempt.pk, 0), set()).add(stored[attempt.pk])
    assert all(len(thetas) == 1 for thetas in by_raw.values())
    ordered = [by_raw[k].pop() for k in sorted(by_raw)]
    assert ordered == sorted(ordered) and len(set(ordered)) == len(ordered)


def test_a_classical_rerun_keeps_the_last_calibration_and_updates_rows_in_place(exam):
    simulated(exam)
    session_analyse(actor=exam.teacher, session=exam.session, model="2pl")
    before = by_item(exam)[exam.items[SC1].pk]
    session_analyse(actor=exam.teacher, session=exam.session)
    assert ItemAnalysis.objects.filter(session=exam.session).count() == 7
    after = by_item(exam)[exam.items[SC1].pk]
    assert after.pk == before.pk
    assert (after.irt_model, after.irt_b) == ("2pl", before.irt_b)
    exam.session.refresh_from_db()
    assert exam.session.analysis["irt"]["model"] == "2pl"


def test_the_number_of_queries_does_not_grow_with_the_candidates(exam):
    simulated(exam, count=10)
    session_analyse(actor=exam.teacher, session=exam.session, model="2pl")  # warm caches
    with CaptureQueriesContext(connection) as small:
        session_analyse(actor=exam.teacher, session=exam.session, model="2pl")
    simulated(exam, count=60, seed=2)
    with CaptureQueriesContext(connection) as large:
        session_analyse(actor=exam.teacher, session=exam.session, model="2pl")
    assert len(large.captured_queries) == len(small.captured_queries)


def test_nobody_submitted_gives_an_empty_analysis(exam):
    outcome = session_analyse(actor=exam.teacher, session=exam.session, model="2pl")
    assert outcome.candidates == 0 and outcome.calibration is None
    assert all(result.stats.facility is None for result in outcome.items)
    exam.session.refresh_from_db()
    assert exam.session.analysis["candidates"] == 0
    assert exam.session.analysis["distribution"] == [0] * 10


def test_only_those_who_manage_the_session_may_analyse(exam, users):
    with pytest.raises(PermissionDenied):
        session_analyse(actor=users.admin_c, session=exam.session)
    with pytest.raises(PermissionDenied):
        session_analyse(actor=exam.learner_users[0], session=exam.session)
    session_analyse(actor=users.admin_a, session=exam.session)  # the school's admin may


def test_an_unknown_model_is_refused(exam):
    with pytest.raises(ValidationError):
        session_analyse(actor=exam.teacher, session=exam.session, model="3pl")


def test_stored_items_come_in_paper_order_with_the_key(exam):
    example_a(exam)
    session_analyse(actor=exam.teacher, session=exam.session)
    items = stored_items(exam.session)
    assert [s.analysis.item_id for s in items] == [i.pk for i in exam.items]
    assert items[SC1].position == "1" and items[SC1].key == [0]
    assert items[MR].key == [0, 1]


# --- the page and the API -----------------------------------------------------------------------


def page(exam):
    return f"/exams/{exam.session.pk}/analysis/"


def test_the_page_shows_an_empty_state_before_anyone_submits(client, exam):
    client.force_login(exam.teacher)
    response = client.get(page(exam))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="analysis-empty"' in body
    assert 'id="analyse-form"' not in body  # nothing to analyse yet


def test_recomputing_with_2pl_then_showing_items_chart_and_reading(client, exam):
    simulated(exam, count=60)
    client.force_login(exam.teacher)
    response = client.post(page(exam), {"model": "2pl"})
    assert response.status_code == 302 and response.url == page(exam)
    body = client.get(page(exam)).content.decode()
    assert 'id="distribution-chart"' in body and '<title id="chart-title">' in body
    assert 'id="distribution-table"' in body  # the table fallback
    assert body.count('<tr id="item-') == 7
    assert 'id="irt-summary"' in body
    assert "Quá khó" in body  # the unanswered items are flagged
    exam.session.refresh_from_db()
    assert exam.session.analysis["irt"]["model"] == "2pl"


def test_the_reliability_reading_is_in_plain_language(client, exam):
    from hocso.exams.views_analysis import _reliability_reading

    assert "bài kiểm tra trên lớp" in str(_reliability_reading(0.72)["text"])
    assert _reliability_reading(0.95)["tone"] == "success"
    assert _reliability_reading(0.3)["tone"] == "danger"
    assert _reliability_reading(None) is None


def test_staff_who_only_see_the_session_may_read_but_not_recompute(client, exam, users):
    simulated(exam, count=10)
    session_analyse(actor=exam.teacher, session=exam.session)
    client.force_login(users.province)  # sees province-wide, manages only what it runs…
    assert client.get(page(exam)).status_code == 200
    client.force_login(users.district2)  # another district: cannot see the session at all
    assert client.get(page(exam)).status_code == 404
    assert client.post(page(exam), {"model": ""}).status_code == 404
    client.force_login(exam.learner_users[0])
    assert client.get(page(exam)).status_code == 404


def test_a_viewer_who_does_not_manage_cannot_post(client, exam, tree):
    from hocso.accounts.models import Role
    from hocso.accounts.services import role_grant

    from ..factories import UserFactory

    colleague = UserFactory(username="gv_khac")
    role_grant(actor=None, user=colleague, role=Role.TEACHER, org_unit=tree.school_a)
    simulated(exam, count=10)
    client.force_login(colleague)
    assert client.get(page(exam)).status_code == 200
    assert client.post(page(exam), {"model": ""}).status_code == 403


def test_the_statistics_api_returns_the_stored_analysis(client, exam, users):
    from hocso.accounts.services import token_create

    simulated(exam, count=60)
    session_analyse(actor=exam.teacher, session=exam.session, model="rasch")
    headers = {"Authorization": f"Bearer {token_create(user=exam.teacher)}"}
    url = f"/api/v1/exams/{exam.session.pk}/statistics"
    body = client.get(url, headers=headers).json()
    assert body["exam"]["code"] == exam.session.code
    assert body["candidates"] == 60 and body["item_count"] == 7
    assert len(body["distribution"]) == 10 and sum(body["distribution"]) == 60
    assert body["irt"]["model"] == "rasch"
    first = body["items"][0]
    assert first["item"] == exam.items[SC1].pk and first["key"] == [0]
    assert set(first["distractors"]) == {"0", "1", "2", "3", "blank"}
    assert first["irt_a"] == 1.0
    outsider = {"Authorization": f"Bearer {token_create(user=users.admin_c)}"}
    assert client.get(url, headers=outsider).status_code == 404


def test_the_statistics_api_before_any_analysis_is_empty(client, exam):
    from hocso.accounts.services import token_create

    headers = {"Authorization": f"Bearer {token_create(user=exam.teacher)}"}
    body = client.get(f"/api/v1/exams/{exam.session.pk}/statistics", headers=headers).json()
    assert body["analysed_at"] is None and body["items"] == [] and body["irt"] is None
